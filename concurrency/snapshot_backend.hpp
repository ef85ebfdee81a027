// `snapshot`: what a C++ engineer would ship for per-frame scene state.
// Readers read the version published at the last frame boundary, with no
// synchronisation at all: one indexed copy. Writers fill the next version;
// publish() (called at the frame boundary, when no unit runs) makes every
// write of the frame visible at once, so a reader never sees a
// half-published frame.
//
// Each cell keeps two slots. In epoch e the published value is in slot
// e % 2 of every cell, and a unit takes that parity once, when it starts,
// so a read is `slot_[parity]`: no tag, no comparison, the zero-per-read-
// cost ceiling the other backends are measured against. Writers of epoch e
// only ever touch slot (e + 1) % 2, so readers and writers never share a
// byte. publish() increments the epoch, which flips the parity; then, for
// every cell written in the frame just ended (each writer listed it on its
// first write), it copies the new published slot into the other one, so
// that both slots of every cell hold the published value again before the
// next frame's writers start. The cost is per written cell per frame, at
// the boundary, not per read. Writers of the same cell in the same frame
// take a small per-cell writer lock among themselves (readers never look at
// it), so read-modify-writes such as commute_add and update(a, b) compose
// exactly, based on the frame's pending value.
//
// Consequences to keep in mind: a unit does not see its own writes (it
// reads the published frame), and units are not atomic, only the frame is.
// A cell written in a frame must still exist at that frame's publish().
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "concurrency/backend_state.hpp"
#include "concurrency/common.hpp"

namespace txray::sync {

#define TXRAY_SNAPSHOT_STATS(X)                                                                            \
  X(units, "count", "units/s")                         /* units run (outermost) */                         \
  X(writes, "count", "writes/s")                       /* writes into the next version */                  \
  X(contended_writes, "count", "lock waits/s (write)") /* writes that found the cell's writer lock held */ \
  X(wait_ns, "ns", "lock wait (%)")                    /* time writers waited for each other */            \
  X(publishes, "count", "publishes/s")                 /* frame boundaries (counted on worker 0) */

TXRAY_SYNC_DEFINE_STATS(SnapshotStats, TXRAY_SNAPSHOT_STATS)

class SnapshotUnit;

template <CellValue T>
class SnapshotCell {
 public:
  using value_type = T;
  SnapshotCell() : SnapshotCell(T{}) {}
  explicit SnapshotCell(const T& v) : slot_{{v}, {v}} {}
  SnapshotCell(const SnapshotCell&) = delete;
  SnapshotCell& operator=(const SnapshotCell&) = delete;

  // Quiescent-only. The newest value, including one written since the last
  // publish().
  T unsafe_load() const { return slot_[newest_.load(std::memory_order_relaxed)].value; }
  // Quiescent-only. Replaces the value in every version (published and
  // pending), as initialisation wants.
  void unsafe_store(const T& v) {
    slot_[0].value = v;
    slot_[1].value = v;
  }

 private:
  friend class SnapshotUnit;
  friend class SnapshotBackend;
  // Plain memory, not AtomicWords: no slot is ever written while it can be
  // read. Readers copy the published slot; writers write only the other one
  // (and serialise among themselves on wlock_); publish() copies between
  // them when no unit runs, ordered before the next frame's units by the
  // epoch's release store and their acquire load. So the copy compiles to
  // the loads of the fields the reader uses, like a plain array's. Each slot
  // starts on its own 8-byte word, so the two never share one.
  struct alignas(8) Slot {
    T value;
  };
  // At publish(), for a cell written in the frame: the slot now published
  // is copied into the other, so both hold the published value.
  static void copy_forward(void* cell, int published) {
    auto& c = *static_cast<SnapshotCell*>(cell);
    c.slot_[1 - published].value = c.slot_[published].value;
  }

  // epoch + 1 of the last frame that wrote the cell (writers only, under wlock_).
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint32_t> wlock_{0};
  std::atomic<std::uint8_t> newest_{0};  // slot of the newest value, for unsafe_load
  Slot slot_[2];
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
      : workers_(workers) {}

  template <class F>
  decltype(auto) run(std::size_t worker, F&& fn);
  void release(std::size_t) noexcept {}

  // Frame boundary: makes this frame's writes the published version.
  // Contract: no unit is running (the caller has joined its workers, which
  // also orders their writes before this store). A unit caught running is a
  // logic error in the caller.
  void publish() {
    TXRAY_SYNC_POINT(publish);
    for (std::size_t i = 0; i < workers_.size(); ++i)
      if (workers_[i].in_unit.load(std::memory_order_relaxed))
        throw std::logic_error("SnapshotBackend::publish() while a unit is running");
    const std::uint64_t next = epoch_.load(std::memory_order_relaxed) + 1;
    const int published = static_cast<int>(next & 1);
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      for (const Dirty& d : workers_[i].dirty) d.forward(d.cell, published);
      workers_[i].dirty.clear();  // keeps its capacity: no allocation in steady state
    }
    epoch_.store(next, std::memory_order_release);
    workers_[0].stats.publishes.add();
  }
  std::uint64_t epoch() const noexcept { return epoch_.load(std::memory_order_acquire); }

  std::size_t workers() const noexcept { return workers_.size(); }
  Stats stats() const { return workers_.template sum_stats<Stats>(); }
  void reset_stats() { workers_.reset_stats(); }

  // Which workers are inside a unit, and which cell a writer waits for
  // (backend_state.hpp); from any thread, relaxed loads only. Readers
  // never wait; writers spin on a per-cell flag that names no owner.
  BackendState state() const {
    return worker_array_state(kName, workers_, "readers never wait; a cell's writer flag names no owner");
  }

 private:
  friend class SnapshotUnit;
  struct Dirty {
    void* cell;
    void (*forward)(void*, int);
  };
  struct Worker : WorkerBase<SnapshotStatsBlock> {
    std::atomic<bool> in_unit{false};  // only for publish()'s contract check
    std::vector<Dirty> dirty;  // cells this worker wrote first in the current frame
  };
  WorkerArray<Worker> workers_;
  alignas(kCacheLine) std::atomic<std::uint64_t> epoch_{0};
};

class SnapshotUnit : public UnitBase {
 public:
  template <class T>
  T read(const SnapshotCell<T>& c) const {
    TXRAY_SYNC_POINT(read);
    return c.slot_[published_].value;
  }
  template <class T>
  void write(SnapshotCell<T>& c, const T& v) {
    TXRAY_SYNC_POINT(write);
    WriteGuard g(*this, &c, c.wlock_);
    c.slot_[pending_slot(c)].value = v;
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
    TXRAY_SYNC_POINT(write);
    WriteGuard g(*this, &c, c.wlock_);
    T v = c.slot_[base_slot(c)].value;
    f(v);
    c.slot_[pending_slot(c)].value = v;
  }
  template <class A, class B, class F>
  void update(SnapshotCell<A>& a, SnapshotCell<B>& b, F&& f) {
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
    A va = a.slot_[base_slot(a)].value;
    B vb = b.slot_[base_slot(b)].value;
    f(va, vb);
    a.slot_[pending_slot(a)].value = va;
    b.slot_[pending_slot(b)].value = vb;
  }

  void inevitable() noexcept {}
  template <class F>
  decltype(auto) io(F&& f) {
    return std::forward<F>(f)();
  }
  void check_eval_breaker() noexcept {}

 private:
  friend class SnapshotBackend;
  SnapshotUnit(SnapshotBackend& b, std::size_t w, std::uint64_t epoch) noexcept
      : UnitBase(b.workers_[w].hooks, w), b_(b), epoch_(epoch), published_(static_cast<int>(epoch & 1)) {}

  struct WriteGuard {
    SnapshotUnit& u;
    std::atomic<std::uint32_t>& l;
    // `cell`: what a stuck writer waits for, named in state() (slow path only).
    WriteGuard(SnapshotUnit& unit, const void* cell, std::atomic<std::uint32_t>& lock) : u(unit), l(lock) {
      TXRAY_SYNC_POINT(lock_acquire);
      SnapshotStatsBlock& st = u.b_.workers_[u.w_].stats;
      st.writes.add();
      std::uint32_t expected = 0;
      if (l.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                    std::memory_order_relaxed))
        return;
      st.contended_writes.add();
      const WaitingOn waiting(u.b_.workers_[u.w_], cell);
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
    ~WriteGuard() {
      l.store(0, std::memory_order_release);
      TXRAY_SYNC_POINT(lock_release);
    }
  };

  // Under the cell's writer lock. The first write of a frame lists the
  // cell for publish()'s copy-forward.
  template <class T>
  int pending_slot(SnapshotCell<T>& c) const {
    const std::uint64_t next = epoch_ + 1;
    if (c.written_.load(std::memory_order_relaxed) != next) {
      c.written_.store(next, std::memory_order_relaxed);
      b_.workers_[w_].dirty.push_back({&c, &SnapshotCell<T>::copy_forward});
    }
    c.newest_.store(static_cast<std::uint8_t>(1 - published_), std::memory_order_relaxed);
    return 1 - published_;
  }
  template <class T>
  int base_slot(const SnapshotCell<T>& c) const noexcept {
    return c.written_.load(std::memory_order_relaxed) == epoch_ + 1 ? 1 - published_ : published_;
  }

  SnapshotBackend& b_;
  std::uint64_t epoch_;  // the published epoch when the unit started
  int published_;        // its parity: the slot every read copies
};

template <class F>
decltype(auto) SnapshotBackend::run(std::size_t worker, F&& fn) {
  Worker& me = workers_[worker];
  SnapshotUnit unit(*this, worker, epoch_.load(std::memory_order_acquire));
  return run_outermost(
      me, unit, fn, [&] { me.in_unit.store(true, std::memory_order_relaxed); },
      [&]() noexcept { me.in_unit.store(false, std::memory_order_relaxed); });
}

}  // namespace txray::sync
