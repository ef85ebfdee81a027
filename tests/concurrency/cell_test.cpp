// The surface every backend shares: each access to a 48-byte cell is atomic
// (never torn), quiescent load/store, nesting, statistics, and no heap
// allocation per unit in steady state.
#include <atomic>
#include <cstdlib>
#include <new>
#include <set>
#include <stdexcept>
#include <string>

#include "test_support.hpp"

// Counts heap allocations made by the current thread while enabled.
namespace {
thread_local bool g_counting = false;
thread_local long g_allocations = 0;
}  // namespace

// GCC cannot see that these two replace each other and warns about
// malloc/free pairing.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  if (g_counting) ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
// Every form that frees with free() must be matched by a form that
// allocates with malloc(): the library's temporary buffers (stable_sort)
// use the nothrow form, and AddressSanitizer checks the pairing.
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (g_counting) ++g_allocations;
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return ::operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace txray::sync::test {
namespace {

struct Blob {  // 48 bytes, every field must agree
  std::uint64_t v[6];
};
Blob blob(std::uint64_t x) { return Blob{{x, x, x, x, x, x}}; }
bool whole(const Blob& b) {
  for (auto x : b.v)
    if (x != b.v[0]) return false;
  return true;
}

template <class B>
class CellTest : public ::testing::Test {};
TYPED_TEST_SUITE(CellTest, AllBackends, BackendName);

TYPED_TEST(CellTest, AccessesAreNeverTorn) {
  using B = TypeParam;
  B backend(kThreads, test_options<B>());
  typename B::template Cell<Blob> cells[4];
  std::atomic<int> torn{0};
  run_rounds(backend, kThreads, 4, [&](std::size_t w, int) {
    Rng rng(w + 1);
    for (int i = 0; i < scaled(4000); ++i) {
      auto& c = cells[rng.below(4)];
      backend.run(w, [&](typename B::Unit& tx) {
        if (w % 2 == 0) {
          tx.write(c, blob(rng.next()));
        } else if (!whole(tx.read(c))) {
          torn.fetch_add(1);
        }
      });
    }
  });
  EXPECT_EQ(torn.load(), 0);
  for (auto& c : cells) EXPECT_TRUE(whole(c.unsafe_load()));
}

TYPED_TEST(CellTest, QuiescentLoadAndStore) {
  using B = TypeParam;
  B backend(1, test_options<B>());
  Session<B> session(backend, 0);
  typename B::template Cell<Blob> c{blob(3)};
  EXPECT_EQ(c.unsafe_load().v[5], 3u);
  c.unsafe_store(blob(4));
  EXPECT_EQ(backend.run(0, [&](typename B::Unit& tx) { return tx.read(c).v[0]; }), 4u);
  typename B::template Cell<int> d;  // default: value-initialised
  EXPECT_EQ(d.unsafe_load(), 0);
}

// A value of N bytes, each byte distinct, so that a word or a pair of words
// copied to the wrong place, or a tail byte lost, shows.
template <std::size_t N>
struct Bytes {
  unsigned char b[N];
  static Bytes pattern(unsigned char seed) {
    Bytes v{};
    for (std::size_t i = 0; i < N; ++i) v.b[i] = static_cast<unsigned char>(seed + 7 * i + 1);
    return v;
  }
  bool operator==(const Bytes&) const = default;
};

// Optimistic readers copy a payload as words and pair them into 16-byte
// stores (AtomicWords::from_words): every size must come back whole, an
// odd number of words, a size that is not a whole number of words, and the
// largest value a cell may hold.
TYPED_TEST(CellTest, ValuesOfEverySizeReadBackWhole) {
  using B = TypeParam;
  B backend(1, test_options<B>());
  Session<B> session(backend, 0);
  const auto check = [&]<std::size_t N>(std::integral_constant<std::size_t, N>) {
    typename B::template Cell<Bytes<N>> c{Bytes<N>::pattern(3)};
    EXPECT_EQ(backend.run(0, [&](typename B::Unit& tx) { return tx.read(c); }), Bytes<N>::pattern(3)) << N << " bytes";
    backend.run(0, [&](typename B::Unit& tx) { tx.write(c, Bytes<N>::pattern(40)); });
    backend.publish();  // snapshot: a frame's writes are read from the next frame on
    EXPECT_EQ(backend.run(0, [&](typename B::Unit& tx) { return tx.read(c); }), Bytes<N>::pattern(40)) << N << " bytes";
    EXPECT_EQ(c.unsafe_load(), Bytes<N>::pattern(40)) << N << " bytes";
  };
  check(std::integral_constant<std::size_t, 1>{});
  check(std::integral_constant<std::size_t, 8>{});
  check(std::integral_constant<std::size_t, 12>{});
  check(std::integral_constant<std::size_t, 16>{});
  check(std::integral_constant<std::size_t, 24>{});
  check(std::integral_constant<std::size_t, 52>{});
  check(std::integral_constant<std::size_t, 64>{});
  check(std::integral_constant<std::size_t, 128>{});
}

TYPED_TEST(CellTest, NestedUnitsFlatten) {
  using B = TypeParam;
  B backend(1, test_options<B>());
  Session<B> session(backend, 0);
  typename B::template Cell<int> a{0}, b{0};
  const int r = backend.run(0, [&](typename B::Unit& outer) {
    outer.write(a, 1);
    return backend.run(0, [&](typename B::Unit& inner) {
      inner.write(b, 2);
      return 40;
    }) + 2;
  });
  backend.publish();
  EXPECT_EQ(r, 42);
  EXPECT_EQ(a.unsafe_load(), 1);
  EXPECT_EQ(b.unsafe_load(), 2);
  EXPECT_EQ(backend.stats().units, 1u);  // one unit, not two
}

TYPED_TEST(CellTest, StatisticsEnumerateAndReset) {
  using B = TypeParam;
  B backend(2, test_options<B>());
  typename B::template Cell<int> a{0};
  for (std::size_t w = 0; w < 2; ++w) {
    Session<B> session(backend, w);
    for (int i = 0; i < 5; ++i) backend.run(w, [&](typename B::Unit& tx) { tx.commute_add(a, 1); });
  }
  std::set<std::string> names;
  std::set<std::string> labels;
  double units = -1;
  for_each_stat(backend.stats(), [&](const StatInfo& stat, double value) {
    EXPECT_TRUE(names.insert(std::string(stat.name)).second) << stat.name;
    EXPECT_FALSE(stat.unit.empty());
    // A shown statistic has its own label: two with one label would read
    // as one figure in the report.
    if (!stat.label.empty()) {
      EXPECT_TRUE(labels.insert(std::string(stat.label)).second) << stat.label;
      if (stat.unit == "ns") {
        EXPECT_TRUE(stat.label.ends_with("(%)")) << stat.label;
      } else if (stat.unit == "count") {
        EXPECT_NE(stat.label.find("/s"), std::string_view::npos) << stat.label;
      }
    }
    if (stat.name == "units") units = value;
  });
  EXPECT_EQ(units, 10.0);
  EXPECT_GE(names.size(), 3u);
  backend.reset_stats();
  EXPECT_EQ(backend.stats().units, 0u);
}

TYPED_TEST(CellTest, NoAllocationPerUnitInSteadyState) {
  using B = TypeParam;
  B backend(1, test_options<B>());
  Session<B> session(backend, 0);
  typename B::template Cell<Blob> objects[8];
  typename B::template Cell<std::uint64_t> counter{0};
  auto unit = [&](typename B::Unit& tx) {
    std::uint64_t s = 0;
    for (auto& o : objects) s += tx.read(o).v[0];
    tx.commute_add(counter, std::uint64_t{1});
    tx.write(objects[s % 8], blob(s));
    tx.on_commit([&counter] { (void)counter; });
    return s;
  };
  for (int i = 0; i < 100; ++i) backend.run(0, unit);  // warm-up: logs reach their size
  g_counting = true;
  g_allocations = 0;
  for (int i = 0; i < 1000; ++i) backend.run(0, unit);
  g_counting = false;
  EXPECT_EQ(g_allocations, 0);
}

// fine counts a unit's reads in the unit and adds them to
// read_acquisitions when it ends (issue 14: not a store per read): every
// read is counted once, those of a nested unit and of a unit that throws
// included, and none is lost or counted twice.
TEST(FineStatistics, EveryReadIsCountedOnceWhenItsUnitEnds) {
  FineBackend backend(1);
  FineCell<int> a{1};
  backend.run(0, [&](FineUnit& u) {
    (void)u.read(a);
    (void)u.read(a);
    backend.run(0, [&](FineUnit& inner) { (void)inner.read(a); });
    (void)u.read(a);
  });
  EXPECT_EQ(backend.stats().read_acquisitions, 4u);
  EXPECT_THROW(backend.run(0,
                           [&](FineUnit& u) {
                             (void)u.read(a);
                             throw std::runtime_error("after one read");
                           }),
               std::runtime_error);
  EXPECT_EQ(backend.stats().read_acquisitions, 5u);
  EXPECT_EQ(backend.stats().units, 2u);
}

}  // namespace
}  // namespace txray::sync::test
