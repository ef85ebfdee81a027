// `rwlock`: a reader-writer lock per cell, the lock design most people
// write first. A read takes its cell's lock shared for the copy; a write,
// commute_add or update takes it exclusive; update(a, b) takes both
// exclusive, in address order, so two such units cannot deadlock. Like
// `fine`, each access is atomic and a unit as a whole is not.
//
// The lock is a policy, chosen by name (the rig's --backend):
//   rwlock          tbb::spin_rw_mutex (the default): one word, readers
//                   fetch_add a reader count, writers spin
//   rwlock-queuing  tbb::queuing_rw_mutex: a fair MCS-style queue, every
//                   acquisition enqueues a node on the stack (scoped_lock)
//   rwlock-std      std::shared_mutex (pthread_rwlock_t on glibc)
// All three make every reader *write* the lock's cache line, which is what
// the seqlock in `fine` avoids: on two cores reading the same sphere, that
// line moves on every read. Measuring how much that costs is why this
// backend exists.
//
// The payload is a plain T: every access holds the lock, so there is no
// optimistic reader to make race-free.
//
// Uses oneTBB (headers and libtbb, for queuing_rw_mutex), so it is not part
// of the standard-library-only txray_concurrency target; link
// txray_concurrency_libs (concurrency/CMakeLists.txt).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string_view>

#include <oneapi/tbb/queuing_rw_mutex.h>
#include <oneapi/tbb/spin_rw_mutex.h>

#include "concurrency/backend_state.hpp"
#include "concurrency/common.hpp"
#include "concurrency/conflict_log.hpp"

namespace txray::sync {

#define TXRAY_RWLOCK_STATS(X)                                                                                 \
  X(units, "count", "units/s")                                  /* units run (outermost) */                   \
  X(read_acquisitions, "count", "lock acquisitions/s (read)")   /* shared acquisitions (one per read) */      \
  X(write_acquisitions, "count", "lock acquisitions/s (write)") /* exclusive acquisitions */                  \
  X(contended_reads, "count", "lock waits/s (read)")            /* shared acquisitions whose try failed */    \
  X(contended_writes, "count", "lock waits/s (write)")          /* exclusive acquisitions whose try failed */ \
  X(wait_ns, "ns", "lock wait (%)")                             /* time spent in contended acquisitions */

TXRAY_SYNC_DEFINE_STATS(RwLockStats, TXRAY_RWLOCK_STATS)

// ---- Lock policies: a Mutex type and a Guard that holds it shared or exclusive ----

// For mutexes with lock()/lock_shared() and their try_ forms.
template <class M, const char* Name>
struct SharedLockablePolicy {
  using Mutex = M;
  static constexpr std::string_view kName = Name;
  class Guard {
   public:
    Guard() = default;
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ~Guard() {
      if (m_) exclusive_ ? m_->unlock() : m_->unlock_shared();
      TXRAY_SYNC_POINT(lock_release);
    }
    bool try_acquire(Mutex& m, bool exclusive) {
      if (!(exclusive ? m.try_lock() : m.try_lock_shared())) return false;
      m_ = &m;
      exclusive_ = exclusive;
      return true;
    }
    void acquire(Mutex& m, bool exclusive) {
      exclusive ? m.lock() : m.lock_shared();
      m_ = &m;
      exclusive_ = exclusive;
    }

   private:
    Mutex* m_ = nullptr;
    bool exclusive_ = false;
  };
};

inline constexpr char kRwLockSpinName[] = "rwlock";
inline constexpr char kRwLockStdName[] = "rwlock-std";
using TbbSpinRwPolicy = SharedLockablePolicy<tbb::spin_rw_mutex, kRwLockSpinName>;
using StdSharedMutexPolicy = SharedLockablePolicy<std::shared_mutex, kRwLockStdName>;

// tbb::queuing_rw_mutex: the queue node is the scoped_lock itself, which
// lives on the acquiring thread's stack for as long as the lock is held.
struct TbbQueuingRwPolicy {
  using Mutex = tbb::queuing_rw_mutex;
  static constexpr std::string_view kName = "rwlock-queuing";
  class Guard {
   public:
    Guard() = default;
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    // scoped_lock's destructor releases what it holds, right after this.
    ~Guard() { TXRAY_SYNC_POINT(lock_release); }
    bool try_acquire(Mutex& m, bool exclusive) { return lock_.try_acquire(m, exclusive); }
    void acquire(Mutex& m, bool exclusive) { lock_.acquire(m, exclusive); }

   private:
    Mutex::scoped_lock lock_;
  };
};

template <class Policy>
class RwLockUnit;

template <class Policy, CellValue T>
class RwLockCell {
 public:
  using value_type = T;
  RwLockCell() = default;
  explicit RwLockCell(const T& v) : v_(v) {}
  RwLockCell(const RwLockCell&) = delete;
  RwLockCell& operator=(const RwLockCell&) = delete;

  // Quiescent-only: no unit may be running on any worker.
  T unsafe_load() const { return v_; }
  void unsafe_store(const T& v) { v_ = v; }

 private:
  friend class RwLockUnit<Policy>;
  // First member: its address names the cell in conflict reports.
  mutable typename Policy::Mutex lock_;
  T v_{};
};

template <class Policy>
class RwLockBackend {
 public:
  struct Options {};
  template <class T>
  using Cell = RwLockCell<Policy, T>;
  using Unit = RwLockUnit<Policy>;
  using Stats = RwLockStats;

  static constexpr std::string_view kName = Policy::kName;
  static constexpr bool kAtomicUnits = false;       // each access is, a unit is not
  static constexpr bool kConsistentReads = false;   // two reads may straddle a write
  static constexpr bool kRollsBack = false;
  static constexpr bool kExclusiveInevitable = false;

  explicit RwLockBackend(std::size_t workers, Options = {})
      : workers_(workers) {}

  template <class F>
  decltype(auto) run(std::size_t worker, F&& fn);
  void release(std::size_t) noexcept {}
  void publish() noexcept {}

  std::size_t workers() const noexcept { return workers_.size(); }
  Stats stats() const { return workers_.template sum_stats<Stats>(); }
  void reset_stats() {
    workers_.reset_stats();
    for (std::size_t i = 0; i < workers_.size(); ++i) workers_[i].attr.table.reset();
  }

  // What each worker runs and which cell it waits to lock (backend_state.hpp);
  // from any thread, relaxed loads only. The lock libraries keep
  // no owner, so the cells shown are the ones waited for.
  BackendState state() const { return worker_array_state(kName, workers_); }

  // ---- Attribution (conflict_log.hpp), as `fine` does it: contended acquisitions only ----
  void set_unit_kind(std::size_t worker, UnitKind kind) noexcept { workers_[worker].attr.set(kind); }
  std::uint64_t last_unit_lost_ns(std::size_t worker) const noexcept { return workers_[worker].attr.unit_lost_ns; }
  void set_attribution(bool on) noexcept { attribution_.store(on, std::memory_order_relaxed); }
  bool attribution() const noexcept { return attribution_.load(std::memory_order_relaxed); }
  std::vector<ConflictRecord> conflicts() const {
    return merge_conflicts(workers_.data(), workers_.size(), [](const Worker& w) -> const WorkerAttribution& { return w.attr; }, false);
  }

 private:
  friend class RwLockUnit<Policy>;
  struct Worker : WorkerBase<RwLockStatsBlock> {
    WorkerAttribution attr;
  };
  WorkerArray<Worker> workers_;
  std::atomic<bool> attribution_{true};  // read only on contended paths
};

using RwLockSpinBackend = RwLockBackend<TbbSpinRwPolicy>;
using RwLockQueuingBackend = RwLockBackend<TbbQueuingRwPolicy>;
using RwLockStdBackend = RwLockBackend<StdSharedMutexPolicy>;

template <class Policy>
class RwLockUnit : public UnitBase {
  using Guard = typename Policy::Guard;
  template <class T>
  using Cell = RwLockCell<Policy, T>;

 public:
  template <class T>
  T read(const Cell<T>& c) {
    TXRAY_SYNC_POINT(read);
    Guard g;
    acquire(g, c.lock_, false);
    return c.v_;
  }
  template <class T>
  void write(Cell<T>& c, const T& v) {
    TXRAY_SYNC_POINT(write);
    Guard g;
    acquire(g, c.lock_, true);
    c.v_ = v;
  }
  template <class T>
    requires std::is_arithmetic_v<T>
  void commute_add(Cell<T>& c, T delta) {
    TXRAY_SYNC_POINT(write);
    Guard g;
    acquire(g, c.lock_, true);
    c.v_ += delta;
  }
  // Read-modify-write of one cell under its lock. f must not touch cells.
  template <class T, class F>
  void update(Cell<T>& c, F&& f) {
    TXRAY_SYNC_POINT(write);
    Guard g;
    acquire(g, c.lock_, true);
    T v = c.v_;
    f(v);
    c.v_ = v;
  }
  // Two cells together: both exclusive, in address order.
  template <class A, class B, class F>
  void update(Cell<A>& a, Cell<B>& b, F&& f) {
    TXRAY_SYNC_POINT(write);
    if (static_cast<const void*>(&a) == static_cast<const void*>(&b)) {
      if constexpr (std::is_same_v<A, B>) {
        update(a, [&](A& v) { f(v, v); });
        return;
      }
    }
    const bool a_first = std::less<const void*>{}(&a, &b);
    Guard g1, g2;  // destroyed in reverse: second released first
    acquire(g1, a_first ? a.lock_ : b.lock_, true);
    acquire(g2, a_first ? b.lock_ : a.lock_, true);
    A va = a.v_;
    B vb = b.v_;
    f(va, vb);
    a.v_ = va;
    b.v_ = vb;
  }

  void inevitable() noexcept {}
  template <class F>
  decltype(auto) io(F&& f) {
    b_.workers_[w_].attr.begin_io();
    return std::forward<F>(f)();
  }
  void check_eval_breaker() noexcept {}

 private:
  friend class RwLockBackend<Policy>;
  RwLockUnit(RwLockBackend<Policy>& b, std::size_t w) noexcept : UnitBase(b.workers_[w].hooks, w), b_(b) {}
  RwLockStatsBlock& stats() noexcept { return b_.workers_[w_].stats; }

  void acquire(Guard& g, typename Policy::Mutex& m, bool exclusive) {
    TXRAY_SYNC_POINT(lock_acquire);
    exclusive ? stats().write_acquisitions.add() : stats().read_acquisitions.add();
    if (!g.try_acquire(m, exclusive)) acquire_slow(g, m, exclusive);
  }
  [[gnu::noinline]] void acquire_slow(Guard& g, typename Policy::Mutex& m, bool exclusive) {
    exclusive ? stats().contended_writes.add() : stats().contended_reads.add();
    const std::uint64_t t0 = now_ns();
    {
      const WaitingOn waiting(b_.workers_[w_], &m);
      g.acquire(m, exclusive);
    }
    const std::uint64_t waited = now_ns() - t0;
    stats().wait_ns.add(waited);
    if (!b_.attribution_.load(std::memory_order_relaxed)) return;
    WorkerAttribution& a = b_.workers_[w_].attr;
    a.table.record(reinterpret_cast<std::uintptr_t>(&m),
                   exclusive ? ConflictKind::lock_wait_write : ConflictKind::lock_wait_read, a.now(),
                   UnitKind::unknown, waited);
    a.unit_lost_ns += waited;
  }

  RwLockBackend<Policy>& b_;
};

template <class Policy>
template <class F>
decltype(auto) RwLockBackend<Policy>::run(std::size_t worker, F&& fn) {
  Worker& me = workers_[worker];
  Unit unit(*this, worker);
  return run_outermost(
      me, unit, fn, [&] { me.attr.unit_lost_ns = 0; }, [&]() noexcept { me.attr.end_unit(); });
}

}  // namespace txray::sync
