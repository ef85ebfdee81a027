#include "renderer/tile_scheduler.h"

#include <algorithm>
#include <numeric>

#include <oneapi/tbb/info.h>

#include "renderer/random.h"

namespace txray {

TileGrid::TileGrid(int width, int height, int tile_size)
    : width_(width), height_(height), tile_size_(tile_size),
      columns_((width + tile_size - 1) / tile_size), rows_((height + tile_size - 1) / tile_size) {}

Tile TileGrid::tile(int index) const {
  const int column = index % columns_, row = index / columns_;
  const int x0 = column * tile_size_, y0 = row * tile_size_;
  return {x0, y0, std::min(x0 + tile_size_, width_), std::min(y0 + tile_size_, height_), index};
}

int default_tile_size(int width, int height, int threads) {
  int size = 16;
  while (size > 4) {
    const long long tiles = static_cast<long long>((width + size - 1) / size) * ((height + size - 1) / size);
    if (tiles >= 8LL * threads) break;
    size /= 2;
  }
  return size;
}

int hardware_threads() { return oneapi::tbb::info::default_concurrency(); }

TileScheduler::TileScheduler(int threads)
    : threads_(threads > 0 ? threads : hardware_threads()) {
  if (threads_ > hardware_threads())
    pool_limit_ = std::make_unique<oneapi::tbb::global_control>(
        oneapi::tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads_));
  arena_.initialize(threads_);
}

const std::vector<int>& TileScheduler::order_for(int count, TileOrder order) {
  if (count == sequence_count_ && order == sequence_order_) return sequence_;
  sequence_.resize(static_cast<std::size_t>(count));
  std::iota(sequence_.begin(), sequence_.end(), 0);
  if (order == TileOrder::reversed) std::reverse(sequence_.begin(), sequence_.end());
  if (order == TileOrder::shuffled) {
    Pcg32 rng(0x7469'6c65);  // fixed: "tile"
    for (std::size_t i = sequence_.size(); i > 1; --i)
      std::swap(sequence_[i - 1], sequence_[rng.next_u32() % i]);
  }
  sequence_count_ = count;
  sequence_order_ = order;
  return sequence_;
}

}  // namespace txray
