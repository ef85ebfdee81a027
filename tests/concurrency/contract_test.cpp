// The contract suite: one typed suite over every backend, driven by each
// backend's guarantee constants (kAtomicUnits, kConsistentReads,
// kRollsBack, kExclusiveInevitable). A test whose guarantee a backend does
// not declare is skipped for it, by name, so the list of what a backend
// promises and the list of what is checked are the same list.
//
//   for all           no lost update through update(); commute_add totals;
//                     bank transfers through update(a, b) conserve money;
//                     io() runs exactly once per committed unit; hooks
//   kAtomicUnits      plain read/write transfers conserve money, audits
//                     inside units see the total; write skew cannot happen
//   kConsistentReads  opacity: no unit sees two cells from different states
//   kRollsBack        a unit that writes and then throws leaves nothing
//   kExclusiveInevitable  no two units are inside io() at once
//
// Each test runs at 2, 4 and 8 threads (more than the machine's cores, so
// preemption lands inside units).
//
// Adding a backend is one line: its type in ContractBackends below (see
// docs/adding-a-backend.md; example_backend.hpp is the guide's example and
// is tested here like the others).
//
// ThreadSanitizer: the rwlock-queuing backend is left out of the TSan build.
// tbb::queuing_rw_mutex acquires and releases inside libtbb, which is not
// instrumented, so TSan sees the cell accesses the lock orders but not the
// lock, and reports races that are not there. (tbb::spin_rw_mutex is
// header-only and std::shared_mutex is pthread_rwlock, which TSan
// intercepts: both stay.) itm is left out too: libitm is an uninstrumented
// library doing its own locking (orecs, a global lock, serial mode), none of
// which TSan sees. rcu stays: rcu_backend.hpp tells TSan about
// liburcu's grace periods, which it cannot see by itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "concurrency/library_backends.hpp"
#include "example_backend.hpp"
#include "pypy_gil_backend.hpp"

namespace txray::sync::contract {
namespace {

#if defined(__SANITIZE_THREAD__)
#define TXRAY_CONTRACT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TXRAY_CONTRACT_TSAN 1
#endif
#endif

#if defined(TXRAY_CONTRACT_TSAN)
constexpr int kSlowdown = 10;
#elif defined(__SANITIZE_ADDRESS__)
constexpr int kSlowdown = 3;
#else
constexpr int kSlowdown = 1;
#endif
constexpr int scaled(int n) { return std::max(1, n / kSlowdown); }

// ---- The one list: every backend the suite checks ----
using ContractBackends = ::testing::Types<
    GilBackend, PypyGilBackend, FineBackend, StmBackend, SnapshotBackend,  // txray's own models
    MutexBackend, RwLockSpinBackend, RwLockStdBackend,     // issue 12: real libraries
#if !defined(TXRAY_CONTRACT_TSAN)
    RwLockQueuingBackend,  // not under TSan: see the top of the file
#endif
    RcuBackend,
#if defined(TXRAY_HAVE_ITM) && !defined(TXRAY_CONTRACT_TSAN)
    ItmBackend,  // not under TSan: see the top of the file
#endif
    ExampleSpinBackend>;  // docs/adding-a-backend.md

struct ContractName {
  template <class B>
  static std::string GetName(int) {
    std::string s(B::kName);
    std::replace(s.begin(), s.end(), '-', '_');
    return s;
  }
};

constexpr std::size_t kThreadCounts[] = {2, 4, 8};

template <class B>
typename B::Options options() {
  typename B::Options o{};
  if constexpr (std::is_base_of_v<GilBackend, B>) {
    o.switch_interval = std::chrono::microseconds(200);
    o.check_interval = 1;  // pypy: a periodic action every 100 unit boundaries, not every million
  }
  return o;
}

// `rounds` frames of `threads` workers, each holding a Session, with
// publish() at every frame boundary as the renderer does.
template <class B, class F>
void run_rounds(B& backend, std::size_t threads, int rounds, F&& body) {
  for (int r = 0; r < rounds; ++r) {
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (std::size_t w = 0; w < threads; ++w)
      pool.emplace_back([&, w] {
        Session<B> session(backend, w);
        body(w, r);
      });
    for (auto& t : pool) t.join();
    backend.publish();
  }
}

// On two cores a unit is rarely preempted mid-way; yielding inside some
// units puts other workers right there.
inline void interleave(std::uint64_t i, std::uint64_t every = 16) {
  if (i % every == 0) std::this_thread::yield();
}

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

template <class B>
class Contract : public ::testing::Test {};
TYPED_TEST_SUITE(Contract, ContractBackends, ContractName);

// ---- For every backend ----

TYPED_TEST(Contract, UpdateLosesNoIncrement) {
  using B = TypeParam;
  for (std::size_t threads : kThreadCounts) {
    B backend(threads, options<B>());
    typename B::template Cell<std::int64_t> counter{0};
    const int units = scaled(3000);
    run_rounds(backend, threads, 2, [&](std::size_t w, int) {
      for (int i = 0; i < units; ++i)
        backend.run(w, [&](typename B::Unit& tx) {
          interleave(static_cast<std::uint64_t>(i) + w);
          tx.update(counter, [](std::int64_t& v) { ++v; });
        });
    });
    EXPECT_EQ(counter.unsafe_load(), static_cast<std::int64_t>(2 * threads) * units) << threads << " threads";
  }
}

TYPED_TEST(Contract, CommuteAddTotals) {
  using B = TypeParam;
  for (std::size_t threads : kThreadCounts) {
    B backend(threads, options<B>());
    typename B::template Cell<std::uint64_t> counter{0};
    typename B::template Cell<double> sum{0.0};
    const int units = scaled(3000);
    run_rounds(backend, threads, 2, [&](std::size_t w, int) {
      for (int i = 0; i < units; ++i)
        backend.run(w, [&](typename B::Unit& tx) {
          tx.commute_add(counter, std::uint64_t{3});
          tx.commute_add(sum, 0.5);  // exact in binary
        });
    });
    const auto n = static_cast<std::uint64_t>(2 * threads) * static_cast<std::uint64_t>(units);
    EXPECT_EQ(counter.unsafe_load(), 3 * n) << threads << " threads";
    EXPECT_EQ(sum.unsafe_load(), 0.5 * static_cast<double>(n)) << threads << " threads";
  }
}

// Transfers through update(a, b) conserve money on every backend; audits
// inside units see the total only where a unit's reads are consistent.
TYPED_TEST(Contract, BankTransfersWithUpdateConserveMoney) {
  using B = TypeParam;
  constexpr std::size_t kAccounts = 24;
  constexpr std::int64_t kInitial = 1000;
  for (std::size_t threads : kThreadCounts) {
    B backend(threads, options<B>());
    auto accounts = std::make_unique<typename B::template Cell<std::int64_t>[]>(kAccounts);
    for (std::size_t i = 0; i < kAccounts; ++i) accounts[i].unsafe_store(kInitial);
    std::atomic<int> audits{0}, wrong_audits{0};
    run_rounds(backend, threads, 3, [&](std::size_t w, int r) {
      Rng rng(w * 1009 + static_cast<std::uint64_t>(r));
      for (int i = 0; i < scaled(1500); ++i) {
        if (rng.below(8) == 0) {
          const std::int64_t total = backend.run(w, [&](typename B::Unit& tx) {
            std::int64_t s = 0;
            for (std::size_t k = 0; k < kAccounts; ++k) {
              s += tx.read(accounts[k]);
              if (k == kAccounts / 2) interleave(rng.s, 4);
            }
            return s;
          });
          audits.fetch_add(1);
          if (total != static_cast<std::int64_t>(kAccounts) * kInitial) wrong_audits.fetch_add(1);
          continue;
        }
        const std::size_t from = rng.below(kAccounts), to = rng.below(kAccounts);
        const auto amount = static_cast<std::int64_t>(rng.below(50)) + 1;
        backend.run(w, [&](typename B::Unit& tx) {
          interleave(static_cast<std::uint64_t>(amount));
          tx.update(accounts[from], accounts[to], [&](std::int64_t& a, std::int64_t& b) {
            a -= amount;
            b += amount;
          });
        });
      }
    });
    std::int64_t total = 0;
    for (std::size_t k = 0; k < kAccounts; ++k) total += accounts[k].unsafe_load();
    EXPECT_EQ(total, static_cast<std::int64_t>(kAccounts) * kInitial) << threads << " threads";
    EXPECT_GT(audits.load(), 0);
    if constexpr (B::kConsistentReads) {
      EXPECT_EQ(wrong_audits.load(), 0) << threads << " threads";
    }
  }
}

// io() runs exactly once per committed unit (never again on a retry), and
// on_commit once per unit; where inevitable units are exclusive, no two
// are inside io() at once.
TYPED_TEST(Contract, IoRunsOncePerCommittedUnit) {
  using B = TypeParam;
  for (std::size_t threads : kThreadCounts) {
    B backend(threads, options<B>());
    typename B::template Cell<std::int64_t> a{0}, b{0};
    std::atomic<int> io_calls{0}, commits{0}, in_io{0}, overlaps{0}, io_units{0};
    run_rounds(backend, threads, 2, [&](std::size_t w, int r) {
      Rng rng(w * 31 + static_cast<std::uint64_t>(r));
      for (int i = 0; i < scaled(600); ++i) {
        const bool log = rng.below(4) == 0;
        if (log) io_units.fetch_add(1);
        backend.run(w, [&](typename B::Unit& tx) {
          tx.on_commit([&] { commits.fetch_add(1); });
          (void)tx.read(a);
          if (log)
            tx.io([&] {
              if (in_io.fetch_add(1) != 0) overlaps.fetch_add(1);
              io_calls.fetch_add(1);
              std::this_thread::yield();
              in_io.fetch_sub(1);
            });
          tx.update(a, b, [](std::int64_t& x, std::int64_t& y) {
            ++x;
            --y;
          });
        });
      }
    });
    EXPECT_EQ(io_calls.load(), io_units.load()) << threads << " threads";
    EXPECT_EQ(commits.load(), static_cast<int>(2 * threads) * scaled(600)) << threads << " threads";
    EXPECT_EQ(a.unsafe_load() + b.unsafe_load(), 0);
    if constexpr (B::kExclusiveInevitable) {
      EXPECT_EQ(overlaps.load(), 0) << threads << " threads";
    }
  }
}

TYPED_TEST(Contract, ThrowRunsAbortHooksAndPropagates) {
  using B = TypeParam;
  B backend(1, options<B>());
  Session<B> session(backend, 0);
  int commits = 0, aborts = 0;
  EXPECT_THROW(backend.run(0,
                           [&](typename B::Unit& tx) {
                             tx.on_commit([&] { ++commits; });
                             tx.on_abort([&] { ++aborts; });
                             throw std::runtime_error("user");
                           }),
               std::runtime_error);
  EXPECT_EQ(commits, 0);
  EXPECT_EQ(aborts, 1);
  EXPECT_EQ(backend.run(0, [&](typename B::Unit& tx) {
    tx.on_commit([&] { ++commits; });
    return 7;
  }), 7);
  EXPECT_EQ(commits, 1);
}

// ---- kRollsBack ----

TYPED_TEST(Contract, ThrowingUnitLeavesNothing) {
  using B = TypeParam;
  if constexpr (!B::kRollsBack) {
    GTEST_SKIP() << B::kName << " does not declare kRollsBack";
  } else {
    for (std::size_t threads : kThreadCounts) {
      B backend(threads, options<B>());
      typename B::template Cell<std::int64_t> x{0}, y{0};
      run_rounds(backend, threads, 2, [&](std::size_t w, int) {
        for (int i = 0; i < scaled(800); ++i) {
          const bool fail = (i + static_cast<int>(w)) % 3 == 0;
          try {
            backend.run(w, [&](typename B::Unit& tx) {
              tx.write(x, tx.read(x) + 1);
              interleave(static_cast<std::uint64_t>(i), 8);
              if (fail) throw std::runtime_error("after a write");
              tx.write(y, tx.read(y) - 1);
            });
          } catch (const std::runtime_error&) {
          }
        }
      });
      EXPECT_EQ(x.unsafe_load() + y.unsafe_load(), 0) << threads << " threads";
      EXPECT_GT(x.unsafe_load(), 0);
    }
  }
}

// ---- kAtomicUnits ----

TYPED_TEST(Contract, AtomicUnitsReadWriteTransfersAndAudits) {
  using B = TypeParam;
  if constexpr (!B::kAtomicUnits) {
    GTEST_SKIP() << B::kName << " does not declare kAtomicUnits";
  } else {
    constexpr std::size_t kAccounts = 16;
    for (std::size_t threads : kThreadCounts) {
      B backend(threads, options<B>());
      auto accounts = std::make_unique<typename B::template Cell<std::int64_t>[]>(kAccounts);
      for (std::size_t i = 0; i < kAccounts; ++i) accounts[i].unsafe_store(100);
      std::atomic<int> wrong_audits{0};
      run_rounds(backend, threads, 3, [&](std::size_t w, int r) {
        Rng rng(w * 7919 + static_cast<std::uint64_t>(r));
        for (int i = 0; i < scaled(1500); ++i) {
          const std::size_t from = rng.below(kAccounts), to = rng.below(kAccounts);
          const bool audit = rng.below(6) == 0;
          backend.run(w, [&](typename B::Unit& tx) {
            if (audit) {
              std::int64_t s = 0;
              for (std::size_t k = 0; k < kAccounts; ++k) s += tx.read(accounts[k]);
              if (s != 100 * static_cast<std::int64_t>(kAccounts)) wrong_audits.fetch_add(1);
            }
            const std::int64_t x = tx.read(accounts[from]);
            interleave(static_cast<std::uint64_t>(i), 8);
            tx.write(accounts[from], x - 1);
            const std::int64_t y = tx.read(accounts[to]);  // from == to reads its own write
            tx.write(accounts[to], y + 1);
          });
        }
      });
      std::int64_t total = 0;
      for (std::size_t k = 0; k < kAccounts; ++k) total += accounts[k].unsafe_load();
      EXPECT_EQ(total, 100 * static_cast<std::int64_t>(kAccounts)) << threads << " threads";
      EXPECT_EQ(wrong_audits.load(), 0) << threads << " threads";
    }
  }
}

// Two doctors on call; each unit takes one off call if the other is still
// on. Serializable units keep at least one on call; snapshot isolation
// would not.
TYPED_TEST(Contract, AtomicUnitsPreventWriteSkew) {
  using B = TypeParam;
  if constexpr (!B::kAtomicUnits) {
    GTEST_SKIP() << B::kName << " does not declare kAtomicUnits";
  } else {
    for (std::size_t threads : kThreadCounts) {
      B backend(threads, options<B>());
      typename B::template Cell<int> on_call[2] = {typename B::template Cell<int>{1},
                                                     typename B::template Cell<int>{1}};
      std::atomic<int> broken{0};
      for (int round = 0; round < scaled(300); ++round) {
        on_call[0].unsafe_store(1);
        on_call[1].unsafe_store(1);
        run_rounds(backend, threads, 1, [&](std::size_t w, int) {
          const std::size_t me = w % 2;
          backend.run(w, [&](typename B::Unit& tx) {
            const int other = tx.read(on_call[1 - me]);
            std::this_thread::yield();
            if (other == 1 && tx.read(on_call[me]) == 1) tx.write(on_call[me], 0);
          });
        });
        if (on_call[0].unsafe_load() + on_call[1].unsafe_load() < 1) broken.fetch_add(1);
      }
      EXPECT_EQ(broken.load(), 0) << threads << " threads";
    }
  }
}

// ---- kConsistentReads ----

// Writers keep x + y == 0 with update(x, y); readers read x, let others
// run, read y. A unit whose reads are consistent never sees x + y != 0.
TYPED_TEST(Contract, ConsistentReadsAreOpaque) {
  using B = TypeParam;
  if constexpr (!B::kConsistentReads) {
    GTEST_SKIP() << B::kName << " does not declare kConsistentReads";
  } else {
    for (std::size_t threads : kThreadCounts) {
      B backend(threads, options<B>());
      typename B::template Cell<std::int64_t> x{0}, y{0};
      std::atomic<int> violations{0};
      run_rounds(backend, threads, 4, [&](std::size_t w, int r) {
        Rng rng(w + 31 * static_cast<std::uint64_t>(r));
        for (int i = 0; i < scaled(1500); ++i) {
          if (w % 2 == 0) {
            const auto d = static_cast<std::int64_t>(rng.below(100)) + 1;
            backend.run(w, [&](typename B::Unit& tx) {
              tx.update(x, y, [&](std::int64_t& a, std::int64_t& b) {
                a += d;
                b -= d;
              });
            });
          } else {
            const std::int64_t s = backend.run(w, [&](typename B::Unit& tx) {
              const std::int64_t a = tx.read(x);
              interleave(static_cast<std::uint64_t>(i), 4);
              return a + tx.read(y);
            });
            if (s != 0) violations.fetch_add(1);
          }
        }
      });
      EXPECT_EQ(violations.load(), 0) << threads << " threads";
      EXPECT_EQ(x.unsafe_load() + y.unsafe_load(), 0);
    }
  }
}

// A payload of several words is never torn, on any backend: every write
// stores a value whose words all agree.
TYPED_TEST(Contract, ReadsAreNeverTorn) {
  using B = TypeParam;
  struct Wide {
    std::uint64_t w[6];
  };
  for (std::size_t threads : kThreadCounts) {
    B backend(threads, options<B>());
    typename B::template Cell<Wide> cell{Wide{}};
    std::atomic<int> torn{0};
    run_rounds(backend, threads, 2, [&](std::size_t w, int) {
      for (int i = 0; i < scaled(3000); ++i) {
        if (w == 0 || i % 8 == 0) {
          Wide v;
          for (auto& word : v.w) word = static_cast<std::uint64_t>(i) * 0x0101010101010101ull + w;
          backend.run(w, [&](typename B::Unit& tx) { tx.write(cell, v); });
        } else {
          const Wide v = backend.run(w, [&](typename B::Unit& tx) { return tx.read(cell); });
          for (auto word : v.w)
            if (word != v.w[0]) torn.fetch_add(1);
        }
      }
    });
    EXPECT_EQ(torn.load(), 0) << threads << " threads";
  }
}

}  // namespace
}  // namespace txray::sync::contract
