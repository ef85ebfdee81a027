#include <atomic>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "bench/harness/fps_harness.h"
#include "bench/harness/rig.h"
#include "renderer/render.h"
#include "scenes/animator.h"

namespace txray::bench {
namespace {

UnitOptions units(int pixels, CounterMode counters) {
  UnitOptions u;
  u.unit_pixels = pixels;
  u.counters = counters;
  return u;
}

constexpr BackendKind kAllBackends[] = {BackendKind::gil, BackendKind::fine, BackendKind::stm, BackendKind::snapshot};

// Render thread counts for the tests with a concurrent animator. Under
// ThreadSanitizer only one: oneTBB's scheduler library is not instrumented,
// so tiles handed between TBB workers would be reported as races that are
// not there; with one render thread the arena runs every tile on the
// calling thread, and what TSan checks is the animator's std::thread
// against the renderer, through the backend.
#if defined(__SANITIZE_THREAD__)
constexpr int kRenderThreads[] = {1};
#else
constexpr int kRenderThreads[] = {1, 2};
#endif

std::vector<std::uint8_t> plain_render(const SceneState& state, int width, int height) {
  TileScheduler scheduler(1);
  Film film(width, height);
  render_frame(state, film, scheduler, {16, TileOrder::row_major});
  return film.to_rgba8();
}

// With the animator between frames, a frame rendered through any backend,
// any thread count and any unit size is the foundation renderer's image of
// the same state, byte for byte.
TEST(Harness, BetweenFramesEveryBackendRendersThePlainImage) {
  for (const std::string name : {"spheres", "cornell", "stmbench", "bunnies"}) {
    const auto scene = builtin_scene(name);
    ASSERT_TRUE(scene.has_value());
    const Choreography choreography(*scene);
    const int width = 72, height = 40;
    for (BackendKind backend : kAllBackends)
      for (int threads : {1, 3})
        for (int unit_pixels : {0, 1, 37}) {
          Rig rig(choreography, {backend, threads});
          TileScheduler scheduler(threads);
          const TileGrid grid(width, height, 16);
          Film film(width, height);
          // Two frames, so the second shows what the animator moved.
          for (int frame = 0; frame < 2; ++frame) {
            if (frame > 0) rig.animate_between(0.1f);
            rig.end_frame();
            rig.render_frame(film, scheduler, grid, TileOrder::shuffled, units(unit_pixels, CounterMode::sharded));
          }
          EXPECT_EQ(film.to_rgba8(), plain_render(rig.snapshot(), width, height))
              << name << " " << backend_name(backend) << " threads " << threads << " unit " << unit_pixels;
        }
  }
}

// The interpreted engine refuses a scene with meshes (its kernel knows
// spheres, planes and boxes), saying so, rather than render it wrong.
TEST(Harness, InterpretedEngineRefusesMeshes) {
  const auto scene = builtin_scene("bunnies");
  const Choreography choreography(*scene);
  RigOptions options{BackendKind::gil, 1};
  options.engine = Engine::interp;
  try {
    Rig rig(choreography, options);
    ADD_FAILURE() << "the interpreted engine accepted a mesh scene";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "the interpreted engine does not render meshes, and this scene has 17 mesh instances (use a native "
              "profile)");
  }
}

TEST(Harness, AnimatorBetweenFramesActuallyMovesThings) {
  const auto scene = builtin_scene("spheres");
  const Choreography choreography(*scene);
  Rig rig(choreography, {BackendKind::stm, 1});
  const SceneState before = rig.snapshot();
  for (int k = 0; k < 5; ++k) rig.animate_between(0.1f);
  const SceneState after = rig.snapshot();
  int moved = 0;
  for (std::size_t i = 0; i < before.objects.size(); ++i) moved += before.objects[i].center != after.objects[i].center;
  EXPECT_GT(moved, 100);
}

// Every unit adds what it traced to one shared cell (read-modify-write, or
// commute_add); the total must equal the per-worker tallies, under
// contention, for every backend whose units are atomic or whose cell
// updates are.
TEST(Harness, SharedAndShardedCountersAgree) {
  const auto scene = builtin_scene("whitted");
  const Choreography choreography(*scene);
  const int width = 64, height = 48;
  for (BackendKind backend : kAllBackends)
    for (CounterMode mode : {CounterMode::shared, CounterMode::commute}) {
      if (backend == BackendKind::snapshot || backend == BackendKind::fine) {
        // Their units are not atomic: a read-modify-write of one counter
        // can lose updates by design. commute_add is one atomic update.
        if (mode == CounterMode::shared) continue;
      }
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
      EXPECT_EQ(rig.shared_rays(), sharded) << backend_name(backend) << " " << counter_mode_name(mode);
    }
}

double kinetic_energy(const SceneState& s, const Choreography& c) {
  double e = 0.0;
  for (const AnimatedBody& b : c.bodies()) {
    if (b.kind != AnimatedBody::Kind::free) continue;
    const Object& o = s.objects[b.object];
    e += 0.5 * body_mass(o) * glm::dot(o.velocity, o.velocity);
  }
  return e;
}

// The animator running concurrently with renderers, for a while: elastic
// walls and collisions conserve kinetic energy (to rounding), and every
// object a unit reads is one some update wrote (no torn read: each free
// body's centre lies inside its cage, which every write ensures).
TEST(Harness, ConcurrentAnimatorKeepsInvariants) {
  const auto scene = builtin_scene("spheres");
  const Choreography choreography(*scene);
  const double energy_before = kinetic_energy(choreography.initial(), choreography);
  ASSERT_GT(energy_before, 0.0);
  for (const int threads : kRenderThreads)
  for (BackendKind backend : kAllBackends) {
    SCOPED_TRACE(std::to_string(threads) + " render thread(s)");
    Rig rig(choreography, {backend, threads});
    TileScheduler scheduler(threads);
    const TileGrid grid(48, 27, 8);
    Film film(48, 27);
    auto count = [&](const std::string& name) {
      for (const StatFigure& f : rig.stat_figures(1.0))
        if (f.name == name) return f.value;
      return -1.0;
    };
    rig.start_animator(2000.0);
    // Frames until the animator has taken enough steps for collisions.
    for (int frame = 0; frame < 10000 && count("animator steps/s") < 40; ++frame) {
      rig.end_frame();
      rig.render_frame(film, scheduler, grid, TileOrder::row_major, units(0, CounterMode::sharded));
    }
    rig.stop_animator();
    rig.end_frame();
    EXPECT_GT(count("collisions/s"), 0.0) << backend_name(backend) << ": the test needs collisions";
    const SceneState after = rig.snapshot();
    const double energy_after = kinetic_energy(after, choreography);
    EXPECT_NEAR(energy_after, energy_before, 1e-3 * energy_before) << backend_name(backend);
    for (const AnimatedBody& b : choreography.bodies()) {
      if (b.kind != AnimatedBody::Kind::free) continue;
      const Vec3 c = after.objects[b.object].center;
      for (int k = 0; k < 3; ++k) {
        EXPECT_GE(c[k], b.cage.lo[k] - 1e-4f);
        EXPECT_LE(c[k], b.cage.hi[k] + 1e-4f);
      }
    }
  }
}

// Two bodies alone in one big cage, aimed at each other: the collision unit
// writes both at once and keeps total momentum.
TEST(Animator, CollisionConservesMomentumAndEnergy) {
  Object a, b;
  a.center = Vec3(0, 0, 0);
  a.radius = 1.0f;
  a.velocity = Vec3(1.0f, 0.2f, 0.0f);
  b.center = Vec3(1.3f, 0.3f, 0.1f);
  b.radius = 0.5f;
  b.velocity = Vec3(-2.0f, 0.0f, 0.5f);
  const Vec3 p0 = body_mass(a) * a.velocity + body_mass(b) * b.velocity;
  const float e0 = body_mass(a) * glm::dot(a.velocity, a.velocity) + body_mass(b) * glm::dot(b.velocity, b.velocity);
  ASSERT_TRUE(collide(a, b));
  const Vec3 p1 = body_mass(a) * a.velocity + body_mass(b) * b.velocity;
  const float e1 = body_mass(a) * glm::dot(a.velocity, a.velocity) + body_mass(b) * glm::dot(b.velocity, b.velocity);
  EXPECT_NEAR(glm::length(p1 - p0), 0.0f, 1e-5f);
  EXPECT_NEAR(e1, e0, 1e-5f * e0);
  EXPECT_FALSE(collide(a, b)) << "separating bodies must not collide again";
}

// A reader never sees a torn object: a writer stores objects whose fields
// all carry one number k, readers check every field of what they read.
TEST(Harness, NoTornObjectUnderConcurrentWrites) {
  auto run = [](auto backend_tag) {
    using B = typename decltype(backend_tag)::type;
    SceneState state;
    // The initial object follows the same rule as every write (k = 0), so
    // a reader that runs before the first write sees a whole object too.
    Object initial;
    // (`normal` shares `half_size`'s storage: writing one writes both.)
    initial.center = initial.half_size = initial.velocity = Vec3(0.0f);
    initial.radius = initial.yaw_degrees = 0.0f;
    state.objects.push_back(initial);
    state.materials.resize(1);
    B backend(3);
    SharedScene<B> scene(state);
    std::atomic<bool> done{false};
    std::atomic<long> torn{0}, reads{0};
    std::thread writer([&] {
      // Writes go on until the readers have read plenty, so the two overlap
      // whatever the scheduler does.
      for (int k = 1; k <= 2000 || reads.load() < 20000; ++k) {
        backend.run(0, [&](typename B::Unit& unit) {
          Object o;
          const float f = static_cast<float>(k);
          o.center = Vec3(f);
          o.radius = f;
          o.half_size = Vec3(f);
          o.velocity = Vec3(f);
          o.yaw_degrees = f;
          unit.write(scene.object(0), o);
        });
        backend.release(0);
      }
      done = true;
    });
    auto reader = [&](std::size_t w) {
      while (!done) {
        backend.run(w, [&](typename B::Unit& unit) {
          BackendSceneAccess<B> access(unit, scene);
          const Object o = access.object(0);
          const float f = o.radius;
          if (o.center != Vec3(f) || o.half_size != Vec3(f) || o.velocity != Vec3(f) || o.yaw_degrees != f) ++torn;
          ++reads;
        });
        backend.release(w);
      }
    };
    std::thread r1(reader, 1), r2(reader, 2);
    writer.join();
    r1.join();
    r2.join();
    EXPECT_EQ(torn.load(), 0) << B::kName;
    EXPECT_GE(reads.load(), 20000) << B::kName;
  };
  run(std::type_identity<sync::GilBackend>{});
  run(std::type_identity<sync::FineBackend>{});
  run(std::type_identity<sync::StmBackend>{});
}

TEST(Harness, ReportFromARealRunValidatesAgainstTheSchema) {
  const auto scene = builtin_scene("stmbench");
  HarnessOptions o;
  o.profiles = named_profiles();
  o.threads = {1, 2};
  o.width = 32;
  o.height = 32;
  o.frames = 2;
  o.warmup = 1;
  std::atomic<bool> stop{false};
  BenchReport report;
  report.runs = run_harness(*scene, o, nullptr, stop);
  report.seed = europython2015_seed();
  ASSERT_EQ(report.runs.size(), named_profiles().size() * 2);
  for (const RunRecord& r : report.runs) {
    SCOPED_TRACE(r.profile + " " + std::to_string(r.threads));
    // The figures of one run agree with each other (relations, not speeds):
    // the frames asked for were measured, fps is frames over the measured
    // seconds, no frame took longer than the whole measurement (so the
    // frame times are in milliseconds and the seconds in seconds), and the
    // rays counted cover at least one primary ray per pixel per frame.
    EXPECT_EQ(r.frames, o.frames);
    EXPECT_GT(r.seconds, 0.0);
    EXPECT_NEAR(r.fps * r.seconds, static_cast<double>(r.frames), 1e-9 * r.frames);
    EXPECT_GT(r.frame_ms_median, 0.0);
    EXPECT_LE(r.frame_ms_median, r.frame_ms_p90);
    EXPECT_LE(r.frame_ms_p90, r.seconds * 1e3 * (1.0 + 1e-9));
    EXPECT_GE(r.mrays_per_second * 1e6 * r.seconds * (1.0 + 1e-9), static_cast<double>(o.frames * o.width * o.height));
    EXPECT_FALSE(r.stats.empty());
  }
  EXPECT_EQ(validate_report_json(to_json(report)), "");
}

// The measurement loop with the animator on its own thread (--animate HZ)
// for every profile, one render thread (see kRenderThreads): the run
// completes, counts its frames, and its report validates; under TSan this
// is the harness's animator thread race-checked against rendering.
TEST(Harness, RunWithTheAnimatorThread) {
  const auto scene = builtin_scene("spheres");
  HarnessOptions o;
  o.profiles = named_profiles();
  o.threads = {1};
  o.width = 16;
  o.height = 16;
  o.frames = 3;
  o.warmup = 0;
  o.animate_hz = 1000.0;
  std::atomic<bool> stop{false};
  BenchReport report;
  report.runs = run_harness(*scene, o, nullptr, stop);
  report.seed = europython2015_seed();
  ASSERT_EQ(report.runs.size(), named_profiles().size());
  for (const RunRecord& r : report.runs) EXPECT_EQ(r.frames, 3) << r.profile;
  EXPECT_EQ(validate_report_json(to_json(report)), "");
}

TEST(Harness, StopFlagEndsTheRunEarly) {
  const auto scene = builtin_scene("stmbench");
  HarnessOptions o;
  o.profiles = named_profiles();
  o.threads = {1};
  o.width = 16;
  o.height = 16;
  std::atomic<bool> stop{true};
  EXPECT_TRUE(run_harness(*scene, o, nullptr, stop).empty());
}

// --preset sync: every available backend in three settings, each its own
// profile. The settings are the profile's own, over the run's options: with
// --animate 1000 given, the between-frames profile still steps the animator
// exactly once per frame, and shared counters turn every render unit into an
// update (stm commits nothing read-only).
TEST(Harness, SyncPresetProfilesCarryTheirSettings) {
  const std::vector<Profile> all = sync_profiles();
  std::size_t available = 0;
  for (BackendKind b : kAllBackendKinds) available += backend_available(b) ? 1 : 0;
  ASSERT_EQ(all.size(), 3 * available);
  std::set<std::string> names;
  for (const Profile& p : all) EXPECT_TRUE(names.insert(p.name).second) << p.name;

  HarnessOptions o;
  for (const Profile& p : all)
    if (p.backend == BackendKind::stm) o.profiles.push_back(p);
  ASSERT_EQ(o.profiles.size(), 3u);
  o.threads = {1};
  o.width = 16;
  o.height = 16;
  o.frames = 3;
  o.warmup = 1;
  o.animate_hz = 1000.0;  // overridden by every sync profile
  std::atomic<bool> stop{false};
  const std::vector<RunRecord> runs = run_harness(*builtin_scene("spheres"), o, nullptr, stop);
  ASSERT_EQ(runs.size(), 3u);
  auto figure = [](const RunRecord& r, std::string_view label) {
    for (const StatFigure& f : r.stats)
      if (f.name == label) return f.value * r.seconds;  // a rate back to a count
    ADD_FAILURE() << r.profile << " has no " << label;
    return -1.0;
  };
  for (const RunRecord& r : runs) {
    SCOPED_TRACE(r.profile);
    EXPECT_EQ(r.backend, "stm");
    if (r.profile == "pypy-stm") {  // between frames, sharded counters
      EXPECT_NEAR(figure(r, "animator steps/s"), r.frames, 1e-6);
      EXPECT_GT(figure(r, "commits/s (read-only)"), 0.5);
    } else if (r.profile.ends_with("shared counters")) {
      EXPECT_NEAR(figure(r, "animator steps/s"), r.frames, 1e-6);
      EXPECT_LT(figure(r, "commits/s (read-only)"), 0.5);
    } else {
      EXPECT_TRUE(r.profile.ends_with("animator 60 Hz"));
    }
  }
}

}  // namespace
}  // namespace txray::bench
