#pragma once
/// Rendering a frame: one unit of work per tile. render_tile is the kernel
/// entry a synchronisation backend wraps; render_frame is the plain,
/// single-owner path used by `txray render`.
#include <cstdint>

#include "renderer/bvh.h"
#include "renderer/camera.h"
#include "renderer/film.h"
#include "renderer/tile_scheduler.h"
#include "renderer/whitted.h"

#if defined(__SSE__) || defined(__x86_64__)
#include <pmmintrin.h>
#include <xmmintrin.h>
#endif

namespace txray {

/// Flushes denormals to zero while a render unit runs (Embree's advice:
/// denormal arithmetic is up to 100× slower and changes no visible pixel),
/// restoring the thread's previous mode afterwards.
class FlushDenormals {
 public:
#if defined(__SSE__) || defined(__x86_64__)
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040u); }  // FTZ | DAZ
  ~FlushDenormals() { _mm_setcsr(saved_); }
 private:
  unsigned saved_;
#endif
 public:
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;
};

/// Renders the pixels of `tile` into `film`; returns the rays traced
/// (primary, secondary and shadow).
template <class Access>
std::uint64_t render_tile(Access& scene, const TraceSetup& setup, const Tile& tile, Film& film) {
  FlushDenormals ftz;
  const CameraRays camera(scene.camera(), film.width(), film.height());
  WhittedTracer<Access> tracer(scene, setup);
  for (int y = tile.y0; y < tile.y1; ++y)
    for (int x = tile.x0; x < tile.x1; ++x) film.set(x, y, tracer.trace(camera.primary(x, y), 0));
  return tracer.rays();
}

struct FrameStats {
  double seconds = 0.0;    ///< wall time of the frame, BVH build included
  std::uint64_t rays = 0;  ///< every ray traced
  [[nodiscard]] double mrays_per_second() const { return seconds > 0.0 ? static_cast<double>(rays) / seconds * 1e-6 : 0.0; }
};

struct RenderOptions {
  int tile_size = 16;
  TileOrder order = TileOrder::row_major;
};

/// Renders `state` into `film` with plain reads (nothing writes meanwhile).
FrameStats render_frame(const SceneState& state, Film& film, TileScheduler& scheduler, const RenderOptions& options);

}  // namespace txray
