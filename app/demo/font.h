#pragma once
/// Overlay text: a font read and rasterised by FreeType (font_face.h) into
/// an alpha atlas, uploaded once as an SDL texture and drawn glyph by glyph
/// with colour modulation. Re-rasterised when the window's size asks for
/// another pixel height, so text stays sharp when large.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <SDL.h>

#include "app/demo/font_face.h"

namespace txray::demo {

/// Where every text drawn since the last clear() landed, and the clip
/// rectangle (or window) it had to stay inside: the headless tests check
/// that no text is clipped (TXRAY_DEMO_TEXT_BOUNDS, demo_app.cpp).
struct TextBounds {
  SDL_Rect text;
  SDL_Rect limit;
  std::string what;
};
std::vector<TextBounds>& text_bounds_log();
/// Off unless a test asks (the log would otherwise grow every frame).
bool& text_bounds_enabled();

class Font {
 public:
  Font() = default;
  ~Font();
  Font(const Font&) = delete;
  Font& operator=(const Font&) = delete;

  /// Reads the font file; "" on success, else a message naming the file.
  [[nodiscard]] std::string load(const std::filesystem::path& path);
  /// Rasterises the atlas at `pixel_height` (no-op when already that size).
  /// "" on success.
  [[nodiscard]] std::string bake(SDL_Renderer* renderer, int pixel_height);

  [[nodiscard]] int pixel_height() const { return atlas_.pixel_height; }
  [[nodiscard]] int line_height() const { return atlas_.line_height; }
  /// Width in pixels of UTF-8 `text`.
  [[nodiscard]] int width(std::string_view text) const { return atlas_.width_of(text); }
  /// Draws UTF-8 `text` with its top-left at (x, y); returns the width.
  int draw(SDL_Renderer* renderer, int x, int y, std::string_view text, SDL_Color color) const;

 private:
  FontFace face_;
  GlyphAtlas atlas_;
  SDL_Texture* texture_ = nullptr;
};

}  // namespace txray::demo
