// The T overlay's figures: the per-tile window, the conflict window, the
// hand-off between render workers and the UI, and the layer it draws.
#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "app/demo/tile_heat.h"
#include "bench/harness/conflict_view.h"
#include "bench/harness/heatmap.h"

namespace txray::demo {
namespace {

TEST(TileLossWindow, SumsWhatTheLastSecondAdded) {
  TileLossWindow w(3, 1.0);
  w.add(10.0, {1'000'000, 0, 2'000'000});
  w.add(10.4, {0, 0, 500'000});
  w.add(10.8, {3'000'000});  // fewer entries than tiles: the rest lost nothing
  EXPECT_EQ(w.lost_ms(10.9), (std::vector<double>{4.0, 0.0, 2.5}));
  // The sample of t = 10.0 leaves the window once it is a full second old.
  EXPECT_EQ(w.lost_ms(10.99), (std::vector<double>{4.0, 0.0, 2.5}));
  EXPECT_EQ(w.lost_ms(11.0), (std::vector<double>{3.0, 0.0, 0.5}));
  EXPECT_EQ(w.lost_ms(11.45), (std::vector<double>{3.0, 0.0, 0.0}));
  EXPECT_EQ(w.lost_ms(11.85), (std::vector<double>{0.0, 0.0, 0.0}));
  EXPECT_EQ(w.samples(), 0u);
}

TEST(TileLossWindow, QuietSamplesCostNothingAndSumsStayExact) {
  TileLossWindow w(2, 0.5);
  for (int k = 0; k < 10'000; ++k) w.add(k * 0.01, {k % 2 ? 0u : 7u, 0u});
  // 0.5 s of samples at 100 Hz: 25 of the last 50 carried 7 ns each, and
  // the quiet ones were never stored.
  EXPECT_LE(w.samples(), 26u);
  const std::vector<double> ms = w.lost_ms(99.995);
  EXPECT_DOUBLE_EQ(ms[0], 25 * 7 * 1e-6);
  EXPECT_EQ(ms[1], 0.0);
  EXPECT_EQ(w.lost_ms(1000.0), (std::vector<double>{0.0, 0.0}));  // exact: nothing drifts to a residue
}

sync::ConflictSource source(const char* subject, std::uint64_t count, std::uint64_t ns,
                            sync::ConflictKind kind = sync::ConflictKind::write_write) {
  return {subject, "counter", -1, kind, sync::UnitKind::render_tile, sync::UnitKind::render_tile, -1, count, ns, 0};
}

TEST(ConflictWindow, MergesTheReportsOfTheLastSecondAndRanksThem) {
  ConflictWindow w(1.0);
  w.add(5.0, 0.5, {source("counter a", 2, 10'000'000), source("counter b", 1, 1'000'000)});
  w.add(5.5, 0.5, {source("counter b", 9, 30'000'000), source("counter a", 1, 5'000'000),
                   source("counter a", 4, 4'000'000, sync::ConflictKind::locked_on_read)});
  double covered = 0.0;
  std::vector<sync::ConflictSource> m = w.merged(5.9, covered);
  EXPECT_DOUBLE_EQ(covered, 1.0);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].subject, "counter b");
  EXPECT_EQ(m[0].lost_ns, 31'000'000u);
  EXPECT_EQ(m[0].count, 10u);
  EXPECT_EQ(m[1].subject, "counter a");
  EXPECT_EQ(m[1].kind, sync::ConflictKind::write_write);  // kinds stay apart
  EXPECT_EQ(m[1].lost_ns, 15'000'000u);
  // The first report ages out; the newest stays however old, so a slow
  // profile (one report per long frame) keeps its legend.
  m = w.merged(6.2, covered);
  EXPECT_DOUBLE_EQ(covered, 0.5);
  EXPECT_EQ(m[0].lost_ns, 30'000'000u);
  m = w.merged(60.0, covered);
  EXPECT_DOUBLE_EQ(covered, 0.5);
  EXPECT_EQ(m.size(), 3u);
}

TEST(TileHeat, WorkersAddWhileTheUiDrains) {
  const TileGrid grid(64, 32, 16);  // 8 tiles
  TileHeat heat(grid, 1000.0);     // a window longer than the test
  ASSERT_EQ(heat.grid().count(), 8);
  std::atomic<bool> go{true};
  std::vector<std::thread> workers;
  constexpr int kAdds = 20'000;
  for (int t = 0; t < 2; ++t)
    workers.emplace_back([&, t] {
      for (int k = 0; k < kAdds; ++k) heat.counters()[(k + t) % 8].fetch_add(1000, std::memory_order_relaxed);
    });
  double now = steady_seconds();
  TileHeat::View v;
  for (int k = 0; k < 50; ++k) v = heat.take(now += 0.001);
  for (std::thread& w : workers) w.join();
  v = heat.take(now + 0.001);
  double total = 0.0;
  for (double ms : v.tile_ms) total += ms;
  EXPECT_DOUBLE_EQ(total, 2.0 * kAdds * 1000 * 1e-6);  // every nanosecond counted once
  EXPECT_DOUBLE_EQ(v.tile_ms[0], v.tile_ms[1]);
  EXPECT_TRUE(v.sources.empty());
  EXPECT_EQ(v.source_seconds, 0.0);
}

TEST(TileHeat, HandsOverTheReportAndTheScene) {
  TileHeat heat(TileGrid(32, 32, 16));
  Camera camera;
  camera.position = Vec3(1.0f, 2.0f, 3.0f);
  Object o;
  o.center = Vec3(4.0f);
  heat.set_scene(camera, {o, o});
  const double now = steady_seconds();
  heat.report(now, 0.5, {source("counter rays_traced", 60, 60'000'000)});
  const TileHeat::View v = heat.take(now);
  EXPECT_EQ(v.scene.objects.size(), 2u);
  EXPECT_EQ(v.scene.camera.position, camera.position);
  ASSERT_EQ(v.sources.size(), 1u);
  EXPECT_DOUBLE_EQ(v.source_seconds, 0.5);
  // The legend as rates over the covered time.
  const bench::HeatmapLayers layers =
      bench::conflict_layers(v.sources, v.scene, heat.grid(), v.tile_ms, 32, 32, "last 1.0 s", 3, 3, v.source_seconds);
  ASSERT_EQ(layers.legend.size(), 1u);
  EXPECT_EQ(layers.legend[0],
            "1. counter rays_traced: write-write, render tile vs render tile, 120.0 ms/s (120/s)");
}

TEST(HeatLayer, OnATransparentLayerItIsTheSamePictureOnceBlended) {
  // draw_heatmap_layers on a transparent layer, then that layer blended on
  // the frame (as SDL does), gives what drawing on the frame itself gives.
  const int w = 48, h = 32;
  bench::HeatmapLayers layers;
  layers.tiles = {{0, 0, 16, 16, 4.0}, {16, 0, 32, 16, 1.0}, {32, 16, 48, 32, 0.0}};
  layers.outlines = {{24.0f, 20.0f, 6.0f, "sphere 1", "sphere 1"}};
  std::vector<unsigned char> frame(static_cast<std::size_t>(w) * h * 4);
  for (std::size_t i = 0; i < frame.size(); ++i) frame[i] = i % 4 == 3 ? 255 : static_cast<unsigned char>(i * 37 % 251);
  std::vector<unsigned char> direct = frame;
  bench::draw_heatmap_layers(direct, w, h, layers);
  std::vector<unsigned char> layer(frame.size(), 0);
  bench::draw_heatmap_layers(layer, w, h, layers);
  int worst = 0;
  for (std::size_t i = 0; i < frame.size(); i += 4) {
    const int a = layer[i + 3];
    for (int c = 0; c < 3; ++c) {
      const int blended = (layer[i + c] * a + frame[i + c] * (255 - a)) / 255;
      worst = std::max(worst, std::abs(blended - direct[i + c]));
    }
  }
  EXPECT_LE(worst, 3);  // integer rounding only
  // Tiles that lost time are tinted (red high, blue low); the others only dimmed.
  const unsigned char* hot = &layer[(4 * static_cast<std::size_t>(w) + 4) * 4];
  EXPECT_GT(hot[3], 150);
  EXPECT_GT(hot[0], 200);
  EXPECT_LT(hot[2], 50);
  const unsigned char* cold = &layer[(20 * static_cast<std::size_t>(w) + 44) * 4];
  EXPECT_EQ(cold[3], 110);
}

}  // namespace
}  // namespace txray::demo
