// Building blocks shared by every backend: payload words, per-worker
// counters, unit hooks, a pause instruction. Standard library only.
#pragma once

#include <atomic>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "concurrency/chaos.hpp"

namespace txray::sync {

// Destructive-interference size, fixed rather than taken from
// std::hardware_destructive_interference_size (which GCC warns is ABI-unstable).
inline constexpr std::size_t kCacheLine = 64;

// What a cell may hold: bytes that can be copied word by word. 128 bytes is
// generous for the renderer's ~48-byte scene objects and bounds the stack
// buffers used to copy a payload.
template <class T>
concept CellValue = std::is_trivially_copyable_v<T> && sizeof(T) <= 128;

// ThreadSanitizer does not model std::atomic_thread_fence (GCC warns,
// -Wtsan). Under TSan the optimistic readers and writers order their
// payload words themselves instead: acquire loads and release stores,
// which is also correct, only stronger than needed off x86.
#if defined(__SANITIZE_THREAD__)
#define TXRAY_SYNC_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TXRAY_SYNC_TSAN 1
#endif
#endif
#ifdef TXRAY_SYNC_TSAN
inline constexpr std::memory_order kPayloadLoad = std::memory_order_acquire;
inline constexpr std::memory_order kPayloadStore = std::memory_order_release;
inline void payload_load_fence() noexcept {}
inline void payload_store_fence() noexcept {}
#else
inline constexpr std::memory_order kPayloadLoad = std::memory_order_relaxed;
inline constexpr std::memory_order kPayloadStore = std::memory_order_relaxed;
// After copying a payload, before re-checking its version/sequence.
inline void payload_load_fence() noexcept { std::atomic_thread_fence(std::memory_order_acquire); }
// After taking a cell's lock, before storing its payload.
inline void payload_store_fence() noexcept { std::atomic_thread_fence(std::memory_order_release); }
#endif

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
}

// A wait for another thread: spin briefly (it is usually about to finish),
// then yield. With more threads than cores the thread waited for may be
// preempted; spinning cannot make it run, yielding can.
class SpinWait {
 public:
  static constexpr std::uint32_t kSpins = 64;
  void wait() noexcept {
    if (n_ < kSpins) {
      cpu_relax();
    } else {
      std::this_thread::yield();
    }
    ++n_;
  }
  // Rounds waited so far: the first kSpins were pauses, the rest yields.
  std::uint32_t rounds() const noexcept { return n_; }

 private:
  std::uint32_t n_ = 0;
};

inline std::uint64_t now_ns() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

// A payload kept as 64-bit atomic words. Optimistic readers (seqlock, STM)
// copy a value that a writer may be changing at the same moment; with plain
// memory that is a data race (UB, and ThreadSanitizer says so). Relaxed
// atomic words cost the same as plain loads on x86 and make the race benign
// by construction; the caller's fences and version re-check discard torn
// copies (the P1478 "byte-wise atomic memcpy" idea, done per word).
template <CellValue T>
struct AtomicWords {
  static constexpr std::size_t kWords = (sizeof(T) + 7) / 8;
  std::atomic<std::uint64_t> w[kWords];

  AtomicWords() noexcept : AtomicWords(T{}) {}
  explicit AtomicWords(const T& v) noexcept { store_relaxed(v); }

  // Unrolled (index_sequence), so the words stay in registers and a
  // caller that uses one field of T loads just what it needs; a loop
  // through a stack buffer costs a store-forwarding stall per read.
  // always_inline, lambda included: GCC outlined the lambda for the
  // 7-word Material in the shading loop, a call per barrier (issue 14).
  [[gnu::always_inline]] void load_words(std::uint64_t* out) const noexcept {
    [&]<std::size_t... I>(std::index_sequence<I...>) __attribute__((always_inline)) {
      ((out[I] = w[I].load(kPayloadLoad)), ...);
    }(std::make_index_sequence<kWords>{});
  }
  void store_words(const std::uint64_t* in) noexcept {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (w[I].store(in[I], kPayloadStore), ...);
    }(std::make_index_sequence<kWords>{});
  }
  // The words are paired into 16-byte vectors before they become a T. A
  // T of several words is then copied with 16-byte moves (GCC copies an
  // object that way), and each such load reads one 16-byte store. Built
  // from 8-byte stores instead, every 16-byte load spans two of them, which
  // the CPU cannot forward: a stall of about a dozen cycles per load, 4
  // per 64-byte Object read (issue 14: closest_hit_packet_avx2<StmBackend>
  // read objects that way, and so did fine's seqlock).
  [[gnu::always_inline]] static T from_words(const std::uint64_t* in) noexcept {
    using Pair = std::uint64_t __attribute__((vector_size(16), aligned(8)));
    struct Bytes {
      unsigned char b[kWords * 8];
    } bytes;
    const auto store_pair = [&](std::size_t i) __attribute__((always_inline)) {
      const Pair pair{in[2 * i], in[2 * i + 1]};
      std::memcpy(bytes.b + 16 * i, &pair, 16);
    };
    [&]<std::size_t... I>(std::index_sequence<I...>) __attribute__((always_inline)) {
      (store_pair(I), ...);
    }(std::make_index_sequence<kWords / 2>{});
    if constexpr (kWords % 2) std::memcpy(bytes.b + 8 * (kWords - 1), &in[kWords - 1], 8);
    if constexpr (sizeof(T) == kWords * 8) {
      return std::bit_cast<T>(bytes);
    } else {
      struct Exact {
        unsigned char b[sizeof(T)];
      } exact;
      std::memcpy(exact.b, bytes.b, sizeof(T));
      return std::bit_cast<T>(exact);
    }
  }
  static void to_words(const T& v, std::uint64_t* out) noexcept {
    if constexpr (sizeof(T) == kWords * 8) {
      struct Words {
        std::uint64_t v[kWords];
      };
      const Words words = std::bit_cast<Words>(v);
      for (std::size_t i = 0; i < kWords; ++i) out[i] = words.v[i];
    } else {
      out[kWords - 1] = 0;  // the tail bytes past sizeof(T) stay zero
      std::memcpy(out, &v, sizeof(T));
    }
  }
  T load_relaxed() const noexcept {
    std::uint64_t buf[kWords];
    load_words(buf);
    return from_words(buf);
  }
  void store_relaxed(const T& v) noexcept {
    std::uint64_t buf[kWords];
    to_words(v, buf);
    store_words(buf);
  }
};

// A statistic written by one worker and read by whoever reports. Relaxed
// load+store (not fetch_add): a single writer needs no locked instruction,
// and the atomic type keeps the concurrent reader race-free.
class Counter {
 public:
  void add(std::uint64_t n = 1) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void max_with(std::uint64_t n) noexcept {
    if (n > v_.load(std::memory_order_relaxed)) v_.store(n, std::memory_order_relaxed);
  }
  std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }
  void reset() noexcept { v_.store(0, std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

// on_commit / on_abort callbacks of the unit in flight on one worker. The
// vectors keep their capacity between units, and std::function stores small
// lambdas (a couple of references) inline, so steady state does not allocate.
class UnitHooks {
 public:
  template <class F>
  void on_commit(F&& f) {
    commit_.emplace_back(std::forward<F>(f));
  }
  template <class F>
  void on_abort(F&& f) {
    abort_.emplace_back(std::forward<F>(f));
  }
  // Runs one list, then clears both: a unit's hooks fire at most once.
  void fire_commit() { fire(commit_, abort_); }
  void fire_abort() { fire(abort_, commit_); }
  void clear() noexcept {
    commit_.clear();
    abort_.clear();
  }
  bool empty() const noexcept { return commit_.empty() && abort_.empty(); }

 private:
  // The list is moved out before its hooks run (issue 18, bug 3): a hook
  // may run a unit, and that unit's own run() fires hooks again. Iterating
  // the member itself would then fire this unit's hooks twice (or forever)
  // and destroy a std::function while it runs. Hooks registered while
  // firing (a unit run by a hook that was flattened into this one, on
  // gil/fine) land in the emptied member and are fired by the loop below,
  // once each. The moved-out buffer is handed back afterwards, so steady
  // state still does not allocate.
  static void fire(std::vector<std::function<void()>>& list, std::vector<std::function<void()>>& other) {
    other.clear();
    try {
      fire_all(list);
    } catch (...) {
      list.clear();  // a throwing hook ends the firing; the next unit starts clean
      throw;
    }
  }
  static void fire_all(std::vector<std::function<void()>>& list) {
    while (!list.empty()) {
      std::vector<std::function<void()>> running;
      running.swap(list);
      struct GiveBack {
        std::vector<std::function<void()>>& running;
        std::vector<std::function<void()>>& list;
        ~GiveBack() {
          running.clear();
          if (list.empty() && list.capacity() < running.capacity()) list.swap(running);
        }
      } give_back{running, list};
      for (auto& f : running) f();
    }
  }
  std::vector<std::function<void()>> commit_;
  std::vector<std::function<void()>> abort_;
};

// Runs `fn(unit)`; on success fires the commit hooks, on an exception the
// abort hooks (then rethrows). Used by the backends whose units cannot abort
// internally (gil, fine, snapshot).
template <class Unit, class F>
decltype(auto) run_with_hooks(UnitHooks& hooks, Unit& unit, F& fn) {
  using R = std::invoke_result_t<F&, Unit&>;
  try {
    if constexpr (std::is_void_v<R>) {
      fn(unit);
      hooks.fire_commit();
    } else {
      R r = fn(unit);
      hooks.fire_commit();
      return r;
    }
  } catch (...) {
    hooks.fire_abort();
    throw;
  }
}

// Keeps a worker "attached" to a backend for a batch of units and detaches
// it on scope exit. Only the GIL cares (a worker that stops calling run()
// must not keep the lock); the others' release() is a no-op. A TBB task body
// that runs a range of units should hold one of these.
template <class Backend>
class Session {
 public:
  Session(Backend& b, std::size_t worker) noexcept : b_(b), worker_(worker) {}
  ~Session() { b_.release(worker_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

 private:
  Backend& b_;
  std::size_t worker_;
};

// An int only its owner thread writes, which another thread may read at any
// moment: a watchdog describing a stuck backend (backend_state.hpp). Relaxed
// atomic loads and stores compile to the moves a plain int would (x86-64,
// AArch64), so the owner's hot path pays nothing for being readable.
class OwnedInt {
 public:
  OwnedInt(int v = 0) noexcept : v_(v) {}  // NOLINT: stands in for an int
  operator int() const noexcept { return v_.load(std::memory_order_relaxed); }  // NOLINT: likewise
  OwnedInt& operator=(int v) noexcept {
    v_.store(v, std::memory_order_relaxed);
    return *this;
  }
  OwnedInt& operator++() noexcept { return *this = *this + 1; }
  OwnedInt& operator--() noexcept { return *this = *this - 1; }

 private:
  std::atomic<int> v_;
};

// What every backend keeps per worker: its statistics, the hooks of the
// unit in flight, and how deep in nested run() calls the worker is. A
// backend's Worker derives from it and adds its own state; the alignment
// keeps two workers' counters off one cache line. `depth` and `waiting_on`
// are what a watchdog reads (backend_state.hpp): `waiting_on` is written
// only on the slow paths that already wait (a contended lock).
template <class StatsBlock>
struct alignas(kCacheLine) WorkerBase {
  StatsBlock stats;
  UnitHooks hooks;
  OwnedInt depth;
  // What the worker waits to lock (a cell's conflict subject, or the
  // backend's one lock), 0 when it waits for nothing.
  std::atomic<std::uintptr_t> waiting_on{0};
};

// Marks `worker.waiting_on` for the length of a slow-path wait.
template <class Worker>
class WaitingOn {
 public:
  WaitingOn(Worker& w, const void* subject) noexcept : w_(w) {
    w_.waiting_on.store(reinterpret_cast<std::uintptr_t>(subject), std::memory_order_relaxed);
  }
  ~WaitingOn() { w_.waiting_on.store(0, std::memory_order_relaxed); }
  WaitingOn(const WaitingOn&) = delete;
  WaitingOn& operator=(const WaitingOn&) = delete;

 private:
  Worker& w_;
};

// A backend's workers, one slot each, with their statistics summed and reset
// (accumulate/reset come from TXRAY_SYNC_DEFINE_STATS, found by ADL).
template <class Worker>
class WorkerArray {
 public:
  explicit WorkerArray(std::size_t n) : w_(std::make_unique<Worker[]>(n)), n_(n) {}
  Worker& operator[](std::size_t i) noexcept { return w_[i]; }
  const Worker& operator[](std::size_t i) const noexcept { return w_[i]; }
  std::size_t size() const noexcept { return n_; }
  const Worker* data() const noexcept { return w_.get(); }

  template <class Stats>
  Stats sum_stats() const {
    Stats s;
    for (std::size_t i = 0; i < n_; ++i) accumulate(s, w_[i].stats);
    return s;
  }
  void reset_stats() {
    for (std::size_t i = 0; i < n_; ++i) reset(w_[i].stats);
  }

 private:
  std::unique_ptr<Worker[]> w_;
  std::size_t n_;
};

// The part of a unit that is the same in every backend: it registers
// commit/abort hooks with its worker and knows which worker it runs on.
class UnitBase {
 public:
  template <class F>
  void on_commit(F&& f) {
    hooks_.on_commit(std::forward<F>(f));
  }
  template <class F>
  void on_abort(F&& f) {
    hooks_.on_abort(std::forward<F>(f));
  }
  std::size_t worker() const noexcept { return w_; }

 protected:
  UnitBase(UnitHooks& hooks, std::size_t w) noexcept : hooks_(hooks), w_(w) {}
  UnitHooks& hooks_;
  std::size_t w_;
};

// run() for the backends whose units never abort internally: a nested call
// is part of the enclosing unit; the outermost one calls enter(), runs fn
// with the commit/abort hooks, and on every exit path counts the unit and
// calls leave() (which must not throw: it runs in a destructor).
template <class Worker, class Unit, class F, class Enter, class Leave>
decltype(auto) run_outermost(Worker& me, Unit& unit, F& fn, Enter&& enter, Leave&& leave) {
  if (me.depth > 0) return fn(unit);
  enter();
  me.depth = 1;
  struct End {
    Worker& m;
    Leave& leave;
    ~End() {
      m.depth = 0;
      m.stats.units.add();
      leave();
    }
  } end{me, leave};
  return run_with_hooks(me.hooks, unit, fn);
}

}  // namespace txray::sync

// X-macro helpers: each backend lists its statistics once as
//   X(field, "unit", "label")
// and gets a plain struct, a padded per-worker block of Counters, the sum,
// and for_each_stat() from that one list. The unit is "count" or "ns" (or
// what a histogram bucket counts); the label is what a report shows: a rate
// ("GIL switches/s") for counts, a share of the workers' time ("lock wait
// (%)") for times, or "" for a statistic kept only in the JSON (histogram
// buckets, set sizes). A new statistic is then one line in one file.
#define TXRAY_SYNC_STAT_FIELD(name, unit, label) std::uint64_t name = 0;
#define TXRAY_SYNC_STAT_COUNTER(name, unit, label) ::txray::sync::Counter name;
#define TXRAY_SYNC_STAT_SUM(name, unit, label) out.name += in.name.get();
#define TXRAY_SYNC_STAT_RESET(name, unit, label) in.name.reset();
#define TXRAY_SYNC_STAT_VISIT(name, unit, label) \
  f(::txray::sync::StatInfo{#name, unit, label}, static_cast<double>(s.name));

namespace txray::sync {
// One statistic's declaration, as for_each_stat() hands it over.
struct StatInfo {
  std::string_view name;   ///< the field, as in the JSON
  std::string_view unit;   ///< "count", "ns", ...
  std::string_view label;  ///< the report's name for it; empty: JSON only
};
}  // namespace txray::sync

#define TXRAY_SYNC_DEFINE_STATS(Stats, LIST)                                      \
  struct Stats {                                                                  \
    LIST(TXRAY_SYNC_STAT_FIELD)                                                   \
  };                                                                              \
  struct alignas(::txray::sync::kCacheLine) Stats##Block {                        \
    LIST(TXRAY_SYNC_STAT_COUNTER)                                                 \
  };                                                                              \
  inline void accumulate(Stats& out, const Stats##Block& in) noexcept {           \
    LIST(TXRAY_SYNC_STAT_SUM)                                                     \
  }                                                                               \
  inline void reset(Stats##Block& in) noexcept { LIST(TXRAY_SYNC_STAT_RESET) }    \
  /* Calls f(StatInfo, value) for every statistic, in declaration order. */       \
  template <class F>                                                              \
  void for_each_stat(const Stats& s, F&& f) {                                     \
    LIST(TXRAY_SYNC_STAT_VISIT)                                                   \
  }
