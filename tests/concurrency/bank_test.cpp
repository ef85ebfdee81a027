// Bank: concurrent transfers and read-all units. Money is conserved at the
// end for every backend, and inside every read-all unit for the backends
// whose units read one consistent state.
#include <atomic>
#include <memory>

#include "test_support.hpp"

namespace txray::sync::test {
namespace {

constexpr std::size_t kAccounts = 32;
constexpr std::int64_t kInitial = 1000;

template <class B>
struct Bank {
  B backend{kThreads, test_options<B>()};
  std::unique_ptr<typename B::template Cell<std::int64_t>[]> accounts =
      std::make_unique<typename B::template Cell<std::int64_t>[]>(kAccounts);
  std::atomic<int> violations{0};
  std::atomic<int> audits{0};
  Overlap overlap;

  Bank() {
    for (std::size_t i = 0; i < kAccounts; ++i) accounts[i].unsafe_store(kInitial);
  }
  std::int64_t final_total() const {
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < kAccounts; ++i) sum += accounts[i].unsafe_load();
    return sum;
  }
  // One unit: a transfer, or (one in eight) an audit of every account.
  template <class Transfer>
  void step(std::size_t w, Rng& rng, Transfer transfer) {
    if (rng.below(8) == 0) {
      const std::int64_t total = backend.run(w, [&](typename B::Unit& tx) {
        Overlap::In in(overlap);
        std::int64_t sum = 0;
        for (std::size_t i = 0; i < kAccounts; ++i) {
          sum += tx.read(accounts[i]);
          if (i == kAccounts / 2) interleave(rng.s, 4);
        }
        return sum;
      });
      audits.fetch_add(1, std::memory_order_relaxed);
      if constexpr (B::kConsistentReads)
        if (total != static_cast<std::int64_t>(kAccounts) * kInitial) violations.fetch_add(1);
      return;
    }
    const std::size_t from = rng.below(kAccounts), to = rng.below(kAccounts);
    const std::int64_t amount = static_cast<std::int64_t>(rng.below(50)) + 1;
    backend.run(w, [&](typename B::Unit& tx) {
      Overlap::In in(overlap);
      interleave(static_cast<std::uint64_t>(amount));
      transfer(tx, accounts[from], accounts[to], amount);
    });
  }
};

template <class B>
class BankTest : public ::testing::Test {};
TYPED_TEST_SUITE(BankTest, AllBackends, BackendName);

// Returns whether the run contended (test_support.hpp: contended()).
template <class B>
bool bank_with_update(int rounds, int units) {
  Bank<B> bank;
  run_rounds(bank.backend, kThreads, rounds, [&](std::size_t w, int r) {
    Rng rng(w * 1000 + static_cast<std::uint64_t>(r));
    for (int i = 0; i < units; ++i)
      bank.step(w, rng, [](auto& tx, auto& a, auto& b, std::int64_t amount) {
        tx.update(a, b, [&](std::int64_t& x, std::int64_t& y) {
          x -= amount;
          y += amount;
        });
      });
  });
  EXPECT_EQ(bank.final_total(), static_cast<std::int64_t>(kAccounts) * kInitial);
  EXPECT_EQ(bank.violations.load(), 0) << "of " << bank.audits.load() << " audits";
  EXPECT_GT(bank.audits.load(), 0);
  return contended(bank.backend, bank.overlap);
}

// Each test also requires that the transfers met (an stm abort, a GIL
// hand-over, two units inside at once): an invariant that held because
// the threads never overlapped would prove nothing.
TYPED_TEST(BankTest, TransfersWithUpdateConserveMoney) {
  EXPECT_TRUE(until_contended([] { return bank_with_update<TypeParam>(4, scaled(2000)); }));
}

// Stress: more frames and units (label "stress").
TYPED_TEST(BankTest, StressTransfersWithUpdate) {
  EXPECT_TRUE(until_contended([] { return bank_with_update<TypeParam>(10, scaled(5000)); }));
}

template <class B>
class AtomicBankTest : public ::testing::Test {};
TYPED_TEST_SUITE(AtomicBankTest, AtomicBackends, BackendName);

// Plain reads and writes, relying on the unit being atomic.
TYPED_TEST(AtomicBankTest, TransfersWithReadWriteConserveMoney) {
  using B = TypeParam;
  EXPECT_TRUE(until_contended([] {
  Bank<B> bank;
  run_rounds(bank.backend, kThreads, 4, [&](std::size_t w, int r) {
    Rng rng(w * 7919 + static_cast<std::uint64_t>(r));
    for (int i = 0; i < scaled(2000); ++i)
      bank.step(w, rng, [](auto& tx, auto& a, auto& b, std::int64_t amount) {
        const std::int64_t x = tx.read(a);
        tx.write(a, x - amount);
        const std::int64_t y = tx.read(b);  // a == b reads our own write
        tx.write(b, y + amount);
      });
  });
  EXPECT_EQ(bank.final_total(), static_cast<std::int64_t>(kAccounts) * kInitial);
  EXPECT_EQ(bank.violations.load(), 0);
  return contended(bank.backend, bank.overlap);
  }));
}

}  // namespace
}  // namespace txray::sync::test
