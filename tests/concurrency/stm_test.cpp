// STM specifics: the global clock near its wrap point, the read-only fast
// path and its upgrade, commute_add semantics, explicit restart, and the
// serial (inevitable) fallback after max_retries aborts.
#include <atomic>
#include <limits>
#include <memory>

#include "test_support.hpp"

namespace txray::sync::test {
namespace {

void bank_from_clock(std::uint64_t start) {
  StmOptions o;
  o.clock_start = start;
  StmBackend backend(kThreads, o);
  constexpr std::size_t kAccounts = 8;
  StmBackend::Cell<std::int64_t> acc[kAccounts];
  for (auto& c : acc) c.unsafe_store(50);
  std::atomic<int> bad{0};
  run_rounds(backend, kThreads, 2, [&](std::size_t w, int) {
    Rng rng(w + 3);
    for (int i = 0; i < scaled(3000); ++i) {
      const std::size_t f = rng.below(kAccounts), t = rng.below(kAccounts);
      backend.run(w, [&](StmUnit& tx) {
        std::int64_t sum = 0;
        for (auto& c : acc) sum += tx.read(c);
        if (sum != 50 * static_cast<std::int64_t>(kAccounts)) bad.fetch_add(1);
        tx.write(acc[f], tx.read(acc[f]) - 1);
        tx.write(acc[t], tx.read(acc[t]) + 1);
      });
    }
  });
  std::int64_t total = 0;
  for (auto& c : acc) total += c.unsafe_load();
  EXPECT_EQ(total, 50 * static_cast<std::int64_t>(kAccounts));
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(backend.clock(), start);  // moved on, no wrap
}

TEST(StmClock, CrossesTheSignBit) {
  // Any signed comparison of versions breaks here.
  bank_from_clock((std::uint64_t{1} << 63) - 2 * 1000);
}

TEST(StmClock, RunsJustBelowItsWrapPoint) {
  // Enough room for this test's commits (< 2^19), and no more.
  bank_from_clock(std::numeric_limits<std::uint64_t>::max() - (std::uint64_t{1} << 20));
}

TEST(Stm, ReadOnlyUnitsKeepNoReadSet) {
  StmBackend backend(1);
  StmBackend::Cell<int> a{1}, b{2};
  for (int i = 0; i < 10; ++i) backend.run(0, [&](StmUnit& tx) { return tx.read(a) + tx.read(b); });
  const auto s = backend.stats();
  EXPECT_EQ(s.commits_read_only, 10u);
  EXPECT_EQ(s.commits_update, 0u);
  EXPECT_EQ(s.read_set_entries, 0u);
  EXPECT_EQ(backend.clock(), 0u);  // read-only units never touch the clock
}

TEST(Stm, FirstWriteAfterReadsUpgradesOnceThenPredicts) {
  StmBackend backend(1);
  StmBackend::Cell<int> a{1};
  int attempts = 0;
  for (int i = 0; i < 5; ++i)
    backend.run(0, [&](StmUnit& tx) {
      ++attempts;
      tx.write(a, tx.read(a) + 1);
    });
  EXPECT_EQ(a.unsafe_load(), 6);
  EXPECT_EQ(attempts, 6);  // one upgrade restart, then the predictor knows
  EXPECT_EQ(backend.stats().aborts_upgrade, 1u);
  EXPECT_EQ(backend.stats().commits_update, 5u);
}

TEST(Stm, CommuteThenReadSeesTheSum) {
  StmBackend backend(1);
  StmBackend::Cell<long> c{10};
  const long seen = backend.run(0, [&](StmUnit& tx) {
    tx.commute_add(c, 5L);
    tx.commute_add(c, 2L);
    const long v = tx.read(c);
    tx.commute_add(c, 1L);
    return v;
  });
  EXPECT_EQ(seen, 17);
  EXPECT_EQ(c.unsafe_load(), 18);
}

TEST(Stm, ExplicitRestartRunsAbortHooksAndRetries) {
  StmBackend backend(1);
  StmBackend::Cell<int> a{0};
  int attempts = 0, aborts = 0, commits = 0;
  backend.run(0, [&](StmUnit& tx) {
    tx.on_abort([&] { ++aborts; });
    tx.on_commit([&] { ++commits; });
    tx.write(a, 7);
    if (++attempts < 3) tx.restart();
  });
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(aborts, 2);
  EXPECT_EQ(commits, 1);
  EXPECT_EQ(a.unsafe_load(), 7);
  EXPECT_EQ(backend.stats().aborts_explicit, 2u);
  EXPECT_EQ(backend.stats().retries_2_3, 1u);
}

TEST(Stm, SerialFallbackAfterMaxRetries) {
  StmOptions o;
  o.max_retries = 4;
  StmBackend backend(1, o);
  StmBackend::Cell<int> a{0};
  int attempts = 0;
  backend.run(0, [&](StmUnit& tx) {
    ++attempts;
    tx.write(a, attempts);
    if (!tx.is_inevitable()) tx.restart();
  });
  EXPECT_EQ(attempts, 5);
  EXPECT_EQ(a.unsafe_load(), 5);
  EXPECT_EQ(backend.stats().serial_fallbacks, 1u);
}

// Issue 18 hot paths, as structural facts (no timings): a cell read many
// times is logged once; a unit that only commute_adds stays read-only; a
// unit with many writes reads its own writes and everyone else's cells.
TEST(StmHotPath, RepeatedReadsLogEachCellOnce) {
  StmBackend backend(1);
  StmBackend::Cell<int> cells[64];
  StmBackend::Cell<int> out{0};
  const int sum = backend.run(0, [&](StmUnit& tx) {
    tx.write(out, 1);  // first: an update unit from the start, no upgrade
    int acc = 0;
    for (int i = 0; i < 4096; ++i) acc += tx.read(cells[i % 64]);
    return acc;
  });
  EXPECT_EQ(sum, 0);
  const auto s = backend.stats();
  EXPECT_EQ(s.commits_update, 1u);
  EXPECT_EQ(s.aborts_upgrade, 0u);
  EXPECT_EQ(s.read_set_entries, 64u);
  EXPECT_EQ(s.write_set_entries, 1u);
}

TEST(StmHotPath, CommuteAddKeepsAUnitReadOnly) {
  StmBackend backend(1);
  StmBackend::Cell<int> cells[64];
  StmBackend::Cell<long> counter{0};
  for (int u = 0; u < 3; ++u)
    backend.run(0, [&](StmUnit& tx) {
      long acc = 0;
      for (auto& c : cells) acc += tx.read(c);
      tx.commute_add(counter, acc + 1);
    });
  EXPECT_EQ(counter.unsafe_load(), 3);
  const auto s = backend.stats();
  EXPECT_EQ(s.aborts_upgrade, 0u);        // no restart to get a read set
  EXPECT_EQ(s.read_set_entries, 0u);      // none kept, none validated
  EXPECT_EQ(s.commits_update, 3u);
  // Nor does it make the next unit keep one (the predictor stays off).
  backend.run(0, [&](StmUnit& tx) { return tx.read(cells[0]) + tx.read(cells[1]); });
  EXPECT_EQ(backend.stats().read_set_entries, 0u);
  EXPECT_EQ(backend.stats().commits_read_only, 1u);
}

// Read-only until it reads the counter it added to: then the read depends
// on the committed value, and the unit restarts with a read set.
TEST(StmHotPath, ReadingACommutedCounterAfterOtherReadsUpgrades) {
  StmBackend backend(1);
  StmBackend::Cell<int> x{4};
  StmBackend::Cell<long> counter{10};
  int attempts = 0;
  const long seen = backend.run(0, [&](StmUnit& tx) {
    ++attempts;
    const int v = tx.read(x);
    tx.commute_add(counter, static_cast<long>(v));
    return tx.read(counter);
  });
  EXPECT_EQ(seen, 14);
  EXPECT_EQ(counter.unsafe_load(), 14);
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(backend.stats().aborts_upgrade, 1u);
}

// Many writes (past every small-size path, through index growth): each
// cell reads back its own pending value, unwritten cells their committed
// one, and everything lands.
TEST(StmHotPath, ManyWritesReadBackTheirOwnValues) {
  constexpr int kCells = 5000;
  StmBackend backend(1);
  auto cells = std::make_unique<StmBackend::Cell<int>[]>(kCells);
  for (int i = 0; i < kCells; ++i) cells[i].unsafe_store(-i);
  int bad = 0;
  backend.run(0, [&](StmUnit& tx) {
    for (int i = 0; i < kCells; i += 2) tx.write(cells[i], i);
    for (int i = 0; i < kCells; i += 2) tx.commute_add(cells[i], 1);
    for (int i = 0; i < kCells; ++i) {
      const int want = i % 2 == 0 ? i + 1 : -i;
      if (tx.read(cells[i]) != want) ++bad;
    }
  });
  EXPECT_EQ(bad, 0);
  for (int i = 0; i < kCells; ++i) ASSERT_EQ(cells[i].unsafe_load(), i % 2 == 0 ? i + 1 : -i) << i;
  EXPECT_EQ(backend.stats().write_set_entries, static_cast<std::uint64_t>(kCells / 2));
}

TEST(Stm, ReturnsTheUnitsValue) {
  StmBackend backend(1);
  StmBackend::Cell<double> x{1.5};
  struct Pair {
    double a;
    int b;
  };
  const Pair p = backend.run(0, [&](StmUnit& tx) { return Pair{tx.read(x), 3}; });
  EXPECT_EQ(p.a, 1.5);
  EXPECT_EQ(p.b, 3);
}

}  // namespace
}  // namespace txray::sync::test
