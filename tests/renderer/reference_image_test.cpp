#include <filesystem>

#include <gtest/gtest.h>

#include "renderer/render.h"
#include "scenes/scene.h"

// Each built-in scene rendered at a small size is compared with a stored
// PNG (assets/reference/<scene>.png). Tolerance as Embree's tutorials use
// it: the mean over pixels of the squared channel differences summed over
// R, G, B and divided by 3 must stay below 32 (8-bit units), so a change
// of shading that moves many pixels fails while a few flipped silhouette
// pixels do not. On failure the rendered image and a diff are written to
// the test's working directory. `scripts/update-reference-images` rewrites
// the stored images after a deliberate change.

namespace txray {
namespace {

constexpr int kWidth = 160, kHeight = 90;
constexpr double kTolerance = 32.0;

class ReferenceImage : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceImage, MatchesStoredPng) {
  const std::string name = GetParam();
  const auto scene = builtin_scene(name);
  ASSERT_TRUE(scene.has_value());
  TileScheduler scheduler(2);
  Film film(kWidth, kHeight);
  render_frame(scene->at(0.0), film, scheduler, {16, TileOrder::row_major});
  const auto rendered = film.to_rgba8();

  const std::filesystem::path stored = std::filesystem::path(TXRAY_SOURCE_DIR) / "assets/reference" / (name + ".png");
  std::string error;
  const Rgba8Image reference = read_png(stored, error);
  ASSERT_TRUE(error.empty()) << error << " (run scripts/update-reference-images)";
  ASSERT_EQ(reference.width, kWidth);
  ASSERT_EQ(reference.height, kHeight);

  double sum = 0.0;
  std::vector<std::uint8_t> diff(rendered.size());
  for (std::size_t i = 0; i < rendered.size(); i += 4) {
    double pixel = 0.0;
    for (int c = 0; c < 3; ++c) {
      const int d = static_cast<int>(rendered[i + c]) - static_cast<int>(reference.pixels[i + c]);
      pixel += static_cast<double>(d * d);
      diff[i + c] = static_cast<std::uint8_t>(std::min(255, 4 * std::abs(d)));
    }
    diff[i + 3] = 255;
    sum += pixel / 3.0;
  }
  const double mean_squared = sum / (kWidth * kHeight);
  EXPECT_LT(mean_squared, kTolerance);
  if (mean_squared >= kTolerance) {
    EXPECT_EQ(write_png(name + "-rendered.png", kWidth, kHeight, rendered), "");
    EXPECT_EQ(write_png(name + "-diff.png", kWidth, kHeight, diff), "");
    ADD_FAILURE() << "wrote " << std::filesystem::absolute(name + "-rendered.png") << " and " << name
                  << "-diff.png (differences ×4)";
  }
}

INSTANTIATE_TEST_SUITE_P(AllScenes, ReferenceImage, ::testing::ValuesIn(builtin_scene_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace txray
