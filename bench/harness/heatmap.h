#pragma once
/// The conflict heatmap: a rendered frame, dimmed, with each tile tinted by
/// the time its units lost to aborts or waits, the objects in the most
/// conflicts outlined, and a legend naming the top sources of lost time.
/// `txray render --heatmap FILE.png` writes it; the demo window shows the
/// same picture under the T key. Pixels only: what goes in it is worked out
/// by bench/harness/conflict_view.h.
#include <string>
#include <vector>

namespace txray::bench {

struct HeatTile {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  ///< pixel rectangle [x0, x1) × [y0, y1)
  double lost_ms = 0.0;                ///< time lost by this tile's units in the window shown
};

struct HeatOutline {
  float x = 0.0f, y = 0.0f, radius = 0.0f;  ///< on screen, pixels
  std::string subject;                       ///< the cell: "sphere 17"
  std::string label;                         ///< as drawn: "2. sphere 17" (its number in the legend, when listed there)
};

struct HeatmapLayers {
  std::vector<HeatTile> tiles;
  std::vector<HeatOutline> outlines;
  std::string title;                ///< "time lost per tile, last 1.0 s (max 3.2 ms)"
  std::vector<std::string> legend;  ///< the top sources, most first
};

/// Draws the layers over `rgba` (width × height, RGBA8) in place: tiles
/// tinted (nothing where no time was lost), outlines, and the title and
/// legend in a dark band along the bottom. Text is stb_easy_font at `scale`.
void draw_heatmap(std::vector<unsigned char>& rgba, int width, int height, const HeatmapLayers& layers, int scale = 1);

/// The tiles and outlines only, without the title and legend: for a window
/// that writes those in its own font (the demo's T overlay). `rgba` may be
/// transparent (all zero): the result is then a layer in straight alpha to
/// blend onto the frame, the same picture draw_heatmap would make on it.
void draw_heatmap_layers(std::vector<unsigned char>& rgba, int width, int height, const HeatmapLayers& layers,
                         int scale = 1);

/// The image for a file: the frame with the layers, and below it a band
/// wide enough for the legend, so a small render still has readable text.
/// Returns the new size in `out_width` / `out_height`.
[[nodiscard]] std::vector<unsigned char> compose_heatmap(const std::vector<unsigned char>& rgba, int width, int height,
                                                         const HeatmapLayers& layers, int& out_width, int& out_height);

}  // namespace txray::bench
