// Exceptions: a throwing unit runs its on-abort hooks and not its on-commit
// hooks, on every backend; where units roll back (stm), nothing it wrote is
// visible afterwards, even under concurrency.
#include <atomic>
#include <stdexcept>

#include "test_support.hpp"

namespace txray::sync::test {
namespace {

template <class B>
class HooksTest : public ::testing::Test {};
TYPED_TEST_SUITE(HooksTest, AllBackends, BackendName);

TYPED_TEST(HooksTest, ThrowRunsAbortHooksOnly) {
  using B = TypeParam;
  B backend(1, test_options<B>());
  Session<B> session(backend, 0);
  int commits = 0, aborts = 0;
  EXPECT_THROW(backend.run(0,
                           [&](typename B::Unit& tx) {
                             tx.on_commit([&] { ++commits; });
                             tx.on_abort([&] { ++aborts; });
                             throw std::runtime_error("user");
                           }),
               std::runtime_error);
  EXPECT_EQ(commits, 0);
  EXPECT_EQ(aborts, 1);
  // The next unit starts with no leftover hooks, and commits normally.
  backend.run(0, [&](typename B::Unit& tx) {
    tx.on_commit([&] { ++commits; });
    tx.on_abort([&] { ++aborts; });
  });
  EXPECT_EQ(commits, 1);
  EXPECT_EQ(aborts, 1);
}

TYPED_TEST(HooksTest, NestedThrowPropagatesThroughOuterUnit) {
  using B = TypeParam;
  B backend(1, test_options<B>());
  Session<B> session(backend, 0);
  int aborts = 0;
  EXPECT_THROW(backend.run(0,
                           [&](typename B::Unit& outer) {
                             outer.on_abort([&] { ++aborts; });
                             backend.run(0, [&](typename B::Unit&) -> int {
                               throw std::logic_error("inner");
                             });
                           }),
               std::logic_error);
  EXPECT_EQ(aborts, 1);
}

template <class B>
class RollbackTest : public ::testing::Test {};
using RollbackBackends = ::testing::Types<StmBackend>;
TYPED_TEST_SUITE(RollbackTest, RollbackBackends, BackendName);

TYPED_TEST(RollbackTest, ThrowingUnitLeavesNoPartialWrite) {
  using B = TypeParam;
  B backend(1, test_options<B>());
  typename B::template Cell<int> a{1}, b{2};
  typename B::template Cell<long> counter{0};
  EXPECT_THROW(backend.run(0,
                           [&](typename B::Unit& tx) {
                             tx.write(a, 10);
                             tx.commute_add(counter, 5L);
                             EXPECT_EQ(tx.read(a), 10);  // reads its own write
                             backend.run(0, [&](typename B::Unit& inner) { inner.write(b, 20); });
                             throw std::runtime_error("after writing");
                           }),
               std::runtime_error);
  EXPECT_EQ(a.unsafe_load(), 1);
  EXPECT_EQ(b.unsafe_load(), 2);
  EXPECT_EQ(counter.unsafe_load(), 0);
  const int seen = backend.run(0, [&](typename B::Unit& tx) { return tx.read(a) + tx.read(b); });
  EXPECT_EQ(seen, 3);
  EXPECT_EQ(backend.stats().aborts_user_exception, 1u);
}

// Transfers of which half throw after debiting: money is still conserved.
TYPED_TEST(RollbackTest, ConcurrentThrowingTransfersConserveMoney) {
  using B = TypeParam;
  constexpr std::size_t kAccounts = 16;
  B backend(kThreads, test_options<B>());
  typename B::template Cell<std::int64_t> acc[kAccounts];
  for (auto& c : acc) c.unsafe_store(100);
  std::atomic<int> thrown{0};
  run_rounds(backend, kThreads, 2, [&](std::size_t w, int) {
    Rng rng(w + 5);
    for (int i = 0; i < scaled(2000); ++i) {
      const std::size_t f = rng.below(kAccounts), t = rng.below(kAccounts);
      const bool fail = rng.below(2) == 0;
      try {
        backend.run(w, [&](typename B::Unit& tx) {
          tx.write(acc[f], tx.read(acc[f]) - 3);
          if (fail) throw std::runtime_error("half-way");
          tx.write(acc[t], tx.read(acc[t]) + 3);
        });
      } catch (const std::runtime_error&) {
        thrown.fetch_add(1);
      }
    }
  });
  std::int64_t total = 0;
  for (auto& c : acc) total += c.unsafe_load();
  EXPECT_EQ(total, 100 * static_cast<std::int64_t>(kAccounts));
  EXPECT_GT(thrown.load(), 0);
}

}  // namespace
}  // namespace txray::sync::test
