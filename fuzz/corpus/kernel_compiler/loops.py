import math
g = 0
def h(n):
    global g
    t = 0.0
    for i in range(n):
        t += math.sqrt(i) if i 