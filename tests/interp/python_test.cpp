// The kernel file runs unchanged under real python3 and agrees with native.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "renderer/interp/kernel.h"
#include "renderer/interp/scene_json.h"
#include "tests/interp/image_compare.h"

namespace txray {
namespace {

bool have(const char* program) {
  const std::string cmd = std::string("command -v ") + program + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

TEST(KernelFile, EmbeddedSourceIsTheAssetFile) {
  std::ifstream in(std::string(TXRAY_SOURCE_DIR) + "/assets/kernels/raytrace.py", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), std::string(interp::kernel_source()));
}

TEST(KernelFile, Python3RendersWhatNativeRenders) {
  if (!have("python3")) GTEST_SKIP() << "python3 is not installed";
  constexpr int kWidth = 40, kHeight = 30;
  const SceneState state = builtin_scene("whitted")->at(0.0);
  const Bvh bvh = build_bvh(state.objects);
  const auto dir = std::filesystem::temp_directory_path();
  const std::string tag = std::to_string(::getpid());
  const auto json = dir / ("txray-interp-test-" + tag + ".json");
  const auto out = dir / ("txray-interp-test-" + tag + ".txt");
  {
    std::ofstream f(json);
    f << interp::kernel_scene_json(state, bvh, kWidth, kHeight);
  }
  const std::string cmd = "python3 '" + std::string(TXRAY_SOURCE_DIR) + "/assets/kernels/raytrace.py' '" + json.string() +
                          "' --out '" + out.string() + "' > /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  Film film(kWidth, kHeight);
  std::ifstream in(out);
  for (int y = 0; y < kHeight; ++y)
    for (int x = 0; x < kWidth; ++x) {
      double r = 0, g = 0, b = 0;
      ASSERT_TRUE(in >> r >> g >> b) << "short output at pixel " << x << "," << y;
      film.set(x, y, Vec3(static_cast<float>(r), static_cast<float>(g), static_cast<float>(b)));
    }
  std::filesystem::remove(json);
  std::filesystem::remove(out);
  const auto native = interp_test::render_native(state, kWidth, kHeight);
  const auto ties = interp_test::tie_pixels(state, kWidth, kHeight);
  const auto diff = interp_test::compare_rgba8_except(native.to_rgba8(), film.to_rgba8(), ties);
  EXPECT_LE(diff.differing * 1000, diff.pixels) << diff.differing << " of " << diff.pixels << " pixels (not at ties) differ (worst "
                                                << diff.worst << "/255)";
  // And python3 agrees with txray's own VM running the same file.
  const auto vm = interp_test::render_interp_plain(state, kWidth, kHeight);
  const auto same = interp_test::compare_rgba8(vm.to_rgba8(), film.to_rgba8(), 0);
  EXPECT_LE(same.differing, 1) << "python3 and the VM differ on " << same.differing << " pixels";
}

}  // namespace
}  // namespace txray
