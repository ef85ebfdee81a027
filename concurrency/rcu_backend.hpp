// `rcu`: read-copy-update with liburcu (the userspace RCU library).
//
// Each cell holds an RCU-protected pointer to an immutable version of its
// value. A unit is one read-side critical section: run() takes
// rcu_read_lock() once, and a read is a dereference of the cell's pointer
// and a copy out of the version it points to: no lock word is written, no
// sequence re-checked, no retry, no allocation. A write copies: it fills a
// fresh version, publishes it with rcu_xchg_pointer, and retires the old
// one with call_rcu, which hands it back after a grace period, when no
// unit that could still be reading it is running.
//
// Writers of the same cell serialise on a small per-cell writer lock that
// readers never look at, so update() and commute_add are exact read-
// modify-writes and update(a, b) locks both cells in address order.
//
// Guarantees: reads never block and never retry, and every read returns a
// whole version of its cell (consistent per cell). Reads are NOT
// consistent across cells: a unit may see a's new version and b's old one,
// even after update(a, b). A unit sees its own writes (published at once).
// A unit that throws keeps the writes it made.
//
// Flavour: memb (urcu-memb, the membarrier flavour). Its read-side lock is a
// thread-local counter store (the writer side pays with a membarrier
// syscall per grace period), and threads need no quiescent states, so a
// oneTBB worker that goes idle in TBB's own code never holds a grace period
// up. qsbr would make rcu_read_lock() free, but needs every registered
// thread to announce quiescent states (or go offline) regularly; a TBB
// worker parked in the arena does neither, and call_rcu's reclaimer would
// wait for it forever. bp (bullet-proof) registers threads by itself but
// pays a full barrier per read-side section. The read-side lock is taken
// once per unit, not per read, so the flavours' costs differ per unit,
// which is dwarfed by a unit's hundreds of reads.
//
// Threads register themselves with liburcu the first time they run a unit
// (a thread_local), and unregister when they exit.
//
// Memory: versions are fixed-size blocks (a header + 128 bytes, the largest
// cell value) recycled through per-worker free lists: call_rcu's callback
// returns a retired version to the free list of the worker that allocated
// it. A steady state allocates only when writes outpace reclamation; reads
// never allocate. The destructor waits for every pending callback
// (rcu_barrier) before freeing the lists, so nothing leaks.
//
// ThreadSanitizer sees neither liburcu's grace periods (its barriers are
// inline assembly and a membarrier syscall in an uninstrumented library)
// nor call_rcu's queue. Under TSan this header states them: every unit's
// end is a release on one token and every reclamation acquires it (the
// grace period's happens-before, stated coarsely), call_rcu's hand-off is a
// release/acquire on the version, rcu_barrier() acquires what every
// callback released, pointers are published and read with __atomic builtins
// of the same strength as rcu_xchg_pointer / rcu_dereference, and calls
// liburcu makes into the allocator are not tracked (a default suppression,
// called_from_lib). What TSan then checks is txray's code, not liburcu's.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <string_view>

// Inlines liburcu's small pointer primitives (rcu_dereference,
// rcu_xchg_pointer) rather than calling their out-of-line wrappers.
#ifndef URCU_INLINE_SMALL_FUNCTIONS
#define URCU_INLINE_SMALL_FUNCTIONS
#endif
#include <urcu/urcu-memb.h>

#include "concurrency/backend_state.hpp"
#include "concurrency/common.hpp"

#ifdef TXRAY_SYNC_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
// liburcu's own allocations (rcu_barrier's completion, allocated by the
// caller and freed by the call_rcu thread, ordered inside the library) are
// invisible orderings too: TSan's interceptors ignore calls made from it.
// Weak, so every program that includes this header may carry it; a
// program's own definition wins.
extern "C" [[gnu::weak, gnu::used]] const char* __tsan_default_suppressions() {
  return "called_from_lib:liburcu-memb.so\n"
         "called_from_lib:liburcu-common.so\n";
}
#endif

namespace txray::sync {

#define TXRAY_RCU_STATS(X)                                                                                        \
  X(units, "count", "units/s")                           /* units run (outermost) */                              \
  X(writes, "count", "writes/s")                         /* versions published (write, update, commute_add) */    \
  X(contended_writes, "count", "lock waits/s (write)")   /* writes that found the cell's writer lock held */      \
  X(wait_ns, "ns", "lock wait (%)")                      /* time writers waited for each other */                 \
  X(versions_allocated, "count", "versions allocated/s") /* versions allocated because the free list was empty */

TXRAY_SYNC_DEFINE_STATS(RcuStats, TXRAY_RCU_STATS)

class RcuUnit;
class RcuBackend;
struct RcuPool;

// One immutable version of a cell's value. rcu_head first, so the callback
// finds the version from the head it is given.
struct RcuVersion {
  static constexpr std::size_t kCapacity = 128;  // CellValue's bound
  rcu_head head{};
  RcuPool* pool = nullptr;  // where reclamation returns it; nullptr: delete
  RcuVersion* next_free = nullptr;
  alignas(16) unsigned char bytes[kCapacity];

  template <class T>
  const T& value() const noexcept {
    return *std::launder(reinterpret_cast<const T*>(bytes));
  }
  template <class T>
  void set(const T& v) noexcept {
    static_assert(sizeof(T) <= kCapacity && alignof(T) <= 16);
    ::new (static_cast<void*>(bytes)) T(v);
  }
};
static_assert(offsetof(RcuVersion, head) == 0);

// Free versions of one worker. Taken by its worker (writes), given back by
// liburcu's call_rcu thread (reclamation); a mutex, held for a pointer
// swap, is all the two ever contend on.
struct alignas(kCacheLine) RcuPool {
  std::mutex mu;
  RcuVersion* free = nullptr;

  RcuVersion* take() {
    std::lock_guard lk(mu);
    RcuVersion* v = free;
    if (v) free = v->next_free;
    return v;
  }
  void give(RcuVersion* v) {
    std::lock_guard lk(mu);
    v->next_free = free;
    free = v;
  }
  ~RcuPool() {
    while (free) delete std::exchange(free, free->next_free);
  }
};

namespace rcu_detail {

#ifdef TXRAY_SYNC_TSAN
// The grace period, as TSan is told it (see the top of the file).
inline char grace_token;
// rcu_barrier(): every callback queued before it has run when it returns.
inline char barrier_token;
#endif

// Whether this thread is registered with liburcu. Constant-initialised and
// trivially destructible, so it may be read at any time, even while the
// thread's other thread_locals are being destroyed.
inline thread_local bool t_registered = false;

struct Unregister {
  ~Unregister() {
    if (t_registered) {
      urcu_memb_unregister_thread();
      t_registered = false;
    }
  }
};

inline void ensure_registered() {
  if (t_registered) [[likely]]
    return;
  urcu_memb_register_thread();
  t_registered = true;
  thread_local Unregister unregister_at_exit;
  (void)unregister_at_exit;
}

inline RcuVersion* load(RcuVersion* const& p) noexcept {
#ifdef TXRAY_SYNC_TSAN
  return __atomic_load_n(&p, __ATOMIC_ACQUIRE);
#else
  return rcu_dereference(p);
#endif
}
inline RcuVersion* exchange(RcuVersion*& p, RcuVersion* v) noexcept {
#ifdef TXRAY_SYNC_TSAN
  return __atomic_exchange_n(&p, v, __ATOMIC_ACQ_REL);
#else
  return rcu_xchg_pointer(&p, v);
#endif
}

// call_rcu's callback, on liburcu's call_rcu thread after a grace period.
inline void reclaim(rcu_head* head) {
  RcuVersion* v = reinterpret_cast<RcuVersion*>(head);
#ifdef TXRAY_SYNC_TSAN
  __tsan_acquire(v);
  __tsan_acquire(&grace_token);
#endif
  if (v->pool)
    v->pool->give(v);
  else
    delete v;
#ifdef TXRAY_SYNC_TSAN
  __tsan_release(&barrier_token);
#endif
}

}  // namespace rcu_detail

template <CellValue T>
class RcuCell {
 public:
  using value_type = T;
  RcuCell() : RcuCell(T{}) {}
  explicit RcuCell(const T& v) : ptr_(new RcuVersion) { ptr_->set(v); }
  // Quiescent: no unit may be running. Retired versions belong to the
  // reclaimer; the current one is this cell's.
  ~RcuCell() { delete ptr_; }
  RcuCell(const RcuCell&) = delete;
  RcuCell& operator=(const RcuCell&) = delete;

  // Quiescent-only: no unit may be running on any worker.
  T unsafe_load() const { return ptr_->value<T>(); }
  void unsafe_store(const T& v) { ptr_->set(v); }

 private:
  friend class RcuUnit;
  RcuVersion* ptr_;                   // first member: its address names the cell
  std::atomic<std::uint32_t> wlock_{0};  // writers only
};

class RcuBackend {
 public:
  struct Options {};
  template <class T>
  using Cell = RcuCell<T>;
  using Unit = RcuUnit;
  using Stats = RcuStats;

  static constexpr std::string_view kName = "rcu";
  static constexpr bool kAtomicUnits = false;        // each access is, a unit is not
  static constexpr bool kConsistentReads = false;    // per cell only, not across cells
  static constexpr bool kRollsBack = false;
  static constexpr bool kExclusiveInevitable = false;

  explicit RcuBackend(std::size_t workers, Options = {})
      : workers_(workers) {}
  // Waits for every version retired so far to come back (rcu_barrier), so
  // that no callback can touch a pool after this. Call it quiescent.
  ~RcuBackend() {
    const bool temporary = !rcu_detail::t_registered;
    if (temporary) urcu_memb_register_thread();
    urcu_memb_barrier();
#ifdef TXRAY_SYNC_TSAN
    __tsan_acquire(&rcu_detail::barrier_token);
#endif
    if (temporary) urcu_memb_unregister_thread();
  }
  RcuBackend(const RcuBackend&) = delete;
  RcuBackend& operator=(const RcuBackend&) = delete;

  template <class F>
  decltype(auto) run(std::size_t worker, F&& fn);
  void release(std::size_t) noexcept {}
  // Nothing to do at a frame boundary: writes are visible when made, and
  // reclamation runs on call_rcu's thread.
  void publish() noexcept {}

  std::size_t workers() const noexcept { return workers_.size(); }
  Stats stats() const { return workers_.template sum_stats<Stats>(); }
  void reset_stats() { workers_.reset_stats(); }

  // Which workers are inside a unit, and which cell a writer waits for
  // (backend_state.hpp); from any thread, relaxed loads only. Readers
  // never wait; writers spin on a per-cell flag that names no owner.
  BackendState state() const {
    return worker_array_state(kName, workers_, "readers never wait; a cell's writer lock names no owner");
  }

 private:
  friend class RcuUnit;
  struct Worker : WorkerBase<RcuStatsBlock> {
    RcuPool pool;
  };
  WorkerArray<Worker> workers_;
};

class RcuUnit : public UnitBase {
 public:
  template <class T>
  T read(const RcuCell<T>& c) const {
    TXRAY_SYNC_POINT(read);
    return rcu_detail::load(c.ptr_)->template value<T>();
  }
  template <class T>
  void write(RcuCell<T>& c, const T& v) {
    TXRAY_SYNC_POINT(write);
    WriteGuard g(*this, &c, c.wlock_);
    replace(c, v);
  }
  template <class T>
    requires std::is_arithmetic_v<T>
  void commute_add(RcuCell<T>& c, T delta) {
    update(c, [delta](T& v) { v += delta; });
  }
  template <class T, class F>
  void update(RcuCell<T>& c, F&& f) {
    TXRAY_SYNC_POINT(write);
    WriteGuard g(*this, &c, c.wlock_);
    T v = rcu_detail::load(c.ptr_)->template value<T>();
    f(v);
    replace(c, v);
  }
  // Both cells' writer locks in address order; each new version is
  // published on its own, so a reader may see one and not the other.
  template <class A, class B, class F>
  void update(RcuCell<A>& a, RcuCell<B>& b, F&& f) {
    TXRAY_SYNC_POINT(write);
    if (static_cast<const void*>(&a) == static_cast<const void*>(&b)) {
      if constexpr (std::is_same_v<A, B>) {
        update(a, [&](A& v) { f(v, v); });
        return;
      }
    }
    const bool a_first = std::less<const void*>{}(&a, &b);
    const void* const first = a_first ? static_cast<const void*>(&a) : &b;
    const void* const second = a_first ? static_cast<const void*>(&b) : &a;
    WriteGuard g1(*this, first, a_first ? a.wlock_ : b.wlock_);
    WriteGuard g2(*this, second, a_first ? b.wlock_ : a.wlock_);
    A va = rcu_detail::load(a.ptr_)->template value<A>();
    B vb = rcu_detail::load(b.ptr_)->template value<B>();
    f(va, vb);
    replace(a, va);
    replace(b, vb);
  }

  void inevitable() noexcept {}
  template <class F>
  decltype(auto) io(F&& f) {
    return std::forward<F>(f)();
  }
  void check_eval_breaker() noexcept {}

 private:
  friend class RcuBackend;
  RcuUnit(RcuBackend& b, std::size_t w) noexcept : UnitBase(b.workers_[w].hooks, w), b_(b) {}
  RcuStatsBlock& stats() noexcept { return b_.workers_[w_].stats; }

  struct WriteGuard {
    std::atomic<std::uint32_t>& l;
    // `cell`: what a stuck writer waits for, named in state() (slow path only).
    WriteGuard(RcuUnit& u, const void* cell, std::atomic<std::uint32_t>& lock) : l(lock) {
      TXRAY_SYNC_POINT(lock_acquire);
      RcuStatsBlock& st = u.stats();
      st.writes.add();
      std::uint32_t expected = 0;
      if (l.compare_exchange_strong(expected, 1, std::memory_order_acquire, std::memory_order_relaxed)) return;
      st.contended_writes.add();
      const WaitingOn waiting(u.b_.workers_[u.w_], cell);
      const std::uint64_t t0 = now_ns();
      SpinWait spin;  // the holder may be preempted: spin briefly, then yield
      for (;;) {
        expected = 0;
        if (l.load(std::memory_order_relaxed) == 0 &&
            l.compare_exchange_weak(expected, 1, std::memory_order_acquire, std::memory_order_relaxed))
          break;
        spin.wait();
      }
      st.wait_ns.add(now_ns() - t0);
    }
    ~WriteGuard() {
      l.store(0, std::memory_order_release);
      TXRAY_SYNC_POINT(lock_release);
    }
    WriteGuard(const WriteGuard&) = delete;
    WriteGuard& operator=(const WriteGuard&) = delete;
  };

  // Under the cell's writer lock, inside the unit's read-side section
  // (call_rcu may be called there): copy, publish, retire.
  template <class T>
  void replace(RcuCell<T>& c, const T& v) {
    RcuPool& pool = b_.workers_[w_].pool;
    RcuVersion* fresh = pool.take();
    if (!fresh) {
      fresh = new RcuVersion;
      fresh->pool = &pool;
      stats().versions_allocated.add();
    }
    fresh->set(v);
    RcuVersion* old = rcu_detail::exchange(c.ptr_, fresh);
    TXRAY_SYNC_POINT(publish);
#ifdef TXRAY_SYNC_TSAN
    __tsan_release(old);
#endif
    urcu_memb_call_rcu(&old->head, &rcu_detail::reclaim);
  }

  RcuBackend& b_;
};

template <class F>
decltype(auto) RcuBackend::run(std::size_t worker, F&& fn) {
  Worker& me = workers_[worker];
  RcuUnit unit(*this, worker);
  return run_outermost(
      me, unit, fn,
      [] {
        rcu_detail::ensure_registered();
        TXRAY_SYNC_POINT(lock_acquire);
        urcu_memb_read_lock();
      },
      []() noexcept {
#ifdef TXRAY_SYNC_TSAN
        __tsan_release(&rcu_detail::grace_token);
#endif
        urcu_memb_read_unlock();
        TXRAY_SYNC_POINT(lock_release);
      });
}

}  // namespace txray::sync
