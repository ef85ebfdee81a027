// `snapshot`: what a C++ engineer would ship for per-frame scene state.
// Readers read the version published at the last frame boundary, with no
// synchronisation at all: two relaxed tag loads and a copy. Writers fill the
// next version; publish() (called at the frame boundary, when no unit runs)
// makes every write of the frame visible at once, so a reader never sees a
// half-published frame.
//
// Each cell keeps two slots tagged with the epoch that wrote them. In epoch
// e a reader picks the newest slot whose tag is <= e; a writer only ever
// touches the other slot (tagging it e + 1), so readers and writers never
// share a byte. publish() is one store: e + 1. Writers of the same cell in
// the same frame take a small per-cell writer lock among themselves (readers
// never look at it), so read-modify-writes such as commute_add and
// update(a, b) compose exactly, based on the frame's pending value.
//
// Consequences to keep in mind: a unit does not see its own writes (it
// reads the published frame), and units are not atomic, only the frame is.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "concurrency/common.hpp"

namespace txray::sync {

#define TXRAY_SNAPSHOT_STATS(X)                                              \
  X(units, "count")             /* units run (outermost) */                  \
  X(writes, "count")            /* writes into the next version */            \
  X(contended_writes, "count")  /* writes that found the cell's writer lock held */ \
  X(wait_ns, "ns")              /* time writers waited for each other */      \
  X(publishes, "count")         /* frame boundaries (counted on worker 0) */

TXRAY_SYNC_DEFINE_STATS(SnapshotStats, TXRAY_SNAPSHOT_STATS)

class SnapshotUnit;

template <CellValue T>
class SnapshotCell {
 public:
  using value_type = T;
  SnapshotCell() : SnapshotCell(T{}) {}
  explicit SnapshotCell(const T& v) : slot_{AtomicWords<T>(v), AtomicWords<T>(v)} {}
  SnapshotCell(const SnapshotCell&) = delete;
  SnapshotCell& operator=(const SnapshotCell&) = delete;

  // Quiescent-only. The newest value, including one written since the last
  // publish().
  T unsafe_load() const { return slot_[newest()].load_relaxed(); }
  // Quiescent-only. Replaces the value in every version (published and
  // pending), as initialisation wants.
  void unsafe_store(const T& v) {
    slot_[0].store_relaxed(v);
    slot_[1].store_relaxed(v);
  }

 private:
  friend class SnapshotUnit;
  // The slot published at epoch e: the newest tag not after e. On a tie
  // (only at construction, both slots equal) slot 0.
  int published(std::uint64_t e) const noexcept {
    const std::uint64_t t0 = tag_[0].load(std::memory_order_relaxed);
    const std::uint64_t t1 = tag_[1].load(std::memory_order_relaxed);
    const bool ok0 = t0 <= e, ok1 = t1 <= e;
    return (ok0 && (!ok1 || t0 >= t1)) ? 0 : 1;
  }
  int newest() const noexcept {
    return tag_[0].load(std::memory_order_relaxed) >= tag_[1].load(std::memory_order_relaxed) ? 0
                                                                                             : 1;
  }

  std::atomic<std::uint64_t> tag_[2] = {0, 0};
  std::atomic<std::uint32_t> wlock_{0};
  AtomicWords<T> slot_[2];
};

class SnapshotBackend {
 public:
  struct Options {};
  template <class T>
  using Cell = SnapshotCell<T>;
  using Unit = SnapshotUnit;
  using Stats = SnapshotStats;

  static constexpr std::string_view kName = "snapshot";
  static constexpr bool kAtomicUnits = false;
  static constexpr bool kConsistentReads = true;  // the published frame
  static constexpr bool kRollsBack = false;
  static constexpr bool kExclusiveInevitable = false;

  explicit SnapshotBackend(std::size_t workers, Options = {})
      : workers_(std::make_unique<Worker[]>(workers)), n_(workers) {}

  template <class F>
  decltype(auto) run(std::size_t worker, F&& fn);
  void release(std::size_t) noexcept {}

  // Frame boundary: makes this frame's writes the published version.
  // Contract: no unit is running (the caller has joined its workers, which
  // also orders their writes before this store). A unit caught running is a
  // logic error in the caller.
  void publish() {
    for (std::size_t i = 0; i < n_; ++i)
      if (workers_[i].in_unit.load(std::memory_order_relaxed))
        throw std::logic_error("SnapshotBackend::publish() while a unit is running");
    epoch_.store(epoch_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    workers_[0].stats.publishes.add();
  }
  std::uint64_t epoch() const noexcept { return epoch_.load(std::memory_order_acquire); }

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
  friend class SnapshotUnit;
  struct alignas(kCacheLine) Worker {
    SnapshotStatsBlock stats;
    UnitHooks hooks;
    std::atomic<bool> in_unit{false};  // only for publish()'s contract check
    int depth = 0;
  };
  std::unique_ptr<Worker[]> workers_;
  std::size_t n_;
  alignas(kCacheLine) std::atomic<std::uint64_t> epoch_{0};
};

class SnapshotUnit {
 public:
  template <class T>
  T read(const SnapshotCell<T>& c) const noexcept {
    return c.slot_[c.published(epoch_)].load_relaxed();
  }
  template <class T>
  void write(SnapshotCell<T>& c, const T& v) {
    WriteGuard g(*this, c.wlock_);
    c.slot_[pending_slot(c)].store_relaxed(v);
  }
  template <class T>
    requires std::is_arithmetic_v<T>
  void commute_add(SnapshotCell<T>& c, T delta) {
    update(c, [delta](T& v) { v += delta; });
  }
  // Based on the frame's pending value if the cell was already written this
  // frame, else on the published one.
  template <class T, class F>
  void update(SnapshotCell<T>& c, F&& f) {
    WriteGuard g(*this, c.wlock_);
    T v = c.slot_[base_slot(c)].load_relaxed();
    f(v);
    c.slot_[pending_slot(c)].store_relaxed(v);
  }
  template <class A, class B, class F>
  void update(SnapshotCell<A>& a, SnapshotCell<B>& b, F&& f) {
    if (static_cast<const void*>(&a) == static_cast<const void*>(&b)) {
      if constexpr (std::is_same_v<A, B>) {
        update(a, [&](A& v) { f(v, v); });
        return;
      }
    }
    const bool a_first = std::less<const void*>{}(&a, &b);
    WriteGuard g1(*this, a_first ? a.wlock_ : b.wlock_);
    WriteGuard g2(*this, a_first ? b.wlock_ : a.wlock_);
    A va = a.slot_[base_slot(a)].load_relaxed();
    B vb = b.slot_[base_slot(b)].load_relaxed();
    f(va, vb);
    a.slot_[pending_slot(a)].store_relaxed(va);
    b.slot_[pending_slot(b)].store_relaxed(vb);
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
  friend class SnapshotBackend;
  SnapshotUnit(SnapshotBackend& b, std::size_t w, std::uint64_t epoch) noexcept
      : b_(b), w_(w), epoch_(epoch) {}

  struct WriteGuard {
    SnapshotUnit& u;
    std::atomic<std::uint32_t>& l;
    WriteGuard(SnapshotUnit& unit, std::atomic<std::uint32_t>& lock) : u(unit), l(lock) {
      SnapshotStatsBlock& st = u.b_.workers_[u.w_].stats;
      st.writes.add();
      std::uint32_t expected = 0;
      if (l.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                    std::memory_order_relaxed))
        return;
      st.contended_writes.add();
      const std::uint64_t t0 = now_ns();
      for (;;) {
        expected = 0;
        if (l.load(std::memory_order_relaxed) == 0 &&
            l.compare_exchange_weak(expected, 1, std::memory_order_acquire,
                                    std::memory_order_relaxed))
          break;
        cpu_relax();
      }
      st.wait_ns.add(now_ns() - t0);
    }
    ~WriteGuard() { l.store(0, std::memory_order_release); }
  };

  // Under the cell's writer lock.
  template <class T>
  int pending_slot(SnapshotCell<T>& c) const noexcept {
    const std::uint64_t next = epoch_ + 1;
    if (c.tag_[0].load(std::memory_order_relaxed) == next) return 0;
    if (c.tag_[1].load(std::memory_order_relaxed) == next) return 1;
    const int s = 1 - c.published(epoch_);
    c.tag_[s].store(next, std::memory_order_relaxed);
    return s;
  }
  template <class T>
  int base_slot(const SnapshotCell<T>& c) const noexcept {
    const std::uint64_t next = epoch_ + 1;
    if (c.tag_[0].load(std::memory_order_relaxed) == next) return 0;
    if (c.tag_[1].load(std::memory_order_relaxed) == next) return 1;
    return c.published(epoch_);
  }

  SnapshotBackend& b_;
  std::size_t w_;
  std::uint64_t epoch_;  // the published epoch when the unit started
};

template <class F>
decltype(auto) SnapshotBackend::run(std::size_t worker, F&& fn) {
  Worker& me = workers_[worker];
  SnapshotUnit unit(*this, worker, epoch_.load(std::memory_order_acquire));
  if (me.depth > 0) return fn(unit);
  me.depth = 1;
  me.in_unit.store(true, std::memory_order_relaxed);
  struct End {
    Worker& m;
    ~End() {
      m.in_unit.store(false, std::memory_order_relaxed);
      m.depth = 0;
      m.stats.units.add();
    }
  } end{me};
  return run_with_hooks(me.hooks, unit, fn);
}

}  // namespace txray::sync
