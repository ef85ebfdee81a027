#include <vector>

#include <gtest/gtest.h>

#include "renderer/render.h"
#include "scenes/scene.h"

namespace txray {
namespace {

std::vector<std::uint8_t> render(const SceneState& state, int width, int height, int threads, int tile,
                                 TileOrder order) {
  TileScheduler scheduler(threads);
  Film film(width, height);
  render_frame(state, film, scheduler, {tile, order});
  return film.to_rgba8();
}

class Determinism : public ::testing::TestWithParam<std::string> {};

// The image depends on nothing but the scene and the size: not on threads,
// tile size or the order tiles are handed out.
TEST_P(Determinism, ThreadsTilesAndOrderGiveIdenticalBytes) {
  const auto scene = builtin_scene(GetParam());
  ASSERT_TRUE(scene.has_value());
  // A size that is no multiple of any tile size, so edge tiles are partial;
  // a time other than 0, so moving objects are somewhere unusual.
  const SceneState state = scene->at(0.37);
  const int width = 84, height = 60;
  const auto reference = render(state, width, height, 1, 16, TileOrder::row_major);
  for (int threads : {1, 2, 4})
    for (int tile : {8, 16, 32})
      for (TileOrder order : {TileOrder::row_major, TileOrder::shuffled}) {
        if (threads == 1 && tile == 16 && order == TileOrder::row_major) continue;
        EXPECT_EQ(render(state, width, height, threads, tile, order), reference)
            << "threads " << threads << ", tile " << tile << ", order " << static_cast<int>(order);
      }
}

TEST_P(Determinism, ImageIsNotBlank) {
  // Guards the test above against passing on images that are all one colour.
  const auto scene = builtin_scene(GetParam());
  ASSERT_TRUE(scene.has_value());
  const auto image = render(scene->at(0.0), 64, 48, 2, 16, TileOrder::row_major);
  std::vector<std::uint32_t> colors;
  for (std::size_t i = 0; i < image.size(); i += 4)
    colors.push_back(image[i] | (image[i + 1] << 8) | (image[i + 2] << 16));
  std::sort(colors.begin(), colors.end());
  EXPECT_GT(std::unique(colors.begin(), colors.end()) - colors.begin(), 20);
}

INSTANTIATE_TEST_SUITE_P(AllScenes, Determinism, ::testing::ValuesIn(builtin_scene_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace txray
