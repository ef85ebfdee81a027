#include "bench/harness/heatmap.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb_easy_font.h>
#pragma GCC diagnostic pop

namespace txray::bench {
namespace {

struct Pixels {
  std::vector<unsigned char>& px;
  int w, h;

  void blend(int x, int y, int r, int g, int b, int alpha) {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    unsigned char* p = &px[(static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)) * 4];
    if (p[3] != 255) {
      // A layer that is itself (partly) transparent, to be blended onto a
      // frame later (the demo's T overlay): "over" in straight alpha, which
      // gives the same picture once the layer is put on an opaque frame.
      const int below = p[3] * (255 - alpha) / 255, out = alpha + below;
      if (out == 0) return;
      p[0] = static_cast<unsigned char>((r * alpha + p[0] * below) / out);
      p[1] = static_cast<unsigned char>((g * alpha + p[1] * below) / out);
      p[2] = static_cast<unsigned char>((b * alpha + p[2] * below) / out);
      p[3] = static_cast<unsigned char>(out);
      return;
    }
    p[0] = static_cast<unsigned char>((p[0] * (255 - alpha) + r * alpha) / 255);
    p[1] = static_cast<unsigned char>((p[1] * (255 - alpha) + g * alpha) / 255);
    p[2] = static_cast<unsigned char>((p[2] * (255 - alpha) + b * alpha) / 255);
    p[3] = 255;
  }
  void rect(int x0, int y0, int x1, int y1, int r, int g, int b, int alpha) {
    for (int y = std::max(y0, 0); y < std::min(y1, h); ++y)
      for (int x = std::max(x0, 0); x < std::min(x1, w); ++x) blend(x, y, r, g, b, alpha);
  }
  void ring(float cx, float cy, float radius, float thickness, int r, int g, int b) {
    const int x0 = static_cast<int>(std::floor(cx - radius - thickness)), x1 = static_cast<int>(std::ceil(cx + radius + thickness));
    const int y0 = static_cast<int>(std::floor(cy - radius - thickness)), y1 = static_cast<int>(std::ceil(cy + radius + thickness));
    for (int y = std::max(y0, 0); y <= std::min(y1, h - 1); ++y)
      for (int x = std::max(x0, 0); x <= std::min(x1, w - 1); ++x) {
        const float d = std::hypot(static_cast<float>(x) + 0.5f - cx, static_cast<float>(y) + 0.5f - cy);
        if (std::abs(d - radius) <= thickness * 0.5f) blend(x, y, r, g, b, 255);
      }
  }
  // stb_easy_font quads lie on an integer grid: each is an exact rectangle.
  void text(int x, int y, const std::string& s, int scale, int r, int g, int b) {
    std::string buffer = s;
    for (char& c : buffer)
      if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126) c = '?';
    std::vector<char> vertices(buffer.size() * 640 + 64);
    const int quads = stb_easy_font_print(0.0f, 0.0f, buffer.data(), nullptr, vertices.data(), static_cast<int>(vertices.size()));
    for (int q = 0; q < quads; ++q) {
      float qx0 = 1e9f, qy0 = 1e9f, qx1 = -1e9f, qy1 = -1e9f;
      for (int v = 0; v < 4; ++v) {
        float vx, vy;
        const char* vertex = vertices.data() + (q * 4 + v) * 16;
        std::memcpy(&vx, vertex, sizeof vx);
        std::memcpy(&vy, vertex + 4, sizeof vy);
        qx0 = std::min(qx0, vx);
        qx1 = std::max(qx1, vx);
        qy0 = std::min(qy0, vy);
        qy1 = std::max(qy1, vy);
      }
      rect(x + static_cast<int>(std::lround(qx0)) * scale, y + static_cast<int>(std::lround(qy0)) * scale,
           x + static_cast<int>(std::lround(qx1)) * scale, y + static_cast<int>(std::lround(qy1)) * scale, r, g, b, 255);
    }
  }
};

constexpr int kLine = 11;  // stb_easy_font line height at scale 1, with a gap

}  // namespace

namespace {

void draw_layers(Pixels& p, const HeatmapLayers& layers, int scale) {
  // Dim the frame so the tint reads; keep it visible underneath.
  p.rect(0, 0, p.w, p.h, 0, 0, 0, 110);
  double max_ms = 0.0;
  for (const HeatTile& t : layers.tiles) max_ms = std::max(max_ms, t.lost_ms);
  if (max_ms > 0.0)
    for (const HeatTile& t : layers.tiles) {
      if (!(t.lost_ms > 0.0)) continue;
      // Square root: a tile that lost a tenth of the worst still shows.
      const double f = std::sqrt(t.lost_ms / max_ms);
      const int g = static_cast<int>(220.0 * (1.0 - f));  // yellow → red
      p.rect(t.x0, t.y0, t.x1, t.y1, 255, g, 0, 60 + static_cast<int>(140.0 * f));
    }
  for (const HeatOutline& o : layers.outlines) {
    p.ring(o.x, o.y, std::max(o.radius, 4.0f), 2.0f * static_cast<float>(scale), 0, 230, 255);
    // Up and to the right of the circle, moved back inside the picture
    // when that would cut it (a circle near an edge).
    std::string label = o.label;
    std::vector<char> text(label.begin(), label.end());
    text.push_back('\0');
    const int label_w = stb_easy_font_width(text.data()) * scale, label_h = 8 * scale;
    const int x = std::clamp(static_cast<int>(o.x + o.radius * 0.7f) + 3, 0, std::max(0, p.w - label_w));
    const int y = std::clamp(static_cast<int>(o.y - o.radius * 0.7f) - label_h, 0, std::max(0, p.h - label_h));
    p.text(x, y, label, scale, 0, 230, 255);
  }
}

int legend_height(const HeatmapLayers& layers, int scale) {
  return ((1 + static_cast<int>(layers.legend.size())) * kLine + 6) * scale;
}

// The title and legend in a dark band whose top is at `top`.
void draw_legend(Pixels& p, const HeatmapLayers& layers, int scale, int top) {
  p.rect(0, top, p.w, top + legend_height(layers, scale), 0, 0, 0, 190);
  int y = top + 3 * scale;
  p.text(4 * scale, y, layers.title, scale, 255, 255, 255);
  for (const std::string& line : layers.legend) {
    y += kLine * scale;
    p.text(4 * scale, y, line, scale, 255, 210, 120);
  }
}

}  // namespace

void draw_heatmap(std::vector<unsigned char>& rgba, int width, int height, const HeatmapLayers& layers, int scale) {
  Pixels p{rgba, width, height};
  draw_layers(p, layers, scale);
  draw_legend(p, layers, scale, height - legend_height(layers, scale));
}

void draw_heatmap_layers(std::vector<unsigned char>& rgba, int width, int height, const HeatmapLayers& layers, int scale) {
  Pixels p{rgba, width, height};
  draw_layers(p, layers, scale);
}

std::vector<unsigned char> compose_heatmap(const std::vector<unsigned char>& rgba, int width, int height,
                                           const HeatmapLayers& layers, int& out_width, int& out_height) {
  std::size_t longest = layers.title.size();
  for (const std::string& l : layers.legend) longest = std::max(longest, l.size());
  out_width = std::max(width, static_cast<int>(longest) * 6 + 12);
  out_height = height + legend_height(layers, 1);
  std::vector<unsigned char> out(static_cast<std::size_t>(out_width) * static_cast<std::size_t>(out_height) * 4, 0);
  for (std::size_t i = 3; i < out.size(); i += 4) out[i] = 255;
  // The tiles and outlines on the frame; the legend in the band below it.
  std::vector<unsigned char> frame(rgba);
  Pixels f{frame, width, height};
  draw_layers(f, layers, 1);
  for (int y = 0; y < height; ++y)
    std::memcpy(&out[static_cast<std::size_t>(y) * static_cast<std::size_t>(out_width) * 4],
                &frame[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) * 4], static_cast<std::size_t>(width) * 4);
  Pixels o{out, out_width, out_height};
  draw_legend(o, layers, 1, height);
  return out;
}

}  // namespace txray::bench
