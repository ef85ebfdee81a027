// Test tools at the backends' synchronisation points (issue 13): a seeded
// random schedule (the `chaos` preset) and a fault-injection switch.
// Standard library only, like the rest of concurrency/.
//
// Every backend calls TXRAY_SYNC_POINT(kind) at each of its synchronisation
// points: a read barrier, a write (write, update, commute_add), a commit, a
// lock acquire and release, a GIL drop request, a publish. What the call
// does depends on the build:
//
//   release (NDEBUG, no TXRAY_CHAOS)  nothing: the macro is ((void)0), no
//                                     symbol, no load, no branch
//   debug, asan, tsan                 fault injection only, at read and
//                                     write points: one relaxed load of a
//                                     global countdown, a branch not taken
//   chaos (-DTXRAY_CHAOS=ON)          faults, plus the random schedule at
//                                     every point
//
// The schedule. PCT (Burckhardt et al., "A randomized scheduler with
// probabilistic guarantees of finding bugs", ASPLOS 2010) runs one thread at
// a time, by priority, and lowers the running thread's priority at d-1
// random steps; a bug that needs d orderings to line up is then found with
// probability at least 1/(n k^(d-1)). txray's threads are OS threads on a
// few cores, so there is no scheduler to own; the schedule here is PCT's
// shape made into delays: each thread draws a priority (how often it is
// held back at a point, from 1 in 1024 to 1 in 4) and three change points
// (steps at which it drops to the lowest priority), and a held-back thread
// yields (or, one time in eight, sleeps a few microseconds), which lets the others run past it
// right at that synchronisation point. A plain uniform delay would treat
// every thread alike and rarely starve one for long; the priorities make
// some threads run far ahead of others, which is where orderings that the
// OS seldom produces (a committer preempted between lock and validate, a
// GIL holder asleep at a drop request) come from. stmgc's random tests
// (c8/test/test_random.py) take the other route, a deterministic scheduler
// over explicit transaction objects; txray's backends run on real threads,
// so this keeps their code as it is and perturbs it instead.
//
// Seeds. One global seed (TXRAY_CHAOS_SEED, default 1, or chaos::set_seed)
// seeds a per-thread generator: the k-th thread to reach a point after the
// seed was set gets stream k. The same seed therefore replays the same
// per-thread decisions; the OS still chooses which thread is k-th and when
// it runs, so a replay reproduces the pressure, usually the failure, not the
// exact interleaving.
//
// Faults. fault::arm(kind, n) makes the n-th unit access (read or write
// point, any thread) from now throw fault::Injected (a std::runtime_error,
// as a user's code would) or std::bad_alloc (as a failed allocation in a
// write log would). The throw happens at the access's entry, before the
// backend has touched anything, so what it tests is the unit's exit path:
// every lock, token and GIL given back, and, for the backends that roll
// back, nothing of the unit applied.
#pragma once

#include <atomic>
#include <cstdint>
#include <new>
#include <stdexcept>

#if defined(TXRAY_CHAOS)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#endif

#if !defined(NDEBUG) || defined(TXRAY_CHAOS)
#define TXRAY_SYNC_FAULTS 1
#endif

namespace txray::sync {

// The kinds of synchronisation point (a unit access first: read, write).
enum class SyncPoint : std::uint8_t {
  read,          // a read barrier / a cell read inside a unit
  write,         // write, update, commute_add inside a unit
  commit,        // a unit's commit (stm validation and write-back, itm end)
  lock_acquire,  // a lock, token or GIL about to be taken
  lock_release,  // one just given back
  drop_request,  // the GIL: a drop request made or answered, a yield to waiters
  publish,       // a new version made visible (snapshot frame, rcu pointer)
};
inline constexpr int kSyncPointKinds = 7;

namespace fault {

enum class Kind : std::uint8_t {
  user,       // fault::Injected, a std::runtime_error
  bad_alloc,  // std::bad_alloc
};

// What a user exception injected by arm() looks like.
struct Injected : std::runtime_error {
  Injected() : std::runtime_error("txray: injected fault") {}
};

#if defined(TXRAY_SYNC_FAULTS)
inline constexpr bool kAvailable = true;

namespace detail {
struct State {
  std::atomic<std::int64_t> countdown{0};  // > 0: armed; the access that takes it to 0 throws
  std::atomic<std::uint8_t> kind{0};
  std::atomic<std::uint64_t> fired{0};
};
inline State state;

[[gnu::noinline]] inline void fire() {
  State& s = state;
  if (s.countdown.fetch_sub(1, std::memory_order_relaxed) != 1) return;
  s.fired.fetch_add(1, std::memory_order_relaxed);
  if (static_cast<Kind>(s.kind.load(std::memory_order_relaxed)) == Kind::bad_alloc) throw std::bad_alloc();
  throw Injected();
}

inline void access() {
  if (state.countdown.load(std::memory_order_relaxed) > 0) [[unlikely]]
    fire();
}
}  // namespace detail

// The `n`-th unit access from now (n >= 1), on whichever thread makes it,
// throws `kind`; one fault per arm().
inline void arm(Kind kind, std::uint64_t n) noexcept {
  detail::state.kind.store(static_cast<std::uint8_t>(kind), std::memory_order_relaxed);
  detail::state.countdown.store(static_cast<std::int64_t>(n == 0 ? 1 : n), std::memory_order_relaxed);
}
inline void disarm() noexcept { detail::state.countdown.store(0, std::memory_order_relaxed); }
// Whether the armed fault is still to come.
inline bool armed() noexcept { return detail::state.countdown.load(std::memory_order_relaxed) > 0; }
// Faults thrown since the process started.
inline std::uint64_t fired() noexcept { return detail::state.fired.load(std::memory_order_relaxed); }
#else
inline constexpr bool kAvailable = false;
#endif

}  // namespace fault

namespace chaos {

#if defined(TXRAY_CHAOS)
inline constexpr bool kEnabled = true;

namespace detail {

struct Global {
  std::atomic<std::uint64_t> seed{1};
  std::atomic<std::uint32_t> generation{1};  // bumped by set_seed: threads redraw their state
  std::atomic<std::uint32_t> next_thread{0};
  std::atomic<std::uint64_t> hits[kSyncPointKinds] = {};
  std::atomic<std::uint64_t> delays{0};

  Global() {
    // A bad seed is bad input: one line naming it, exit 2 (this runs on the
    // first synchronisation point, before any unit did anything).
    if (const char* env = std::getenv("TXRAY_CHAOS_SEED")) {
      char* end = nullptr;
      const unsigned long long v = std::strtoull(env, &end, 10);
      if (*env == '\0' || *env == '-' || end == nullptr || *end != '\0') {
        std::fprintf(stderr, "TXRAY_CHAOS_SEED: not a seed (a non-negative integer): '%s'\n", env);
        std::exit(2);
      }
      seed.store(v, std::memory_order_relaxed);
    }
  }
};
inline Global& global() {
  static Global g;
  return g;
}

inline std::uint64_t splitmix(std::uint64_t& s) noexcept {
  std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// One thread's schedule: its generator, priority and PCT change points.
struct ThreadState {
  std::uint32_t generation = 0;
  std::uint32_t priority = 0;  // 0 (rarely held back) .. kLowest (often)
  std::uint64_t rng = 0;
  std::uint64_t step = 0;
  std::uint64_t change[3] = {};
};
inline constexpr std::uint32_t kLowest = 3;
// A thread of priority p is held back at a point with probability 2^-kShift[p].
inline constexpr std::uint32_t kShift[kLowest + 1] = {10, 7, 4, 2};
// Change points fall within a thread's first 2^kChangeSpan points: a
// contract test's thread reaches a few thousand.
inline constexpr std::uint32_t kChangeSpan = 12;

inline thread_local ThreadState self;

[[gnu::noinline]] inline void start_thread(ThreadState& t, Global& g, std::uint32_t generation) noexcept {
  const std::uint64_t k = g.next_thread.fetch_add(1, std::memory_order_relaxed);
  t = ThreadState{};
  t.generation = generation;
  t.rng = g.seed.load(std::memory_order_relaxed) * 0xD1B54A32D192ED03ull + k * 0x9E3779B97F4A7C15ull + 1;
  t.priority = static_cast<std::uint32_t>(splitmix(t.rng) % (kLowest + 1));
  for (auto& c : t.change) c = 1 + splitmix(t.rng) % (1ull << kChangeSpan);
}

[[gnu::noinline]] inline void hold_back(std::uint64_t r) noexcept {
  global().delays.fetch_add(1, std::memory_order_relaxed);
  // Mostly yields; one in eight a sleep, which Linux stretches to tens of
  // microseconds (timer slack): long enough for another thread to run a
  // whole unit, rare enough that a seed stays short.
  if ((r >> 32) % 8 != 0) {
    std::this_thread::yield();
  } else {
    std::this_thread::sleep_for(std::chrono::microseconds(1 + (r >> 40) % 10));
  }
}

inline void point(SyncPoint kind) noexcept {
  Global& g = global();
  g.hits[static_cast<int>(kind)].fetch_add(1, std::memory_order_relaxed);
  ThreadState& t = self;
  const std::uint32_t generation = g.generation.load(std::memory_order_relaxed);
  if (t.generation != generation) [[unlikely]]
    start_thread(t, g, generation);
  ++t.step;
  for (const std::uint64_t c : t.change)
    if (t.step == c) t.priority = kLowest;  // PCT's priority change
  const std::uint64_t r = splitmix(t.rng);
  if ((r & ((1ull << kShift[t.priority]) - 1)) == 0) hold_back(r);
}

}  // namespace detail

// Sets the seed and restarts every thread's stream (the next thread to
// reach a point is thread 0 again): call it between runs, not during one.
inline void set_seed(std::uint64_t seed) noexcept {
  detail::Global& g = detail::global();
  g.seed.store(seed, std::memory_order_relaxed);
  g.next_thread.store(0, std::memory_order_relaxed);
  g.generation.fetch_add(1, std::memory_order_relaxed);
}
inline std::uint64_t seed() noexcept { return detail::global().seed.load(std::memory_order_relaxed); }
// How many times a kind of point was reached, and how many points held a thread back.
inline std::uint64_t hits(SyncPoint kind) noexcept {
  return detail::global().hits[static_cast<int>(kind)].load(std::memory_order_relaxed);
}
inline std::uint64_t delays() noexcept { return detail::global().delays.load(std::memory_order_relaxed); }
#else
inline constexpr bool kEnabled = false;
#endif

}  // namespace chaos

namespace sync_point_detail {
// The hook itself. Read and write points are unit accesses: they may throw
// an injected fault, so they are only called where an exception may leave
// (never in a destructor or a noexcept function). The other kinds never
// throw.
template <SyncPoint kKind>
inline void hit() noexcept(kKind != SyncPoint::read && kKind != SyncPoint::write) {
#if defined(TXRAY_CHAOS)
  chaos::detail::point(kKind);
#endif
#if defined(TXRAY_SYNC_FAULTS)
  if constexpr (kKind == SyncPoint::read || kKind == SyncPoint::write) fault::detail::access();
#endif
}
}  // namespace sync_point_detail

}  // namespace txray::sync

#if defined(TXRAY_SYNC_FAULTS)
#define TXRAY_SYNC_POINT(kind) ::txray::sync::sync_point_detail::hit<::txray::sync::SyncPoint::kind>()
#else
#define TXRAY_SYNC_POINT(kind) ((void)0)
#endif
