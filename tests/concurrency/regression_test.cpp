// Regressions of issue 18's confirmed bugs, one test (or typed suite) each.
// A bug that hung before its fix is run on a helper thread with a liveness
// bound (finishes()): the test fails instead of hanging, and the stuck
// thread's state is leaked on purpose so that nothing it uses is destroyed
// under it.
#include <atomic>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>

#include "test_support.hpp"

namespace txray::sync::test {
namespace {

using namespace std::chrono_literals;

// Runs f on its own thread; true if it returned within `limit`. On a
// timeout the thread is detached and `keep_alive` (what f uses) leaked.
template <class State, class F>
bool finishes(std::shared_ptr<State> keep_alive, F f, std::chrono::seconds limit = 5s) {
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::thread t([keep_alive, done, f] {
    f(*keep_alive);
    done->store(true);
  });
  if (eventually([&] { return done->load(); }, limit)) {
    t.join();
    return true;
  }
  t.detach();
  new std::shared_ptr<State>(keep_alive);  // leaked: the thread may still use it
  return false;
}

// ---- Bug 1: fine, a throwing update left the cell locked forever. ----

struct FineCells {
  FineBackend backend{2};
  FineCell<int> a{1}, b{2}, c{3};
};

TEST(FineRegression, ThrowingUpdateUnlocksTheCell) {
  auto s = std::make_shared<FineCells>();
  EXPECT_THROW(s->backend.run(0, [&](FineUnit& u) { u.update(s->a, [](int&) { throw std::runtime_error("x"); }); }),
               std::runtime_error);
  // Another worker reads and writes the cell: before the fix the read
  // spun forever on the odd sequence.
  ASSERT_TRUE(finishes(s, [](FineCells& f) {
    f.backend.run(1, [&](FineUnit& u) {
      u.write(f.a, u.read(f.a) + 10);
    });
  })) << "a cell stayed locked after a throwing update";
  EXPECT_EQ(s->a.unsafe_load(), 11);  // the throwing update changed nothing
}

TEST(FineRegression, ThrowingTwoCellUpdateUnlocksBothCells) {
  auto s = std::make_shared<FineCells>();
  EXPECT_THROW(s->backend.run(0,
                              [&](FineUnit& u) {
                                u.update(s->b, s->c, [](int& x, int&) {
                                  x = 99;
                                  throw std::runtime_error("y");
                                });
                              }),
               std::runtime_error);
  ASSERT_TRUE(finishes(s, [](FineCells& f) {
    f.backend.run(1, [&](FineUnit& u) {
      u.update(f.b, [](int& v) { v += 10; });
      u.write(f.c, u.read(f.c) + 10);
    });
  })) << "a cell stayed locked after a throwing two-cell update";
  EXPECT_EQ(s->b.unsafe_load(), 12);
  EXPECT_EQ(s->c.unsafe_load(), 13);
}

// The same audit on every backend: a throwing update (one cell or two)
// leaves no cell locked and no value changed where units roll back or
// update a copy, and another worker's unit then runs to completion.
template <class B>
struct Cells {
  B backend{2, test_options<B>()};
  typename B::template Cell<int> a{1}, b{2};
};

template <class B>
class ThrowingUpdateTest : public ::testing::Test {};
TYPED_TEST_SUITE(ThrowingUpdateTest, AllBackends, BackendName);

TYPED_TEST(ThrowingUpdateTest, ReleasesEveryLock) {
  using B = TypeParam;
  auto s = std::make_shared<Cells<B>>();
  {
    Session<B> session(s->backend, 0);
    EXPECT_THROW(s->backend.run(0,
                                [&](typename B::Unit& u) {
                                  u.update(s->a, [](int&) { throw std::runtime_error("one"); });
                                }),
                 std::runtime_error);
    EXPECT_THROW(s->backend.run(0,
                                [&](typename B::Unit& u) {
                                  u.update(s->a, s->b, [](int&, int&) { throw std::runtime_error("two"); });
                                }),
                 std::runtime_error);
  }
  ASSERT_TRUE(finishes(s, [](Cells<B>& c) {
    Session<B> session(c.backend, 1);
    c.backend.run(1, [&](typename B::Unit& u) {
      u.update(c.a, c.b, [](int& x, int& y) {
        x += 10;
        y += 10;
      });
    });
  })) << "a lock stayed held after a throwing update";
  s->backend.publish();
  EXPECT_EQ(s->a.unsafe_load(), 11);
  EXPECT_EQ(s->b.unsafe_load(), 12);
}

// ---- Bug 2: stm, a version ahead of the clock made a read loop forever. ----

struct StmPair {
  std::unique_ptr<StmBackend> backend;
  StmCell<int> cell{5};
};

// The cell's version comes from a backend whose clock was far ahead; a
// new backend (clock 0) then reads it, read-only and in an update unit.
TEST(StmRegression, CellThatOutlivedItsBackendIsReadable) {
  auto s = std::make_shared<StmPair>();
  {
    StmOptions o;
    o.clock_start = std::uint64_t{1} << 40;
    StmBackend old(1, o);
    old.run(0, [&](StmUnit& tx) { tx.write(s->cell, 6); });
  }
  s->backend = std::make_unique<StmBackend>(1);
  ASSERT_TRUE(finishes(s, [](StmPair& p) {
    EXPECT_EQ(p.backend->run(0, [&](StmUnit& tx) { return tx.read(p.cell); }), 6);
    p.backend->run(0, [&](StmUnit& tx) { tx.write(p.cell, tx.read(p.cell) + 1); });
  })) << "a read of a version ahead of the clock never returned";
  EXPECT_EQ(s->cell.unsafe_load(), 7);
  EXPECT_GT(s->backend->clock(), std::uint64_t{1} << 40);  // moved up past the cell
}

TEST(StmRegression, ClockStartBelowExistingVersionsIsReadable) {
  auto s = std::make_shared<StmPair>();
  s->backend = std::make_unique<StmBackend>(1);
  for (int i = 0; i < 10; ++i) s->backend->run(0, [&](StmUnit& tx) { tx.write(s->cell, i); });
  s->backend.reset();
  StmOptions o;
  o.clock_start = 4;  // below the cell's version (20)
  s->backend = std::make_unique<StmBackend>(1, o);
  ASSERT_TRUE(finishes(s, [](StmPair& p) {
    EXPECT_EQ(p.backend->run(0, [&](StmUnit& tx) { return tx.read(p.cell); }), 9);
  }));
}

// The quiescent store makes a cell fit for any backend: version 0.
TEST(StmRegression, UnsafeStoreResetsTheVersion) {
  auto s = std::make_shared<StmPair>();
  {
    StmBackend old(1);
    for (int i = 0; i < 3; ++i) old.run(0, [&](StmUnit& tx) { tx.write(s->cell, i); });
  }
  s->cell.unsafe_store(42);
  s->backend = std::make_unique<StmBackend>(1);
  ASSERT_TRUE(finishes(s, [](StmPair& p) {
    EXPECT_EQ(p.backend->run(0, [&](StmUnit& tx) { return tx.read(p.cell); }), 42);
  }));
  EXPECT_EQ(s->backend->clock(), 0u);  // nothing to catch up with
}

// ---- Bug 3: a commit hook that runs a unit re-fired the outer hooks. ----

template <class B>
class HookRunsUnitTest : public ::testing::Test {};
TYPED_TEST_SUITE(HookRunsUnitTest, AllBackends, BackendName);

// Each unit's commit hook runs the next unit (depth 0..3). Every hook must
// fire exactly once, on every backend. Before the fix stm fired the outer
// hooks again from the inner unit's run() (and iterated a vector being
// appended to); gil and fine never fired the hooks of units run by hooks.
TYPED_TEST(HookRunsUnitTest, EveryHookFiresOnce) {
  using B = TypeParam;
  B backend(1, test_options<B>());
  Session<B> session(backend, 0);
  int fired[4] = {0, 0, 0, 0};
  std::function<void(int)> unit = [&](int depth) {
    backend.run(0, [&, depth](typename B::Unit& tx) {
      tx.on_commit([&, depth] {
        ++fired[depth];
        if (depth < 3) unit(depth + 1);
      });
    });
  };
  unit(0);
  for (int d = 0; d < 4; ++d) EXPECT_EQ(fired[d], 1) << "hook of depth " << d;
  // Nothing is left over for the next unit.
  int later = 0;
  backend.run(0, [&](typename B::Unit& tx) { tx.on_commit([&] { ++later; }); });
  EXPECT_EQ(later, 1);
  for (int d = 0; d < 4; ++d) EXPECT_EQ(fired[d], 1);
}

// ---- Bug 4: gil, io() nested in an io() body deadlocked. ----

struct GilState {
  GilBackend backend{2, test_options<GilBackend>()};
  int calls = 0;
};

TEST(GilRegression, NestedIoDoesNotDeadlock) {
  auto s = std::make_shared<GilState>();
  ASSERT_TRUE(finishes(s, [](GilState& g) {
    Session<GilBackend> session(g.backend, 0);
    g.backend.run(0, [&](GilUnit& u) {
      u.io([&] {
        ++g.calls;
        u.io([&] { ++g.calls; });
        u.check_eval_breaker();  // inside io: the GIL is not held, nothing to hand over
      });
    });
  })) << "nested io() deadlocked";
  EXPECT_EQ(s->calls, 2);
  EXPECT_EQ(s->backend.stats().io_releases, 1u);  // only the outer io releases
  // The GIL was retaken once and released by the Session: worker 1 gets it.
  ASSERT_TRUE(finishes(s, [](GilState& g) {
    Session<GilBackend> session(g.backend, 1);
    g.backend.run(1, [](GilUnit&) {});
  }));
}

// ---- Bug 5: restart() as "wait until a flag is set". ----

// Worker 0 waits for a flag with restart(); worker 1 sets it only once
// worker 0 is past max_retries, i.e. running serial. Before the fix the
// serial attempt's restart() threw std::logic_error out of run().
TEST(StmRegression, RestartAsWaitOutlastsTheSerialFallback) {
  StmOptions o;
  o.max_retries = 4;
  StmBackend backend(2, o);
  StmCell<int> flag{0};
  std::atomic<int> attempts{0};
  std::atomic<bool> threw{false};
  std::thread waiter([&] {
    try {
      backend.run(0, [&](StmUnit& tx) {
        attempts.fetch_add(1);
        if (tx.read(flag) == 0) tx.restart();
      });
    } catch (const std::logic_error&) {
      threw = true;
    }
  });
  const bool past = eventually([&] { return attempts.load() > 2 * static_cast<int>(o.max_retries) || threw.load(); }, 10s);
  backend.run(1, [&](StmUnit& tx) { tx.write(flag, 1); });
  waiter.join();
  EXPECT_TRUE(past);
  EXPECT_FALSE(threw.load()) << "restart() threw after " << attempts.load() << " attempts";
  EXPECT_EQ(backend.stats().serial_fallbacks, 1u);  // one unit, however many serial attempts
  EXPECT_GT(backend.stats().aborts_explicit, o.max_retries);
}

// What stays refused: restart() after io(), which cannot be undone.
TEST(StmRegression, RestartAfterIoIsRefused) {
  StmBackend backend(1);
  int io = 0;
  EXPECT_THROW(backend.run(0,
                           [&](StmUnit& tx) {
                             tx.io([&] { ++io; });
                             tx.restart();
                           }),
               std::logic_error);
  EXPECT_EQ(io, 1);
}

// Documented, not changed: nesting flattens, so a nested unit's exception
// that the enclosing unit catches does not undo the nested unit's writes
// on any backend; only an exception leaving the outermost unit rolls back
// (stm). concurrency/README.md says so.
template <class B>
class FlatNestingTest : public ::testing::Test {};
TYPED_TEST_SUITE(FlatNestingTest, AllBackends, BackendName);

TYPED_TEST(FlatNestingTest, CaughtNestedThrowKeepsTheNestedWrites) {
  using B = TypeParam;
  B backend(1, test_options<B>());
  Session<B> session(backend, 0);
  typename B::template Cell<int> a{0}, b{0};
  backend.run(0, [&](typename B::Unit& tx) {
    try {
      backend.run(0, [&](typename B::Unit& inner) {
        inner.write(a, 1);
        throw std::runtime_error("inner");
      });
    } catch (const std::runtime_error&) {
    }
    tx.write(b, 2);
  });
  backend.publish();
  EXPECT_EQ(a.unsafe_load(), 1);
  EXPECT_EQ(b.unsafe_load(), 2);
}

}  // namespace
}  // namespace txray::sync::test
