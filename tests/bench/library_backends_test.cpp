// The backends built on real synchronisation libraries (issue 12: mutex,
// rwlock in its three locks, rcu) through the rig, as the harness runs
// them: the same image as the plain renderer with the animator between
// frames, counters that add up, and a concurrent animator whose every write
// readers see whole.
#include <gtest/gtest.h>

#include "bench/harness/rig.h"
#include "renderer/render.h"
#include "scenes/animator.h"

namespace txray::bench {
namespace {

constexpr BackendKind kLibraryBackends[] = {BackendKind::mutex,      BackendKind::rwlock, BackendKind::rwlock_queuing,
                                            BackendKind::rwlock_std, BackendKind::rcu,
#if defined(TXRAY_HAVE_ITM)
                                            BackendKind::itm
#endif
};

UnitOptions units(int pixels, CounterMode counters) {
  UnitOptions u;
  u.unit_pixels = pixels;
  u.counters = counters;
  return u;
}

std::vector<std::uint8_t> plain_render(const SceneState& state, int width, int height) {
  TileScheduler scheduler(1);
  Film film(width, height);
  render_frame(state, film, scheduler, {16, TileOrder::row_major});
  return film.to_rgba8();
}

TEST(LibraryBackends, UnnamedPointsAreFoundByTheirName) {
  for (const Profile& p : library_profiles()) {
    const auto found = find_profile(p.name);
    ASSERT_TRUE(found.has_value()) << p.name;
    EXPECT_EQ(found->backend, p.backend);
    EXPECT_EQ(found->engine, Engine::native);
  }
  EXPECT_EQ(find_profile("interp+mutex")->engine, Engine::interp);
  EXPECT_FALSE(find_profile("native+nonesuch").has_value());
  EXPECT_EQ(find_profile("pypy-stm")->backend, BackendKind::stm);
}

TEST(LibraryBackends, EveryBackendKindHasAName) {
  EXPECT_FALSE(parse_backend("nonesuch").has_value());
  for (BackendKind b : kAllBackendKinds) {
    const auto parsed = parse_backend(backend_name(b));
    ASSERT_TRUE(parsed.has_value()) << backend_name(b);
    EXPECT_EQ(*parsed, b);
  }
}

// With the animator between frames, at 1 and 2 threads and two unit sizes,
// a frame through each backend is the plain renderer's image of the same
// state, byte for byte.
TEST(LibraryBackends, BetweenFramesRenderThePlainImage) {
  for (const std::string name : {"spheres", "cornell", "stmbench", "bunnies"}) {
    const auto scene = builtin_scene(name);
    ASSERT_TRUE(scene.has_value());
    const Choreography choreography(*scene);
    const int width = 72, height = 40;
    for (BackendKind backend : kLibraryBackends)
      for (int threads : {1, 2})
        for (int unit_pixels : {0, 37}) {
          Rig rig(choreography, {backend, threads});
          TileScheduler scheduler(threads);
          const TileGrid grid(width, height, 16);
          Film film(width, height);
          for (int frame = 0; frame < 3; ++frame) {
            if (frame > 0) rig.animate_between(0.1f);
            rig.end_frame();
            rig.render_frame(film, scheduler, grid, TileOrder::shuffled, units(unit_pixels, CounterMode::sharded));
          }
          EXPECT_EQ(film.to_rgba8(), plain_render(rig.snapshot(), width, height))
              << name << " " << backend_name(backend) << " threads " << threads << " unit " << unit_pixels;
        }
  }
}

// commute_add is one atomic update on every backend; a read-then-write of
// the shared counter is only exact where units are atomic (mutex, itm).
TEST(LibraryBackends, SharedAndShardedCountersAgree) {
  const auto scene = builtin_scene("whitted");
  const Choreography choreography(*scene);
  const int width = 64, height = 48;
  for (BackendKind backend : kLibraryBackends)
    for (CounterMode mode : {CounterMode::shared, CounterMode::commute}) {
      if (mode == CounterMode::shared && backend != BackendKind::mutex && backend != BackendKind::itm) continue;
      Rig rig(choreography, {backend, 2});
      TileScheduler scheduler(2);
      const TileGrid grid(width, height, 8);
      Film film(width, height);
      std::uint64_t sharded = 0;
      for (int frame = 0; frame < 3; ++frame) {
        rig.end_frame();
        sharded += rig.render_frame(film, scheduler, grid, TileOrder::row_major, units(5, mode)).rays;
      }
      rig.end_frame();
      EXPECT_GT(sharded, 0u);
      EXPECT_EQ(rig.shared_rays(), sharded) << backend_name(backend) << (mode == CounterMode::shared ? " shared" : " commute");
    }
}

// The animator on its own thread while frames render: every object a
// reader could see is one some write made whole (each free body's centre
// inside its cage), and the run ends (no deadlock between render units and
// the animator's two-cell updates).
TEST(LibraryBackends, ConcurrentAnimatorLeavesWholeObjects) {
  const auto scene = builtin_scene("spheres");
  const Choreography choreography(*scene);
  for (BackendKind backend : kLibraryBackends) {
    Rig rig(choreography, {backend, 2});
    TileScheduler scheduler(2);
    const TileGrid grid(48, 27, 8);
    Film film(48, 27);
    rig.start_animator(2000.0);
    for (int frame = 0; frame < 20; ++frame) {
      rig.end_frame();
      rig.render_frame(film, scheduler, grid, TileOrder::row_major, units(0, CounterMode::sharded));
    }
    rig.stop_animator();
    rig.end_frame();
    const SceneState after = rig.snapshot();
    for (const AnimatedBody& b : choreography.bodies()) {
      if (b.kind != AnimatedBody::Kind::free) continue;
      const Vec3 c = after.objects[b.object].center;
      for (int k = 0; k < 3; ++k) {
        EXPECT_GE(c[k], b.cage.lo[k] - 1e-4f) << backend_name(backend);
        EXPECT_LE(c[k], b.cage.hi[k] + 1e-4f) << backend_name(backend);
      }
    }
  }
}

}  // namespace
}  // namespace txray::bench
