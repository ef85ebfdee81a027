// Counter: T threads x M increments end at exactly T*M.
#include "test_support.hpp"

namespace txray::sync::test {
namespace {

constexpr int kRounds = 3;

template <class B>
class CounterTest : public ::testing::Test {};
TYPED_TEST_SUITE(CounterTest, AllBackends, BackendName);

template <class B>
class AtomicCounterTest : public ::testing::Test {};
TYPED_TEST_SUITE(AtomicCounterTest, AtomicBackends, BackendName);

// Returns whether the run contended (test_support.hpp: contended()).
template <class B, class Inc>
bool count(Inc inc, int per_round) {
  B backend(kThreads, test_options<B>());
  Overlap overlap;
  typename B::template Cell<std::uint64_t> counter{0};
  typename B::template Cell<double> fcounter{0.0};
  run_rounds(backend, kThreads, kRounds, [&](std::size_t w, int) {
    for (int i = 0; i < per_round; ++i)
      backend.run(w, [&](typename B::Unit& tx) {
        Overlap::In in(overlap);
        inc(tx, counter, fcounter);
        // Between the increment and the commit: another unit can read
        // the old value and commit first (stm conflicts), or run inside.
        interleave(static_cast<std::uint64_t>(i), 8);
      });
  });
  const auto expected = static_cast<std::uint64_t>(kThreads) * kRounds * per_round;
  EXPECT_EQ(counter.unsafe_load(), expected);
  EXPECT_EQ(fcounter.unsafe_load(), static_cast<double>(expected));  // exact below 2^53
  EXPECT_EQ(backend.stats().units, expected);
  return contended(backend, overlap);
}

// commute_add does not conflict on stm by design: the claim is only that
// the increments overlapped (or, gil, changed hands), checked for the
// other backends; stm's counted conflicts come from the tests below.
TYPED_TEST(CounterTest, CommuteAddIsExact) {
  using B = TypeParam;
  if constexpr (std::is_same_v<B, StmBackend>) {
    count<B>(
        [](auto& tx, auto& c, auto& f) {
          tx.commute_add(c, std::uint64_t{1});
          tx.commute_add(f, 1.0);
        },
        scaled(3000));
    return;
  }
  EXPECT_TRUE(until_contended([] { return count<B>(
      [](auto& tx, auto& c, auto& f) {
        tx.commute_add(c, std::uint64_t{1});
        tx.commute_add(f, 1.0);
      },
      scaled(3000)); }));
}

TYPED_TEST(CounterTest, UpdateIsExact) {
  EXPECT_TRUE(until_contended([] { return count<TypeParam>(
      [](auto& tx, auto& c, auto& f) {
        tx.update(c, [](std::uint64_t& v) { ++v; });
        tx.update(f, [](double& v) { v += 1.0; });
      },
      scaled(3000)); }));
}

// read + write is only a safe increment where the unit is atomic.
TYPED_TEST(AtomicCounterTest, PlainReadWriteIsExact) {
  EXPECT_TRUE(until_contended([] { return count<TypeParam>(
      [](auto& tx, auto& c, auto& f) {
        tx.write(c, tx.read(c) + 1);
        tx.write(f, tx.read(f) + 1.0);
      },
      scaled(3000)); }));
}

// Hot counter plus per-worker shards in the same unit: both exact.
TYPED_TEST(CounterTest, ShardedAndHotAgree) {
  using B = TypeParam;
  B backend(kThreads, test_options<B>());
  typename B::template Cell<std::uint64_t> hot{0};
  typename B::template Cell<std::uint64_t> shards[kThreads];
  run_rounds(backend, kThreads, kRounds, [&](std::size_t w, int) {
    for (int i = 0; i < scaled(2000); ++i)
      backend.run(w, [&](typename B::Unit& tx) {
        tx.commute_add(hot, std::uint64_t{1});
        tx.commute_add(shards[w], std::uint64_t{1});
      });
  });
  std::uint64_t sum = 0;
  for (auto& s : shards) {
    EXPECT_EQ(s.unsafe_load(), static_cast<std::uint64_t>(kRounds * scaled(2000)));
    sum += s.unsafe_load();
  }
  EXPECT_EQ(hot.unsafe_load(), sum);
}

}  // namespace
}  // namespace txray::sync::test
