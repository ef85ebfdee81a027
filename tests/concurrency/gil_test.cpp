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
  EXPECT_GE(st.forced_switch_waits, 1u);
  EXPECT_GE(st.switches, 2u);
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

// ---- GilPolicy::pypy: PyPy's lock (gil_backend.hpp, thread_gil.c) ----

GilBackend::Options pypy() {
  GilBackend::Options o = fast();
  o.policy = GilPolicy::pypy;
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
