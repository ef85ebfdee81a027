// interp agrees with native on every built-in scene without meshes (at most 0.1% of pixels
// off by more than 2/255: double against float may flip a silhouette pixel),
// and interp through every backend is the image of interp on plain reads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "concurrency/backends.hpp"
#include "renderer/backend_render.h"
#include "tests/interp/image_compare.h"

namespace txray {
namespace {

using interp_test::compare_rgba8;

constexpr int kWidth = 80, kHeight = 60;

class InterpAgreement : public ::testing::TestWithParam<std::string> {};

TEST_P(InterpAgreement, MatchesNativeWithinTolerance) {
  const SceneDescription scene = *builtin_scene(GetParam());
  const SceneState state = scene.at(0.0);
  const Film native = interp_test::render_native(state, kWidth, kHeight);
  const Film interp = interp_test::render_interp_plain(state, kWidth, kHeight);
  const auto diff = compare_rgba8(native.to_rgba8(), interp.to_rgba8());
  if (const char* dir = std::getenv("TXRAY_INTERP_DUMP")) {  // to look at a failure
    (void)write_png(std::string(dir) + "/" + GetParam() + "-native.png", kWidth, kHeight, native.to_rgba8());
    (void)write_png(std::string(dir) + "/" + GetParam() + "-interp.png", kWidth, kHeight, interp.to_rgba8());
  }
  // Every pixel that is not an exact tie must agree; ties may go either way.
  const std::vector<bool> ties = interp_test::tie_pixels(state, kWidth, kHeight);
  const auto rest = interp_test::compare_rgba8_except(native.to_rgba8(), interp.to_rgba8(), ties);
  const auto tie_count = std::count(ties.begin(), ties.end(), true);
  EXPECT_LE(rest.differing * 1000, rest.pixels)
      << rest.differing << " of " << rest.pixels << " pixels (not at ties) differ by more than 2/255 (worst " << rest.worst
      << "/255); with the " << tie_count << " tie pixels: " << diff.differing;
  // Ties are few: a line or a scatter of pixels, never a region.
  EXPECT_LE(tie_count * 20, diff.pixels);
  RecordProperty("differing_pixels_all", diff.differing);
  RecordProperty("tie_pixels", static_cast<int>(tie_count));
  std::printf("[ interp ] %s %dx%d: %d of %d pixels differ > 2/255 (%.2f%%); %ld tie pixels; %d differ outside ties\n",
              GetParam().c_str(), kWidth, kHeight, diff.differing, diff.pixels, 100.0 * diff.differing / diff.pixels,
              static_cast<long>(tie_count), rest.differing);
}

// The built-ins the interpreted engine renders: all but `bunnies`, the one
// with meshes, which it refuses (Harness.InterpretedEngineRefusesMeshes).
// By name, so that listing them builds no mesh: that runs oneTBB threads,
// which this suite must not start under ThreadSanitizer.
std::vector<std::string> scenes_without_meshes() {
  std::vector<std::string> out = builtin_scene_names();
  out.erase(std::remove(out.begin(), out.end(), "bunnies"), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(BuiltinScenes, InterpAgreement, ::testing::ValuesIn(scenes_without_meshes()),
                         [](const auto& info) { return info.param; });

TEST(InterpAgreement, CountsTheRaysNativeCounts) {
  const SceneState state = builtin_scene("whitted")->at(0.0);
  Film film(kWidth, kHeight);
  TileScheduler scheduler(1);
  const FrameStats native = render_frame(state, film, scheduler, {16, TileOrder::row_major});
  const Bvh bvh = build_bvh(state.objects);
  const TraceSetup setup{&bvh, state.background, state.max_depth};
  PlainSceneAccess access(state);
  const TileGrid grid(kWidth, kHeight, 16);
  std::uint64_t rays = 0;
  for (int i = 0; i < grid.count(); ++i) {
    const Tile t = grid.tile(i);
    rays += InterpKernel::render(access, setup, t, 0, t.pixels(), film);
  }
  // Equal but for the rays of the rare pixels that flip.
  EXPECT_NEAR(static_cast<double>(rays), static_cast<double>(native.rays), 0.002 * static_cast<double>(native.rays));
}

template <class B>
Film render_interp_on(const SceneState& state, int threads, int unit_pixels) {
  B backend(static_cast<std::size_t>(threads));
  SharedScene<B> shared(state);
  const Bvh bvh = build_bvh(state.objects);
  Film film(kWidth, kHeight);
  TileScheduler scheduler(threads);
  const TileGrid grid(kWidth, kHeight, 16);
  UnitOptions options;
  options.unit_pixels = unit_pixels;
  (void)render_frame_on<B, InterpKernel>(backend, shared, bvh, film, scheduler, grid, TileOrder::shuffled, options);
  return film;
}

template <class B>
void expect_backend_matches_plain(const char* scene_name) {
  const SceneState state = builtin_scene(scene_name)->at(0.0);
  const auto plain = interp_test::render_interp_plain(state, kWidth, kHeight).to_rgba8();
  for (const auto& [threads, unit] : {std::pair{1, 0}, std::pair{2, 0}, std::pair{2, 37}}) {
    const auto image = render_interp_on<B>(state, threads, unit).to_rgba8();
    EXPECT_EQ(image, plain) << B::kName << " with " << threads << " threads, unit " << unit << " on " << scene_name;
  }
}

TEST(InterpOnBackends, GilMatchesPlain) { expect_backend_matches_plain<sync::GilBackend>("whitted"); }
TEST(InterpOnBackends, FineMatchesPlain) { expect_backend_matches_plain<sync::FineBackend>("whitted"); }
TEST(InterpOnBackends, StmMatchesPlain) { expect_backend_matches_plain<sync::StmBackend>("whitted"); }
TEST(InterpOnBackends, SnapshotMatchesPlain) { expect_backend_matches_plain<sync::SnapshotBackend>("whitted"); }
TEST(InterpOnBackends, StmbenchOnGilMatchesPlain) { expect_backend_matches_plain<sync::GilBackend>("stmbench"); }

}  // namespace
}  // namespace txray
