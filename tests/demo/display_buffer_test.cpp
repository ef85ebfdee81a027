#include "app/demo/display_buffer.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace txray::demo {
namespace {

TEST(DisplayBuffer, PublishedTilesArriveInTheTextureLayout) {
  Film film(20, 10);
  for (int y = 0; y < 10; ++y)
    for (int x = 0; x < 20; ++x) film.set(x, y, Vec3(1.0f, 0.0f, 0.0f));
  const TileGrid grid(20, 10, 8);
  PixelLayout abgr;  // red in the low byte
  abgr.r_shift = 0;
  abgr.g_shift = 8;
  abgr.b_shift = 16;
  abgr.a_shift = 24;
  DisplayBuffer d(20, 10, 8, abgr);
  std::vector<std::uint32_t> dest(200, 0);
  EXPECT_EQ(d.collect(dest), grid.count());  // a fresh buffer shows black once
  EXPECT_EQ(dest[0], 0xff000000u);
  EXPECT_EQ(d.collect(dest), 0);
  d.begin_frame();
  d.publish_tile(film, grid.tile(1));  // x 8..15, y 0..7
  EXPECT_EQ(d.frame_tiles(), 1);
  EXPECT_EQ(d.collect(dest), 1);
  EXPECT_EQ(dest[8], 0xff0000ffu);
  EXPECT_EQ(dest[7 * 20 + 15], 0xff0000ffu);
  EXPECT_EQ(dest[7], 0xff000000u);   // tile 0 untouched
  EXPECT_EQ(dest[8 * 20 + 8], 0xff000000u);  // tile 4 untouched
}

TEST(DisplayBuffer, SrgbTableMatchesTheFilm) {
  for (int i = 0; i <= 1000; ++i) {
    const float v = static_cast<float>(i) / 1000.0f;
    EXPECT_NEAR(srgb8_fast(v), encode_srgb8(v), 1) << v;
  }
  EXPECT_EQ(srgb8_fast(-1.0f), 0);
  EXPECT_EQ(srgb8_fast(7.0f), 255);
}

// Workers publish whole frames of one grey level while the UI collects:
// every tile the UI copies is uniform, never half of one frame and half of
// the next.
TEST(DisplayBuffer, UiNeverSeesAHalfWrittenTile) {
  constexpr int kW = 64, kH = 64, kTile = 16;
  const TileGrid grid(kW, kH, kTile);
  DisplayBuffer d(kW, kH, kTile, PixelLayout{});
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (int w = 0; w < 2; ++w)
    workers.emplace_back([&, w] {
      Film film(kW, kH);
      for (int level = 1; !stop; level = level % 250 + 1) {
        for (int y = 0; y < kH; ++y)
          for (int x = 0; x < kW; ++x) film.set(x, y, Vec3(static_cast<float>(level) / 255.0f));
        for (int t = w; t < grid.count(); t += 2) d.publish_tile(film, grid.tile(t));
      }
    });
  std::vector<std::uint32_t> dest(kW * kH);
  int torn = 0;
  for (int round = 0; round < 2000; ++round) {
    d.collect(dest);
    for (int t = 0; t < grid.count(); ++t) {
      const Tile tile = grid.tile(t);
      const std::uint32_t first = dest[static_cast<std::size_t>(tile.y0 * kW + tile.x0)];
      for (int y = tile.y0; y < tile.y1; ++y)
        for (int x = tile.x0; x < tile.x1; ++x) torn += dest[static_cast<std::size_t>(y * kW + x)] != first;
    }
  }
  stop = true;
  for (auto& t : workers) t.join();
  EXPECT_EQ(torn, 0);
}

}  // namespace
}  // namespace txray::demo
