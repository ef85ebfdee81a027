// Shared by the concurrency tests: backend lists for typed tests, a thread
// driver that holds a Session per worker and publishes between rounds, and
// iteration scaling for the sanitizer builds.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "concurrency/backends.hpp"
#include "pypy_gil_backend.hpp"

namespace txray::sync::test {

#if defined(__SANITIZE_THREAD__)
inline constexpr int kSlowdown = 10;
#elif defined(__SANITIZE_ADDRESS__)
inline constexpr int kSlowdown = 3;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr int kSlowdown = 10;
#elif __has_feature(address_sanitizer)
inline constexpr int kSlowdown = 3;
#else
inline constexpr int kSlowdown = 1;
#endif
#else
inline constexpr int kSlowdown = 1;
#endif

// Iteration counts are written for the debug build; sanitizers run fewer.
constexpr int scaled(int n) { return std::max(1, n / kSlowdown); }

// More threads than the machine's two cores, so preemption lands inside
// units and commits too.
inline constexpr std::size_t kThreads = 4;

using AllBackends = ::testing::Types<GilBackend, PypyGilBackend, FineBackend, StmBackend, SnapshotBackend>;
// A unit is atomic (serializable): gil, stm.
using AtomicBackends = ::testing::Types<GilBackend, PypyGilBackend, StmBackend>;
// A unit's reads come from one consistent state: gil, stm, snapshot.
using ConsistentBackends = ::testing::Types<GilBackend, PypyGilBackend, StmBackend, SnapshotBackend>;

struct BackendName {
  template <class B>
  static std::string GetName(int) {
    return std::string(B::kName);
  }
};

// Test options: a short GIL switch interval and check interval, so
// hand-overs happen often.
template <class B>
typename B::Options test_options() {
  typename B::Options o{};
  if constexpr (std::is_base_of_v<GilBackend, B>) {
    o.switch_interval = std::chrono::microseconds(200);
    o.check_interval = 1;  // pypy: a periodic action every 100 unit boundaries, not every million
  }
  return o;
}

template <class F>
void run_threads(std::size_t n, F&& f) {
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (std::size_t i = 0; i < n; ++i) threads.emplace_back([&f, i] { f(i); });
  for (auto& t : threads) t.join();
}

// `rounds` frames of `threads` workers each calling body(worker, round);
// publish() at every frame boundary, as the renderer will.
template <class B, class F>
void run_rounds(B& backend, std::size_t threads, int rounds, F&& body) {
  for (int r = 0; r < rounds; ++r) {
    run_threads(threads, [&](std::size_t w) {
      Session<B> session(backend, w);
      body(w, r);
    });
    backend.publish();
  }
}

// On two cores a unit is rarely preempted between its reads and its
// commit, so conflicts would be rare; yielding inside some units makes
// other workers run right there, where conflicts and zombies live.
inline void interleave(std::uint64_t i, std::uint64_t every = 16) {
  if (i % every == 0) std::this_thread::yield();
}

// Deterministic per-thread generator (tests must not depend on the seed,
// only on invariants).
struct Rng {
  std::uint64_t s;
  explicit Rng(std::uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
};

// Waits for a condition another thread must bring about; fails the test
// instead of hanging if it never does. A liveness bound, not a timing claim.
template <class P>
bool eventually(P pred, std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::yield();
  }
  return true;
}

// Did the run the test just made actually contend? A test of an invariant
// under concurrency proves little if the threads never met. What "met"
// means depends on the backend: stm units aborted, the GIL changed hands,
// fine/snapshot units ran at the same time (Overlap below).
struct Overlap {
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  // RAII: one unit attempt in progress.
  struct In {
    Overlap& o;
    explicit In(Overlap& ov) : o(ov) {
      const int now = o.inside.fetch_add(1) + 1;
      int m = o.most.load();
      while (now > m && !o.most.compare_exchange_weak(m, now)) {
      }
    }
    ~In() { o.inside.fetch_sub(1); }
    In(const In&) = delete;
    In& operator=(const In&) = delete;
  };
};

template <class B>
std::uint64_t stm_aborts(const B& backend) {
  const auto s = backend.stats();
  return s.aborts_locked_on_read + s.aborts_validate_read + s.aborts_lock_fail_commit + s.aborts_validate_commit +
         s.aborts_explicit + s.aborts_upgrade;
}

// stm: some attempt aborted on a conflict (not an upgrade); gil: the lock
// changed hands between workers; others: two units were inside at once.
template <class B>
bool contended(const B& backend, const Overlap& overlap) {
  if constexpr (std::is_same_v<B, StmBackend>) {
    const auto s = backend.stats();
    return s.aborts_locked_on_read + s.aborts_validate_read + s.aborts_lock_fail_commit + s.aborts_validate_commit > 0;
  } else if constexpr (std::is_base_of_v<GilBackend, B>) {
    return backend.stats().switches > 1;
  } else {
    return overlap.most.load() >= 2;
  }
}

// Runs `attempt()` (which builds its own backend, checks its invariants and
// returns whether it contended) until one run contended, at most `tries`
// times. The invariants are checked on every run; the contention claim
// fails only if no run ever contended.
template <class F>
bool until_contended(F attempt, int tries = 5) {
  for (int i = 0; i < tries; ++i)
    if (attempt()) return true;
  return false;
}

}  // namespace txray::sync::test
