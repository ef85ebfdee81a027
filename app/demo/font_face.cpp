#include "app/demo/font_face.h"

#include <algorithm>
#include <cstring>

#include <ft2build.h>
#include FT_FREETYPE_H

namespace txray::demo {

namespace {

// What the overlay cannot do without: digits, letters and the punctuation
// of its figures. A font lacking any of them is refused by name.
constexpr std::string_view kRequired = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.,:/%()-";
constexpr std::size_t kMaxFontBytes = 64u << 20;
constexpr int kMaxAtlasSide = 4096;

}  // namespace

std::uint32_t next_code_point(std::string_view text, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  const int extra = (b0 & 0xE0) == 0xC0 ? 1 : (b0 & 0xF0) == 0xE0 ? 2 : (b0 & 0xF8) == 0xF0 ? 3 : -1;
  if (extra < 0 || i + static_cast<std::size_t>(extra) >= text.size() + 0) {
    ++i;
    return '?';
  }
  std::uint32_t cp = b0 & (0x3Fu >> extra);
  for (int k = 1; k <= extra; ++k) {
    const unsigned char b = byte(i + static_cast<std::size_t>(k));
    if ((b & 0xC0) != 0x80) {
      ++i;
      return '?';
    }
    cp = (cp << 6) | (b & 0x3Fu);
  }
  i += static_cast<std::size_t>(extra) + 1;
  return cp;
}

std::uint32_t GlyphAtlas::code_point(int index) {
  return index < kLatin ? static_cast<std::uint32_t>(kFirst + index) : kExtras[index - kLatin];
}

const Glyph& GlyphAtlas::glyph(std::uint32_t cp) const {
  if (cp >= kFirst && cp < static_cast<std::uint32_t>(kFirst + kLatin)) return glyphs[cp - kFirst];
  for (std::size_t e = 0; e < std::size(kExtras); ++e)
    if (kExtras[e] == cp) return glyphs[static_cast<std::size_t>(kLatin) + e];
  return glyphs['?' - kFirst];
}

int GlyphAtlas::width_of(std::string_view text) const {
  int x = 0;
  for (std::size_t i = 0; i < text.size();) x += glyph(next_code_point(text, i)).advance;
  return x;
}

struct FontFace::Impl {
  FT_Library library = nullptr;
  FT_Face face = nullptr;
  ~Impl() {
    if (face) FT_Done_Face(face);
    if (library) FT_Done_FreeType(library);
  }
};

FontFace::FontFace() : impl_(std::make_unique<Impl>()) {}
FontFace::~FontFace() = default;

std::string FontFace::load(std::vector<unsigned char> bytes, const std::string& name) {
  name_ = name;
  if (impl_->face) {
    FT_Done_Face(impl_->face);
    impl_->face = nullptr;
  }
  if (!impl_->library && FT_Init_FreeType(&impl_->library) != 0) return name + ": cannot start FreeType";
  if (bytes.empty()) return name + ": empty file, not a font";
  if (bytes.size() > kMaxFontBytes) return name + ": larger than 64 MiB, not an overlay font";
  bytes_ = std::move(bytes);
  if (FT_New_Memory_Face(impl_->library, bytes_.data(), static_cast<FT_Long>(bytes_.size()), 0, &impl_->face) != 0) {
    impl_->face = nullptr;
    return name + ": not a font (FreeType cannot read it; expected a TrueType or OpenType file)";
  }
  FT_Face face = impl_->face;
  const auto refuse = [&](const std::string& why) {
    FT_Done_Face(impl_->face);
    impl_->face = nullptr;
    return name + ": " + why;
  };
  if (!FT_IS_SCALABLE(face)) return refuse("a bitmap font; the overlay needs a scalable (TrueType or OpenType) font");
  if (FT_Select_Charmap(face, FT_ENCODING_UNICODE) != 0) return refuse("no Unicode character map; not a usable font");
  for (const char c : kRequired)
    if (FT_Get_Char_Index(face, static_cast<FT_ULong>(static_cast<unsigned char>(c))) == 0)
      return refuse(std::string("no glyph for '") + c + "'; the overlay needs Latin letters, digits and punctuation");
  // Every glyph must load and render: a font whose outlines are damaged is
  // refused now, with its name, not half-drawn later.
  GlyphAtlas trial;
  if (const std::string error = rasterise(16, trial); !error.empty()) {
    FT_Done_Face(impl_->face);
    impl_->face = nullptr;
    return error;
  }
  return {};
}

std::string FontFace::rasterise(int pixel_height, GlyphAtlas& atlas) const {
  FT_Face face = impl_->face;
  if (!face) return name_ + ": no font loaded";
  pixel_height = std::clamp(pixel_height, 8, 512);
  if (FT_Set_Pixel_Sizes(face, 0, static_cast<FT_UInt>(pixel_height)) != 0)
    return name_ + ": cannot be scaled to " + std::to_string(pixel_height) + " px";
  // Bounds on what a sane font gives at this size; beyond them a glyph is
  // damaged, and is drawn as '?' rather than trusted.
  const int limit = 4 * pixel_height;
  struct Bitmap {
    std::vector<unsigned char> alpha;
    int w = 0, h = 0;
  };
  std::vector<Bitmap> bitmaps(static_cast<std::size_t>(GlyphAtlas::kCount));
  std::vector<bool> present(static_cast<std::size_t>(GlyphAtlas::kCount), false);
  for (int k = 0; k < GlyphAtlas::kCount; ++k) {
    const FT_ULong cp = static_cast<FT_ULong>(GlyphAtlas::code_point(k));
    const FT_UInt index = FT_Get_Char_Index(face, cp);
    if (index == 0) continue;
    if (FT_Load_Glyph(face, index, FT_LOAD_RENDER | FT_LOAD_TARGET_NORMAL) != 0) {
      if (cp < 128 && kRequired.find(static_cast<char>(cp)) != std::string_view::npos)
        return name_ + ": the glyph for '" + std::string(1, static_cast<char>(cp)) + "' is damaged";
      continue;
    }
    const FT_GlyphSlot slot = face->glyph;
    const FT_Bitmap& b = slot->bitmap;
    const long advance = slot->advance.x / 64;
    const int w = static_cast<int>(b.width), h = static_cast<int>(b.rows);
    const bool sane = advance >= 0 && advance <= limit && w >= 0 && h >= 0 && w <= limit && h <= limit &&
                      std::abs(slot->bitmap_left) <= limit && std::abs(slot->bitmap_top) <= limit &&
                      (w == 0 || h == 0 || (b.pixel_mode == FT_PIXEL_MODE_GRAY && b.buffer != nullptr &&
                                            std::abs(b.pitch) >= w));
    if (!sane) {
      if (cp < 128 && kRequired.find(static_cast<char>(cp)) != std::string_view::npos)
        return name_ + ": the glyph for '" + std::string(1, static_cast<char>(cp)) + "' has impossible metrics";
      continue;
    }
    Glyph& g = atlas.glyphs[static_cast<std::size_t>(k)];
    g = Glyph{};
    g.left = slot->bitmap_left;
    g.top = slot->bitmap_top;
    g.advance = static_cast<int>(advance);
    Bitmap& out = bitmaps[static_cast<std::size_t>(k)];
    out.w = w;
    out.h = h;
    out.alpha.resize(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
    for (int y = 0; y < h; ++y) {
      const unsigned char* row =
          b.pitch >= 0 ? b.buffer + static_cast<std::ptrdiff_t>(y) * b.pitch
                       : b.buffer + static_cast<std::ptrdiff_t>(h - 1 - y) * -b.pitch;
      std::memcpy(out.alpha.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(w), row,
                  static_cast<std::size_t>(w));
    }
    present[static_cast<std::size_t>(k)] = true;
  }
  // Shelf packing: rows of glyphs, one pixel apart, in a 1024-wide atlas.
  const int side = std::min(kMaxAtlasSide, std::max(256, 16 * pixel_height));
  int x = 1, y = 1, shelf = 0;
  for (int k = 0; k < GlyphAtlas::kCount; ++k) {
    if (!present[static_cast<std::size_t>(k)]) continue;
    Bitmap& b = bitmaps[static_cast<std::size_t>(k)];
    if (x + b.w + 1 > side) {
      x = 1;
      y += shelf + 1;
      shelf = 0;
    }
    Glyph& g = atlas.glyphs[static_cast<std::size_t>(k)];
    g.x = x;
    g.y = y;
    g.w = b.w;
    g.h = b.h;
    x += b.w + 1;
    shelf = std::max(shelf, b.h);
  }
  const int height = y + shelf + 1;
  if (height > kMaxAtlasSide) return name_ + ": glyphs too large for the atlas at " + std::to_string(pixel_height) + " px";
  atlas.width = side;
  atlas.height = height;
  atlas.alpha.assign(static_cast<std::size_t>(side) * static_cast<std::size_t>(height), 0);
  for (int k = 0; k < GlyphAtlas::kCount; ++k) {
    if (!present[static_cast<std::size_t>(k)]) continue;
    const Bitmap& b = bitmaps[static_cast<std::size_t>(k)];
    const Glyph& g = atlas.glyphs[static_cast<std::size_t>(k)];
    for (int row = 0; row < b.h; ++row)
      std::memcpy(atlas.alpha.data() + static_cast<std::size_t>(g.y + row) * static_cast<std::size_t>(side) +
                      static_cast<std::size_t>(g.x),
                  b.alpha.data() + static_cast<std::size_t>(row) * static_cast<std::size_t>(b.w),
                  static_cast<std::size_t>(b.w));
  }
  // Characters the font lacks print as its '?' (checked present on load);
  // a missing em dash as a hyphen.
  const int dash = GlyphAtlas::kLatin + 1;
  if (!present[static_cast<std::size_t>(dash)]) {
    atlas.glyphs[static_cast<std::size_t>(dash)] = atlas.glyphs['-' - GlyphAtlas::kFirst];
    present[static_cast<std::size_t>(dash)] = true;
  }
  const Glyph question = atlas.glyphs['?' - GlyphAtlas::kFirst];
  for (int k = 0; k < GlyphAtlas::kCount; ++k)
    if (!present[static_cast<std::size_t>(k)] && k != ' ' - GlyphAtlas::kFirst) atlas.glyphs[static_cast<std::size_t>(k)] = question;
  if (!present[0]) atlas.glyphs[0] = Glyph{0, 0, 0, 0, 0, 0, pixel_height / 3};  // space
  // Line metrics from the size, bounded: a damaged header cannot push
  // text off the window.
  const FT_Size_Metrics& m = face->size->metrics;
  const int ascent = static_cast<int>(m.ascender / 64), line = static_cast<int>(m.height / 64);
  atlas.pixel_height = pixel_height;
  atlas.ascent = ascent > 0 && ascent <= 2 * pixel_height ? ascent : pixel_height * 4 / 5;
  atlas.line_height = line >= pixel_height / 2 && line <= 3 * pixel_height ? line : pixel_height * 6 / 5;
  return {};
}

}  // namespace txray::demo
