"""The convoy effect, as a Python runtime really shows it (issue 19).

David Beazley's measurement (bpo-7946): a thread does ROUND_TRIPS one-byte
round trips on a pipe (os.write, then os.read; each call releases the GIL
and takes it back), first alone, then beside SPINNERS threads that spin
`x += 1` and never block. Under a GIL, every time the I/O thread comes back
from the kernel it has to get the lock back from a CPU-bound thread; the
ratio of the two times is the convoy factor.

Where the threads run decides the figure, so the script decides it too
(--placement). With a core each (own-cores, the default: the I/O thread on
the first CPU it may use, each spinner on the next), a spinner that is
woken when the I/O thread releases the lock runs at once on its own core
and can take the lock while the I/O thread is in the kernel: then the I/O
thread waits a whole switch interval. On one core (one-core) the woken
spinner cannot run until the I/O thread blocks, which a pipe that always
has a byte never makes it do, so the convoy all but vanishes. Left to the
scheduler (free), a run lands in one mode or the other, and the median of
five runs jumps between them. The convoy block of
docs/reading-the-numbers.md has both placements, measured.

txray bench --calibrate runs this file under python3 and pypy3 and sets the
figure beside the one its latency probe measures for each profile (the
probe does the same thing through the profile's backend). Usage:

    python3 convoy.py [--round-trips N] [--spinners K] [--repeat R]
                      [--placement own-cores|one-core|free]

Prints one line: convoy alone_s A beside_s B round_trips N spinners K
runtime IMPL VERSION placement P (the median of R repetitions of each,
default 5, so one scheduling hiccup does not decide the figure). P is the
placement used: own-cores falls back to free when there are fewer CPUs
than threads. On a loaded machine the
spinner may not run at all, and the convoy vanishes: measure on a quiet one.
"""
import ctypes
import ctypes.util
import os
import platform
import sys
import threading
import time


# sched_getaffinity/sched_setaffinity through libc, since PyPy's os module
# has neither; pid 0 is the calling thread.
_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_MASK_WORDS = 16
_WORD_BITS = 8 * ctypes.sizeof(ctypes.c_ulong)


def allowed_cpus():
    mask = (ctypes.c_ulong * _MASK_WORDS)()
    if _LIBC.sched_getaffinity(0, ctypes.sizeof(mask), ctypes.byref(mask)) != 0:
        raise OSError(ctypes.get_errno(), "sched_getaffinity failed")
    return [word * _WORD_BITS + bit for word in range(_MASK_WORDS) for bit in range(_WORD_BITS)
            if mask[word] >> bit & 1]


def pin_to(cpu):
    """Keeps the calling thread on one CPU."""
    if cpu is None:
        return
    mask = (ctypes.c_ulong * _MASK_WORDS)()
    mask[cpu // _WORD_BITS] = 1 << (cpu % _WORD_BITS)
    if _LIBC.sched_setaffinity(0, ctypes.sizeof(mask), ctypes.byref(mask)) != 0:
        raise OSError(ctypes.get_errno(), "sched_setaffinity(%d) failed" % cpu)


def plan_placement(placement, spinners):
    """(the placement used, the I/O thread's CPU, each spinner's CPU); None: anywhere."""
    cpus = allowed_cpus()
    if placement == "own-cores" and len(cpus) >= spinners + 1:
        return placement, cpus[0], cpus[1:spinners + 1]
    if placement == "one-core":
        return placement, cpus[0], [cpus[0]] * spinners
    return "free", None, [None] * spinners


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


def spin(state, started, cpu):
    pin_to(cpu)
    x = 0
    started.release()
    while not state[0]:
        x += 1


def main(argv):
    n, spinners, repeat, placement = 2000, 1, 5, "own-cores"
    args = list(argv)
    while args:
        flag = args.pop(0)
        if not args:
            sys.exit("convoy.py: %s needs a value" % flag)
        text = args.pop(0)
        if flag == "--placement":
            if text not in ("own-cores", "one-core", "free"):
                sys.exit("convoy.py: --placement: expected own-cores, one-core or free, got %r" % text)
            placement = text
            continue
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
    placement, io_cpu, spinner_cpus = plan_placement(placement, spinners)
    pin_to(io_cpu)
    r, w = os.pipe()
    round_trips(n, r, w)  # warm-up: a JIT compiles the loop here
    alone = median([round_trips(n, r, w) for _ in range(repeat)])
    beside = []
    for _ in range(repeat):
        state = [False]
        started = threading.Semaphore(0)
        threads = [threading.Thread(target=spin, args=(state, started, cpu)) for cpu in spinner_cpus]
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
    print("convoy alone_s %.9f beside_s %.9f round_trips %d spinners %d runtime %s %s placement %s"
          % (alone, beside, n, spinners, impl, version, placement))


if __name__ == "__main__":
    main(sys.argv[1:])
