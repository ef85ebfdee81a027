#include "app/demo/font.h"

#include <fstream>
#include <iterator>

namespace txray::demo {

std::vector<TextBounds>& text_bounds_log() {
  static std::vector<TextBounds> log;
  return log;
}

bool& text_bounds_enabled() {
  static bool enabled = false;
  return enabled;
}

Font::~Font() {
  if (texture_) SDL_DestroyTexture(texture_);
}

std::string Font::load(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return path.string() + ": a directory, not a font file";
  std::ifstream in(path, std::ios::binary);
  if (!in) return path.string() + ": cannot read the overlay font";
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return face_.load(std::move(bytes), path.string());
}

std::string Font::bake(SDL_Renderer* renderer, int pixel_height) {
  if (pixel_height == atlas_.pixel_height && texture_) return {};
  GlyphAtlas atlas;
  if (std::string error = face_.rasterise(pixel_height, atlas); !error.empty()) return error;
  std::vector<std::uint32_t> argb(atlas.alpha.size());
  for (std::size_t i = 0; i < atlas.alpha.size(); ++i) argb[i] = (std::uint32_t{atlas.alpha[i]} << 24) | 0x00ffffffu;
  SDL_Texture* texture =
      SDL_CreateTexture(renderer, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, atlas.width, atlas.height);
  if (!texture) return std::string("cannot create the font texture: ") + SDL_GetError();
  SDL_UpdateTexture(texture, nullptr, argb.data(), atlas.width * 4);  // once per size, not per frame
  SDL_SetTextureBlendMode(texture, SDL_BLENDMODE_BLEND);
  if (texture_) SDL_DestroyTexture(texture_);
  texture_ = texture;
  atlas_ = std::move(atlas);
  return {};
}

int Font::draw(SDL_Renderer* renderer, int x, int y, std::string_view text, SDL_Color color) const {
  if (!texture_) return 0;
  SDL_SetTextureColorMod(texture_, color.r, color.g, color.b);
  SDL_SetTextureAlphaMod(texture_, color.a);
  int pen = x;
  const int baseline = y + atlas_.ascent;
  for (std::size_t i = 0; i < text.size();) {
    const Glyph& g = atlas_.glyph(next_code_point(text, i));
    if (g.w > 0 && g.h > 0) {
      const SDL_Rect src{g.x, g.y, g.w, g.h};
      const SDL_Rect dst{pen + g.left, baseline - g.top, g.w, g.h};
      SDL_RenderCopy(renderer, texture_, &src, &dst);
    }
    pen += g.advance;
  }
  if (text_bounds_enabled() && !text.empty()) {
    SDL_Rect limit{0, 0, 0, 0};
    SDL_RenderGetClipRect(renderer, &limit);
    if (limit.w <= 0 || limit.h <= 0) {
      limit = SDL_Rect{0, 0, 0, 0};
      SDL_GetRendererOutputSize(renderer, &limit.w, &limit.h);
    }
    text_bounds_log().push_back(TextBounds{SDL_Rect{x, y, pen - x, atlas_.line_height}, limit, std::string(text)});
  }
  return pen - x;
}

}  // namespace txray::demo
