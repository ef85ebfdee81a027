// `fine`: a lock per cell, held only for each access. This is what
// free-threaded CPython (PEP 703, per-object locks) and careful C++ do: each
// access is atomic, a unit as a whole is not.
//
// Why a seqlock rather than a reader-writer spinlock: the scene is read by
// every ray and written a few times per frame. A reader-writer lock makes
// every reader write the lock word (reader count), so on two cores the line
// ping-pongs on every read and read-only scaling collapses. A seqlock reader
// writes nothing: it loads the sequence, copies the payload, and checks the
// sequence again, so concurrent readers never interfere. Writers serialise
// among themselves on the same word (odd = held). The cost is a retry when a
// write lands mid-copy, which is rare for read-mostly data.
//
// Units that change several cells together lock them in address order
// (update(a, b, f)), so two such units can never deadlock.
//
// Attribution (conflict_log.hpp): a contended acquisition already reads the
// clock; it also records (cell, read or write, unit kind, wait) in the
// worker's table. The uncontended path is unchanged. A seqlock does not
// know who holds it, so the other side is "unknown".
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include "concurrency/backend_state.hpp"
#include "concurrency/common.hpp"
#include "concurrency/conflict_log.hpp"

namespace txray::sync {

#define TXRAY_FINE_STATS(X)                                                                                        \
  X(units, "count", "units/s")                                  /* units run (outermost) */                        \
  X(read_acquisitions, "count", "lock acquisitions/s (read)")   /* per-cell read sections */                       \
  X(write_acquisitions, "count", "lock acquisitions/s (write)") /* per-cell write locks */                         \
  X(contended_reads, "count", "lock waits/s (read)")            /* reads that found a writer and retried */        \
  X(contended_writes, "count", "lock waits/s (write)")          /* write locks that found the cell held */         \
  X(wait_ns, "ns", "lock wait (%)")                             /* time spent waiting in contended acquisitions */

TXRAY_SYNC_DEFINE_STATS(FineStats, TXRAY_FINE_STATS)

class FineUnit;

template <CellValue T>
class FineCell {
 public:
  using value_type = T;
  FineCell() = default;
  explicit FineCell(const T& v) : data_(v) {}
  FineCell(const FineCell&) = delete;
  FineCell& operator=(const FineCell&) = delete;

  // Quiescent-only: no unit may be running on any worker.
  T unsafe_load() const { return data_.load_relaxed(); }
  void unsafe_store(const T& v) { data_.store_relaxed(v); }

 private:
  friend class FineUnit;
  std::atomic<std::uint64_t> seq_{0};  // even: free; odd: a writer holds it
  AtomicWords<T> data_;
};

class FineBackend {
 public:
  struct Options {};
  template <class T>
  using Cell = FineCell<T>;
  using Unit = FineUnit;
  using Stats = FineStats;

  static constexpr std::string_view kName = "fine";
  static constexpr bool kAtomicUnits = false;
  static constexpr bool kConsistentReads = false;  // two reads may straddle a write
  static constexpr bool kRollsBack = false;
  static constexpr bool kExclusiveInevitable = false;

  explicit FineBackend(std::size_t workers, Options = {})
      : workers_(workers) {}

  // What each worker runs and which cell it waits to lock (backend_state.hpp);
  // from any thread, relaxed loads only. A cell a writer holds is
  // known only to the cell (its odd sequence), so the cells shown are the ones
  // waited for.
  BackendState state() const { return worker_array_state(kName, workers_); }

  // ---- Attribution (conflict_log.hpp) ----
  void set_unit_kind(std::size_t worker, UnitKind kind) noexcept { workers_[worker].attr.set(kind); }
  // Time the last outermost unit on `worker` waited for cell locks.
  std::uint64_t last_unit_lost_ns(std::size_t worker) const noexcept { return workers_[worker].attr.unit_lost_ns; }
  void set_attribution(bool on) noexcept { attribution_.store(on, std::memory_order_relaxed); }
  bool attribution() const noexcept { return attribution_.load(std::memory_order_relaxed); }
  std::vector<ConflictRecord> conflicts() const {
    return merge_conflicts(workers_.data(), workers_.size(), [](const Worker& w) -> const WorkerAttribution& { return w.attr; }, false);
  }

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

 private:
  friend class FineUnit;
  struct Worker : WorkerBase<FineStatsBlock> {
    WorkerAttribution attr;
  };
  WorkerArray<Worker> workers_;
  std::atomic<bool> attribution_{true};  // read only on contended paths
};

class FineUnit : public UnitBase {
 public:
  template <class T>
  T read(const FineCell<T>& c) {
    TXRAY_SYNC_POINT(read);
    ++reads_;
    std::uint64_t buf[AtomicWords<T>::kWords];
    std::uint64_t s1 = c.seq_.load(std::memory_order_acquire);
    if (!(s1 & 1)) {
      c.data_.load_words(buf);
      // Orders the payload loads before the re-check (the seqlock reader's
      // half of the fence pairing with the writer's release fence).
      payload_load_fence();
      if (c.seq_.load(std::memory_order_relaxed) == s1) return AtomicWords<T>::from_words(buf);
    }
    return read_slow(c);
  }

  template <class T>
  void write(FineCell<T>& c, const T& v) {
    TXRAY_SYNC_POINT(write);
    Held held(*this, c.seq_);
    c.data_.store_relaxed(v);
  }
  template <class T>
    requires std::is_arithmetic_v<T>
  void commute_add(FineCell<T>& c, T delta) {
    TXRAY_SYNC_POINT(write);
    Held held(*this, c.seq_);
    c.data_.store_relaxed(static_cast<T>(c.data_.load_relaxed() + delta));
  }
  // Read-modify-write of one cell under its lock. f must not touch cells.
  // If f throws, the cell keeps its old value and is unlocked (Held).
  template <class T, class F>
  void update(FineCell<T>& c, F&& f) {
    TXRAY_SYNC_POINT(write);
    Held held(*this, c.seq_);
    T v = c.data_.load_relaxed();
    f(v);
    c.data_.store_relaxed(v);
  }
  // Two cells changed together: both locks, taken in address order so that
  // concurrent update(a, b) and update(b, a) cannot deadlock.
  template <class A, class B, class F>
  void update(FineCell<A>& a, FineCell<B>& b, F&& f) {
    TXRAY_SYNC_POINT(write);
    if (static_cast<const void*>(&a) == static_cast<const void*>(&b)) {
      if constexpr (std::is_same_v<A, B>) {
        update(a, [&](A& v) { f(v, v); });
        return;
      }
    }
    const bool a_first = std::less<const void*>{}(&a, &b);
    std::atomic<std::uint64_t>& first = a_first ? a.seq_ : b.seq_;
    std::atomic<std::uint64_t>& second = a_first ? b.seq_ : a.seq_;
    Held h1(*this, first);
    Held h2(*this, second);
    A va = a.data_.load_relaxed();
    B vb = b.data_.load_relaxed();
    f(va, vb);
    a.data_.store_relaxed(va);
    b.data_.store_relaxed(vb);
  }

  // Nothing to declare: no other unit is ever blocked by this one for long.
  void inevitable() noexcept {}
  template <class F>
  decltype(auto) io(F&& f) {
    b_.workers_[w_].attr.begin_io();
    return std::forward<F>(f)();
  }
  void check_eval_breaker() noexcept {}

 private:
  friend class FineBackend;
  FineUnit(FineBackend& b, std::size_t w) noexcept : UnitBase(b.workers_[w].hooks, w), b_(b) {}
  // The unit's reads reach the statistic when it ends, on every exit path.
  ~FineUnit() { stats().read_acquisitions.add(reads_); }
  FineUnit(const FineUnit&) = delete;
  FineUnit& operator=(const FineUnit&) = delete;
  FineStatsBlock& stats() noexcept { return b_.workers_[w_].stats; }

  // A cell's write lock, released on every exit path: update()'s f may
  // throw (issue 18, bug 1: the cell stayed locked and every later access
  // spun forever). The payload is stored only after f returns, so on a
  // throw the cell keeps its old value; the sequence still moves on by 2,
  // which readers take as "changed" and simply re-read.
  class Held {
   public:
    Held(FineUnit& u, std::atomic<std::uint64_t>& seq) : seq_(seq), s_(u.lock(seq)) {}
    ~Held() { unlock(seq_, s_); }
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;

   private:
    std::atomic<std::uint64_t>& seq_;
    std::uint64_t s_;
  };

  template <class T>
  [[gnu::noinline]] T read_slow(const FineCell<T>& c) {
    stats().contended_reads.add();
    const WaitingOn waiting(b_.workers_[w_], &c.seq_);
    const std::uint64_t t0 = now_ns();
    std::uint64_t buf[AtomicWords<T>::kWords];
    for (;;) {
      const std::uint64_t s1 = c.seq_.load(std::memory_order_acquire);
      if (s1 & 1) {
        cpu_relax();
        continue;
      }
      c.data_.load_words(buf);
      payload_load_fence();
      if (c.seq_.load(std::memory_order_relaxed) == s1) break;
    }
    const std::uint64_t waited = now_ns() - t0;
    stats().wait_ns.add(waited);
    note_wait(&c.seq_, ConflictKind::lock_wait_read, waited);
    return AtomicWords<T>::from_words(buf);
  }

  std::uint64_t lock(std::atomic<std::uint64_t>& seq) {
    TXRAY_SYNC_POINT(lock_acquire);
    stats().write_acquisitions.add();
    std::uint64_t s = seq.load(std::memory_order_relaxed);
    if (!(s & 1) && seq.compare_exchange_strong(s, s + 1, std::memory_order_acquire,
                                                std::memory_order_relaxed)) {
      // Payload stores that follow must not become visible before the odd
      // sequence: a reader that sees them then sees the sequence changed.
      payload_store_fence();
      return s;
    }
    return lock_slow(seq);
  }
  [[gnu::noinline]] std::uint64_t lock_slow(std::atomic<std::uint64_t>& seq) {
    stats().contended_writes.add();
    const WaitingOn waiting(b_.workers_[w_], &seq);
    const std::uint64_t t0 = now_ns();
    std::uint64_t s;
    for (;;) {
      s = seq.load(std::memory_order_relaxed);
      if (!(s & 1) && seq.compare_exchange_weak(s, s + 1, std::memory_order_acquire,
                                                std::memory_order_relaxed))
        break;
      cpu_relax();
    }
    payload_store_fence();
    const std::uint64_t waited = now_ns() - t0;
    stats().wait_ns.add(waited);
    note_wait(&seq, ConflictKind::lock_wait_write, waited);
    return s;
  }
  // The sequence word is the cell's first member: its address names the cell.
  void note_wait(const std::atomic<std::uint64_t>* seq, ConflictKind kind, std::uint64_t ns) noexcept {
    if (!b_.attribution_.load(std::memory_order_relaxed)) return;
    WorkerAttribution& a = b_.workers_[w_].attr;
    a.table.record(reinterpret_cast<std::uintptr_t>(seq), kind, a.now(), UnitKind::unknown, ns);
    a.unit_lost_ns += ns;
  }
  static void unlock(std::atomic<std::uint64_t>& seq, std::uint64_t s) noexcept {
    seq.store(s + 2, std::memory_order_release);
    TXRAY_SYNC_POINT(lock_release);
  }

  FineBackend& b_;
  // Reads so far, counted here and added to read_acquisitions once, at the
  // end: a plain increment, where the shared statistic cost a load and a
  // store on every read (issue 14).
  std::uint64_t reads_ = 0;
};

template <class F>
decltype(auto) FineBackend::run(std::size_t worker, F&& fn) {
  Worker& me = workers_[worker];
  FineUnit unit(*this, worker);
  return run_outermost(
      me, unit, fn, [&] { me.attr.unit_lost_ns = 0; }, [&]() noexcept { me.attr.end_unit(); });
}

}  // namespace txray::sync
