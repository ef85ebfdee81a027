#pragma once
/// Rendering: NativeKernel::render is the compiled kernel's one entry, a
/// span of a tile's pixels (a synchronisation backend wraps each span in a
/// unit, backend_render.h); render_frame is the plain, single-owner path
/// used by `txray render`.
#include <cstdint>
#include <functional>

#include "concurrency/dcheck.hpp"
#include "concurrency/gil_backend.hpp"  // kTicksPerBytecode: the unit of the eval breaker's work
#include "renderer/bvh.h"
#include "renderer/camera.h"
#include "renderer/film.h"
#include "renderer/packet.h"
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

/// The compiled engine. An engine is a type with one static `render`, so
/// that render_frame_on (backend_render.h) picks it once per frame as its
/// `Kernel` parameter; renderer/interp/interp_render.h has InterpKernel.
struct NativeKernel {
  /// Renders pixels [begin, end) of `tile` (row-major inside the tile;
  /// 0, tile.pixels() is the whole tile) into `film`; returns the rays
  /// traced (primary, secondary and shadow). Primary rays go eight at a
  /// time through the packet traversal (consecutive pixels of a span are
  /// neighbours, so a packet is coherent, and each object it tests is read
  /// once for eight rays), and so are their shadow, mirror and refracted
  /// rays (WhittedTracer::shade_packet), with AVX2 or, without it, the
  /// portable SSE packets (kernel_bench measures both against single
  /// rays). The packets' answers are bit-identical to closest_hit's and
  /// occluded's, so is the image. No allocation: everything lives on the
  /// stack.
  ///
  /// After each packet it calls the access's eval breaker, when it has one
  /// that counts work, with the packet's rays at kEvalTicksPerRay each: the
  /// compiled engine stands for PyPy's JIT running the same kernel, whose
  /// periodic action (the GIL's yield under PyPy's policy) is driven by
  /// loop iterations, not by units.
  template <class Access>
  static std::uint64_t render(Access& scene, const TraceSetup& setup, const Tile& tile, int begin, int end, Film& film);
};

/// What one traced ray takes off PyPy's periodic-action ticker: the work
/// PyPy does in the time this engine takes for a ray, since the GIL's
/// clocks (system calls, the stealer's 0.1 ms wait) run in time. A pypy3
/// ray of assets/kernels/raytrace.py is 81 loop iterations (sys.settrace's
/// count of back-edges) of 100 ticks (interp_jit.py, a long trace's), 8,100
/// ticks, and takes as long as 56 of this engine's rays traced one at a
/// time (spheres, a unit per ray, as pypy3 traces them); 8,100 / 56 = 144
/// makes PyPy's action come every ~2.2 ms, as in pypy3. The measurement:
/// docs/reading-the-numbers.md, "How the pypy model counts work".
inline constexpr std::uint64_t kEvalTicksPerRay = 144;

template <class Access>
std::uint64_t NativeKernel::render(Access& scene, const TraceSetup& setup, const Tile& tile, int begin, int end,
                                   Film& film) {
  TXRAY_DCHECK(0 <= begin && begin <= end && end <= tile.pixels(), "span [%d, %d) of a %d-pixel tile", begin, end,
               tile.pixels());
  FlushDenormals ftz;
  const CameraRays camera(scene.camera(), film.width(), film.height());
  WhittedTracer<Access> tracer(scene, setup);
  const int tile_width = tile.x1 - tile.x0;
  const PacketIsa isa = detected_packet_isa();
  RayPacket packet;
  HitPacket hits;
  for (int k0 = begin; k0 < end; k0 += kPacketSize) {
    packet.count = std::min(kPacketSize, end - k0);
    for (int l = 0; l < packet.count; ++l) {
      const int k = k0 + l;
      packet.set(l, camera.primary(tile.x0 + k % tile_width, tile.y0 + k / tile_width));
    }
    const std::uint64_t rays_before = tracer.rays();
    closest_hit_packet(scene, *setup.bvh, packet, 0.0f, hits, isa);
    tracer.count_rays(static_cast<std::uint64_t>(packet.count));
    Vec3 colors[kPacketSize];
    tracer.shade_packet(packet, hits, 0, colors);
    for (int l = 0; l < packet.count; ++l) {
      const int k = k0 + l;
      film.set(tile.x0 + k % tile_width, tile.y0 + k / tile_width, colors[l]);
    }
    // After the packet's pixels are in the film: a hand-over here splits
    // the unit between packets, never inside one.
    if constexpr (requires(std::uint64_t t) { scene.eval_breaker(t); })
      scene.eval_breaker((tracer.rays() - rays_before) * kEvalTicksPerRay);
  }
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
  /// Called on the worker once a tile is in the film (as UnitOptions::tile_done):
  /// the watchdog's sign of life within a long frame.
  std::function<void(const Tile&)> tile_done{};
};

/// Renders `state` into `film` with plain reads (nothing writes meanwhile).
FrameStats render_frame(const SceneState& state, Film& film, TileScheduler& scheduler, const RenderOptions& options);

}  // namespace txray
