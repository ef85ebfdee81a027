"""The convoy effect, as a Python runtime really shows it (issue 19).

David Beazley's measurement (bpo-7946): a thread does ROUND_TRIPS one-byte
round trips on a pipe (os.write, then os.read; each call releases the GIL
and takes it back), first alone, then beside SPINNERS threads that spin
`x += 1` and never block. Under a GIL, every time the I/O thread comes back
from the kernel it has to get the lock back from a CPU-bound thread; the
ratio of the two times is the convoy factor.

txray bench --calibrate runs this file under python3 and pypy3 and sets the
figure beside the one its latency probe measures for each profile (the
probe does the same thing through the profile's backend). Usage:

    python3 convoy.py [--round-trips N] [--spinners K] [--repeat R]

Prints one line: convoy alone_s A beside_s B round_trips N spinners K
runtime IMPL VERSION (the median of R repetitions of each, default 5, so
one scheduling hiccup does not decide the figure). On a loaded machine the
spinner may not run at all, and the convoy vanishes: measure on a quiet one.
"""
import os
import platform
import sys
import threading
import time


def round_trips(n, r, w):
    start = time.perf_counter()
    for _ in range(n):
        os.write(w, b"x")
        os.read(r, 1)
    return time.perf_counter() - start


def median(values):
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def spin(state, started):
    x = 0
    started.release()
    while not state[0]:
        x += 1


def main(argv):
    n, spinners, repeat = 2000, 1, 5
    args = list(argv)
    while args:
        flag = args.pop(0)
        if not args:
            sys.exit("convoy.py: %s needs a value" % flag)
        text = args.pop(0)
        try:
            value = int(text)
        except ValueError:
            sys.exit("convoy.py: %s: expected an integer, got %r" % (flag, text))
        if flag == "--round-trips" and value > 0:
            n = value
        elif flag == "--spinners" and value >= 0:
            spinners = value
        elif flag == "--repeat" and value > 0:
            repeat = value
        else:
            sys.exit("convoy.py: bad option %s %d" % (flag, value))
    r, w = os.pipe()
    round_trips(n, r, w)  # warm-up: a JIT compiles the loop here
    alone = median([round_trips(n, r, w) for _ in range(repeat)])
    beside = []
    for _ in range(repeat):
        state = [False]
        started = threading.Semaphore(0)
        threads = [threading.Thread(target=spin, args=(state, started)) for _ in range(spinners)]
        for t in threads:
            t.start()
        for _ in threads:
            started.acquire()  # every spinner is spinning before the clock starts
        seconds = round_trips(n, r, w)
        state[0] = True
        for t in threads:
            t.join()
        beside.append(seconds)
    beside = median(beside)
    impl = platform.python_implementation().lower()
    version = platform.python_version()
    if impl == "pypy":
        version = "%d.%d.%d" % sys.pypy_version_info[:3]
    print("convoy alone_s %.9f beside_s %.9f round_trips %d spinners %d runtime %s %s"
          % (alone, beside, n, spinners, impl, version))


if __name__ == "__main__":
    main(sys.argv[1:])
