// `gil`: a model of CPython's global interpreter lock, the "new GIL" of
// Python 3.2+ (Python/ceval_gil.c), driven at unit granularity.
//
// - One lock (a flag under a mutex, not the mutex itself, so any thread may
//   release it, as in CPython).
// - A thread that wants it waits on a condition variable with a timeout of
//   one switch interval (5 ms by default, sys.setswitchinterval). If the
//   interval passes with no switch, it sets the drop request.
// - The holder looks at the drop request only at unit boundaries (the
//   equivalent of the eval breaker between bytecodes), or when the unit calls
//   check_eval_breaker(). Seeing it, it drops the lock and, with forced
//   switching, waits until another thread has taken it, so the dropper cannot
//   immediately grab it back and starve the requester.
// - Around I/O (unit.io(f)) the lock is released and retaken, as
//   Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS do.
//
// Holding across units: like a CPython thread running consecutive bytecodes,
// a worker keeps the GIL from one unit to the next; run() costs two relaxed
// loads when it already holds it. It gives the GIL away (a) when asked by a
// drop request, at the end of a unit, (b) around io(), and (c) when the
// worker's batch ends: release(worker), or a Session<GilBackend> in scope.
// (c) is where a CPython thread would block (on a queue, a join), which
// releases the GIL. Drivers should hold a Session per batch (per TBB task
// body). As a safety net for a worker that stops calling run() without
// releasing (a TBB thread gone idle, a benchmark thread at its barrier): a
// waiter whose drop request has gone unanswered for a further interval, and
// finds the holder between units, takes the GIL over (idle_takeovers). That
// is the hand-over the holder would have made at its next boundary; the
// holder's next run() simply waits its turn. The price is one CAS per unit
// on the holder's own cache line, to mark "inside a unit".
//
// Attribution (conflict_log.hpp): a wait to take the GIL already reads the
// clock; it is also recorded per thread, with the kind of unit that held
// the GIL when the wait began, under the mutex the wait holds anyway.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <limits>
#include <memory>
#include <mutex>
#include <string_view>

#include "concurrency/common.hpp"
#include "concurrency/conflict_log.hpp"

namespace txray::sync {

#define TXRAY_GIL_STATS(X)                                                                                               \
  X(units, "count", "units/s")                                 /* units run (outermost) */                               \
  X(acquisitions, "count", "GIL acquisitions/s")               /* times the GIL was taken */                             \
  X(switches, "count", "GIL switches/s")                       /* acquisitions by a worker other than the last holder */ \
  X(drop_requests, "count", "GIL drop requests/s")             /* drop requests set by this worker while waiting */      \
  X(forced_switch_waits, "count", "GIL forced-switch waits/s") /* drops that waited for another thread to take it */     \
  X(io_releases, "count", "GIL releases for I/O/s")            /* releases around io() */                                \
  X(idle_takeovers, "count", "GIL idle takeovers/s")           /* GIL taken from a holder idle between units */          \
  X(wait_ns, "ns", "GIL wait (%)")                             /* time spent waiting to take the GIL */                  \
  X(hold_ns, "ns", "GIL held (%)")                             /* time the GIL was held */

TXRAY_SYNC_DEFINE_STATS(GilStats, TXRAY_GIL_STATS)

class GilBackend;
class GilUnit;

struct GilOptions {
  // sys.setswitchinterval: how long a waiter waits before asking to switch.
  std::chrono::nanoseconds switch_interval = std::chrono::milliseconds(5);
};

// Under the GIL, every access to a cell happens while holding the lock, so a
// plain value is race-free: the hand-over goes through the mutex, which
// orders one holder's writes before the next holder's reads.
template <CellValue T>
class GilCell {
 public:
  using value_type = T;
  GilCell() = default;
  explicit GilCell(const T& v) : v_(v) {}
  GilCell(const GilCell&) = delete;
  GilCell& operator=(const GilCell&) = delete;

  // Quiescent-only: no unit may be running on any worker.
  T unsafe_load() const { return v_; }
  void unsafe_store(const T& v) { v_ = v; }

 private:
  friend class GilUnit;
  T v_{};
};

class GilBackend {
 public:
  using Options = GilOptions;
  template <class T>
  using Cell = GilCell<T>;
  using Unit = GilUnit;
  using Stats = GilStats;

  static constexpr std::string_view kName = "gil";
  static constexpr bool kAtomicUnits = true;       // a unit runs alone
  static constexpr bool kConsistentReads = true;   // a unit sees one state
  static constexpr bool kRollsBack = false;        // a throwing unit keeps its writes
  static constexpr bool kExclusiveInevitable = false;  // io() runs without the lock

  explicit GilBackend(std::size_t workers, Options options = {})
      : options_(options), workers_(std::make_unique<Worker[]>(workers)), n_(workers) {}

  template <class F>
  decltype(auto) run(std::size_t worker, F&& fn);

  // The worker's batch is over: give the GIL back if it holds it. Must not
  // be called from inside a unit.
  void release(std::size_t worker) {
    if (slot_.load(std::memory_order_relaxed) >> 1 == worker + 1) drop(worker);
  }
  void publish() noexcept {}

  std::size_t workers() const noexcept { return n_; }
  const Options& options() const noexcept { return options_; }
  Stats stats() const {
    Stats s;
    for (std::size_t i = 0; i < n_; ++i) accumulate(s, workers_[i].stats);
    return s;
  }
  void reset_stats() {
    for (std::size_t i = 0; i < n_; ++i) {
      reset(workers_[i].stats);
      workers_[i].attr.table.reset();
    }
  }

  // ---- Attribution (conflict_log.hpp) ----
  void set_unit_kind(std::size_t worker, UnitKind kind) noexcept { workers_[worker].attr.set(kind); }
  // Time the last outermost unit on `worker` waited for the GIL.
  std::uint64_t last_unit_lost_ns(std::size_t worker) const noexcept { return workers_[worker].attr.unit_lost_ns; }
  void set_attribution(bool on) noexcept { attribution_.store(on, std::memory_order_relaxed); }
  bool attribution() const noexcept { return attribution_.load(std::memory_order_relaxed); }
  // One line per waiting thread (worker), with its GIL switches.
  std::vector<ConflictRecord> conflicts() const {
    auto out = merge_conflicts(workers_.get(), n_, [](const Worker& w) -> const WorkerAttribution& { return w.attr; }, true);
    for (ConflictRecord& r : out)
      if (r.worker >= 0) r.switches = workers_[static_cast<std::size_t>(r.worker)].stats.switches.get();
    return out;
  }

 private:
  friend class GilUnit;
  static constexpr std::size_t kNobody = std::numeric_limits<std::size_t>::max();
  // slot_ encoding: 0 = free, else (holder + 1) << 1 | busy (inside a unit).
  static constexpr std::uint64_t slot(std::size_t w, bool busy) noexcept {
    return (static_cast<std::uint64_t>(w) + 1) << 1 | static_cast<std::uint64_t>(busy);
  }

  struct alignas(kCacheLine) Worker {
    GilStatsBlock stats;
    UnitHooks hooks;
    std::uint64_t acquired_at = 0;
    int depth = 0;
    int io_depth = 0;  // io() bodies running on this worker (the GIL is not held)
    WorkerAttribution attr;
  };

  // take_gil(): wait in slices of one switch interval; after a slice in
  // which nobody switched, ask the holder to drop.
  void take(std::size_t w) {
    Worker& me = workers_[w];
    std::unique_lock lk(mu_);
    if (locked_) {
      const std::uint64_t t0 = now_ns();
      const UnitKind holder = last_holder_ < n_ ? workers_[last_holder_].attr.now() : UnitKind::unknown;
      while (locked_) {
        const std::uint64_t saved_switch = switch_number_;
        const bool timed_out =
            cv_.wait_for(lk, options_.switch_interval) == std::cv_status::timeout;
        if (!(timed_out && locked_ && switch_number_ == saved_switch)) continue;
        if (!drop_request_.load(std::memory_order_relaxed)) {
          drop_request_.store(true, std::memory_order_relaxed);
          me.stats.drop_requests.add();
        } else if (take_over_idle(w)) {
          break;
        }
      }
      const std::uint64_t waited = now_ns() - t0;
      me.stats.wait_ns.add(waited);
      if (attribution_.load(std::memory_order_relaxed)) {
        me.attr.table.record(kSubjectGil, ConflictKind::gil_wait, me.attr.now(), holder, waited);
        me.attr.unit_lost_ns += waited;
      }
    }
    locked_ = true;
    slot_.store(slot(w, true), std::memory_order_relaxed);
    if (last_holder_ != w) {
      last_holder_ = w;
      ++switch_number_;
      me.stats.switches.add();
    }
    // Served: whoever asked now holds it (or someone else took it first;
    // a still-waiting thread will ask again after its next interval).
    drop_request_.store(false, std::memory_order_relaxed);
    switch_cv_.notify_all();
    me.stats.acquisitions.add();
    me.acquired_at = now_ns();
  }

  // Under mu_, in take(): the request was set an interval ago and the
  // holder sits between units. The CAS races with the holder's own
  // run() (busy) and synchronises with its last unit's release store.
  bool take_over_idle(std::size_t w) {
    std::uint64_t s = slot_.load(std::memory_order_relaxed);
    if (s == 0 || (s & 1) || !slot_.compare_exchange_strong(s, slot(w, true), std::memory_order_acq_rel,
                                                           std::memory_order_relaxed))
      return false;
    Worker& old = workers_[(s >> 1) - 1];
    old.stats.hold_ns.add(now_ns() - old.acquired_at);  // hold_ns is only written under mu_
    workers_[w].stats.idle_takeovers.add();
    return true;
  }

  // drop_gil() with FORCE_SWITCHING.
  void drop(std::size_t w) {
    Worker& me = workers_[w];
    std::unique_lock lk(mu_);
    // Taken over while we sat between units: already handed over.
    if (slot_.load(std::memory_order_relaxed) >> 1 != w + 1) return;
    me.stats.hold_ns.add(now_ns() - me.acquired_at);
    locked_ = false;
    slot_.store(0, std::memory_order_relaxed);
    cv_.notify_one();
    if (drop_request_.load(std::memory_order_relaxed) && last_holder_ == w) {
      // Somebody asked: do not come back before it has had its turn. The
      // requester is inside take() until it gets the lock, so this ends.
      drop_request_.store(false, std::memory_order_relaxed);
      me.stats.forced_switch_waits.add();
      switch_cv_.wait(lk, [&] { return last_holder_ != w; });
    }
  }

  Options options_;
  std::unique_ptr<Worker[]> workers_;
  std::size_t n_;

  std::mutex mu_;
  std::condition_variable cv_;         // "the GIL was released"
  std::condition_variable switch_cv_;  // "someone took the GIL" (forced switching)
  bool locked_ = false;                // guarded by mu_
  std::size_t last_holder_ = kNobody;  // guarded by mu_
  std::uint64_t switch_number_ = 0;    // guarded by mu_
  // Who holds the GIL and whether it is inside a unit. Set by take() under
  // mu_; flipped busy/idle by the holder around each unit without mu_;
  // cleared by drop() or taken over by take_over_idle() under mu_.
  std::atomic<std::uint64_t> slot_{0};
  std::atomic<bool> drop_request_{false};
  std::atomic<bool> attribution_{true};  // read only after a wait
};

// What a unit of work sees. Accesses are plain copies: the GIL is held.
class GilUnit {
 public:
  template <class T>
  T read(const GilCell<T>& c) const noexcept {
    return c.v_;
  }
  template <class T>
  void write(GilCell<T>& c, const T& v) noexcept {
    c.v_ = v;
  }
  template <class T>
    requires std::is_arithmetic_v<T>
  void commute_add(GilCell<T>& c, T delta) noexcept {
    c.v_ += delta;
  }
  // f(T&) updates the cell in place; f(A&, B&) updates two cells together.
  template <class T, class F>
  void update(GilCell<T>& c, F&& f) {
    T v = c.v_;
    f(v);
    c.v_ = v;
  }
  template <class A, class B, class F>
  void update(GilCell<A>& a, GilCell<B>& b, F&& f) {
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

  // The GIL already excludes everyone: nothing to declare.
  void inevitable() noexcept {}
  // Blocking I/O: released around the call, as Py_BEGIN_ALLOW_THREADS does.
  // Cells must not be touched inside f.
  // Nested io() (an io body that calls io again) just runs f: the GIL is
  // already released, and only the outermost io retakes it (issue 18, bug
  // 4: the inner one retook it, then the outer waited for its own thread).
  template <class F>
  decltype(auto) io(F&& f) {
    GilBackend::Worker& me = b_.workers_[w_];
    if (me.io_depth > 0) return std::forward<F>(f)();
    me.stats.io_releases.add();
    b_.drop(w_);
    ++me.io_depth;
    struct Retake {
      GilBackend& b;
      std::size_t w;
      ~Retake() {
        --b.workers_[w].io_depth;
        b.take(w);
      }
    } retake{b_, w_};
    return std::forward<F>(f)();
  }
  // An interpreter's periodic eval-breaker check (every N instructions):
  // hands the GIL over mid-unit if asked. This splits the unit's atomicity
  // at that point, exactly as CPython's bytecode boundaries do.
  void check_eval_breaker() {
    // Inside io() the GIL is not held: nothing to hand over.
    if (b_.workers_[w_].io_depth > 0) return;
    if (b_.drop_request_.load(std::memory_order_relaxed)) {
      b_.drop(w_);
      b_.take(w_);
    }
  }

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
  friend class GilBackend;
  GilUnit(GilBackend& b, std::size_t w) noexcept : b_(b), w_(w) {}
  GilBackend& b_;
  std::size_t w_;
};

template <class F>
decltype(auto) GilBackend::run(std::size_t worker, F&& fn) {
  Worker& me = workers_[worker];
  GilUnit unit(*this, worker);
  if (me.depth > 0) return fn(unit);  // nested: part of the enclosing unit
  me.attr.unit_lost_ns = 0;
  std::uint64_t idle = slot(worker, false);
  if (!slot_.compare_exchange_strong(idle, slot(worker, true), std::memory_order_acquire,
                                     std::memory_order_relaxed))
    take(worker);
  me.depth = 1;
  // The unit boundary, reached however the unit ends: the only place the
  // drop request is honoured without the unit's consent.
  struct Boundary {
    GilBackend& b;
    std::size_t w;
    ~Boundary() {
      Worker& m = b.workers_[w];
      m.depth = 0;
      m.stats.units.add();
      b.slot_.store(slot(w, false), std::memory_order_release);
      if (b.drop_request_.load(std::memory_order_relaxed)) b.drop(w);
    }
  } boundary{*this, worker};
  return run_with_hooks(me.hooks, unit, fn);
}

}  // namespace txray::sync
