// Micro-benchmarks of the synchronisation backends (Google Benchmark).
//   cost of one read inside a unit, 1 thread     BM_Read/<backend>
//   ... inside a unit that also writes (stm keeps a read set)  BM_ReadInUpdateUnit
//   cost of an empty unit                        BM_EmptyUnit
//   read-only units at 1..N threads              BM_ReadOnlyUnits (real time)
//   update units on one hot counter vs per-worker shards, read-modify-write
//   or commute_add                               BM_Counter<mode>
//   bank transfers, update(a, b) on 2 of 64 accounts  BM_BankTransfers (real time)
//   stm hot paths (issue 18), each shown by one benchmark:
//     reads after W writes: ns/read           BM_StmReadAfterWrites/W
//     W writes in one unit: ns/write           BM_StmWrites/W
//     the same 64 cells read 64 times          BM_StmRepeatedReads (ns/read, read_set/unit)
//     64 reads + one commute_add               BM_StmCommuteUnit (read_set/unit, upgrades/unit)
//     more threads than cores, shared cells    BM_StmOversubscribed (serial/unit, aborts/unit)
//   They use only the API that existed before the fixes, so the same file
//   measures the commit before and the commit after.
// Nothing here sleeps or spins to shape a figure; the only waiting is the
// backends' own (GIL hand-over, lock contention, STM backoff).
#include <benchmark/benchmark.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "concurrency/library_backends.hpp"

namespace {

using namespace txray::sync;

// The renderer's scene object: 48 bytes of floats and ids.
struct Sphere {
  int kind, material;
  float center[3], radius, half_size[3], normal[3];
};
static_assert(sizeof(Sphere) == 48);

constexpr int kObjects = 64;
constexpr std::size_t kMaxWorkers = 8;

template <class B>
struct Scene {
  B backend{kMaxWorkers};
  std::unique_ptr<typename B::template Cell<Sphere>[]> objects =
      std::make_unique<typename B::template Cell<Sphere>[]>(kObjects);
  typename B::template Cell<std::uint64_t> hot{0};
  struct alignas(kCacheLine) Shard {
    typename B::template Cell<std::uint64_t> c{0};
  };
  std::array<Shard, kMaxWorkers> shards;
  struct alignas(kCacheLine) Account {
    typename B::template Cell<std::int64_t> c{1000};
  };
  std::array<Account, kObjects> accounts;

  Scene() {
    for (int i = 0; i < kObjects; ++i) {
      const auto f = static_cast<float>(i);
      objects[i].unsafe_store(Sphere{1, i, {f, f, f}, 1.0f, {f, f, f}, {0, 1, 0}});
    }
  }
  static Scene& get() {
    static Scene scene;
    return scene;
  }
};

template <class B, class Unit = typename B::Unit>
float read_all(Unit& tx, Scene<B>& s, int n = kObjects) {
  float acc = 0;
  for (int i = 0; i < n; ++i) acc += tx.read(s.objects[i]).radius;
  return acc;
}

// Conflicts per unit over the measured loop: STM aborts, GIL switches,
// lock contention. Read by thread 0 only; informative, not exact at the
// edges of a multi-threaded run.
template <class B>
double conflicts(const typename B::Stats& st) {
  double sum = 0;
  for_each_stat(st, [&](const StatInfo& stat, double v) {
    if (stat.name.starts_with("aborts_") || stat.name.starts_with("contended_") || stat.name == "switches")
      sum += v;
  });
  return sum;
}

// Google Benchmark threads wait for each other at the end of the loop. A
// GIL holder waiting there would never see the drop request of a thread
// still running, so each thread releases after its last unit (what a
// Session does at the end of a TBB task body).
template <class B>
void end_of_batch(benchmark::State& state, B& backend, std::size_t w, benchmark::IterationCount& done) {
  if (++done == state.max_iterations) backend.release(w);
}

template <class B>
struct Measure {
  benchmark::State& state;
  B& backend;
  typename B::Stats before{};
  explicit Measure(benchmark::State& st, B& b) : state(st), backend(b) {
    if (state.thread_index() == 0) before = backend.stats();
  }
  void finish() {
    if (state.thread_index() != 0) return;
    const auto after = backend.stats();
    const double units = static_cast<double>(after.units - before.units);
    if (units > 0) state.counters["conflicts/unit"] = (conflicts<B>(after) - conflicts<B>(before)) / units;
  }
};

void BM_ReadPlain(benchmark::State& state) {
  std::array<Sphere, kObjects> plain{};
  for (int i = 0; i < kObjects; ++i) plain[i].radius = 1.0f;
  for (auto _ : state) {
    float acc = 0;
    for (int i = 0; i < kObjects; ++i) {
      benchmark::DoNotOptimize(plain[i]);
      acc += plain[i].radius;
    }
    benchmark::DoNotOptimize(acc);
  }
  state.counters["ns/read"] = benchmark::Counter(
      kObjects, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ReadPlain);

// The machine's own scaling, as a control for BM_ReadOnlyUnits: the same
// reads with no backend at all, one "unit" per iteration, at 1, 2, 4 threads.
// If this does not scale, nothing can (cores busy with other work).
void BM_ReadOnlyPlain(benchmark::State& state) {
  auto& s = Scene<SnapshotBackend>::get();  // any scene; read quiescently
  std::array<Sphere, kObjects> plain{};
  for (int i = 0; i < kObjects; ++i) plain[i] = s.objects[i].unsafe_load();
  for (auto _ : state) {
    float acc = 0;
    for (int i = 0; i < kObjects; ++i) {
      benchmark::DoNotOptimize(plain[i]);
      acc += plain[i].radius;
    }
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReadOnlyPlain)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

template <class B>
void BM_Read(benchmark::State& state) {
  auto& s = Scene<B>::get();
  Session<B> session(s.backend, 0);
  for (auto _ : state) {
    const float acc = s.backend.run(0, [&](typename B::Unit& tx) { return read_all<B>(tx, s); });
    benchmark::DoNotOptimize(acc);
  }
  // seconds per read; shown as ns in the console, stored as seconds in JSON
  state.counters["ns/read"] = benchmark::Counter(
      kObjects, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

template <class B>
void BM_ReadInUpdateUnit(benchmark::State& state) {
  auto& s = Scene<B>::get();
  Session<B> session(s.backend, 0);
  for (auto _ : state) {
    const float acc = s.backend.run(0, [&](typename B::Unit& tx) {
      const float a = read_all<B>(tx, s);
      tx.commute_add(s.shards[0].c, std::uint64_t{1});
      return a;
    });
    benchmark::DoNotOptimize(acc);
  }
  s.backend.publish();
  state.counters["ns/read"] = benchmark::Counter(
      kObjects, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

template <class B>
void BM_EmptyUnit(benchmark::State& state) {
  auto& s = Scene<B>::get();
  Session<B> session(s.backend, 0);
  for (auto _ : state) s.backend.run(0, [](typename B::Unit&) {});
}

template <class B>
void BM_ReadOnlyUnits(benchmark::State& state) {
  auto& s = Scene<B>::get();
  const auto w = static_cast<std::size_t>(state.thread_index());
  Session<B> session(s.backend, w);
  Measure<B> m(state, s.backend);
  benchmark::IterationCount done = 0;
  for (auto _ : state) {
    const float acc = s.backend.run(w, [&](typename B::Unit& tx) { return read_all<B>(tx, s); });
    benchmark::DoNotOptimize(acc);
    end_of_batch(state, s.backend, w, done);
  }
  m.finish();
  state.SetItemsProcessed(state.iterations());  // units
}

enum class Counting { hot_update, sharded_update, hot_commute, sharded_commute };

// A render-like update unit: read 16 objects, count it. The hot variants
// are the naive program (one shared counter); sharded is the fix.
template <class B, Counting mode>
void BM_Counter(benchmark::State& state) {
  auto& s = Scene<B>::get();
  const auto w = static_cast<std::size_t>(state.thread_index());
  Session<B> session(s.backend, w);
  Measure<B> m(state, s.backend);
  auto& shard = s.shards[w].c;
  benchmark::IterationCount done = 0;
  for (auto _ : state) {
    s.backend.run(w, [&](typename B::Unit& tx) {
      benchmark::DoNotOptimize(read_all<B>(tx, s, 16));
      if constexpr (mode == Counting::hot_update) tx.update(s.hot, [](std::uint64_t& v) { ++v; });
      if constexpr (mode == Counting::sharded_update) tx.update(shard, [](std::uint64_t& v) { ++v; });
      if constexpr (mode == Counting::hot_commute) tx.commute_add(s.hot, std::uint64_t{1});
      if constexpr (mode == Counting::sharded_commute) tx.commute_add(shard, std::uint64_t{1});
    });
    end_of_batch(state, s.backend, w, done);
  }
  m.finish();
  state.SetItemsProcessed(state.iterations());
}

// ---- stm hot paths (issue 18) ----

// Cells of their own for each benchmark: the shared Scene's clock and
// predictor state would leak between benchmarks.
struct StmHot {
  static constexpr int kCells = 4096;
  StmBackend backend{kMaxWorkers};
  std::unique_ptr<StmCell<Sphere>[]> objects = std::make_unique<StmCell<Sphere>[]>(kObjects);
  std::unique_ptr<StmCell<std::uint64_t>[]> cells = std::make_unique<StmCell<std::uint64_t>[]>(kCells);
  StmCell<std::uint64_t> counter{0};
  StmHot() {
    for (int i = 0; i < kObjects; ++i) objects[i].unsafe_store(Sphere{1, i, {0, 0, 0}, 1.0f, {0, 0, 0}, {0, 1, 0}});
  }
};

// A unit writes W cells (no reads before: no upgrade), then reads 1,024
// distinct scene objects once each (so no read repeats, and the writes are
// spread over many reads: ns/read includes W writes / 1,024; BM_StmWrites/W
// gives their cost). Before the fix every read after the first write went
// out of line and scanned the write set. After it, a read is inline unless
// its cell's bit in a 64-bit filter is set; past ~64 writes the filter
// fills and reads take an O(1) index lookup instead.
void BM_StmReadAfterWrites(benchmark::State& state) {
  constexpr int kReads = 1024;
  StmHot h;
  auto objects = std::make_unique<StmCell<Sphere>[]>(kReads);
  for (int i = 0; i < kReads; ++i) objects[i].unsafe_store(Sphere{1, i, {0, 0, 0}, 1.0f, {0, 0, 0}, {0, 1, 0}});
  const auto writes = static_cast<int>(state.range(0));
  for (auto _ : state) {
    const float acc = h.backend.run(0, [&](StmUnit& tx) {
      for (int i = 0; i < writes; ++i) tx.write(h.cells[i], std::uint64_t{1});
      float a = 0;
      for (int i = 0; i < kReads; ++i) a += tx.read(objects[i]).radius;
      return a;
    });
    benchmark::DoNotOptimize(acc);
  }
  state.counters["ns/read"] = benchmark::Counter(
      kReads, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_StmReadAfterWrites)->Arg(0)->Arg(1)->Arg(8)->Arg(64)->Arg(512);

// W distinct writes in one unit: each looked its cell up in the write set
// by a linear scan before the fix, O(W^2) per unit.
void BM_StmWrites(benchmark::State& state) {
  StmHot h;
  const auto writes = static_cast<int>(state.range(0));
  for (auto _ : state)
    h.backend.run(0, [&](StmUnit& tx) {
      for (int i = 0; i < writes; ++i) tx.write(h.cells[i], static_cast<std::uint64_t>(i));
    });
  state.counters["ns/write"] = benchmark::Counter(
      static_cast<double>(writes), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_StmWrites)->Arg(8)->Arg(64)->Arg(512)->Arg(4096);

// An update unit reads the same 64 objects 64 times (4,096 reads). Before
// the fix each read logged an entry: read_set/unit was 4,096, and commit
// validated all of them.
void BM_StmRepeatedReads(benchmark::State& state) {
  StmHot h;
  const auto before = h.backend.stats();
  for (auto _ : state) {
    const float acc = h.backend.run(0, [&](StmUnit& tx) {
      tx.write(h.cells[0], std::uint64_t{1});  // an update unit from its start
      float a = 0;
      for (int r = 0; r < 64; ++r)
        for (int i = 0; i < kObjects; ++i) a += tx.read(h.objects[i]).radius;
      return a;
    });
    benchmark::DoNotOptimize(acc);
  }
  const auto after = h.backend.stats();
  const double units = static_cast<double>(after.units - before.units);
  state.counters["ns/read"] = benchmark::Counter(
      64.0 * kObjects, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  if (units > 0) state.counters["read_set/unit"] = static_cast<double>(after.read_set_entries - before.read_set_entries) / units;
}
BENCHMARK(BM_StmRepeatedReads);

// The "commute" counter mode's unit: 64 reads, then one commute_add. Before
// the fix the add upgraded the unit (a restart, then a read set of 64
// validated at commit); after it the unit stays read-only.
void BM_StmCommuteUnit(benchmark::State& state) {
  StmHot h;
  const auto before = h.backend.stats();
  for (auto _ : state) {
    h.backend.run(0, [&](StmUnit& tx) {
      float a = 0;
      for (int i = 0; i < kObjects; ++i) a += tx.read(h.objects[i]).radius;
      benchmark::DoNotOptimize(a);
      tx.commute_add(h.counter, std::uint64_t{1});
    });
  }
  const auto after = h.backend.stats();
  const double units = static_cast<double>(after.units - before.units);
  state.counters["ns/read"] = benchmark::Counter(
      kObjects, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  if (units > 0) {
    state.counters["read_set/unit"] = static_cast<double>(after.read_set_entries - before.read_set_entries) / units;
    state.counters["upgrades/unit"] = static_cast<double>(after.aborts_upgrade - before.aborts_upgrade) / units;
  }
}
BENCHMARK(BM_StmCommuteUnit);

// More threads than cores: every unit reads 16 shared cells and updates
// one of them. Before the fix a read meeting a lock held by a preempted
// committer aborted at once and the backoff only spun, so units burned
// their retries and fell back to serial. Compare serial/unit at 2 and 6
// threads (on a 2-core machine).
StmHot& oversubscribed() {
  static StmHot h;
  return h;
}
void BM_StmOversubscribed(benchmark::State& state) {
  StmHot& h = oversubscribed();
  const auto w = static_cast<std::size_t>(state.thread_index());
  StmStats before{};
  if (w == 0) before = h.backend.stats();
  std::uint64_t i = w;
  for (auto _ : state) {
    h.backend.run(w, [&](StmUnit& tx) {
      std::uint64_t sum = 0;
      for (int k = 0; k < 16; ++k) sum += tx.read(h.cells[k]);
      tx.write(h.cells[i % 16], sum + 1);
    });
    ++i;
  }
  if (w == 0) {
    const auto after = h.backend.stats();
    const double units = static_cast<double>(after.units - before.units);
    if (units > 0) {
      state.counters["serial/unit"] = static_cast<double>(after.serial_fallbacks - before.serial_fallbacks) / units;
      state.counters["aborts/unit"] = (conflicts<StmBackend>(after) - conflicts<StmBackend>(before)) / units;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StmOversubscribed)->Threads(2)->Threads(6)->UseRealTime();

// Transfers between two of the 64 accounts (update of two cells in one
// unit), a deterministic walk per thread: transfers per second.
template <class B>
void BM_BankTransfers(benchmark::State& state) {
  auto& s = Scene<B>::get();
  const auto w = static_cast<std::size_t>(state.thread_index());
  Session<B> session(s.backend, w);
  Measure<B> m(state, s.backend);
  std::uint64_t x = 0x9E3779B97F4A7C15ull * (w + 1);
  benchmark::IterationCount done = 0;
  for (auto _ : state) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    auto& from = s.accounts[x % kObjects].c;
    auto& to = s.accounts[(x >> 32) % kObjects].c;
    s.backend.run(w, [&](typename B::Unit& tx) {
      tx.update(from, to, [](std::int64_t& a, std::int64_t& b) {
        --a;
        ++b;
      });
    });
    end_of_batch(state, s.backend, w, done);
  }
  m.finish();
  state.SetItemsProcessed(state.iterations());  // transfers
}

template <class B>
void register_backend() {
  const std::string n(B::kName);
  benchmark::RegisterBenchmark(("BM_Read/" + n).c_str(), BM_Read<B>);
  benchmark::RegisterBenchmark(("BM_ReadInUpdateUnit/" + n).c_str(), BM_ReadInUpdateUnit<B>);
  benchmark::RegisterBenchmark(("BM_EmptyUnit/" + n).c_str(), BM_EmptyUnit<B>);
  benchmark::RegisterBenchmark(("BM_ReadOnlyUnits/" + n).c_str(), BM_ReadOnlyUnits<B>)
      ->Threads(1)->Threads(2)->Threads(4)->UseRealTime();
  benchmark::RegisterBenchmark(("BM_CounterHotUpdate/" + n).c_str(), BM_Counter<B, Counting::hot_update>)
      ->Threads(1)->Threads(2)->UseRealTime();
  benchmark::RegisterBenchmark(("BM_CounterShardedUpdate/" + n).c_str(),
                               BM_Counter<B, Counting::sharded_update>)
      ->Threads(1)->Threads(2)->UseRealTime();
  benchmark::RegisterBenchmark(("BM_CounterHotCommute/" + n).c_str(), BM_Counter<B, Counting::hot_commute>)
      ->Threads(1)->Threads(2)->UseRealTime();
  benchmark::RegisterBenchmark(("BM_CounterShardedCommute/" + n).c_str(),
                               BM_Counter<B, Counting::sharded_commute>)
      ->Threads(1)->Threads(2)->UseRealTime();
  benchmark::RegisterBenchmark(("BM_BankTransfers/" + n).c_str(), BM_BankTransfers<B>)
      ->Threads(1)->Threads(2)->UseRealTime();
}

const bool registered = [] {
  register_backend<GilBackend>();
  register_backend<FineBackend>();
  register_backend<StmBackend>();
  register_backend<SnapshotBackend>();
  // Issue 12: the real libraries.
  register_backend<MutexBackend>();
  register_backend<RwLockSpinBackend>();
  register_backend<RwLockQueuingBackend>();
  register_backend<RwLockStdBackend>();
  register_backend<RcuBackend>();
#if defined(TXRAY_HAVE_ITM)
  register_backend<ItmBackend>();
#endif
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
