// `itm`: GCC's transactional memory runtime, libitm, one transaction per
// unit (the same units as `stm`).
//
// How (approach (b) of issue 12): the unit's body is not compiled for
// transactions. itm_core.cpp, the only file built with -fgnu-tm, opens a
// `__transaction_atomic` and calls the body as `transaction_pure` code, so
// GCC instruments none of the kernel; each cell read and write calls
// libitm's own barriers (_ITM_RU8 / _ITM_WU8 for one word,
// _ITM_memcpyRtWn / _ITM_memcpyRnWt for larger values). The barriers sit
// exactly where txray's `stm` places its own, so the two are compared on
// the same accesses. Approach (a), compiling the body inside
// `__transaction_atomic`, would need everything a render unit reaches to be
// transaction-safe: the packet kernel's run-time ISA dispatch (a function
// pointer), std::atomic and errno-setting libm calls are not.
//
// Consequences of running uninstrumented code inside a transaction:
// - libitm restarts an attempt by jumping back to the transaction's start
//   (its own longjmp): the body's frames are dropped without running
//   destructors. Bodies must therefore hold nothing that needs one across a
//   cell access. The native kernel holds plain values and one RAII guard,
//   FlushDenormals, whose job (restoring MXCSR) run() does on a restart;
//   its film writes are idempotent. The interpreted kernel (--engine
//   interp) builds a HostScene and VM frames that a restart in the middle
//   drops: with writers running concurrently (the animator at a rate,
//   --counters shared) an aborted attempt may leak what they held. With the
//   animator between frames, render units only read and never abort. Hooks
//   registered by an aborted attempt fire on_abort at the start of the next
//   attempt.
// - Memory the body touches other than through the unit is not
//   transactional (as with `stm`).
// - An exception leaving the body is caught inside the transaction, which
//   then commits what the unit wrote (GCC's rule for exceptions escaping
//   __transaction_atomic), and rethrown after it: no roll back.
// - io() switches the transaction to serial-irrevocable mode
//   (_ITM_changeTransactionMode) before the I/O; libitm may restart the
//   attempt to get there, so the I/O runs exactly once, while every other
//   transaction waits: inevitable units are exclusive.
//
// The method: libitm reads ITM_DEFAULT_METHOD once, at the process's first
// transaction (ml_wt by default without hardware TM; gl_wt, serialirr).
// Options::method sets it before then, and is refused afterwards if it
// differs. With a single thread libitm runs serialirr whatever is asked.
//
// GCC only (clang has no -fgnu-tm); built when TXRAY_HAVE_ITM is defined
// (concurrency/CMakeLists.txt: TXRAY_WITH_ITM=AUTO|ON|OFF). ThreadSanitizer
// cannot see libitm (an uninstrumented library doing its own locking), so
// the TSan build leaves itm out of the contract suite.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "concurrency/backend_state.hpp"
#include "concurrency/common.hpp"

// libitm's ABI (GCC's libitm/libitm.h, not installed by Debian's libitm1):
// the barriers the body calls inside the transaction.
extern "C" {
std::uint64_t _ITM_RU8(const std::uint64_t* addr);
void _ITM_WU8(std::uint64_t* addr, std::uint64_t value);
void _ITM_memcpyRtWn(void* dst, const void* src, std::size_t size);  // read transactional, write private
void _ITM_memcpyRnWt(void* dst, const void* src, std::size_t size);  // read private, write transactional
void _ITM_changeTransactionMode(int mode);                           // 0: modeSerialIrrevocable
}

namespace txray::sync {

namespace itm_detail {
using Body = void (*)(void*);
// itm_core.cpp: runs body(ctx) as one transaction (retried by libitm).
int run_transaction(Body body, void* ctx);
inline std::atomic<bool> g_started{false};  // a transaction has run in this process
inline constexpr int kModeSerialIrrevocable = 0;
}  // namespace itm_detail

#define TXRAY_ITM_STATS(X)                                                                                       \
  X(units, "count", "units/s")                         /* units run (outermost) */                               \
  X(restarts, "count", "aborts/s (libitm restarts)")   /* attempts libitm restarted (aborts) */                  \
  X(irrevocable_units, "count", "irrevocable units/s") /* units that went serial-irrevocable (io, inevitable) */ \
  X(user_exceptions, "count", "exceptions/s")          /* units whose body threw (committed, then rethrown) */

TXRAY_SYNC_DEFINE_STATS(ItmStats, TXRAY_ITM_STATS)

class ItmUnit;

template <CellValue T>
class ItmCell {
 public:
  using value_type = T;
  ItmCell() = default;
  explicit ItmCell(const T& v) : v_{v} {}
  ItmCell(const ItmCell&) = delete;
  ItmCell& operator=(const ItmCell&) = delete;

  // Quiescent-only: no unit may be running on any worker.
  T unsafe_load() const { return v_.value; }
  void unsafe_store(const T& v) { v_.value = v; }

 private:
  friend class ItmUnit;
  struct alignas(8) Slot {
    T value;
  };
  Slot v_{};
};

struct ItmOptions {
  // "", or ml_wt | gl_wt | serialirr (ITM_DEFAULT_METHOD), fixed for the process.
  std::string method;
};

class ItmBackend {
 public:
  using Options = ItmOptions;
  template <class T>
  using Cell = ItmCell<T>;
  using Unit = ItmUnit;
  using Stats = ItmStats;

  static constexpr std::string_view kName = "itm";
  static constexpr bool kAtomicUnits = true;          // one transaction per unit
  static constexpr bool kConsistentReads = true;      // libitm's methods are opaque
  static constexpr bool kRollsBack = false;           // an exception commits (see above)
  static constexpr bool kExclusiveInevitable = true;  // serial-irrevocable

  explicit ItmBackend(std::size_t workers, Options options = {})
      : workers_(workers) {
    if (!options.method.empty()) set_method(options.method);
  }

  // Selects libitm's method for the process. Only before the first
  // transaction, or to the method already chosen.
  static void set_method(const std::string& method) {
    if (method != "ml_wt" && method != "gl_wt" && method != "serialirr")
      throw std::invalid_argument("itm method '" + method + "': expected ml_wt, gl_wt or serialirr");
    const char* current = std::getenv("ITM_DEFAULT_METHOD");
    if (current && method == current) return;
    if (itm_detail::g_started.load())
      throw std::logic_error("itm method: libitm fixed its method at this process's first transaction");
    ::setenv("ITM_DEFAULT_METHOD", method.c_str(), 1);
  }

  template <class F>
  decltype(auto) run(std::size_t worker, F&& fn);
  void release(std::size_t) noexcept {}
  void publish() noexcept {}

  std::size_t workers() const noexcept { return workers_.size(); }
  Stats stats() const { return workers_.template sum_stats<Stats>(); }
  void reset_stats() { workers_.reset_stats(); }

  // What the wrapper knows (backend_state.hpp), from any thread, relaxed
  // loads only: each worker's unit kind, whether its unit's body is running
  // inside its transaction, and who went serial-irrevocable through
  // inevitable() or io(). libitm's own state (its serial lock, who waits on
  // it, a transaction it made serial by itself: serialirr, one thread, too
  // many restarts) is not readable from outside. A unit not yet in its
  // transaction is waiting for libitm to begin it, which, while another is
  // serial-irrevocable, is that one: said so.
  BackendState state() const {
    BackendState s = worker_array_state(kName, workers_,
                                        "a unit's body runs inside its transaction; libitm does not say who waits "
                                        "for its serial lock, nor when it went serial by itself");
    s.exclusive = "serial-irrevocable mode";
    for (std::size_t i = 0; i < workers_.size(); ++i)
      if (s.workers[i].in_unit && workers_[i].phase.load(std::memory_order_relaxed) == kIrrevocable) {
        s.owner = i;
        s.owner_detail = "inside a unit";
      }
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      WorkerState& ws = s.workers[i];
      ws.kind = workers_[i].kind.load(std::memory_order_relaxed);
      if (ws.in_unit && workers_[i].phase.load(std::memory_order_relaxed) == kOutside)
        ws.waiting = s.owner ? s.exclusive : "libitm to begin its transaction";
    }
    return s;
  }

  // What a worker runs, for state() (no conflict attribution: libitm says
  // nothing of its aborts' causes). Set per batch, not per unit.
  void set_unit_kind(std::size_t worker, UnitKind kind) noexcept {
    workers_[worker].kind.store(kind, std::memory_order_relaxed);
  }

 private:
  friend class ItmUnit;
  // Where a worker's unit is, for state() and for inevitable() to know it
  // is serial already. Stored relaxed by the worker itself at each
  // attempt's start, at inevitable() and at the unit's end: a plain move on
  // x86-64, the one store per unit this adds to the flag it replaces.
  enum Phase : std::uint8_t {
    kOutside = 0,      // no unit, or run() called and its transaction not begun
    kInside = 1,       // the body runs inside its transaction (or it commits)
    kIrrevocable = 2,  // inevitable() or io() made it serial-irrevocable
  };
  struct Worker : WorkerBase<ItmStatsBlock> {
    std::atomic<std::uint8_t> phase{kOutside};
    std::atomic<UnitKind> kind{UnitKind::unknown};
  };
  WorkerArray<Worker> workers_;
};

class ItmUnit : public UnitBase {
 public:
  template <class T>
  T read(const ItmCell<T>& c) const {
    TXRAY_SYNC_POINT(read);
    if constexpr (sizeof(T) == 8) {
      return std::bit_cast<T>(_ITM_RU8(reinterpret_cast<const std::uint64_t*>(&c.v_)));
    } else {
      struct Bytes {
        unsigned char b[sizeof(T)];
      } bytes;
      _ITM_memcpyRtWn(bytes.b, &c.v_, sizeof(T));
      return std::bit_cast<T>(bytes);
    }
  }
  template <class T>
  void write(ItmCell<T>& c, const T& v) {
    TXRAY_SYNC_POINT(write);
    if constexpr (sizeof(T) == 8) {
      _ITM_WU8(reinterpret_cast<std::uint64_t*>(&c.v_), std::bit_cast<std::uint64_t>(v));
    } else {
      _ITM_memcpyRnWt(&c.v_, &v, sizeof(T));
    }
  }
  // No commutative path in libitm: a read and a write, like any update.
  template <class T>
    requires std::is_arithmetic_v<T>
  void commute_add(ItmCell<T>& c, T delta) {
    write(c, static_cast<T>(read(c) + delta));
  }
  template <class T, class F>
  void update(ItmCell<T>& c, F&& f) {
    T v = read(c);
    f(v);
    write(c, v);
  }
  template <class A, class B, class F>
  void update(ItmCell<A>& a, ItmCell<B>& b, F&& f) {
    if constexpr (std::is_same_v<A, B>) {
      if (&a == &b) {
        update(a, [&](A& v) { f(v, v); });
        return;
      }
    }
    A va = read(a);
    B vb = read(b);
    f(va, vb);
    write(a, va);
    write(b, vb);
  }

  // Serial-irrevocable from here to the unit's end (libitm may restart the
  // attempt to get there, before anything irrevocable has happened).
  void inevitable() {
    ItmBackend::Worker& me = b_.workers_[w_];
    if (me.phase.load(std::memory_order_relaxed) == ItmBackend::kIrrevocable) return;
    TXRAY_SYNC_POINT(lock_acquire);
    _ITM_changeTransactionMode(itm_detail::kModeSerialIrrevocable);
    me.phase.store(ItmBackend::kIrrevocable, std::memory_order_relaxed);
  }
  template <class F>
  decltype(auto) io(F&& f) {
    inevitable();
    return std::forward<F>(f)();
  }
  void check_eval_breaker() noexcept {}

 private:
  friend class ItmBackend;
  ItmUnit(ItmBackend& b, std::size_t w) noexcept : UnitBase(b.workers_[w].hooks, w), b_(b) {}
  ItmBackend& b_;
};

template <class F>
decltype(auto) ItmBackend::run(std::size_t worker, F&& fn) {
  Worker& me = workers_[worker];
  ItmUnit unit(*this, worker);
  if (me.depth > 0) return fn(unit);
  using R = std::invoke_result_t<F&, ItmUnit&>;
  using Stored = std::conditional_t<std::is_void_v<R>, bool, R>;
  // Everything an attempt leaves behind lives here, outside the frames a
  // restart drops.
  struct Attempt {
    F* fn;
    ItmUnit* unit;
    Worker* me;
    int attempts = 0;
    std::optional<Stored> result;
    std::exception_ptr error;
    unsigned mxcsr = 0;  // the floating-point mode the unit started in
  } a{&fn, &unit, &me, 0, std::nullopt, nullptr, 0};
#if defined(__x86_64__) || defined(__i386__)
  a.mxcsr = _mm_getcsr();
#endif
  itm_detail::g_started.store(true, std::memory_order_relaxed);
  me.depth = 1;
  struct End {
    Worker& m;
    ~End() {
      m.depth = 0;
      m.phase.store(kOutside, std::memory_order_relaxed);
      m.stats.units.add();
    }
  } end{me};
  itm_detail::run_transaction(
      [](void* p) {
        Attempt& at = *static_cast<Attempt*>(p);
        // In the transaction now (an attempt libitm restarted starts over,
        // not serial-irrevocable until it asks again).
        at.me->phase.store(kInside, std::memory_order_relaxed);
        if (at.attempts++ > 0) {  // libitm restarted us: the last attempt aborted
          at.me->stats.restarts.add();
          at.me->hooks.fire_abort();
#if defined(__x86_64__) || defined(__i386__)
          // A dropped frame may have changed the floating-point mode and
          // not restored it (the renderer's FlushDenormals): start over in
          // the unit's own.
          _mm_setcsr(at.mxcsr);
#endif
        }
        at.result.reset();
        at.error = nullptr;
        try {
          if constexpr (std::is_void_v<R>) {
            (*at.fn)(*at.unit);
            at.result.emplace(true);
          } else {
            at.result.emplace((*at.fn)(*at.unit));
          }
        } catch (...) {
          at.error = std::current_exception();
        }
        TXRAY_SYNC_POINT(commit);  // libitm commits when this returns
      },
      &a);
  if (me.phase.load(std::memory_order_relaxed) == kIrrevocable) me.stats.irrevocable_units.add();
  if (a.error) {
    me.stats.user_exceptions.add();
    me.hooks.fire_abort();
    std::rethrow_exception(a.error);
  }
  me.hooks.fire_commit();
  if constexpr (!std::is_void_v<R>) return R(std::move(*a.result));
}

}  // namespace txray::sync
