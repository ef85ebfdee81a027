#pragma once
/// Overlay text: a TrueType font baked by stb_truetype into an alpha atlas
/// (Latin-1, so "·" and "×" print), uploaded once as an SDL texture and
/// drawn glyph by glyph with colour modulation. Re-baked when the window's
/// size asks for another pixel height, so text stays sharp when large.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <SDL.h>
#include <stb_truetype.h>

namespace txray::demo {

class Font {
 public:
  Font() = default;
  ~Font();
  Font(const Font&) = delete;
  Font& operator=(const Font&) = delete;

  /// Reads the TTF file; "" on success, else a message naming the file.
  [[nodiscard]] std::string load(const std::filesystem::path& path);
  /// Bakes the atlas at `pixel_height` (no-op when already that size).
  /// "" on success.
  [[nodiscard]] std::string bake(SDL_Renderer* renderer, int pixel_height);

  [[nodiscard]] int pixel_height() const { return pixel_height_; }
  [[nodiscard]] int line_height() const { return line_height_; }
  /// Width in pixels of UTF-8 `text`.
  [[nodiscard]] int width(std::string_view text) const;
  /// Draws UTF-8 `text` with its top-left at (x, y); returns the width.
  int draw(SDL_Renderer* renderer, int x, int y, std::string_view text, SDL_Color color) const;

 private:
  static constexpr int kFirst = 32, kCount = 224;  // U+0020 … U+00FF
  std::vector<unsigned char> ttf_;
  stbtt_fontinfo info_{};
  std::vector<stbtt_bakedchar> glyphs_ = std::vector<stbtt_bakedchar>(kCount);
  SDL_Texture* atlas_ = nullptr;
  int atlas_w_ = 0, atlas_h_ = 0;
  int pixel_height_ = 0, line_height_ = 0, ascent_ = 0;
};

/// Decodes the next code point of UTF-8 `text` at `i` (advancing it);
/// malformed bytes come out as '?'.
[[nodiscard]] std::uint32_t next_code_point(std::string_view text, std::size_t& i);

}  // namespace txray::demo
