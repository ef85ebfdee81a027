// Conflict attribution observes; it must not change what is rendered. With
// the animator between frames (deterministic), attribution on and off give
// byte-identical images on every backend, in a workload full of conflicts
// (the naive shared counter and logging inside units); and the report of
// that workload under stm names the counter.
#include <atomic>
#include <cstdio>
#include <vector>

#include <gtest/gtest.h>

#include "bench/harness/conflict_view.h"
#include "bench/harness/rig.h"
#include "scenes/animator.h"

namespace txray::bench {
namespace {

std::vector<std::uint8_t> render_naive(const Choreography& choreography, BackendKind backend, bool attribution,
                                       std::FILE* log_file, std::vector<sync::ConflictSource>* conflicts,
                                       std::vector<double>* tile_lost_ms) {
  const int width = 96, height = 54, threads = 3;
  RigOptions options;
  options.backend = backend;
  options.threads = threads;
  options.attribution = attribution;
  Rig rig(choreography, options);
  TileScheduler scheduler(threads);
  const TileGrid grid(width, height, 8);
  Film film(width, height);
  UnitLog log(log_file);
  std::vector<std::atomic<std::uint64_t>> lost(static_cast<std::size_t>(grid.count()));
  UnitOptions units;
  units.unit_pixels = 16;
  units.counters = CounterMode::shared;
  units.log_every = 3;
  units.log = &log;
  units.tile_lost_ns = lost.data();
  for (int frame = 0; frame < 3; ++frame) {
    if (frame > 0) rig.animate_between(1.0f / 30.0f);
    rig.end_frame();
    rig.render_frame(film, scheduler, grid, TileOrder::shuffled, units);
  }
  if (conflicts) *conflicts = rig.conflicts();
  if (tile_lost_ms)
    for (const auto& t : lost) tile_lost_ms->push_back(static_cast<double>(t.load()) * 1e-6);
  return film.to_rgba8();
}

TEST(Attribution, OnAndOffRenderByteIdenticalImagesBetweenFrames) {
  const auto scene = builtin_scene("spheres");
  ASSERT_TRUE(scene.has_value());
  const Choreography choreography(*scene);
  std::FILE* log = std::tmpfile();
  ASSERT_NE(log, nullptr);
  for (BackendKind backend : {BackendKind::gil, BackendKind::fine, BackendKind::stm, BackendKind::snapshot}) {
    const auto on = render_naive(choreography, backend, true, log, nullptr, nullptr);
    const auto off = render_naive(choreography, backend, false, log, nullptr, nullptr);
    EXPECT_EQ(on, off) << backend_name(backend);
  }
  std::fclose(log);
}

TEST(Attribution, OffReportsNothingAndOnNamesTheSharedCounter) {
  const auto scene = builtin_scene("spheres");
  ASSERT_TRUE(scene.has_value());
  const Choreography choreography(*scene);
  std::FILE* log = std::tmpfile();
  ASSERT_NE(log, nullptr);
  std::vector<sync::ConflictSource> off_conflicts, on_conflicts;
  std::vector<double> off_lost, on_lost;
  (void)render_naive(choreography, BackendKind::stm, false, log, &off_conflicts, &off_lost);
  EXPECT_TRUE(off_conflicts.empty());
  for (double ms : off_lost) EXPECT_EQ(ms, 0.0);
  // Conflicts need two units overlapping in time: on a loaded machine a
  // run may by chance have none, so try a few times.
  bool named = false;
  for (int attempt = 0; attempt < 5 && !named; ++attempt) {
    on_conflicts.clear();
    on_lost.clear();
    (void)render_naive(choreography, BackendKind::stm, true, log, &on_conflicts, &on_lost);
    for (const auto& c : on_conflicts)
      if (c.subject == "counter rays_traced" && c.lost_ns > 0 && c.self == sync::UnitKind::render_tile) named = true;
  }
  std::fclose(log);
  EXPECT_TRUE(named) << "no conflict on the shared counter in five runs";
  double total = 0.0;
  for (double ms : on_lost) total += ms;
  EXPECT_GT(total, 0.0);
}

TEST(Attribution, HeatmapLayersNameTheTopSources) {
  const auto scene = builtin_scene("spheres");
  ASSERT_TRUE(scene.has_value());
  std::vector<sync::ConflictSource> sources = {
      {"counter rays_traced", "counter", -1, sync::ConflictKind::write_write, sync::UnitKind::render_tile,
       sync::UnitKind::render_tile, -1, 40, 9'000'000, 0},
      {"sphere 3", "object", 3, sync::ConflictKind::read_write_read, sync::UnitKind::render_tile,
       sync::UnitKind::animator, -1, 7, 2'000'000, 0},
  };
  const TileGrid grid(64, 32, 16);
  const std::vector<double> lost(static_cast<std::size_t>(grid.count()), 0.5);
  const HeatmapLayers layers = conflict_layers(sources, scene->initial, grid, lost, 64, 32, "1 frame");
  ASSERT_EQ(layers.legend.size(), 2u);
  EXPECT_NE(layers.legend[0].find("counter rays_traced: write-write"), std::string::npos);
  EXPECT_EQ(layers.tiles.size(), static_cast<std::size_t>(grid.count()));
  int w = 0, h = 0;
  const auto pixels = compose_heatmap(std::vector<unsigned char>(64 * 32 * 4, 200), 64, 32, layers, w, h);
  EXPECT_EQ(pixels.size(), static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 4);
  EXPECT_GT(h, 32);
}

// The circles follow the legend: ranked by time lost, not by count, and
// numbered as the legend line that names them.
TEST(Attribution, HeatmapCirclesFollowTheLegendsOrder) {
  const auto scene = builtin_scene("spheres");
  ASSERT_TRUE(scene.has_value());
  const SceneState& state = scene->initial;
  // Two spheres the camera sees: the first many short conflicts, the
  // second few long ones (sources come ranked by time lost, as the log gives them).
  std::vector<int> visible;
  for (std::size_t i = 0; i < state.objects.size() && visible.size() < 2; ++i)
    if (state.objects[i].kind == ShapeKind::sphere) {
      const TileGrid probe(640, 360, 16);
      std::vector<sync::ConflictSource> one = {{"sphere " + std::to_string(i), "object", static_cast<int>(i),
                                                sync::ConflictKind::read_write_read, sync::UnitKind::render_tile,
                                                sync::UnitKind::animator, -1, 1, 1, 0}};
      if (!conflict_layers(one, state, probe, {}, 640, 360, "1 frame").outlines.empty())
        visible.push_back(static_cast<int>(i));
    }
  ASSERT_EQ(visible.size(), 2u) << "two spheres on screen";
  const std::string many = "sphere " + std::to_string(visible[0]), longest = "sphere " + std::to_string(visible[1]);
  const std::vector<sync::ConflictSource> sources = {
      {longest, "object", visible[1], sync::ConflictKind::read_write_read, sync::UnitKind::render_tile,
       sync::UnitKind::animator, -1, 2, 9'000'000, 0},
      {"counter rays_traced", "counter", -1, sync::ConflictKind::write_write, sync::UnitKind::render_tile,
       sync::UnitKind::render_tile, -1, 40, 5'000'000, 0},
      {many, "object", visible[0], sync::ConflictKind::read_write_read, sync::UnitKind::render_tile,
       sync::UnitKind::animator, -1, 500, 1'000'000, 0},
  };
  const HeatmapLayers layers = conflict_layers(sources, state, TileGrid(640, 360, 16), {}, 640, 360, "1 frame");
  ASSERT_EQ(layers.outlines.size(), 2u);
  EXPECT_EQ(layers.outlines[0].subject, longest);
  EXPECT_EQ(layers.outlines[0].label, "1. " + longest);
  EXPECT_EQ(layers.outlines[1].subject, many);
  EXPECT_EQ(layers.outlines[1].label, "3. " + many);
}

}  // namespace
}  // namespace txray::bench
