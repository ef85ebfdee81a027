#include "app/demo/font.h"

#include <cmath>
#include <fstream>
#include <iterator>

namespace txray::demo {

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

Font::~Font() {
  if (atlas_) SDL_DestroyTexture(atlas_);
}

std::string Font::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return path.string() + ": cannot read the overlay font";
  ttf_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (ttf_.empty() || !stbtt_InitFont(&info_, ttf_.data(), stbtt_GetFontOffsetForIndex(ttf_.data(), 0)))
    return path.string() + ": not a TrueType font";
  return {};
}

std::string Font::bake(SDL_Renderer* renderer, int pixel_height) {
  if (pixel_height == pixel_height_ && atlas_) return {};
  // Grow the atlas until every glyph fits (stbtt_BakeFontBitmap returns a
  // negative count when it runs out of room).
  int w = 512, h = 512;
  std::vector<unsigned char> alpha;
  for (;;) {
    alpha.assign(static_cast<std::size_t>(w) * static_cast<std::size_t>(h), 0);
    const int fit = stbtt_BakeFontBitmap(ttf_.data(), 0, static_cast<float>(pixel_height), alpha.data(), w, h, kFirst,
                                         kCount, glyphs_.data());
    if (fit > 0) break;
    if (w == 4096 && h == 4096) return "font atlas too large for " + std::to_string(pixel_height) + " px";
    (w <= h ? w : h) *= 2;
  }
  std::vector<std::uint32_t> argb(alpha.size());
  for (std::size_t i = 0; i < alpha.size(); ++i) argb[i] = (std::uint32_t{alpha[i]} << 24) | 0x00ffffffu;
  SDL_Texture* texture = SDL_CreateTexture(renderer, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, w, h);
  if (!texture) return std::string("cannot create the font texture: ") + SDL_GetError();
  SDL_UpdateTexture(texture, nullptr, argb.data(), w * 4);  // once per bake, not per frame
  SDL_SetTextureBlendMode(texture, SDL_BLENDMODE_BLEND);
  if (atlas_) SDL_DestroyTexture(atlas_);
  atlas_ = texture;
  atlas_w_ = w;
  atlas_h_ = h;
  pixel_height_ = pixel_height;
  int ascent = 0, descent = 0, gap = 0;
  stbtt_GetFontVMetrics(&info_, &ascent, &descent, &gap);
  const float scale = stbtt_ScaleForPixelHeight(&info_, static_cast<float>(pixel_height));
  ascent_ = static_cast<int>(std::lround(static_cast<float>(ascent) * scale));
  line_height_ = static_cast<int>(std::lround(static_cast<float>(ascent - descent + gap) * scale));
  return {};
}

int Font::width(std::string_view text) const {
  float x = 0.0f;
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t cp = next_code_point(text, i);
    if (cp < kFirst || cp >= kFirst + kCount) cp = '?';
    x += glyphs_[cp - kFirst].xadvance;
  }
  return static_cast<int>(std::ceil(x));
}

int Font::draw(SDL_Renderer* renderer, int x, int y, std::string_view text, SDL_Color color) const {
  if (!atlas_) return 0;
  SDL_SetTextureColorMod(atlas_, color.r, color.g, color.b);
  SDL_SetTextureAlphaMod(atlas_, color.a);
  float pen_x = static_cast<float>(x), pen_y = static_cast<float>(y + ascent_);
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t cp = next_code_point(text, i);
    if (cp < kFirst || cp >= kFirst + kCount) cp = '?';
    stbtt_aligned_quad q;
    stbtt_GetBakedQuad(glyphs_.data(), atlas_w_, atlas_h_, static_cast<int>(cp) - kFirst, &pen_x, &pen_y, &q, 1);
    if (q.x1 <= q.x0) continue;  // space
    const SDL_Rect src{static_cast<int>(std::lround(q.s0 * static_cast<float>(atlas_w_))),
                       static_cast<int>(std::lround(q.t0 * static_cast<float>(atlas_h_))),
                       static_cast<int>(std::lround((q.s1 - q.s0) * static_cast<float>(atlas_w_))),
                       static_cast<int>(std::lround((q.t1 - q.t0) * static_cast<float>(atlas_h_)))};
    const SDL_Rect dst{static_cast<int>(std::lround(q.x0)), static_cast<int>(std::lround(q.y0)), src.w, src.h};
    SDL_RenderCopy(renderer, atlas_, &src, &dst);
  }
  return static_cast<int>(std::ceil(pen_x)) - x;
}

}  // namespace txray::demo
