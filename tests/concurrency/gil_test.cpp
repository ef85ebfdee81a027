// GIL specifics: mutual exclusion, forced switching (a holder that never
// stops is made to hand over), release at the end of a batch, release
// around I/O and at eval-breaker checks. None of these asserts a duration:
// each waits for an event that only a correct GIL brings about.
#include <atomic>
#include <thread>

#include "test_support.hpp"

namespace txray::sync::test {
namespace {

GilBackend::Options fast() {
  GilBackend::Options o;
  o.switch_interval = std::chrono::microseconds(200);
  return o;
}

// The critical section is not empty: a plain (non-atomic) counter is read,
// the thread yields so another could run right there, then it is written
// back. Without mutual exclusion increments are lost (and TSan reports the
// race); the GIL must also have changed hands, or nothing was excluded.
TEST(Gil, OneUnitAtATime) {
  GilBackend backend(kThreads, fast());
  std::atomic<int> inside{0}, overlap{0};
  long plain = 0;
  run_threads(kThreads, [&](std::size_t w) {
    Session<GilBackend> s(backend, w);
    for (int i = 0; i < scaled(3000); ++i)
      backend.run(w, [&](GilUnit&) {
        if (inside.fetch_add(1) != 0) overlap.fetch_add(1);
        const long v = plain;
        if (i % 4 == 0) std::this_thread::yield();
        plain = v + 1;
        inside.fetch_sub(1);
      });
  });
  EXPECT_EQ(overlap.load(), 0);
  EXPECT_EQ(plain, static_cast<long>(kThreads) * scaled(3000));
  EXPECT_EQ(backend.stats().units, kThreads * static_cast<std::uint64_t>(scaled(3000)));
  EXPECT_GT(backend.stats().switches, 1u);
}

// Worker 0 runs units back to back and never releases the GIL of its own
// accord; once it holds it, worker 1 runs 20 units. How worker 1 got in
// (a drop request, a yield) is in the statistics returned when both end.
GilStats holder_then_waiter(GilBackend& backend) {
  std::atomic<bool> a_holds{false}, b_done{false};
  std::thread a([&] {
    Session<GilBackend> s(backend, 0);
    while (!b_done.load()) backend.run(0, [&](GilUnit&) { a_holds = true; });
  });
  EXPECT_TRUE(eventually([&] { return a_holds.load(); }));
  std::thread b([&] {
    Session<GilBackend> s(backend, 1);
    for (int i = 0; i < 20; ++i) backend.run(1, [](GilUnit&) {});
    b_done = true;
  });
  b.join();
  a.join();
  return backend.stats();
}

TEST(Gil, DropRequestForcesTheHolderToSwitch) {
  GilBackend backend(2, fast());
  const GilStats st = holder_then_waiter(backend);
  EXPECT_GE(st.drop_requests, 1u);
  // The dropper waits for the switch unless the waiter was already in when
  // it looked (drop_gil() checks after releasing the GIL's mutex).
  EXPECT_LE(st.forced_switch_waits, st.drop_requests);
  EXPECT_GE(st.switches, 2u);
}

// CPython's hand-off (take_gil/drop_gil with FORCE_SWITCHING), step by
// step. Worker 0 never gives the GIL up of its own accord. Worker 1 gets it
// only after its drop request (a waiter cannot get in any other way: its
// wake-ups find the GIL taken). The holder that drops on that request does
// not take it back before the waiter has had it: once a request was
// pending when one of its units ended, its next unit starts after the
// waiter's. (Without forced switching the dropper, already running, would
// usually win the mutex back before the woken waiter.)
TEST(Gil, TheWaiterGetsInOnlyByItsDropRequestAndBeforeTheDropperReturns) {
  GilBackend backend(2, fast());
  std::atomic<bool> a_holds{false}, b_ran{false};
  std::atomic<int> a_units_after_request_before_b{0};
  std::uint64_t requests_when_b_ran = 0;
  std::thread a([&] {
    Session<GilBackend> s(backend, 0);
    bool request_pending_at_last_end = false;
    while (!b_ran.load()) {
      backend.run(0, [&](GilUnit&) {
        a_holds = true;
        if (request_pending_at_last_end && !b_ran.load()) a_units_after_request_before_b.fetch_add(1);
        request_pending_at_last_end = backend.stats().drop_requests >= 1;
      });
    }
  });
  ASSERT_TRUE(eventually([&] { return a_holds.load(); }));
  std::thread b([&] {
    Session<GilBackend> s(backend, 1);
    backend.run(1, [&](GilUnit&) {
      requests_when_b_ran = backend.stats().drop_requests;
      b_ran = true;
    });
  });
  b.join();
  a.join();
  EXPECT_EQ(requests_when_b_ran, 1u);  // exactly one: served by the first
  EXPECT_EQ(a_units_after_request_before_b.load(), 0);
  // At most one forced switch wait: none if the waiter was in before the
  // dropper looked, or if the holder sat preempted between units for a
  // whole further interval (the safety net).
  const GilStats st = backend.stats();
  EXPECT_LE(st.forced_switch_waits + st.idle_takeovers, 1u);
}

TEST(Gil, ReleasedWhenTheBatchEnds) {
  GilBackend backend(2, fast());
  {
    Session<GilBackend> s(backend, 0);
    backend.run(0, [](GilUnit&) {});
  }
  std::thread b([&] {
    Session<GilBackend> s(backend, 1);
    backend.run(1, [](GilUnit&) {});
  });
  b.join();
  // B found it free: no waiting, so no drop request.
  EXPECT_EQ(backend.stats().drop_requests, 0u);
  EXPECT_EQ(backend.stats().acquisitions, 2u);
}

// A worker that goes quiet holding the GIL (no release, no Session) does
// not keep everyone else waiting: after its drop request goes unanswered a
// waiter takes over, and the quiet worker's next unit waits its turn.
TEST(Gil, IdleHolderIsTakenOver) {
  GilBackend backend(2, fast());
  std::atomic<bool> a_ran{false}, b_done{false};
  std::thread a([&] {
    backend.run(0, [&](GilUnit&) { a_ran = true; });
    EXPECT_TRUE(eventually([&] { return b_done.load(); }));  // idle, holding the GIL
    backend.run(0, [](GilUnit&) {});
    backend.release(0);
  });
  ASSERT_TRUE(eventually([&] { return a_ran.load(); }));
  std::thread b([&] {
    Session<GilBackend> s(backend, 1);
    for (int i = 0; i < 5; ++i) backend.run(1, [](GilUnit&) {});
    b_done = true;
  });
  b.join();
  a.join();
  EXPECT_GE(backend.stats().idle_takeovers, 1u);
  EXPECT_EQ(backend.stats().units, 7u);
}

TEST(Gil, ReleasedAroundIo) {
  GilBackend backend(2, fast());
  std::atomic<bool> in_io{false}, other_ran{false};
  std::thread a([&] {
    Session<GilBackend> s(backend, 0);
    backend.run(0, [&](GilUnit& u) {
      u.io([&] {
        in_io = true;
        EXPECT_TRUE(eventually([&] { return other_ran.load(); }));
      });
    });
  });
  ASSERT_TRUE(eventually([&] { return in_io.load(); }));
  {
    Session<GilBackend> s(backend, 1);
    backend.run(1, [&](GilUnit&) { other_ran = true; });
  }
  a.join();
  EXPECT_EQ(backend.stats().io_releases, 1u);
}

TEST(Gil, EvalBreakerHandsOverMidUnit) {
  GilBackend backend(2, fast());
  std::atomic<bool> started{false}, other_ran{false};
  std::thread a([&] {
    Session<GilBackend> s(backend, 0);
    backend.run(0, [&](GilUnit& u) {
      started = true;
      while (!other_ran.load()) u.check_eval_breaker();
    });
  });
  ASSERT_TRUE(eventually([&] { return started.load(); }));
  {
    Session<GilBackend> s(backend, 1);
    backend.run(1, [&](GilUnit&) { other_ran = true; });
  }
  a.join();
  EXPECT_GE(backend.stats().drop_requests, 1u);
}

// The convoy's mechanism (issue 19): drop_gil() signals the waiters at
// every release, an I/O thread's too, and a signalled waiter starts a new
// interval; so while releases come more often than once an interval, no
// waiter times out and nobody asks for a drop. Worker 0 does round trips
// of two I/O releases each, with work on a cell between them (held, as an
// interpreter runs its bytecodes there), for six intervals; worker 1
// keeps wanting the GIL and gives it back after each unit, so whoever
// waits is signalled soon. A release that did not signal, or a wait whose
// deadline did not restart at each signal, would time out while the GIL
// is held and ask.
TEST(Gil, AWaiterSignalledAtEveryReleaseNeverAsksForADrop) {
  GilBackend::Options o;
  o.switch_interval = std::chrono::milliseconds(100);
  GilBackend backend(2, o);
  GilBackend::Cell<long> cell{0};
  std::atomic<bool> done{false};
  std::atomic<int> b_units{0};
  std::thread b([&] {
    while (!done.load()) {
      Session<GilBackend> s(backend, 1);
      backend.run(1, [&](GilUnit&) { b_units.fetch_add(1); });
    }
  });
  ASSERT_TRUE(eventually([&] { return b_units.load() > 0; }));
  {
    Session<GilBackend> s(backend, 0);
    // Bounded by the clock only so that it outlasts the intervals; what is
    // asserted is what the GIL did meanwhile.
    const auto end = std::chrono::steady_clock::now() + 6 * o.switch_interval;
    while (std::chrono::steady_clock::now() < end)
      backend.run(0, [&](GilUnit& u) {
        for (int i = 0; i < 64; ++i) u.write(cell, u.read(cell) + 1);
        u.io([] {});
        for (int i = 0; i < 64; ++i) u.write(cell, u.read(cell) + 1);
        u.io([] {});
      });
  }
  done = true;
  b.join();
  const GilStats st = backend.stats();
  EXPECT_EQ(st.drop_requests, 0u);
  EXPECT_EQ(st.forced_switch_waits, 0u);
  EXPECT_GT(st.io_releases, 0u);
  EXPECT_GT(cell.unsafe_load(), 0);
}

// take_gil(): a waiter asks for a drop only after a whole interval in which
// nobody switched. Worker 0 holds the GIL and never gives it up of its own
// accord; worker 1's unit runs after its one drop request, so no earlier
// than one interval after it began to wait (a lower bound, which load can
// only make longer).
TEST(Gil, ADropRequestComesOnlyAfterAWholeIntervalWithNoSwitch) {
  GilBackend::Options o;
  o.switch_interval = std::chrono::milliseconds(50);
  GilBackend backend(2, o);
  std::atomic<bool> a_holds{false}, b_ran{false};
  std::thread a([&] {
    Session<GilBackend> s(backend, 0);
    while (!b_ran.load()) backend.run(0, [&](GilUnit&) { a_holds = true; });
  });
  ASSERT_TRUE(eventually([&] { return a_holds.load(); }));
  const auto t0 = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point t1;
  {
    Session<GilBackend> s(backend, 1);
    backend.run(1, [&](GilUnit&) {
      t1 = std::chrono::steady_clock::now();
      b_ran = true;
    });
  }
  a.join();
  EXPECT_GE(t1 - t0, o.switch_interval);
  EXPECT_EQ(backend.stats().drop_requests, 1u);
}

// ---- GilPolicy::pypy: PyPy's lock (gil_backend.hpp, thread_gil.c) ----

GilBackend::Options pypy() {
  GilBackend::Options o = fast();
  o.policy = GilPolicy::pypy;
  o.check_interval = 1;  // a periodic action every 100 ticks: 100 empty units
  return o;
}

// A holder that never stops hands over at its next unit boundary as soon
// as someone waits: a yield, never a drop request (PyPy has none).
TEST(PypyGil, AWaiterIsServedByAYieldNotADropRequest) {
  GilBackend backend(2, pypy());
  const GilStats st = holder_then_waiter(backend);
  EXPECT_GE(st.yields, 1u);
  EXPECT_EQ(st.drop_requests, 0u);
  EXPECT_EQ(st.forced_switch_waits, 0u);
  EXPECT_GE(st.switches, 2u);
}

// PyPy's periodic action is driven by work, not by waiters: with a waiter
// queued, the holder's eval-breaker points yield only once the ticks they
// report reach the check interval (10 bytecodes here, 1,000 ticks).
TEST(PypyGil, EvalBreakerYieldsOnceTheWorkReachesTheInterval) {
  GilBackend::Options o = pypy();
  o.check_interval = 10;
  GilBackend backend(2, o);
  std::atomic<bool> a_holds{false}, b_ran{false};
  std::uint64_t yields_before = 99, yields_after = 99;
  bool b_ran_before = true, b_ran_after = false;
  std::thread a([&] {
    Session<GilBackend> s(backend, 0);
    backend.run(0, [&](GilUnit& u) {  // the first unit: the ticker is full
      a_holds = true;
      EXPECT_TRUE(eventually([&] { return backend.someone_waiting(); }));
      for (int i = 0; i < 9; ++i) u.check_eval_breaker(kTicksPerBytecode);  // 900 of 1,000
      u.check_eval_breaker(kTicksPerBytecode - 1);                            // 999
      yields_before = backend.stats().yields;
      b_ran_before = b_ran.load();
      u.check_eval_breaker(1);  // 1,000: the periodic action, and someone waits
      yields_after = backend.stats().yields;
      b_ran_after = b_ran.load();
    });
  });
  ASSERT_TRUE(eventually([&] { return a_holds.load(); }));
  std::thread b([&] {
    Session<GilBackend> s(backend, 1);
    backend.run(1, [&](GilUnit&) { b_ran = true; });
  });
  b.join();
  a.join();
  EXPECT_EQ(yields_before, 0u);
  EXPECT_FALSE(b_ran_before);
  EXPECT_EQ(yields_after, 1u);
  EXPECT_TRUE(b_ran_after);  // the yield returned only once the waiter had had the GIL
}

// A unit boundary is one tick (an iteration of the caller's short loop): a
// holder running units back to back with a waiter queued yields at the
// boundary that uses up the interval, not at the first one.
TEST(PypyGil, UnitBoundariesCountOneTickEach) {
  GilBackend::Options o = pypy();  // 100 ticks
  // The safety net must not take the holder over between two units: only
  // the periodic action hands over here.
  o.switch_interval = std::chrono::minutes(10);
  GilBackend backend(2, o);
  std::atomic<bool> a_holds{false}, b_ran{false};
  int units_seen_without_b = 0;
  std::thread a([&] {
    Session<GilBackend> s(backend, 0);
    backend.run(0, [&](GilUnit&) {
      a_holds = true;
      EXPECT_TRUE(eventually([&] { return backend.someone_waiting(); }));
    });  // boundary 1
    while (!b_ran.load()) {
      backend.run(0, [&](GilUnit&) {
        if (!b_ran.load()) ++units_seen_without_b;
      });
    }
  });
  ASSERT_TRUE(eventually([&] { return a_holds.load(); }));
  std::thread b([&] {
    Session<GilBackend> s(backend, 1);
    backend.run(1, [&](GilUnit&) { b_ran = true; });
  });
  b.join();
  a.join();
  // Units 2..100 ran before the waiter; boundary 100 yielded to it.
  EXPECT_EQ(units_seen_without_b, 99);
  EXPECT_EQ(backend.stats().yields, 1u);
}

// Back from I/O with nobody else wanting the GIL: the one CAS takes it
// back; nobody waited, nothing yielded.
TEST(PypyGil, IoAloneTakesTheGilBackWithoutWaiting) {
  GilBackend backend(2, pypy());
  {
    Session<GilBackend> s(backend, 0);
    for (int i = 0; i < 100; ++i)
      backend.run(0, [](GilUnit& u) { u.io([] {}); });
  }
  const auto st = backend.stats();
  EXPECT_EQ(st.io_releases, 100u);
  EXPECT_EQ(st.wait_ns, 0u);
  EXPECT_EQ(st.yields, 0u);
  EXPECT_EQ(st.acquisitions, 101u);  // the first unit, then one per io()
}

// io() releases fastgil only: another thread gets in while the I/O runs.
TEST(PypyGil, ReleasedAroundIo) {
  GilBackend backend(2, pypy());
  std::atomic<bool> in_io{false}, other_ran{false};
  std::thread a([&] {
    Session<GilBackend> s(backend, 0);
    backend.run(0, [&](GilUnit& u) {
      u.io([&] {
        in_io = true;
        EXPECT_TRUE(eventually([&] { return other_ran.load(); }));
      });
    });
  });
  ASSERT_TRUE(eventually([&] { return in_io.load(); }));
  {
    Session<GilBackend> s(backend, 1);
    backend.run(1, [&](GilUnit&) { other_ran = true; });
  }
  a.join();
  EXPECT_EQ(backend.stats().io_releases, 1u);
}

// The periodic action inside a long unit: check_eval_breaker() yields.
TEST(PypyGil, EvalBreakerYieldsMidUnit) {
  GilBackend backend(2, pypy());
  std::atomic<bool> started{false}, other_ran{false};
  std::thread a([&] {
    Session<GilBackend> s(backend, 0);
    backend.run(0, [&](GilUnit& u) {
      started = true;
      while (!other_ran.load()) u.check_eval_breaker();
    });
  });
  ASSERT_TRUE(eventually([&] { return started.load(); }));
  {
    Session<GilBackend> s(backend, 1);
    backend.run(1, [&](GilUnit&) { other_ran = true; });
  }
  a.join();
  EXPECT_GE(backend.stats().yields, 1u);
  EXPECT_EQ(backend.stats().drop_requests, 0u);
}

// The safety net: a holder gone quiet without releasing is taken over.
TEST(PypyGil, IdleHolderIsTakenOver) {
  GilBackend backend(2, pypy());
  std::atomic<bool> a_ran{false}, b_done{false};
  std::thread a([&] {
    backend.run(0, [&](GilUnit&) { a_ran = true; });
    EXPECT_TRUE(eventually([&] { return b_done.load(); }));  // idle, holding the GIL
    backend.run(0, [](GilUnit&) {});
    backend.release(0);
  });
  ASSERT_TRUE(eventually([&] { return a_ran.load(); }));
  std::thread b([&] {
    Session<GilBackend> s(backend, 1);
    for (int i = 0; i < 5; ++i) backend.run(1, [](GilUnit&) {});
    b_done = true;
  });
  b.join();
  a.join();
  EXPECT_GE(backend.stats().idle_takeovers, 1u);
  EXPECT_EQ(backend.stats().units, 7u);
}

}  // namespace
}  // namespace txray::sync::test
