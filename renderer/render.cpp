#include "renderer/render.h"

#include <chrono>
#include <vector>

namespace txray {
namespace {
// One per worker, on its own cache line, summed after the frame.
struct alignas(64) RayCount {
  std::uint64_t rays = 0;
};
}  // namespace

FrameStats render_frame(const SceneState& state, Film& film, TileScheduler& scheduler, const RenderOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const Bvh bvh = build_bvh(state.objects);
  const TraceSetup setup{&bvh, state.background, state.max_depth};
  std::vector<RayCount> counts(static_cast<std::size_t>(scheduler.threads()));
  const TileGrid grid(film.width(), film.height(), options.tile_size);
  scheduler.for_each_tile(grid, options.order, [&](const Tile& tile, int worker) {
    PlainSceneAccess scene(state);
    counts[static_cast<std::size_t>(worker)].rays += NativeKernel::render(scene, setup, tile, 0, tile.pixels(), film);
    if (options.tile_done) options.tile_done(tile);
  });
  FrameStats stats;
  for (const RayCount& c : counts) stats.rays += c.rays;
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

}  // namespace txray
