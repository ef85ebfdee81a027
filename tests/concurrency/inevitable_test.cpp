// Inevitable units (I/O inside a unit): the I/O runs exactly once per unit,
// the unit is never re-executed after it, the bank invariant still holds,
// and under stm at most one unit is inevitable at a time.
#include <atomic>
#include <thread>

#include "test_support.hpp"

namespace txray::sync::test {
namespace {

template <class B>
class InevitableTest : public ::testing::Test {};
TYPED_TEST_SUITE(InevitableTest, AllBackends, BackendName);

TYPED_TEST(InevitableTest, IoRunsOnceAndInvariantsHold) {
  using B = TypeParam;
  constexpr std::size_t kAccounts = 16;
  B backend(kThreads, test_options<B>());
  typename B::template Cell<std::int64_t> acc[kAccounts];
  for (auto& c : acc) c.unsafe_store(100);
  std::atomic<int> io_units{0}, io_calls{0}, rerun_after_io{0}, overlap{0}, live{0}, bad_sum{0};

  run_rounds(backend, kThreads, 3, [&](std::size_t w, int r) {
    Rng rng(w * 17 + static_cast<std::uint64_t>(r));
    for (int i = 0; i < scaled(600); ++i) {
      const std::size_t f = rng.below(kAccounts), t = rng.below(kAccounts);
      const bool log = rng.below(5) == 0;
      if (log) io_units.fetch_add(1);
      bool io_done = false;
      backend.run(w, [&](typename B::Unit& tx) {
        if (io_done) rerun_after_io.fetch_add(1);
        std::int64_t sum = 0;
        for (auto& c : acc) sum += tx.read(c);
        if constexpr (B::kConsistentReads)
          if (sum != 100 * static_cast<std::int64_t>(kAccounts)) bad_sum.fetch_add(1);
        if (log) {
          tx.io([&] {
            io_calls.fetch_add(1);
            io_done = true;
            if (live.fetch_add(1) != 0 && B::kExclusiveInevitable) overlap.fetch_add(1);
            std::this_thread::yield();  // widen the window a concurrent unit could use
          });
        }
        tx.update(acc[f], acc[t], [](std::int64_t& a, std::int64_t& b) {
          a -= 1;
          b += 1;
        });
        // Still inside the inevitable section (stm holds it until commit).
        if (log) live.fetch_sub(1);
      });
    }
  });
  std::int64_t total = 0;
  for (auto& c : acc) total += c.unsafe_load();
  EXPECT_EQ(total, 100 * static_cast<std::int64_t>(kAccounts));
  EXPECT_EQ(io_calls.load(), io_units.load());
  EXPECT_EQ(rerun_after_io.load(), 0);
  EXPECT_EQ(overlap.load(), 0);
  EXPECT_EQ(bad_sum.load(), 0);
  EXPECT_GT(io_units.load(), 0);
}

TEST(StmInevitable, NeverAbortsAndOthersKeepCommitting) {
  StmBackend backend(2);
  StmBackend::Cell<int> a{0}, b{0};
  std::atomic<bool> inside{false}, release{false};
  int attempts = 0;
  std::thread t([&] {
    backend.run(0, [&](StmUnit& tx) {
      ++attempts;
      const int v = tx.read(a);
      tx.inevitable();
      EXPECT_TRUE(tx.is_inevitable());
      inside = true;
      // Another worker's read-only units run meanwhile, and its update unit
      // waits at its commit rather than aborting us.
      EXPECT_TRUE(eventually([&] { return release.load(); }));
      tx.write(a, v + 1);
    });
  });
  ASSERT_TRUE(eventually([&] { return inside.load(); }));
  for (int i = 0; i < 100; ++i) backend.run(1, [&](StmUnit& tx) { return tx.read(b) + tx.read(a); });
  std::thread writer([&] { backend.run(1, [&](StmUnit& tx) { tx.write(a, tx.read(a) + 10); }); });
  // The writer must really reach its commit and wait there, not merely
  // be started: only then is "it waits rather than aborting us" tested.
  EXPECT_TRUE(eventually([&] { return backend.waiting_for_inevitable(1); }));
  EXPECT_EQ(a.unsafe_load(), 0);  // it has not committed past the inevitable unit
  release = true;
  t.join();
  writer.join();
  EXPECT_EQ(attempts, 1);
  EXPECT_EQ(a.unsafe_load(), 11);
  EXPECT_EQ(backend.stats().inevitable_units, 1u);
  EXPECT_GT(backend.stats().inevitable_wait_ns, 0u);
}

}  // namespace
}  // namespace txray::sync::test
