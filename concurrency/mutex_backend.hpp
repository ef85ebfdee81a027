// `mutex`: one std::mutex, held for the whole of each unit. The textbook
// single lock, beside `gil`, which is also a single lock but adds CPython's
// policy on top (the holder keeps it across units, gives it away only when
// asked after a switch interval, and releases it around I/O). Here every
// unit takes the lock and gives it back: no switch interval, no drop
// requests, no forced switching, and io() runs with the lock held. The
// difference between the two is the point of having both.
//
// No conflict attribution (conflict_log.hpp): the only conflict is the
// one lock, and wait_ns already says what it costs. Standard library only.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string_view>

#include "concurrency/backend_state.hpp"
#include "concurrency/common.hpp"

namespace txray::sync {

#define TXRAY_MUTEX_STATS(X)                                                                    \
  X(units, "count", "units/s")                /* units run (outermost) */                       \
  X(contended_units, "count", "lock waits/s") /* units whose try_lock failed and that waited */ \
  X(wait_ns, "ns", "lock wait (%)")           /* time spent waiting for the lock */

TXRAY_SYNC_DEFINE_STATS(MutexStats, TXRAY_MUTEX_STATS)

class MutexUnit;

// Every access happens with the mutex held, so a plain value is race-free:
// unlock/lock orders one holder's writes before the next holder's reads.
template <CellValue T>
class MutexCell {
 public:
  using value_type = T;
  MutexCell() = default;
  explicit MutexCell(const T& v) : v_(v) {}
  MutexCell(const MutexCell&) = delete;
  MutexCell& operator=(const MutexCell&) = delete;

  // Quiescent-only: no unit may be running on any worker.
  T unsafe_load() const { return v_; }
  void unsafe_store(const T& v) { v_ = v; }

 private:
  friend class MutexUnit;
  T v_{};
};

class MutexBackend {
 public:
  struct Options {};
  template <class T>
  using Cell = MutexCell<T>;
  using Unit = MutexUnit;
  using Stats = MutexStats;

  static constexpr std::string_view kName = "mutex";
  static constexpr bool kAtomicUnits = true;         // a unit runs alone
  static constexpr bool kConsistentReads = true;     // a unit sees one state
  static constexpr bool kRollsBack = false;          // a throwing unit keeps its writes
  static constexpr bool kExclusiveInevitable = true;  // io() runs holding the lock

  explicit MutexBackend(std::size_t workers, Options = {})
      : workers_(workers) {}

  template <class F>
  decltype(auto) run(std::size_t worker, F&& fn);
  void release(std::size_t) noexcept {}
  void publish() noexcept {}

  std::size_t workers() const noexcept { return workers_.size(); }
  Stats stats() const { return workers_.template sum_stats<Stats>(); }
  void reset_stats() { workers_.reset_stats(); }

  // Who holds the unit mutex and who waits for it (backend_state.hpp); from
  // any thread, relaxed loads only. std::mutex names no owner, but units
  // exclude each other, so the one worker inside a unit and not waiting is
  // the holder (its depth is set once it has the lock).
  BackendState state() const {
    BackendState s;
    s.backend = kName;
    s.exclusive = "the unit mutex";
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      WorkerState ws = base_worker_state(workers_[i]);
      if (ws.cell != 0) {  // the one lock it can wait for
        ws.waiting = s.exclusive;
        ws.cell = 0;
      }
      if (ws.in_unit && ws.waiting.empty()) {
        s.owner = i;
        s.owner_detail = "inside a unit";
      }
      s.workers.push_back(ws);
    }
    return s;
  }

 private:
  friend class MutexUnit;
  struct Worker : WorkerBase<MutexStatsBlock> {};

  // try_lock first, so the uncontended unit reads no clock.
  void lock(Worker& me) {
    TXRAY_SYNC_POINT(lock_acquire);
    if (mu_.try_lock()) return;
    const std::uint64_t t0 = now_ns();
    {
      const WaitingOn waiting(me, &mu_);
      mu_.lock();
    }
    const std::uint64_t waited = now_ns() - t0;
    me.stats.contended_units.add();
    me.stats.wait_ns.add(waited);
  }

  WorkerArray<Worker> workers_;
  alignas(kCacheLine) std::mutex mu_;
};

class MutexUnit : public UnitBase {
 public:
  template <class T>
  T read(const MutexCell<T>& c) const {
    TXRAY_SYNC_POINT(read);
    return c.v_;
  }
  template <class T>
  void write(MutexCell<T>& c, const T& v) {
    TXRAY_SYNC_POINT(write);
    c.v_ = v;
  }
  template <class T>
    requires std::is_arithmetic_v<T>
  void commute_add(MutexCell<T>& c, T delta) {
    TXRAY_SYNC_POINT(write);
    c.v_ += delta;
  }
  template <class T, class F>
  void update(MutexCell<T>& c, F&& f) {
    TXRAY_SYNC_POINT(write);
    T v = c.v_;
    f(v);
    c.v_ = v;
  }
  template <class A, class B, class F>
  void update(MutexCell<A>& a, MutexCell<B>& b, F&& f) {
    TXRAY_SYNC_POINT(write);
    if constexpr (std::is_same_v<A, B>) {
      if (&a == &b) {  // one cell: f sees both names bound to one value
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

  // The lock already excludes everyone, and stays held through io().
  void inevitable() noexcept {}
  template <class F>
  decltype(auto) io(F&& f) {
    return std::forward<F>(f)();
  }
  void check_eval_breaker() noexcept {}

 private:
  friend class MutexBackend;
  MutexUnit(MutexBackend& b, std::size_t w) noexcept : UnitBase(b.workers_[w].hooks, w) {}
};

template <class F>
decltype(auto) MutexBackend::run(std::size_t worker, F&& fn) {
  Worker& me = workers_[worker];
  MutexUnit unit(*this, worker);
  return run_outermost(me, unit, fn, [&] { lock(me); }, [&]() noexcept {
    mu_.unlock();
    TXRAY_SYNC_POINT(lock_release);
  });
}

}  // namespace txray::sync
