// Progress: a long unit (reads every cell, writes one) against a stream of
// short writers commits within a bound of attempts: one for gil, fine and
// snapshot, max_retries + 1 for stm (then it runs inevitable).
#include <atomic>
#include <memory>
#include <thread>

#include "test_support.hpp"

namespace txray::sync::test {
namespace {

template <class B>
class ProgressTest : public ::testing::Test {};
TYPED_TEST_SUITE(ProgressTest, AllBackends, BackendName);

TYPED_TEST(ProgressTest, LongUnitCommitsWithinBound) {
  using B = TypeParam;
  constexpr std::size_t kCells = 256;
  constexpr std::uint32_t kMaxRetries = 6;
  auto options = test_options<B>();
  int bound = 1;
  if constexpr (std::is_same_v<B, StmBackend>) {
    options.max_retries = kMaxRetries;
    bound = kMaxRetries + 1;
  }
  B backend(3, options);
  auto cells = std::make_unique<typename B::template Cell<std::int64_t>[]>(kCells);
  std::atomic<bool> done{false};
  int worst = 0;
  std::int64_t last_sum = -1;

  run_threads(3, [&](std::size_t w) {
    Session<B> session(backend, w);
    if (w == 0) {
      for (int u = 0; u < scaled(30); ++u) {
        int attempts = 0;
        last_sum = backend.run(w, [&](typename B::Unit& tx) {
          ++attempts;
          std::int64_t sum = 0;
          for (std::size_t i = 0; i < kCells; ++i) {
            sum += tx.read(cells[i]);
            if (i % 32 == 0) std::this_thread::yield();  // let writers in mid-unit
          }
          tx.write(cells[0], tx.read(cells[0]));
          return sum;
        });
        worst = std::max(worst, attempts);
      }
      done = true;
    } else {
      Rng rng(w);
      while (!done.load()) {
        const std::size_t i = 1 + rng.below(kCells - 1);
        backend.run(w, [&](typename B::Unit& tx) { tx.commute_add(cells[i], std::int64_t{1}); });
      }
    }
  });
  EXPECT_LE(worst, bound);
  EXPECT_GE(last_sum, 0);
}

// The bound above is a ceiling the random run rarely approaches. Here it is
// reached on purpose: every optimistic attempt of the long unit is
// invalidated (a writer commits a cell it read, by handshake, before it
// commits), so it aborts exactly max_retries times and then runs serial,
// where the writer waits for it. Attempts == max_retries + 1, not fewer
// (the fallback is not early) and not more (it is not late or missing).
TEST(StmProgress, EveryAttemptInvalidatedThenSerial) {
  constexpr std::uint32_t kMaxRetries = 5;
  StmOptions o;
  o.max_retries = kMaxRetries;
  StmBackend backend(2, o);
  StmCell<std::int64_t> cells[8];
  std::atomic<int> requests{0}, served{0};
  std::atomic<bool> done{false};
  std::thread writer([&] {
    while (!done.load()) {
      if (requests.load() > served.load()) {
        backend.run(1, [&](StmUnit& tx) { tx.write(cells[0], tx.read(cells[0]) + 1); });
        served.fetch_add(1);
      } else {
        std::this_thread::yield();
      }
    }
  });
  int attempts = 0;
  backend.run(0, [&](StmUnit& tx) {
    ++attempts;
    std::int64_t sum = tx.read(cells[0]);
    if (!tx.is_inevitable()) {
      const int want = requests.fetch_add(1) + 1;
      EXPECT_TRUE(eventually([&] { return served.load() >= want; }));
    }
    for (int i = 1; i < 8; ++i) sum += tx.read(cells[i]);
    tx.write(cells[1], sum);
  });
  done = true;
  writer.join();
  EXPECT_EQ(attempts, static_cast<int>(kMaxRetries) + 1);
  EXPECT_EQ(backend.stats().serial_fallbacks, 1u);
  EXPECT_EQ(cells[1].unsafe_load(), static_cast<std::int64_t>(kMaxRetries));
}

}  // namespace
}  // namespace txray::sync::test
