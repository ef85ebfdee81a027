#include <filesystem>

#include <gtest/gtest.h>

#include "renderer/render.h"
#include "scenes/scene.h"

// Each built-in scene rendered at a small size is compared with a stored
// PNG (assets/reference/<scene>.png), exactly: every channel of every pixel
// equal. The render is deterministic (every pixel computed on its own, no
// FMA contraction: -ffp-contract=off on every target), so the debug, asan,
// tsan and release builds all give the same bytes, and any change to the
// image, however small, is a change someone must look at. On failure the
// rendered image and a diff (differences ×64, so one level shows) are
// written to the test's working directory. After a deliberate change,
// `scripts/update-reference-images` rewrites the stored images and checks
// that a release build renders the same bytes; look at every PNG and say
// why in the commit message.

namespace txray {
namespace {

constexpr int kWidth = 160, kHeight = 90;

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
  ASSERT_EQ(reference.pixels.size(), rendered.size());

  int max_diff = 0;
  std::size_t differing = 0;
  std::vector<std::uint8_t> diff(rendered.size());
  for (std::size_t i = 0; i < rendered.size(); i += 4) {
    bool pixel_differs = false;
    for (int c = 0; c < 4; ++c) {
      const int d = std::abs(static_cast<int>(rendered[i + c]) - static_cast<int>(reference.pixels[i + c]));
      max_diff = std::max(max_diff, d);
      pixel_differs |= d != 0;
      if (c < 3) diff[i + c] = static_cast<std::uint8_t>(std::min(255, 64 * d));
    }
    diff[i + 3] = 255;
    differing += pixel_differs;
  }
  EXPECT_EQ(max_diff, 0) << differing << " of " << kWidth * kHeight << " pixels differ";
  if (max_diff != 0) {
    EXPECT_EQ(write_png(name + "-rendered.png", kWidth, kHeight, rendered), "");
    EXPECT_EQ(write_png(name + "-diff.png", kWidth, kHeight, diff), "");
    ADD_FAILURE() << "wrote " << std::filesystem::absolute(name + "-rendered.png") << " and " << name
                  << "-diff.png (differences ×64); after a deliberate change run scripts/update-reference-images";
  }
}

INSTANTIATE_TEST_SUITE_P(AllScenes, ReferenceImage, ::testing::ValuesIn(builtin_scene_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace txray
