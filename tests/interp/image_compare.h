#pragma once
// Shared by the agreement tests: render a scene natively or interpreted at
// a small size, and count pixels that differ by more than a tolerance.
#include <cstdlib>
#include <string>
#include <vector>

#include "renderer/bvh.h"
#include "renderer/film.h"
#include "renderer/interp/interp_render.h"
#include "renderer/render.h"
#include "renderer/scene_access.h"
#include "renderer/tile_scheduler.h"
#include "scenes/scene.h"

namespace txray::interp_test {

struct ImageDiff {
  int differing = 0;  ///< pixels with some channel off by more than the tolerance
  int pixels = 0;
  int worst = 0;      ///< largest channel difference, in 1/255
};

inline ImageDiff compare_rgba8(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b, int tolerance = 2) {
  ImageDiff d;
  d.pixels = static_cast<int>(a.size() / 4);
  for (std::size_t p = 0; p + 3 < a.size() && p + 3 < b.size(); p += 4) {
    int worst = 0;
    for (std::size_t c = 0; c < 3; ++c) worst = std::max(worst, std::abs(int(a[p + c]) - int(b[p + c])));
    if (worst > tolerance) ++d.differing;
    d.worst = std::max(d.worst, worst);
  }
  return d;
}

/// The interpreted kernel on plain reads, tile by tile on this thread.
inline Film render_interp_plain(const SceneState& state, int width, int height, int tile_size = 16) {
  Film film(width, height);
  const Bvh bvh = build_bvh(state.objects);
  const TraceSetup setup{&bvh, state.background, state.max_depth};
  PlainSceneAccess access(state);
  const TileGrid grid(width, height, tile_size);
  for (int i = 0; i < grid.count(); ++i) {
    const Tile tile = grid.tile(i);
    (void)InterpKernel::render(access, setup, tile, 0, tile.pixels(), film);
  }
  return film;
}

/// Pixels decided by an exact tie: those the interpreted image changes
/// (beyond `tolerance`) when the camera moves 1e-5 one way or the other
/// along x (along one axis only: a diagonal nudge near the horizon moves a
/// checkerboard hit across two cell lines at once and hides the tie).
/// At an exact tie (two surfaces at the same t, a hit point exactly on a
/// checker line) rounding picks the answer, and float (native) and double
/// (interp) round differently; nowhere else may they disagree.
inline std::vector<bool> tie_pixels(const SceneState& state, int width, int height, int tolerance = 2) {
  SceneState plus = state, minus = state;
  plus.camera.position.x += 1e-5f;
  minus.camera.position.x -= 1e-5f;
  const auto a = render_interp_plain(plus, width, height).to_rgba8();
  const auto b = render_interp_plain(minus, width, height).to_rgba8();
  std::vector<bool> tie(a.size() / 4);
  for (std::size_t p = 0; p < tie.size(); ++p)
    for (std::size_t c = 0; c < 3; ++c) tie[p] = tie[p] || std::abs(int(a[4 * p + c]) - int(b[4 * p + c])) > tolerance;
  return tie;
}

/// compare_rgba8, not counting pixels where `excused` is set.
inline ImageDiff compare_rgba8_except(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b,
                                      const std::vector<bool>& excused, int tolerance = 2) {
  ImageDiff d;
  d.pixels = static_cast<int>(a.size() / 4);
  for (std::size_t p = 0; p < excused.size(); ++p) {
    if (excused[p]) continue;
    int worst = 0;
    for (std::size_t c = 0; c < 3; ++c) worst = std::max(worst, std::abs(int(a[4 * p + c]) - int(b[4 * p + c])));
    if (worst > tolerance) ++d.differing;
    d.worst = std::max(d.worst, worst);
  }
  return d;
}

inline Film render_native(const SceneState& state, int width, int height) {
  Film film(width, height);
  TileScheduler scheduler(1);
  (void)render_frame(state, film, scheduler, {16, TileOrder::row_major});
  return film;
}

}  // namespace txray::interp_test
