#pragma once
/// A frame rendered on a synchronisation backend: every tile (or every
/// `unit_pixels` pixels of a tile) is one unit of work, `backend.run`, and
/// every object, material, light and camera read inside it goes through the
/// backend's read barrier. The knobs here are the workload dimensions of the
/// benchmark: unit size, how the rays-traced statistic is kept, and I/O
/// inside units.
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "renderer/render.h"
#include "renderer/shared_scene.h"

namespace txray {

enum class CounterMode {
  sharded,  ///< per worker, outside the shared state: what a careful programmer writes
  shared,   ///< one shared cell, read-modify-written by every unit: the naive program
  commute,  ///< one shared cell, updated with commute_add (STM applies it at commit)
};

/// Where units write their log lines (the --log-every knob). Writing is real
/// I/O on a real file: it is what makes an STM unit inevitable and what a
/// GIL holder releases the lock around.
class UnitLog {
 public:
  explicit UnitLog(std::FILE* file) : file_(file) {}
  void write(int worker, int tile, std::uint64_t rays) {
    std::fprintf(file_, "unit worker=%d tile=%d rays=%" PRIu64 "\n", worker, tile, rays);
    std::fflush(file_);
  }

 private:
  std::FILE* file_;
};

struct UnitOptions {
  int unit_pixels = 0;  ///< pixels per unit; 0 = the whole tile
  CounterMode counters = CounterMode::sharded;
  int log_every = 0;        ///< every Nth unit of a worker writes a log line; 0 = never
  UnitLog* log = nullptr;   ///< required when log_every > 0
  /// The fix for logging inside units: the line is written after the unit
  /// has committed, outside run(), so it no longer makes the unit inevitable.
  bool log_outside = false;
  /// Called on the worker once all of a tile's pixels are in the film (a
  /// window shows tiles as they finish); per tile, never per ray.
  std::function<void(const Tile&)> tile_done;
  /// When set, indexed by Tile::index: each unit adds the time it lost to
  /// aborts or waits (the backend's attribution; 0 when it is off). The
  /// conflict heatmap of `txray render --heatmap` and the demo's T key.
  std::atomic<std::uint64_t>* tile_lost_ns = nullptr;
};

/// Renders one frame of `scene` on `backend`, the engine being `Kernel`
/// (NativeKernel in render.h, InterpKernel in interp/interp_render.h).
/// `bvh` must bound every object for as long as the frame lasts (see
/// scenes/animator.h). Returns the frame's wall time and the rays traced
/// by committed units.
template <class Backend, class Kernel = NativeKernel>
FrameStats render_frame_on(Backend& backend, SharedScene<Backend>& scene, const Bvh& bvh, Film& film,
                           TileScheduler& scheduler, const TileGrid& grid, TileOrder order, const UnitOptions& options) {
  struct alignas(64) WorkerTally {
    std::uint64_t rays = 0;
    std::uint64_t units = 0;
  };
  const auto start = std::chrono::steady_clock::now();
  const TraceSetup setup{&bvh, scene.background(), scene.max_depth()};
  // Kept by the calling thread from frame to frame, so that a steady-state
  // frame allocates nothing (each call starts it from zero). The workers
  // reach it through `tally`, a plain reference: naming the thread_local
  // inside their lambda would give each worker its own, empty one.
  thread_local std::vector<WorkerTally> tally_of_this_thread;
  std::vector<WorkerTally>& tally = tally_of_this_thread;
  tally.assign(static_cast<std::size_t>(scheduler.threads()), WorkerTally{});
  scheduler.for_each_worker(grid, order, [&](int worker, auto& next_tile) {
    const auto w = static_cast<std::size_t>(worker);
    sync::Session<Backend> session(backend, w);
    sync::set_unit_kind(backend, w, sync::UnitKind::render_tile);  // names this side of its conflicts
    while (const std::optional<Tile> tile = next_tile()) {
      const int pixels = tile->pixels();
      const int step = options.unit_pixels > 0 ? options.unit_pixels : pixels;
      for (int begin = 0; begin < pixels; begin += step) {
        const int end = std::min(pixels, begin + step);
        const bool log_this = options.log_every > 0 && (tally[w].units + 1) % static_cast<std::uint64_t>(options.log_every) == 0;
        const std::uint64_t rays = backend.run(w, [&](typename Backend::Unit& unit) {
          BackendSceneAccess<Backend> access(unit, scene);
          const std::uint64_t traced = Kernel::render(access, setup, *tile, begin, end, film);
          switch (options.counters) {
            case CounterMode::sharded: break;
            case CounterMode::shared: unit.write(scene.rays_traced(), unit.read(scene.rays_traced()) + traced); break;
            case CounterMode::commute: unit.commute_add(scene.rays_traced(), traced); break;
          }
          if (log_this && !options.log_outside) unit.io([&] { options.log->write(worker, tile->index, traced); });
          return traced;
        });
        if (log_this && options.log_outside) options.log->write(worker, tile->index, rays);
        tally[w].rays += rays;
        ++tally[w].units;
        if (options.tile_lost_ns)
          options.tile_lost_ns[tile->index].fetch_add(sync::last_unit_lost_ns(backend, w), std::memory_order_relaxed);
      }
      if (options.tile_done) options.tile_done(*tile);
    }
  });
  FrameStats stats;
  for (const WorkerTally& t : tally) stats.rays += t.rays;
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

}  // namespace txray
