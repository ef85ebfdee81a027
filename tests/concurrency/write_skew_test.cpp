// Write skew: the constraint a + b <= 1 over two cells, kept by units that
// read both and increment one (even workers a, odd workers b) only if the
// sum is still 0. Snapshot isolation would let two units both see 0 and
// push the sum to 2; serializable units never do.
#include <atomic>
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
  const int rounds = scaled(60);
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t p = 0; p < kPairs; ++p) {
      a[p].unsafe_store(0);
      b[p].unsafe_store(0);
    }
    run_threads(kThreads, [&](std::size_t w) {
      Session<B> session(backend, w);
      for (std::size_t k = 0; k < kPairs; ++k) {
        const std::size_t p = (k * 7 + w * 13) % kPairs;  // threads meet on pairs
        backend.run(w, [&](typename B::Unit& tx) {
          const int first = tx.read(a[p]);
          interleave(k, 4);
          const int sum = first + tx.read(b[p]);
          if (sum > 1) violations.fetch_add(1);
          if (sum < 1) {
            auto& mine = (w % 2 == 0) ? a[p] : b[p];
            tx.write(mine, tx.read(mine) + 1);
          }
        });
      }
    });
    for (std::size_t p = 0; p < kPairs; ++p)
      if (a[p].unsafe_load() + b[p].unsafe_load() != 1) violations.fetch_add(1);
  }
  EXPECT_EQ(violations.load(), 0);
}

}  // namespace
}  // namespace txray::sync::test
