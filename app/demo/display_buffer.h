#pragma once
/// The picture as the window shows it, filled tile by tile while a frame
/// renders. A render worker converts its finished tile (UnitOptions::
/// tile_done) straight into the window texture's pixel layout; the UI
/// thread copies finished tiles out. Each tile has its own mutex, held for
/// a few hundred pixels on either side, so the UI never reads a pixel that
/// is being written and a worker never waits for more than one tile copy.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "renderer/film.h"
#include "renderer/tile_scheduler.h"

namespace txray::demo {

/// Where each 8-bit channel sits in a 32-bit pixel (the window texture's
/// native format, e.g. ARGB8888: a 24, r 16, g 8, b 0).
struct PixelLayout {
  int r_shift = 16, g_shift = 8, b_shift = 0, a_shift = 24;
};

class DisplayBuffer {
 public:
  DisplayBuffer(int width, int height, int tile_size, PixelLayout layout);

  [[nodiscard]] int width() const { return width_; }
  [[nodiscard]] int height() const { return height_; }

  /// Render worker: `tile` of `film` is complete.
  void publish_tile(const Film& film, const Tile& tile);
  /// UI thread: copies every tile published since the last call into
  /// `dest` (width × height pixels, rows top-down). Returns how many; the
  /// rows they cover are [*row_begin, *row_end) when those are given.
  int collect(std::span<std::uint32_t> dest, int* row_begin = nullptr, int* row_end = nullptr);

  /// Progress of the frame in flight: tiles published since begin_frame().
  void begin_frame() { frame_tiles_.store(0, std::memory_order_relaxed); }
  [[nodiscard]] int frame_tiles() const { return frame_tiles_.load(std::memory_order_relaxed); }
  [[nodiscard]] int tile_count() const { return grid_.count(); }

 private:
  int width_, height_;
  TileGrid grid_;
  PixelLayout layout_;
  std::vector<std::uint32_t> pixels_;
  std::unique_ptr<std::mutex[]> tile_mutex_;
  std::unique_ptr<std::atomic<bool>[]> fresh_;
  std::atomic<int> frame_tiles_{0};
};

/// Linear float to an sRGB byte by table: the film holds linear light and
/// this runs for every pixel of every frame on the render workers.
[[nodiscard]] std::uint8_t srgb8_fast(float linear);

}  // namespace txray::demo
