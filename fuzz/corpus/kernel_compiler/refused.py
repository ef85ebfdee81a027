def f(x):
    class C:
        pass
