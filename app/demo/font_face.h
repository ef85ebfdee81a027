#pragma once
/// The overlay font without SDL: a font file read by FreeType, a library
/// made for fonts from anywhere (browsers hand it whatever a web page
/// names), checked to be a usable scalable font, and rasterised into an
/// alpha atlas of Latin-1 (U+0020 … U+00FF, so "·" and "×" print) and a few
/// punctuation marks beyond it ("—"). font.h
/// uploads the atlas as an SDL texture; fuzz/font_loader_fuzz.cpp feeds
/// this arbitrary bytes.
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace txray::demo {

struct Glyph {
  int x = 0, y = 0, w = 0, h = 0;  ///< its rectangle in the atlas
  int left = 0, top = 0;           ///< bitmap offset from the pen, top above the baseline
  int advance = 0;                 ///< pen advance in pixels
};

struct GlyphAtlas {
  static constexpr int kFirst = 32, kLatin = 224;  // U+0020 … U+00FF
  /// Beyond Latin-1: en dash, em dash ("—": not measured yet), ellipsis, arrow.
  static constexpr std::uint32_t kExtras[] = {0x2013, 0x2014, 0x2026, 0x2192};
  static constexpr int kCount = kLatin + static_cast<int>(std::size(kExtras));
  [[nodiscard]] static std::uint32_t code_point(int index);
  int width = 0, height = 0;
  std::vector<unsigned char> alpha;  ///< width × height coverage
  std::vector<Glyph> glyphs = std::vector<Glyph>(kCount);
  int pixel_height = 0, ascent = 0, line_height = 0;

  /// Width in pixels of UTF-8 `text` (characters outside Latin-1 as '?').
  [[nodiscard]] int width_of(std::string_view text) const;
  [[nodiscard]] const Glyph& glyph(std::uint32_t code_point) const;
};

class FontFace {
 public:
  FontFace();
  ~FontFace();
  FontFace(const FontFace&) = delete;
  FontFace& operator=(const FontFace&) = delete;

  /// Takes the bytes of a font file; "" when it is a scalable font with the
  /// letters the overlay prints, else why not, prefixed with `name`.
  [[nodiscard]] std::string load(std::vector<unsigned char> bytes, const std::string& name);
  /// Rasterises Latin-1 at `pixel_height` (8…512). "" on success.
  [[nodiscard]] std::string rasterise(int pixel_height, GlyphAtlas& atlas) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<unsigned char> bytes_;  // FreeType reads the face from here: it outlives the face
  std::string name_;
};

/// Decodes the next code point of UTF-8 `text` at `i` (advancing it);
/// malformed bytes come out as '?'.
[[nodiscard]] std::uint32_t next_code_point(std::string_view text, std::size_t& i);

}  // namespace txray::demo
