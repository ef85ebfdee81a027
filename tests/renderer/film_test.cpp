#include <atomic>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "renderer/film.h"
#include "renderer/tile_scheduler.h"

namespace txray {
namespace {

TEST(Srgb, EndpointsClampAndMonotone) {
  EXPECT_EQ(encode_srgb8(0.0f), 0);
  EXPECT_EQ(encode_srgb8(1.0f), 255);
  EXPECT_EQ(encode_srgb8(-3.0f), 0);
  EXPECT_EQ(encode_srgb8(7.0f), 255);
  EXPECT_EQ(encode_srgb8(0.2158605f), 128);  // 128/255 in sRGB
  for (int i = 1; i <= 1000; ++i) EXPECT_LE(encode_srgb8((i - 1) / 1000.0f), encode_srgb8(i / 1000.0f));
}

TEST(Png, RoundTripsAndLeavesNoTemporary) {
  const auto dir = std::filesystem::temp_directory_path() / "txray_film_test";
  std::filesystem::create_directories(dir);
  const auto path = dir / "roundtrip.png";
  Film film(3, 2);
  film.set(0, 0, Vec3(1, 0, 0));
  film.set(2, 1, Vec3(0, 0, 1));
  const auto pixels = film.to_rgba8();
  ASSERT_EQ(write_png(path, 3, 2, pixels), "");
  std::string error;
  const Rgba8Image back = read_png(path, error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(back.pixels, pixels);
  EXPECT_FALSE(std::filesystem::exists(dir / "roundtrip.png.tmp"));
  std::filesystem::remove_all(dir);
}

TEST(Png, UnwritablePathNamesTheFileAndLeavesNothing) {
  const auto path = std::filesystem::temp_directory_path() / "txray_no_such_dir" / "x.png";
  const std::string error = write_png(path, 1, 1, {0, 0, 0, 255});
  EXPECT_NE(error.find(path.string()), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(Png, ReadingGarbageFailsWithTheFileName) {
  const auto path = std::filesystem::temp_directory_path() / "txray_garbage.png";
  std::ofstream(path) << "not a png";
  std::string error;
  const Rgba8Image image = read_png(path, error);
  EXPECT_EQ(image.width, 0);
  EXPECT_NE(error.find("txray_garbage.png"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(Tiles, CoverEveryPixelExactlyOnce) {
  for (int tile : {1, 7, 16, 64}) {
    const TileGrid grid(37, 23, tile);
    std::vector<int> covered(37 * 23, 0);
    for (int i = 0; i < grid.count(); ++i) {
      const Tile t = grid.tile(i);
      EXPECT_EQ(t.index, i);
      for (int y = t.y0; y < t.y1; ++y)
        for (int x = t.x0; x < t.x1; ++x) ++covered[y * 37 + x];
    }
    for (int c : covered) ASSERT_EQ(c, 1) << "tile " << tile;
  }
}

TEST(Tiles, DefaultSizeGivesEightTilesPerThread) {
  EXPECT_EQ(default_tile_size(1280, 720, 2), 16);
  const int small = default_tile_size(64, 64, 4);
  const TileGrid grid(64, 64, small);
  EXPECT_GE(grid.count(), 32);
  EXPECT_GE(default_tile_size(2, 2, 64), 4);
}

TEST(Scheduler, VisitsEveryTileOnceWithWorkerInRange) {
  TileScheduler scheduler(3);
  const TileGrid grid(100, 50, 8);
  std::vector<std::atomic<int>> visits(static_cast<std::size_t>(grid.count()));
  std::atomic<bool> worker_in_range{true};
  for (TileOrder order : {TileOrder::row_major, TileOrder::reversed, TileOrder::shuffled}) {
    for (auto& v : visits) v = 0;
    scheduler.for_each_tile(grid, order, [&](const Tile& t, int worker) {
      ++visits[static_cast<std::size_t>(t.index)];
      if (worker < 0 || worker >= scheduler.threads()) worker_in_range = false;
    });
    for (auto& v : visits) EXPECT_EQ(v.load(), 1);
  }
  EXPECT_TRUE(worker_in_range);
}

}  // namespace
}  // namespace txray
