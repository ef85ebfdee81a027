def f(a, b):
    x = a + b * 2
    if x > 3:
        return x // 2
    elif x == 0:
        return -1
    return [x, (a, b)][0] % 7
