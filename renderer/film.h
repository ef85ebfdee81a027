#pragma once
/// The image being rendered: linear float RGB per pixel, turned into
/// gamma-encoded RGBA8 for display and PNG. Tiles are disjoint, so units
/// write their own pixels without synchronisation.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "renderer/scene_state.h"

namespace txray {

class Film {
 public:
  Film(int width, int height)
      : width_(width), height_(height), linear_(static_cast<std::size_t>(width) * static_cast<std::size_t>(height)) {}

  [[nodiscard]] int width() const { return width_; }
  [[nodiscard]] int height() const { return height_; }
  void set(int x, int y, Vec3 color) { linear_[static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x)] = color; }
  [[nodiscard]] Vec3 at(int x, int y) const { return linear_[static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x)]; }

  /// sRGB-encoded, clamped, 4 bytes per pixel (R, G, B, 255), rows top-down.
  [[nodiscard]] std::vector<std::uint8_t> to_rgba8() const;

 private:
  int width_, height_;
  std::vector<Vec3> linear_;
};

/// One linear channel value to an sRGB byte.
[[nodiscard]] std::uint8_t encode_srgb8(float linear);

/// RGBA8 pixels as the bytes of a PNG file; empty if the encoder fails.
[[nodiscard]] std::string encode_png(int width, int height, const std::vector<std::uint8_t>& rgba);

/// Writes RGBA8 pixels as PNG, whole or not at all (write_file_atomically).
/// Returns an empty string on success, else a message naming the file.
[[nodiscard]] std::string write_png(const std::filesystem::path& path, int width, int height,
                                    const std::vector<std::uint8_t>& rgba);

struct Rgba8Image {
  int width = 0, height = 0;
  std::vector<std::uint8_t> pixels;  ///< RGBA, rows top-down
};

/// Reads a PNG as RGBA8; on failure returns an image of size 0 and sets `error`.
[[nodiscard]] Rgba8Image read_png(const std::filesystem::path& path, std::string& error);

}  // namespace txray
