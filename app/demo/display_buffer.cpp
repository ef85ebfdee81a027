#include "app/demo/display_buffer.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace txray::demo {

namespace {

// 4096 steps over [0, 1] are finer than 8-bit sRGB anywhere but the very
// darkest values, where the step is still below one output level.
constexpr int kTableSize = 4096;

const std::array<std::uint8_t, kTableSize + 1>& srgb_table() {
  static const auto table = [] {
    std::array<std::uint8_t, kTableSize + 1> t{};
    for (int i = 0; i <= kTableSize; ++i) t[static_cast<std::size_t>(i)] = encode_srgb8(static_cast<float>(i) / kTableSize);
    return t;
  }();
  return table;
}

}  // namespace

std::uint8_t srgb8_fast(float linear) {
  const float c = linear > 0.0f ? (linear < 1.0f ? linear : 1.0f) : 0.0f;  // NaN → 0
  return srgb_table()[static_cast<std::size_t>(c * kTableSize + 0.5f)];
}

DisplayBuffer::DisplayBuffer(int width, int height, int tile_size, PixelLayout layout)
    : width_(width), height_(height), grid_(width, height, tile_size), layout_(layout),
      pixels_(static_cast<std::size_t>(width) * static_cast<std::size_t>(height), 0u),
      tile_mutex_(std::make_unique<std::mutex[]>(static_cast<std::size_t>(grid_.count()))),
      fresh_(std::make_unique<std::atomic<bool>[]>(static_cast<std::size_t>(grid_.count()))) {
  const std::uint32_t black = 0xffu << layout_.a_shift;
  std::fill(pixels_.begin(), pixels_.end(), black);
  for (int i = 0; i < grid_.count(); ++i) fresh_[static_cast<std::size_t>(i)].store(true, std::memory_order_relaxed);
}

void DisplayBuffer::publish_tile(const Film& film, const Tile& tile) {
  if (tile.index < 0 || tile.index >= grid_.count() || film.width() != width_ || film.height() != height_) return;
  const auto t = static_cast<std::size_t>(tile.index);
  {
    std::lock_guard lock(tile_mutex_[t]);
    for (int y = tile.y0; y < tile.y1; ++y) {
      std::uint32_t* row = pixels_.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(width_);
      for (int x = tile.x0; x < tile.x1; ++x) {
        const Vec3 c = film.at(x, y);
        row[x] = (std::uint32_t{srgb8_fast(c.r)} << layout_.r_shift) | (std::uint32_t{srgb8_fast(c.g)} << layout_.g_shift) |
                 (std::uint32_t{srgb8_fast(c.b)} << layout_.b_shift) | (0xffu << layout_.a_shift);
      }
    }
  }
  fresh_[t].store(true, std::memory_order_release);
  frame_tiles_.fetch_add(1, std::memory_order_relaxed);
}

int DisplayBuffer::collect(std::span<std::uint32_t> dest, int* row_begin, int* row_end) {
  if (dest.size() < pixels_.size()) return 0;
  int copied = 0, y_lo = height_, y_hi = 0;
  for (int i = 0; i < grid_.count(); ++i) {
    const auto t = static_cast<std::size_t>(i);
    if (!fresh_[t].exchange(false, std::memory_order_acquire)) continue;
    const Tile tile = grid_.tile(i);
    std::lock_guard lock(tile_mutex_[t]);
    for (int y = tile.y0; y < tile.y1; ++y) {
      const std::size_t offset = static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(tile.x0);
      std::memcpy(dest.data() + offset, pixels_.data() + offset, static_cast<std::size_t>(tile.x1 - tile.x0) * sizeof(std::uint32_t));
    }
    y_lo = std::min(y_lo, tile.y0);
    y_hi = std::max(y_hi, tile.y1);
    ++copied;
  }
  if (row_begin) *row_begin = copied ? y_lo : 0;
  if (row_end) *row_end = copied ? y_hi : 0;
  return copied;
}

}  // namespace txray::demo
