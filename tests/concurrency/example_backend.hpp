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
      : workers_(std::make_unique<Worker[]>(workers)), n_(workers) {}

  template <class F>
  decltype(auto) run(std::size_t worker, F&& fn);
  void release(std::size_t) noexcept {}
  void publish() noexcept {}

  std::size_t workers() const noexcept { return n_; }
  Stats stats() const {
    Stats s;
    for (std::size_t i = 0; i < n_; ++i) accumulate(s, workers_[i].stats);
    return s;
  }
  void reset_stats() {
    for (std::size_t i = 0; i < n_; ++i) reset(workers_[i].stats);
  }

 private:
  friend class ExampleSpinUnit;
  // Per-worker state on its own cache line: statistics, hooks, nesting.
  struct alignas(kCacheLine) Worker {
    ExampleSpinStatsBlock stats;
    UnitHooks hooks;
    int depth = 0;
  };
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
  std::unique_ptr<Worker[]> workers_;
  std::size_t n_;
  alignas(kCacheLine) std::atomic<bool> locked_{false};
};

// (4) The unit: what a body sees.
class ExampleSpinUnit {
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
  template <class F>
  void on_commit(F&& f) {
    b_.workers_[w_].hooks.on_commit(std::forward<F>(f));
  }
  template <class F>
  void on_abort(F&& f) {
    b_.workers_[w_].hooks.on_abort(std::forward<F>(f));
  }
  std::size_t worker() const noexcept { return w_; }

 private:
  friend class ExampleSpinBackend;
  ExampleSpinUnit(ExampleSpinBackend& b, std::size_t w) noexcept : b_(b), w_(w) {}
  ExampleSpinBackend& b_;
  std::size_t w_;
};

// (5) run(): nested units flatten; the outermost takes the lock, runs the
// body with hooks (common.hpp), and lets go however the body ends.
template <class F>
decltype(auto) ExampleSpinBackend::run(std::size_t worker, F&& fn) {
  Worker& me = workers_[worker];
  ExampleSpinUnit unit(*this, worker);
  if (me.depth > 0) return fn(unit);
  lock(me);
  me.depth = 1;
  struct End {
    ExampleSpinBackend& b;
    Worker& m;
    ~End() {
      m.depth = 0;
      m.stats.units.add();
      b.locked_.store(false, std::memory_order_release);
    }
  } end{*this, me};
  return run_with_hooks(me.hooks, unit, fn);
}

}  // namespace txray::sync
