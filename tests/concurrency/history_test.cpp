// History check: units read and write random cells with unique values and
// log what they saw; the log must be serializable (gil, stm). The checker
// itself is tested on histories known to be bad.
#include <mutex>

#include "history_check.hpp"
#include "test_support.hpp"

namespace txray::sync::test {
namespace {

TEST(HistoryChecker, AcceptsASerialHistory) {
  std::vector<HistoryUnit> h(2);
  h[0].reads = {{0, 0}, {1, 0}};
  h[0].writes = {{0, 0, 11}};
  h[1].reads = {{0, 11}, {1, 0}};
  h[1].writes = {{1, 0, 12}};
  EXPECT_EQ(check_serializable(h), "");
}

TEST(HistoryChecker, RejectsWriteSkew) {
  // Both read a = b = 0; one writes a, the other b: each read what the
  // other overwrote, so each must precede the other.
  std::vector<HistoryUnit> h(2);
  h[0].reads = {{0, 0}, {1, 0}};
  h[0].writes = {{0, 0, 11}};
  h[1].reads = {{0, 0}, {1, 0}};
  h[1].writes = {{1, 0, 12}};
  EXPECT_NE(check_serializable(h), "");
}

TEST(HistoryChecker, RejectsLostUpdate) {
  std::vector<HistoryUnit> h(2);
  h[0].reads = {{0, 0}};
  h[0].writes = {{0, 0, 11}};
  h[1].reads = {{0, 0}};
  h[1].writes = {{0, 0, 12}};
  EXPECT_NE(check_serializable(h), "");
}

TEST(HistoryChecker, RejectsAFracturedRead) {
  // Unit 2 sees unit 0's write to cell 0 but not unit 0's write to cell 1.
  std::vector<HistoryUnit> h(2);
  h[0].reads = {{0, 0}, {1, 0}};
  h[0].writes = {{0, 0, 11}, {1, 0, 12}};
  h[1].reads = {{0, 11}, {1, 0}};
  EXPECT_NE(check_serializable(h), "");
}

template <class B>
class HistoryTest : public ::testing::Test {};
TYPED_TEST_SUITE(HistoryTest, AtomicBackends, BackendName);

template <class B>
void check_history(int rounds, int units) {
  constexpr int kCells = 12;
  B backend(kThreads, test_options<B>());
  typename B::template Cell<std::uint64_t> cells[kCells];
  std::mutex mu;
  std::vector<HistoryUnit> history;

  run_rounds(backend, kThreads, rounds, [&](std::size_t w, int r) {
    Rng rng(w * 101 + static_cast<std::uint64_t>(r));
    std::vector<HistoryUnit> mine;
    std::uint64_t serial = 0;
    for (int i = 0; i < units; ++i) {
      // Two cells read, one or two written; distinct cells.
      int pick[4];
      for (int k = 0; k < 4; ++k) {
        bool again;
        do {
          pick[k] = static_cast<int>(rng.below(kCells));
          again = false;
          for (int j = 0; j < k; ++j) again |= pick[j] == pick[k];
        } while (again);
      }
      const int nwrites = 1 + static_cast<int>(rng.below(2));
      HistoryUnit log;
      backend.run(w, [&](typename B::Unit& tx) {
        log = HistoryUnit{};  // a retried attempt starts a fresh log
        for (int k = 0; k < 4; ++k) {
          log.reads.push_back({pick[k], tx.read(cells[pick[k]])});
          if (k == 1) interleave(static_cast<std::uint64_t>(i), 8);
        }
        for (int k = 0; k < nwrites; ++k) {
          const std::uint64_t v = (static_cast<std::uint64_t>(w + 1) << 48) |
                                  (static_cast<std::uint64_t>(r) << 32) | ++serial;
          tx.write(cells[pick[k]], v);
          log.writes.push_back({pick[k], log.reads[static_cast<std::size_t>(k)].second, v});
        }
      });
      // Reads of written cells are part of the write records.
      log.reads.erase(log.reads.begin(), log.reads.begin() + nwrites);
      mine.push_back(std::move(log));
    }
    std::lock_guard lk(mu);
    for (auto& u : mine) history.push_back(std::move(u));
  });
  EXPECT_EQ(check_serializable(history), "");
  EXPECT_EQ(history.size(), kThreads * static_cast<std::size_t>(rounds * units));
}

TYPED_TEST(HistoryTest, EveryHistoryIsSerializable) { check_history<TypeParam>(2, scaled(1500)); }

TYPED_TEST(HistoryTest, StressEveryHistoryIsSerializable) { check_history<TypeParam>(6, scaled(6000)); }

}  // namespace
}  // namespace txray::sync::test
