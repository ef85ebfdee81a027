// The example of docs/adding-a-backend.md: `example-spin`, one test-and-
// test-and-set spinlock held for the whole of each unit. Deliberately the
// smallest complete backend; the guide walks through it section by section
// and contract_test.cpp checks it like every other backend, so the guide
// cannot drift from code that compiles and passes.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string_view>
#include <type_traits>

#include "concurrency/backend_state.hpp"
#include "concurrency/common.hpp"

namespace txray::sync {

// (1) Statistics: listed once, as X(field, "unit", "label in the report").
#define TXRAY_EXAMPLE_SPIN_STATS(X)                          \
  X(units, "count", "units/s") /* units run (outermost) */   \
  X(spins, "count", "spins/s") /* failed attempts to lock */

TXRAY_SYNC_DEFINE_STATS(ExampleSpinStats, TXRAY_EXAMPLE_SPIN_STATS)

class ExampleSpinUnit;

// (2) The cell: the unit reaches in through friendship. Every access holds
// the lock, so a plain T is race-free.
template <CellValue T>
class ExampleSpinCell {
 public:
  using value_type = T;
  ExampleSpinCell() = default;
  explicit ExampleSpinCell(const T& v) : v_(v) {}
  ExampleSpinCell(const ExampleSpinCell&) = delete;
  ExampleSpinCell& operator=(const ExampleSpinCell&) = delete;
  T unsafe_load() const { return v_; }         // quiescent only
  void unsafe_store(const T& v) { v_ = v; }    // quiescent only

 private:
  friend class ExampleSpinUnit;
  T v_{};
};

// (3) The backend: types, guarantees, run(), the frame boundary, stats.
class ExampleSpinBackend {
 public:
  struct Options {};
  template <class T>
  using Cell = ExampleSpinCell<T>;
  using Unit = ExampleSpinUnit;
  using Stats = ExampleSpinStats;

  static constexpr std::string_view kName = "example-spin";
  static constexpr bool kAtomicUnits = true;          // one unit at a time
  static constexpr bool kConsistentReads = true;
  static constexpr bool kRollsBack = false;           // a throw keeps the writes made
  static constexpr bool kExclusiveInevitable = true;  // io() runs holding the lock

  explicit ExampleSpinBackend(std::size_t workers, Options = {})
      : workers_(workers) {}

  template <class F>
  decltype(auto) run(std::size_t worker, F&& fn);
  void release(std::size_t) noexcept {}
  void publish() noexcept {}

  std::size_t workers() const noexcept { return workers_.size(); }
  Stats stats() const { return workers_.template sum_stats<Stats>(); }
  void reset_stats() { workers_.reset_stats(); }
  // For a watchdog (backend_state.hpp): who is inside a unit. The lock is
  // one flag with no owner, so the one worker in a unit holds it.
  BackendState state() const { return worker_array_state(kName, workers_); }

 private:
  friend class ExampleSpinUnit;
  // Per-worker state on its own cache line: statistics, hooks, nesting.
  struct Worker : WorkerBase<ExampleSpinStatsBlock> {};
  // Spin on a plain load (no cache-line ping-pong); SpinWait (common.hpp)
  // yields the core after a while: with more threads than cores the holder
  // may be descheduled.
  void lock(Worker& me) noexcept {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      me.stats.spins.add();
      SpinWait spin;
      while (locked_.load(std::memory_order_relaxed)) spin.wait();
    }
  }
  WorkerArray<Worker> workers_;
  alignas(kCacheLine) std::atomic<bool> locked_{false};
};

// (4) The unit: what a body sees.
class ExampleSpinUnit : public UnitBase {
 public:
  template <class T>
  T read(const ExampleSpinCell<T>& c) const noexcept {
    return c.v_;
  }
  template <class T>
  void write(ExampleSpinCell<T>& c, const T& v) noexcept {
    c.v_ = v;
  }
  template <class T>
    requires std::is_arithmetic_v<T>
  void commute_add(ExampleSpinCell<T>& c, T delta) noexcept {
    c.v_ += delta;
  }
  template <class T, class F>
  void update(ExampleSpinCell<T>& c, F&& f) {
    T v = c.v_;
    f(v);
    c.v_ = v;
  }
  template <class A, class B, class F>
  void update(ExampleSpinCell<A>& a, ExampleSpinCell<B>& b, F&& f) {
    if constexpr (std::is_same_v<A, B>) {
      if (&a == &b) {
        update(a, [&](A& v) { f(v, v); });
        return;
      }
    }
    A va = a.v_;
    B vb = b.v_;
    f(va, vb);
    a.v_ = va;
    b.v_ = vb;
  }
  void inevitable() noexcept {}
  template <class F>
  decltype(auto) io(F&& f) {
    return std::forward<F>(f)();
  }
  void check_eval_breaker() noexcept {}

 private:
  friend class ExampleSpinBackend;
  ExampleSpinUnit(ExampleSpinBackend& b, std::size_t w) noexcept : UnitBase(b.workers_[w].hooks, w), b_(b) {}
  ExampleSpinBackend& b_;
};

// (5) run(): nested units flatten; the outermost takes the lock, runs the
// body with hooks (common.hpp), and lets go however the body ends.
template <class F>
decltype(auto) ExampleSpinBackend::run(std::size_t worker, F&& fn) {
  Worker& me = workers_[worker];
  ExampleSpinUnit unit(*this, worker);
  return run_outermost(me, unit, fn, [&] { lock(me); },
                       [&]() noexcept { locked_.store(false, std::memory_order_release); });
}

}  // namespace txray::sync
