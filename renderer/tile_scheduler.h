#pragma once
/// Cuts the image into square tiles and runs one callback per tile on a
/// oneTBB arena of a chosen size. Every pixel is computed independently,
/// so neither the thread count, the tile size nor the order in which tiles
/// are handed out changes a single byte of the image.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

namespace txray {

struct Tile {
  int x0, y0, x1, y1;  ///< pixel rectangle [x0, x1) × [y0, y1)
  int index;           ///< position in row-major tile order
  [[nodiscard]] int pixels() const { return (x1 - x0) * (y1 - y0); }
};

class TileGrid {
 public:
  TileGrid(int width, int height, int tile_size);
  [[nodiscard]] int count() const { return columns_ * rows_; }
  [[nodiscard]] int tile_size() const { return tile_size_; }
  [[nodiscard]] Tile tile(int index) const;

 private:
  int width_, height_, tile_size_, columns_, rows_;
};

/// The default tile edge (16) halved until every thread gets at least eight
/// tiles, so load balances even on small images; never below 4.
[[nodiscard]] int default_tile_size(int width, int height, int threads);

/// The order in which tiles are handed out. Only tests and the curious
/// change it: the image must not depend on it.
enum class TileOrder { row_major, reversed, shuffled };

class TileScheduler {
 public:
  /// `threads` = 0 means one per core.
  explicit TileScheduler(int threads);
  [[nodiscard]] int threads() const { return threads_; }

  /// Calls f(tile, worker) once per tile, worker in [0, threads()).
  template <class F>
  void for_each_tile(const TileGrid& grid, TileOrder order, F&& f) {
    const std::vector<int>& sequence = order_for(grid.count(), order);
    arena_.execute([&] {
      oneapi::tbb::parallel_for(
          oneapi::tbb::blocked_range<int>(0, grid.count(), 1),
          [&](const oneapi::tbb::blocked_range<int>& range) {
            const int worker = oneapi::tbb::this_task_arena::current_thread_index();
            for (int k = range.begin(); k != range.end(); ++k) f(grid.tile(sequence[static_cast<std::size_t>(k)]), worker);
          },
          oneapi::tbb::simple_partitioner());
    });
  }

  /// Runs body(worker, next_tile) once on each thread of the arena, where
  /// next_tile() returns the next unclaimed tile (std::optional<Tile>) until
  /// none is left. Like the worker threads of the Python benchmarks pulling
  /// from a queue: a worker runs many units in a row, which is what lets a
  /// GIL holder keep the lock between units (see concurrency/gil_backend.hpp).
  template <class F>
  void for_each_worker(const TileGrid& grid, TileOrder order, F&& body) {
    const std::vector<int>& sequence = order_for(grid.count(), order);
    std::atomic<int> next{0};
    auto next_tile = [&]() -> std::optional<Tile> {
      const int k = next.fetch_add(1, std::memory_order_relaxed);
      if (k >= grid.count()) return std::nullopt;
      return grid.tile(sequence[static_cast<std::size_t>(k)]);
    };
    arena_.execute([&] {
      oneapi::tbb::parallel_for(
          oneapi::tbb::blocked_range<int>(0, threads_, 1),
          [&](const oneapi::tbb::blocked_range<int>&) {
            body(oneapi::tbb::this_task_arena::current_thread_index(), next_tile);
          },
          oneapi::tbb::simple_partitioner());
    });
  }

 private:
  const std::vector<int>& order_for(int count, TileOrder order);

  int threads_;
  // TBB's pool has one thread per core; more threads than cores (a
  // measurement of oversubscription) needs the process-wide limit raised.
  std::unique_ptr<oneapi::tbb::global_control> pool_limit_;
  oneapi::tbb::task_arena arena_;
  std::vector<int> sequence_;
  int sequence_count_ = -1;
  TileOrder sequence_order_ = TileOrder::row_major;
};

/// Number of hardware threads oneTBB sees.
[[nodiscard]] int hardware_threads();

}  // namespace txray
