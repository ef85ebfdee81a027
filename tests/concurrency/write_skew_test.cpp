// Write skew: the constraint a + b <= 1 over two cells, kept by units that
// read both and increment one (even workers a, odd workers b) only if the
// sum is still 0. Snapshot isolation would let two units both see 0 and
// push the sum to 2; serializable units never do.
#include <atomic>
#include <thread>
#include <memory>

#include "test_support.hpp"

namespace txray::sync::test {
namespace {

template <class B>
class WriteSkewTest : public ::testing::Test {};
TYPED_TEST_SUITE(WriteSkewTest, AtomicBackends, BackendName);

TYPED_TEST(WriteSkewTest, ConstraintOverTwoCellsHolds) {
  using B = TypeParam;
  constexpr std::size_t kPairs = 64;
  B backend(kThreads, test_options<B>());
  auto a = std::make_unique<typename B::template Cell<int>[]>(kPairs);
  auto b = std::make_unique<typename B::template Cell<int>[]>(kPairs);
  std::atomic<int> violations{0};
  Overlap overlap;  // gil never overlaps; contended() asks it for hand-overs
  const int rounds = scaled(60);
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t p = 0; p < kPairs; ++p) {
      a[p].unsafe_store(0);
      b[p].unsafe_store(0);
    }
    run_threads(kThreads, [&](std::size_t w) {
      Session<B> session(backend, w);
      for (std::size_t k = 0; k < kPairs; ++k) {
        // Every thread walks the pairs in the same order, so threads meet
        // on a pair while it is still 0 + 0; each yields between its two
        // reads and before its commit, where the skew would slip in.
        const std::size_t p = (k * 7) % kPairs;
        backend.run(w, [&](typename B::Unit& tx) {
          Overlap::In in(overlap);
          const int first = tx.read(a[p]);
          interleave(k, 2);
          const int sum = first + tx.read(b[p]);
          if (sum > 1) violations.fetch_add(1);
          if (sum < 1) {
            auto& mine = (w % 2 == 0) ? a[p] : b[p];
            tx.write(mine, tx.read(mine) + 1);
            std::this_thread::yield();
          }
        });
      }
    });
    for (std::size_t p = 0; p < kPairs; ++p)
      if (a[p].unsafe_load() + b[p].unsafe_load() != 1) violations.fetch_add(1);
  }
  EXPECT_EQ(violations.load(), 0);
  EXPECT_TRUE(contended(backend, overlap)) << "no unit ever met another";
}

// The skew itself, built step by step: both units read a == b == 0, then
// each writes its own cell. Snapshot isolation would commit both; stm must
// abort the second at commit (its read of the first's cell is stale), and
// the retry sees the sum 1 and writes nothing.
TEST(StmWriteSkew, BothSeeZeroOnlyOneCommits) {
  StmBackend backend(2);
  StmCell<int> a{0}, b{0};
  // Units that write without reading: both workers start their next units
  // with a read set, so the conflict is found by validation, not an upgrade.
  backend.run(0, [&](StmUnit& tx) { tx.write(a, 0); });
  backend.run(1, [&](StmUnit& tx) { tx.write(b, 0); });
  backend.reset_stats();
  std::atomic<int> phase{0};
  int second_attempts = 0;
  std::thread first([&] {
    backend.run(0, [&](StmUnit& tx) {
      const int sum = tx.read(a) + tx.read(b);
      if (phase.load() == 0) {
        phase = 1;  // read both: let the second read them too
        EXPECT_TRUE(eventually([&] { return phase.load() == 2; }));
      }
      if (sum < 1) tx.write(a, tx.read(a) + 1);
    });
    phase = 3;
  });
  backend.run(1, [&](StmUnit& tx) {
    ++second_attempts;
    EXPECT_TRUE(eventually([&] { return phase.load() >= 1; }));
    const int sum = tx.read(a) + tx.read(b);
    if (phase.load() == 1) {
      phase = 2;  // both have seen 0; wait for the first to commit
      EXPECT_TRUE(eventually([&] { return phase.load() == 3; }));
    }
    if (sum < 1) tx.write(b, tx.read(b) + 1);
  });
  first.join();
  EXPECT_EQ(a.unsafe_load() + b.unsafe_load(), 1);
  EXPECT_EQ(second_attempts, 2);
  EXPECT_EQ(backend.stats().aborts_validate_commit, 1u);
}

}  // namespace
}  // namespace txray::sync::test
