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
//   immediately grab it back and starve the requester. That wait is on a
//   mutex of its own (CPython's switch_mutex), which the new holder holds
//   only while it signals, so the woken dropper does not queue behind the
//   new holder's releases and takes of the GIL's mutex before it can come
//   back for the lock. (With one mutex for both, the model's dropper came
//   back later than CPython's, and its convoy was smaller.)
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
//
// GilPolicy::pypy: PyPy's GIL instead (rpython/translator/c/src/thread_gil.c
// and pypy/module/thread/gil.py, PyPy 7.3), which hands over very
// differently, and so convoys very differently (issue 19):
// - The GIL is two locks, held together: `fastgil` (here slot_: the holder,
//   or 0) and `mutex_gil` (a flag under a mutex with a condition variable,
//   "mutex2", locked in the steady state).
// - Around I/O the holder just stores 0 into fastgil: no mutex, no wake-up.
//   Coming back it tries one compare-and-swap 0 -> me; usually it wins,
//   because nobody is woken to race it.
// - A thread that fails the CAS registers as waiting, polls fastgil 40..400
//   times with a pause instruction ("early polling", PyPy issue #2341), then
//   queues on `mutex_gil_stealer`. The one thread holding that mutex is the
//   stealer: it loops { CAS fastgil if it reads 0; wait up to 0.1 ms for
//   mutex_gil to be unlocked }.
// - The holder never gets a drop request. Once sys.checkinterval bytecodes
//   of work have been done (10,000 by default; a periodic action) it yields
//   if anyone is waiting: it unlocks mutex_gil, leaving fastgil set, so only
//   the stealer's timed wait can take it, and then queues for the GIL
//   itself (RPyGilYieldThread).
// - The work is counted as PyPy counts it, on one ticker for the process
//   (pypy/interpreter/executioncontext.py): checkinterval_scaled is the
//   interval times TICK_COUNTER_STEP (100); an interpreted bytecode takes
//   100 off, a loop iteration in JIT-compiled code takes trace_length / 32,
//   clamped to 1..100 (pypy/module/pypyjit/interp_jit.py,
//   _get_adapted_tick_counter). Here check_eval_breaker(ticks) takes off
//   what the caller says its work was worth (the compiled engine: its rays,
//   renderer/render.h), and a unit boundary takes off 1 (one iteration of
//   the caller's short loop). The holder does not yield at a boundary just
//   because someone waits: a tight loop around I/O, like the latency probe,
//   yields about once in a million iterations, as in PyPy.
// So a thread back from I/O that lost the race for fastgil waits until the
// holder's next periodic action, not a 5 ms interval: PyPy's convoy is a
// few microseconds per round trip where CPython's is hundreds. The safety
// net above has a twin here: a stealer whose timed waits have gone
// unanswered for a switch interval takes the GIL from a holder idle
// between units.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <limits>
#include <memory>
#include <mutex>
#include <string_view>

#include "concurrency/backend_state.hpp"
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
  X(yields, "count", "GIL yields/s")                           /* pypy: periodic checks that handed the GIL over */      \
  X(wait_ns, "ns", "GIL wait (%)")                             /* time spent waiting to take the GIL */                  \
  X(hold_ns, "ns", "GIL held (%)")                             /* time the GIL was held */

TXRAY_SYNC_DEFINE_STATS(GilStats, TXRAY_GIL_STATS)

class GilBackend;
class GilUnit;

// Whose GIL: CPython's new GIL (drop requests after a switch interval) or
// PyPy's (a fast CAS lock, a stealer thread, periodic yields). See the top.
enum class GilPolicy { cpython, pypy };

struct GilOptions {
  // sys.setswitchinterval: how long a waiter waits before asking to switch.
  // pypy: how long a stealer waits before taking over an idle holder.
  std::chrono::nanoseconds switch_interval = std::chrono::milliseconds(5);
  GilPolicy policy = GilPolicy::cpython;
  // pypy: the stealer's timed wait on mutex_gil (thread_gil.c: 0.0001 s).
  std::chrono::nanoseconds steal_wait = std::chrono::microseconds(100);
  // pypy: sys.setcheckinterval, in bytecodes: the periodic action that may
  // yield runs once this much work has been counted (PyPy's default 10000).
  std::int64_t check_interval = 10000;
};

// pypy: TICK_COUNTER_STEP, the ticks one interpreted bytecode takes off the
// periodic action's ticker (and the most one JIT-compiled loop iteration
// takes off). check_eval_breaker()'s argument is in these ticks.
inline constexpr std::uint64_t kTicksPerBytecode = 100;

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
      : options_(options),
        workers_(std::make_unique<Worker[]>(workers)),
        n_(workers),
        ticker_(scaled_check_interval()) {}

  template <class F>
  decltype(auto) run(std::size_t worker, F&& fn);

  // The worker's batch is over: give the GIL back if it holds it. Must not
  // be called from inside a unit.
  void release(std::size_t worker) {
    if (options_.policy == GilPolicy::pypy) {
      // A stealer may take an idle holder over at any moment: only clear our own slot.
      std::uint64_t mine = slot(worker, false);
      if (slot_.compare_exchange_strong(mine, 0, std::memory_order_release, std::memory_order_relaxed))
        note_release(worker);
      return;
    }
    if (slot_.load(std::memory_order_relaxed) >> 1 == worker + 1) drop(worker);
  }
  void publish() noexcept {}
  // pypy: whether any thread waits for the GIL (rpy_waiting_threads > 0):
  // an event tests hand-shake on instead of sleeping. Always false under
  // the cpython policy, which does not count its waiters.
  bool someone_waiting() const noexcept { return waiting_.load(std::memory_order_relaxed) > 0; }

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

  // Who holds the GIL, who waits for it, what each worker runs
  // (backend_state.hpp); from any thread, relaxed loads only.
  BackendState state() const {
    BackendState s;
    s.backend = kName;
    s.exclusive = "the GIL";
    const std::uint64_t held = slot_.load(std::memory_order_relaxed);
    if (held != 0) {
      s.owner = static_cast<std::size_t>((held >> 1) - 1);
      s.owner_detail = held & 1 ? "inside a unit" : "between units";
    }
    if (options_.policy == GilPolicy::pypy)
      s.notes.push_back("PyPy's policy: " + std::to_string(waiting_.load(std::memory_order_relaxed)) +
                        " thread(s) queued (rpy_waiting_threads)");
    else if (drop_request_.load(std::memory_order_relaxed))
      s.notes.push_back("a drop request is pending: the holder has not reached a unit boundary since it was set");
    for (std::size_t i = 0; i < n_; ++i) {
      const Worker& w = workers_[i];
      WorkerState ws;
      ws.in_unit = w.depth > 0;
      ws.in_io = w.io_depth > 0;
      ws.kind = w.attr.now();
      if (w.waiting.load(std::memory_order_relaxed)) ws.waiting = s.exclusive;
      s.workers.push_back(ws);
    }
    return s;
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
    std::atomic<std::uint64_t> acquired_at{0};  // relaxed: a pypy takeover reads it from another thread
    OwnedInt depth;
    OwnedInt io_depth;  // io() bodies running on this worker (the GIL is not held)
    std::atomic<bool> waiting{false};  // in take()'s wait; set on that slow path only (state())
    WorkerAttribution attr;
  };

  // take_gil(): wait in slices of one switch interval; after a slice in
  // which nobody switched, ask the holder to drop.
  void take(std::size_t w) {
    TXRAY_SYNC_POINT(lock_acquire);
    Worker& me = workers_[w];
    std::unique_lock lk(mu_);
    if (locked_) {
      me.waiting.store(true, std::memory_order_relaxed);
      const std::uint64_t t0 = now_ns();
      const UnitKind holder = last_holder_ < n_ ? workers_[last_holder_].attr.now() : UnitKind::unknown;
      while (locked_) {
        const std::uint64_t saved_switch = switch_number_;
        const bool timed_out =
            cv_.wait_for(lk, options_.switch_interval) == std::cv_status::timeout;
        if (!(timed_out && locked_ && switch_number_ == saved_switch)) continue;
        if (!drop_request_.load(std::memory_order_relaxed)) {
          drop_request_.store(true, std::memory_order_relaxed);
          TXRAY_SYNC_POINT(drop_request);
          me.stats.drop_requests.add();
        } else if (take_over_idle(w)) {
          break;
        }
      }
      me.waiting.store(false, std::memory_order_relaxed);
      const std::uint64_t waited = now_ns() - t0;
      me.stats.wait_ns.add(waited);
      if (attribution_.load(std::memory_order_relaxed)) {
        me.attr.table.record(kSubjectGil, ConflictKind::gil_wait, me.attr.now(), holder, waited);
        me.attr.unit_lost_ns += waited;
      }
    }
    {
      // As take_gil(): the switch mutex is taken before last_holder_
      // changes (drop() reads it under that mutex alone).
      const std::lock_guard switching(switch_mu_);
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
    }
    me.stats.acquisitions.add();
    me.acquired_at.store(now_ns(), std::memory_order_relaxed);
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
    old.stats.hold_ns.add(now_ns() - old.acquired_at.load(std::memory_order_relaxed));  // hold_ns is only written under mu_
    workers_[w].stats.idle_takeovers.add();
    return true;
  }

  // drop_gil() with FORCE_SWITCHING; the wait for the switch is on
  // switch_mu_ (the top says why).
  void drop(std::size_t w) {
    TXRAY_SYNC_POINT(lock_release);
    Worker& me = workers_[w];
    {
      const std::lock_guard lk(mu_);
      // Taken over while we sat between units: already handed over.
      if (slot_.load(std::memory_order_relaxed) >> 1 != w + 1) return;
      me.stats.hold_ns.add(now_ns() - me.acquired_at.load(std::memory_order_relaxed));
      locked_ = false;
      slot_.store(0, std::memory_order_relaxed);
      cv_.notify_one();
    }
    if (!drop_request_.load(std::memory_order_relaxed)) return;
    std::unique_lock switching(switch_mu_);
    if (last_holder_ == w) {
      // Somebody asked: do not come back before it has had its turn. The
      // requester is inside take() until it gets the lock, so this ends.
      drop_request_.store(false, std::memory_order_relaxed);
      me.stats.forced_switch_waits.add();
      switch_cv_.wait(switching, [&] { return last_holder_ != w; });
    }
  }

  // The policy's take and give, as io(), the unit boundary and
  // check_eval_breaker() use them.
  void acquire(std::size_t w) {
    if (options_.policy == GilPolicy::pypy)
      pypy_take(w);
    else
      take(w);
  }
  void give_for_io(std::size_t w) {
    TXRAY_SYNC_POINT(lock_release);
    if (options_.policy == GilPolicy::pypy) {
      // RPyGilRelease: fastgil = 0, mutex_gil stays locked, nobody is woken.
      note_release(w);
      slot_.store(0, std::memory_order_release);
    } else {
      drop(w);
    }
  }
  // An eval-breaker point inside a unit, after `ticks` of work. cpython:
  // honour a drop request (the work does not matter: the waiter's clock
  // does). pypy: count the work; past the interval, the periodic action.
  void periodic_check(std::size_t w, std::uint64_t ticks) {
    TXRAY_SYNC_POINT(drop_request);
    if (options_.policy == GilPolicy::pypy) {
      pypy_tick(w, ticks);
    } else if (drop_request_.load(std::memory_order_relaxed)) {
      drop(w);
      take(w);
    }
  }

  std::int64_t scaled_check_interval() const noexcept {
    return std::max<std::int64_t>(1, options_.check_interval) * static_cast<std::int64_t>(kTicksPerBytecode);
  }
  // The holder has done `ticks` of work (the slot is busy): once the ticker
  // runs out, reset it and run the periodic action, do_yield_thread(),
  // which yields only if anyone waits (RPyGilYieldThread).
  void pypy_tick(std::size_t w, std::uint64_t ticks) {
    ticker_ -= static_cast<std::int64_t>(std::min<std::uint64_t>(ticks, std::numeric_limits<std::int64_t>::max() / 2));
    if (ticker_ > 0) return;
    ticker_ = scaled_check_interval();
    if (waiting_.load(std::memory_order_relaxed) > 0) pypy_yield(w);
  }

  void note_release(std::size_t w) {
    Worker& me = workers_[w];
    me.stats.hold_ns.add(now_ns() - me.acquired_at.load(std::memory_order_relaxed));
  }
  void note_acquired(std::size_t w) {
    Worker& me = workers_[w];
    me.stats.acquisitions.add();
    if (pypy_last_holder_.exchange(w, std::memory_order_relaxed) != w) me.stats.switches.add();
    me.acquired_at.store(now_ns(), std::memory_order_relaxed);
  }

  // mutex2_unlock(&mutex_gil).
  void unlock_mutex_gil() {
    {
      std::lock_guard lk(gil_mu_);
      gil_locked_ = false;
    }
    gil_cv_.notify_one();
  }

  // RPyGilAcquire: the fast path, else RPyGilAcquireSlowPath.
  void pypy_take(std::size_t w) {
    TXRAY_SYNC_POINT(lock_acquire);
    std::uint64_t free = 0;
    if (slot_.compare_exchange_strong(free, slot(w, true), std::memory_order_acquire, std::memory_order_relaxed)) {
      note_acquired(w);
      return;
    }
    Worker& me = workers_[w];
    me.waiting.store(true, std::memory_order_relaxed);
    const std::uint64_t t0 = now_ns();
    const std::uint64_t holder_slot = free;
    const UnitKind holder = holder_slot != 0 ? workers_[(holder_slot >> 1) - 1].attr.now() : UnitKind::unknown;
    const int old_waiting = waiting_.fetch_add(1, std::memory_order_relaxed) + 1;
    // Early polling, 40..400 rounds, the count stepped as thread_gil.c does
    // so that two pollers do not stay in step.
    int n = early_poll_n_.load(std::memory_order_relaxed) * 2 + 1;
    while (n >= kPokeMax) n -= kPokeMax - kPokeMin;
    early_poll_n_.store(n, std::memory_order_relaxed);
    for (; n >= 0; --n) {
      if (waiting_.load(std::memory_order_relaxed) != old_waiting) break;  // someone came or went
      cpu_relax();
      std::uint64_t zero = 0;
      if (slot_.load(std::memory_order_relaxed) == 0 &&
          slot_.compare_exchange_strong(zero, slot(w, true), std::memory_order_acquire, std::memory_order_relaxed)) {
        // Got it before queueing; for fairness hand mutex_gil to a stealer
        // if there is one, and queue anyway (falls through if there is none).
        unlock_mutex_gil();
        break;
      }
    }
    {
      std::lock_guard stealer(stealer_mu_);
      std::unique_lock lk(gil_mu_);
      int unanswered = 0;
      const auto patience = std::max<std::int64_t>(1, options_.switch_interval / options_.steal_wait);
      while (true) {
        std::uint64_t zero = 0;
        if (slot_.load(std::memory_order_relaxed) == 0 &&
            slot_.compare_exchange_strong(zero, slot(w, true), std::memory_order_acquire, std::memory_order_relaxed))
          break;
        if (gil_locked_) gil_cv_.wait_for(lk, options_.steal_wait);
        if (!gil_locked_) {
          // Yielded to us: fastgil still names the yielder; it becomes ours.
          gil_locked_ = true;
          slot_.store(slot(w, true), std::memory_order_release);
          break;
        }
        if (++unanswered >= patience && pypy_take_over_idle(w)) break;
      }
      waiting_.fetch_sub(1, std::memory_order_relaxed);
    }
    me.waiting.store(false, std::memory_order_relaxed);
    const std::uint64_t waited = now_ns() - t0;
    me.stats.wait_ns.add(waited);
    if (attribution_.load(std::memory_order_relaxed)) {
      me.attr.table.record(kSubjectGil, ConflictKind::gil_wait, me.attr.now(), holder, waited);
      me.attr.unit_lost_ns += waited;
    }
    note_acquired(w);
  }

  // The safety net (see the top): a holder idle between units whose
  // periodic check will never come.
  bool pypy_take_over_idle(std::size_t w) {
    std::uint64_t s = slot_.load(std::memory_order_relaxed);
    if (s == 0 || (s & 1) || !slot_.compare_exchange_strong(s, slot(w, true), std::memory_order_acq_rel,
                                                           std::memory_order_relaxed))
      return false;
    Worker& old = workers_[(s >> 1) - 1];
    old.stats.hold_ns.add(now_ns() - old.acquired_at.load(std::memory_order_relaxed));
    workers_[w].stats.idle_takeovers.add();
    return true;
  }

  // RPyGilYieldThread: unlock mutex_gil with fastgil still set, so only the
  // stealer's timed wait can take it, then queue for it like anyone else.
  // Called with the slot busy (inside a unit or at its boundary).
  void pypy_yield(std::size_t w) {
    TXRAY_SYNC_POINT(drop_request);
    Worker& me = workers_[w];
    me.stats.yields.add();
    note_release(w);
    unlock_mutex_gil();
    pypy_take(w);
  }

  static constexpr int kPokeMin = 40, kPokeMax = 400;  // RPY_GIL_POKE_MIN, _MAX

  Options options_;
  std::unique_ptr<Worker[]> workers_;
  std::size_t n_;

  std::mutex mu_;
  std::condition_variable cv_;         // "the GIL was released"
  std::mutex switch_mu_;               // switch_mutex: taken inside mu_, or alone by drop()
  std::condition_variable switch_cv_;  // "someone took the GIL" (forced switching), on switch_mu_
  bool locked_ = false;                // guarded by mu_
  std::size_t last_holder_ = kNobody;  // written under mu_ and switch_mu_; read under either
  std::uint64_t switch_number_ = 0;    // guarded by mu_
  // Who holds the GIL and whether it is inside a unit. Set by take() under
  // mu_; flipped busy/idle by the holder around each unit without mu_;
  // cleared by drop() or taken over by take_over_idle() under mu_.
  std::atomic<std::uint64_t> slot_{0};
  std::atomic<bool> drop_request_{false};
  std::atomic<bool> attribution_{true};  // read only after a wait

  // pypy (slot_ is fastgil).
  std::mutex stealer_mu_;                // mutex_gil_stealer
  std::mutex gil_mu_;                    // mutex_gil: the flag below, under this mutex,
  std::condition_variable gil_cv_;       //   signalled when it is unlocked
  bool gil_locked_ = true;               // guarded by gil_mu_; locked in the steady state
  std::atomic<int> waiting_{0};          // rpy_waiting_threads
  std::atomic<int> early_poll_n_{0};     // rpy_early_poll_n
  std::atomic<std::size_t> pypy_last_holder_{kNobody};
  // The periodic action's ticker, one for the process as in PyPy; only the
  // holder touches it, so the GIL's hand-over orders it like a cell.
  std::int64_t ticker_;
};

// What a unit of work sees. Accesses are plain copies: the GIL is held.
class GilUnit {
 public:
  template <class T>
  T read(const GilCell<T>& c) const {
    TXRAY_SYNC_POINT(read);
    return c.v_;
  }
  template <class T>
  void write(GilCell<T>& c, const T& v) {
    TXRAY_SYNC_POINT(write);
    c.v_ = v;
  }
  template <class T>
    requires std::is_arithmetic_v<T>
  void commute_add(GilCell<T>& c, T delta) {
    TXRAY_SYNC_POINT(write);
    c.v_ += delta;
  }
  // f(T&) updates the cell in place; f(A&, B&) updates two cells together.
  template <class T, class F>
  void update(GilCell<T>& c, F&& f) {
    TXRAY_SYNC_POINT(write);
    T v = c.v_;
    f(v);
    c.v_ = v;
  }
  template <class A, class B, class F>
  void update(GilCell<A>& a, GilCell<B>& b, F&& f) {
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
    b_.give_for_io(w_);
    ++me.io_depth;
    struct Retake {
      GilBackend& b;
      std::size_t w;
      ~Retake() {
        --b.workers_[w].io_depth;
        b.acquire(w);
      }
    } retake{b_, w_};
    return std::forward<F>(f)();
  }
  // An eval-breaker point after `ticks` of work (kTicksPerBytecode per
  // interpreted bytecode): hands the GIL over mid-unit if asked (cpython),
  // or, once the work passes the check interval, if anyone waits (pypy's
  // periodic action). This splits the unit's atomicity at that point,
  // exactly as the runtimes' bytecode boundaries do.
  void check_eval_breaker(std::uint64_t ticks = kTicksPerBytecode) {
    // Inside io() the GIL is not held: nothing to hand over.
    if (b_.workers_[w_].io_depth > 0) return;
    b_.periodic_check(w_, ticks);
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
  TXRAY_SYNC_POINT(lock_acquire);
  std::uint64_t idle = slot(worker, false);
  if (!slot_.compare_exchange_strong(idle, slot(worker, true), std::memory_order_acquire,
                                     std::memory_order_relaxed))
    acquire(worker);
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
      TXRAY_SYNC_POINT(drop_request);
      if (b.options_.policy == GilPolicy::pypy) {
        // One iteration of the caller's loop (a short JIT trace: 1 tick).
        // The slot stays busy until after any yield, so no stealer can take
        // an idle holder over mid-yield.
        b.pypy_tick(w, 1);
        b.slot_.store(slot(w, false), std::memory_order_release);
      } else {
        b.slot_.store(slot(w, false), std::memory_order_release);
        if (b.drop_request_.load(std::memory_order_relaxed)) b.drop(w);
      }
    }
  } boundary{*this, worker};
  return run_with_hooks(me.hooks, unit, fn);
}

}  // namespace txray::sync
