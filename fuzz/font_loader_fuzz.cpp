// libFuzzer target for the overlay font (app/demo/font_face.h): any bytes
// given to `txray-demo --font` must either load or be refused with a message
// naming the file; a loaded font must rasterise at the overlay's sizes into
// an atlas whose every glyph lies inside it. A crash, a hang or a sanitizer
// report is a bug. Seeds: assets/fonts/ (scripts/fuzz SECONDS font).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "app/demo/font_face.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "font_loader_fuzz: %s\n", what);
    std::abort();
  }
}

void check_atlas(const txray::demo::GlyphAtlas& atlas) {
  check(atlas.width > 0 && atlas.height > 0, "empty atlas");
  check(atlas.alpha.size() == static_cast<std::size_t>(atlas.width) * static_cast<std::size_t>(atlas.height),
        "atlas size mismatch");
  check(atlas.line_height > 0 && atlas.ascent > 0, "no line metrics");
  for (const txray::demo::Glyph& g : atlas.glyphs) {
    check(g.w >= 0 && g.h >= 0 && g.x >= 0 && g.y >= 0, "negative glyph rectangle");
    check(g.x + g.w <= atlas.width && g.y + g.h <= atlas.height, "glyph outside the atlas");
  }
  (void)atlas.width_of("pypy-stm 35.2 FPS \xC2\xB7 aborts 1.2k/s \xC3\x97 \xE2\x80\x94");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  txray::demo::FontFace face;
  const std::string error = face.load(std::vector<unsigned char>(data, data + size), "fuzz.ttf");
  if (!error.empty()) {
    check(error.rfind("fuzz.ttf", 0) == 0, "a refusal that does not name the file");
    return 0;
  }
  for (const int px : {11, 24}) {
    txray::demo::GlyphAtlas atlas;
    if (face.rasterise(px, atlas).empty()) check_atlas(atlas);
  }
  return 0;
}
