// Opacity: with the invariant x + y == 0, a unit that could see x and y from
// different states would divide by zero (x + y == -1), index out of bounds
// (x + y != 0) or spin forever (while x != -y). Readers do all three
// unguarded: a violation crashes, or ASan/UBSan report it.
#include <atomic>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace txray::sync::test {
namespace {

template <class B>
class OpacityTest : public ::testing::Test {};
TYPED_TEST_SUITE(OpacityTest, ConsistentBackends, BackendName);

// Returns whether the run contended (test_support.hpp: contended()).
template <class B>
bool check_opacity(int rounds, int units) {
  B backend(kThreads, test_options<B>());
  Overlap overlap;
  typename B::template Cell<std::int64_t> x{0}, y{0};
  std::vector<int> one(1, 7);  // heap, so ASan sees an out-of-bounds index
  std::atomic<int> violations{0};
  std::atomic<std::int64_t> sink{0};

  run_rounds(backend, kThreads, rounds, [&](std::size_t w, int r) {
    Rng rng(w + 31 * static_cast<std::uint64_t>(r));
    for (int i = 0; i < units; ++i) {
      if (w % 2 == 0) {
        const std::int64_t d = static_cast<std::int64_t>(rng.below(100)) + 1;
        backend.run(w, [&](typename B::Unit& tx) {
          Overlap::In in(overlap);
          tx.update(x, y, [&](std::int64_t& a, std::int64_t& b) {
            a += d;
            b -= d;
          });
        });
      } else {
        const std::int64_t got = backend.run(w, [&](typename B::Unit& tx) {
          Overlap::In in(overlap);
          const std::int64_t a = tx.read(x);
          interleave(static_cast<std::uint64_t>(i), 4);  // let a writer commit between the reads
          const std::int64_t b = tx.read(y);
          const std::int64_t s = a + b;
          std::int64_t acc = 1000 / (s + 1);   // s == -1: division by zero
          acc += one[static_cast<std::size_t>(s)];  // s != 0: out of bounds
          long spins = 0;
          while (tx.read(x) != -tx.read(y)) {  // a zombie would spin here
            if (++spins > 1'000'000) break;
          }
          if (spins) acc = -1;
          return s == 0 ? acc : -1;
        });
        if (got != 1007) violations.fetch_add(1);
        sink.fetch_add(got, std::memory_order_relaxed);
      }
    }
  });
  EXPECT_EQ(violations.load(), 0);
  EXPECT_EQ(x.unsafe_load() + y.unsafe_load(), 0);
  return contended(backend, overlap);
}

// Also required: readers and writers met (stm: a reader or writer aborted;
// gil: hand-overs; snapshot: units overlapped), else nothing was tested.
TYPED_TEST(OpacityTest, ReadersNeverSeeABrokenInvariant) {
  EXPECT_TRUE(until_contended([] { return check_opacity<TypeParam>(6, scaled(3000)); }));
}

TYPED_TEST(OpacityTest, StressReadersNeverSeeABrokenInvariant) {
  EXPECT_TRUE(until_contended([] { return check_opacity<TypeParam>(20, scaled(10000)); }));
}

// A reader that would be a zombie, built deterministically: it reads x,
// then a writer commits x and y, then it reads y. stm must not hand it the
// new y with the old x: the read of y aborts (or extends and fails), and
// the retry sees both new values.
TEST(StmOpacity, ReaderBetweenACommitSeesOneState) {
  StmBackend backend(2);
  StmCell<std::int64_t> x{0}, y{0};
  std::atomic<int> phase{0};
  int attempts = 0;
  std::int64_t seen = 1;
  std::thread reader([&] {
    seen = backend.run(0, [&](StmUnit& tx) {
      ++attempts;
      const std::int64_t a = tx.read(x);
      if (phase.load() == 0) {
        phase = 1;
        EXPECT_TRUE(eventually([&] { return phase.load() == 2; }));
      }
      return a + tx.read(y);
    });
  });
  ASSERT_TRUE(eventually([&] { return phase.load() == 1; }));
  backend.run(1, [&](StmUnit& tx) {
    tx.write(x, std::int64_t{5});
    tx.write(y, std::int64_t{-5});
  });
  phase = 2;
  reader.join();
  EXPECT_EQ(seen, 0);
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(backend.stats().aborts_validate_read, 1u);
}

}  // namespace
}  // namespace txray::sync::test
