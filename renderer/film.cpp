#include "renderer/film.h"

#include <algorithm>
#include <cmath>

#include <stb_image.h>
#include <stb_image_write.h>

#include "renderer/atomic_file.h"

namespace txray {

std::uint8_t encode_srgb8(float linear) {
  const float c = std::clamp(linear, 0.0f, 1.0f);
  const float encoded = c <= 0.0031308f ? 12.92f * c : 1.055f * std::pow(c, 1.0f / 2.4f) - 0.055f;
  return static_cast<std::uint8_t>(encoded * 255.0f + 0.5f);
}

std::vector<std::uint8_t> Film::to_rgba8() const {
  std::vector<std::uint8_t> out(linear_.size() * 4);
  for (std::size_t i = 0; i < linear_.size(); ++i) {
    out[4 * i + 0] = encode_srgb8(linear_[i].r);
    out[4 * i + 1] = encode_srgb8(linear_[i].g);
    out[4 * i + 2] = encode_srgb8(linear_[i].b);
    out[4 * i + 3] = 255;
  }
  return out;
}

std::string encode_png(int width, int height, const std::vector<std::uint8_t>& rgba) {
  std::string bytes;
  auto append = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
  };
  if (!stbi_write_png_to_func(append, &bytes, width, height, 4, rgba.data(), width * 4)) bytes.clear();
  return bytes;
}

std::string write_png(const std::filesystem::path& path, int width, int height,
                      const std::vector<std::uint8_t>& rgba) {
  if (width <= 0 || height <= 0 || rgba.size() != static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4)
    return path.string() + ": internal error: image size does not match its pixels";
  const std::string bytes = encode_png(width, height, rgba);
  if (bytes.empty()) return path.string() + ": cannot write PNG: the encoder failed";
  if (const std::string why = write_file_atomically(path, bytes); !why.empty())
    return path.string() + ": cannot write PNG: " + why;
  return {};
}

Rgba8Image read_png(const std::filesystem::path& path, std::string& error) {
  Rgba8Image image;
  int channels = 0;
  unsigned char* data = stbi_load(path.string().c_str(), &image.width, &image.height, &channels, 4);
  if (!data) {
    error = path.string() + ": cannot read image: " + stbi_failure_reason();
    image.width = image.height = 0;
    return image;
  }
  image.pixels.assign(data, data + static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 4);
  stbi_image_free(data);
  return image;
}

}  // namespace txray
