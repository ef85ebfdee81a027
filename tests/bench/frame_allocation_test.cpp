// A steady-state frame allocates nothing: not the per-frame BVH rebuild, not
// the animator's units, not the render units on any backend. Its own binary,
// because it replaces the global operator new to count.
#include <atomic>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

#include "bench/harness/rig.h"

namespace {
std::atomic<long> g_allocations{0};
[[gnu::noinline]] void release(void* p) noexcept { std::free(p); }
}  // namespace

// Every form that frees with free() pairs with one that allocates with
// malloc() (AddressSanitizer checks the pairing).
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return ::operator new(n, t); }
void operator delete(void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }

namespace txray::bench {
namespace {

TEST(FrameAllocation, SteadyStateFramesAllocateNothing) {
  const auto scene = builtin_scene("spheres");
  ASSERT_TRUE(scene.has_value());
  const Choreography choreography(*scene);
  for (BackendKind backend : {BackendKind::gil, BackendKind::fine, BackendKind::stm, BackendKind::snapshot}) {
    Rig rig(choreography, {backend, 2});
    TileScheduler scheduler(2);
    const TileGrid grid(64, 36, 16);
    Film film(64, 36);
    auto frame = [&] {
      rig.animate_between(1.0f / 30.0f);
      rig.end_frame();
      rig.render_frame(film, scheduler, grid, TileOrder::row_major, UnitOptions{});
    };
    for (int k = 0; k < 3; ++k) frame();  // buffers reach their sizes
    const long before = g_allocations.load();
    for (int k = 0; k < 5; ++k) frame();
    EXPECT_EQ(g_allocations.load() - before, 0) << backend_name(backend);
  }
}

// The library-backed backends (issue 12) the same way. rcu's writes copy:
// a version comes from a free list that liburcu's call_rcu thread refills
// after a grace period, so a write allocates when reclamation has not caught
// up yet; its reads never allocate. So rcu renders frames with the animator
// still (reads only), the others with the animator between frames.
TEST(FrameAllocation, LibraryBackendsSteadyStateFramesAllocateNothing) {
  const auto scene = builtin_scene("spheres");
  ASSERT_TRUE(scene.has_value());
  const Choreography choreography(*scene);
  for (BackendKind backend : {BackendKind::mutex, BackendKind::rwlock, BackendKind::rwlock_queuing,
                              BackendKind::rwlock_std, BackendKind::rcu,
#if defined(TXRAY_HAVE_ITM)
                              BackendKind::itm,
#endif
                             }) {
    Rig rig(choreography, {backend, 2});
    TileScheduler scheduler(2);
    const TileGrid grid(64, 36, 16);
    Film film(64, 36);
    auto frame = [&](bool animate) {
      if (animate) rig.animate_between(1.0f / 30.0f);
      rig.end_frame();
      rig.render_frame(film, scheduler, grid, TileOrder::row_major, UnitOptions{});
    };
    const bool animate = backend != BackendKind::rcu;
    for (int k = 0; k < 3; ++k) frame(true);  // buffers reach their sizes; rcu's threads register
    const long before = g_allocations.load();
    for (int k = 0; k < 5; ++k) frame(animate);
    EXPECT_EQ(g_allocations.load() - before, 0) << backend_name(backend);
  }
}

}  // namespace
}  // namespace txray::bench
