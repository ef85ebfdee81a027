// Micro-benchmarks of the synchronisation backends (Google Benchmark).
//   cost of one read inside a unit, 1 thread     BM_Read/<backend>
//   ... inside a unit that also writes (stm keeps a read set)  BM_ReadInUpdateUnit
//   cost of an empty unit                        BM_EmptyUnit
//   read-only units at 1..N threads              BM_ReadOnlyUnits (real time)
//   update units on one hot counter vs per-worker shards, read-modify-write
//   or commute_add                               BM_Counter<mode>
// Nothing here sleeps or spins to shape a figure; the only waiting is the
// backends' own (GIL hand-over, lock contention, STM backoff).
#include <benchmark/benchmark.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "concurrency/backends.hpp"

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
  for_each_stat(st, [&](std::string_view name, double v, std::string_view) {
    if (name.starts_with("aborts_") || name.starts_with("contended_") || name == "switches")
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
}

const bool registered = [] {
  register_backend<GilBackend>();
  register_backend<FineBackend>();
  register_backend<StmBackend>();
  register_backend<SnapshotBackend>();
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
