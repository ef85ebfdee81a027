// The PNG charts: a small rasterizer (filled rectangles, thick and dashed
// lines, stb_easy_font text) and two layouts on it. No anti-aliasing on
// purpose: every pixel is one of a few exact colours, which keeps the PNGs
// small and lets the tests count bar pixels by colour.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb_easy_font.h>
#pragma GCC diagnostic pop

#include "bench/harness/report.h"
#include "bench/harness/report_detail.h"
#include "renderer/film.h"

namespace txray::bench {
namespace {

struct Rgba {
  std::uint8_t r, g, b, a = 255;
};

constexpr Rgba kWhite{255, 255, 255};
constexpr Rgba kBlack{0, 0, 0};
constexpr Rgba kGrid{220, 220, 220};
constexpr Rgba kMuted{80, 80, 80};

// Okabe–Ito: distinguishable with the common colour-vision deficiencies and
// dark enough on white (its yellow, too pale for thin lines, is replaced).
constexpr Rgba kPalette[] = {{0, 114, 178}, {213, 94, 0},   {0, 158, 115}, {230, 159, 0},
                             {204, 121, 167}, {86, 180, 233}, {136, 34, 85}};
constexpr int kPaletteSize = static_cast<int>(sizeof kPalette / sizeof kPalette[0]);

Rgba series_color(std::size_t i) { return kPalette[i % kPaletteSize]; }

// stb_easy_font draws on a grid of its own pixels: glyphs are at most 6
// wide, caps 7 high, descenders reach 9. Text is drawn at 2× by default.
constexpr int kTextScale = 2;
constexpr int kGlyphHeight = 9;

std::string printable(const std::string& text) {
  // stb_easy_font indexes its tables with (c - 32): anything outside
  // printable ASCII (UTF-8 in a CPU name, say) would read out of bounds.
  // The few characters txray's own names use get an ASCII look-alike
  // (the sync preset's "native+mutex · shared counters"); any other
  // character, one '?' however many bytes it takes.
  static constexpr std::pair<std::string_view, std::string_view> kLookAlikes[] = {
      {"\xC2\xB7", "-"}, {"\xC3\x97", "x"}, {"\xC2\xB1", "+-"}, {"\xE2\x80\xA6", "..."}, {"\xE2\x80\x93", "-"}};
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 32 && c <= 126) {
      out += text[i++];
      continue;
    }
    const auto alike = std::find_if(std::begin(kLookAlikes), std::end(kLookAlikes),
                                    [&](const auto& pair) { return std::string_view(text).substr(i).starts_with(pair.first); });
    if (alike != std::end(kLookAlikes)) {
      out += alike->second;
      i += alike->first.size();
      continue;
    }
    out += '?';
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;  // the character's other bytes
  }
  return out;
}

class Canvas {
 public:
  Canvas(int width, int height)
      : width_(width), height_(height), pixels_(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4) {
    fill_rect(0, 0, width, height, kWhite);
  }

  int width() const { return width_; }
  int height() const { return height_; }
  std::vector<unsigned char> take() { return std::move(pixels_); }

  /// [x0, x1) × [y0, y1), clipped to the canvas.
  void fill_rect(int x0, int y0, int x1, int y1, Rgba c) {
    x0 = std::max(x0, 0);
    y0 = std::max(y0, 0);
    x1 = std::min(x1, width_);
    y1 = std::min(y1, height_);
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) put(x, y, c);
  }

  /// A segment `thickness` pixels wide; dashed when `dash` > 0 (on for
  /// `dash` pixels, off for `gap`, measured along the segment).
  void line(double x0, double y0, double x1, double y1, double thickness, Rgba c, double dash = 0.0,
            double gap = 0.0) {
    const double half = thickness / 2.0;
    const double dx = x1 - x0, dy = y1 - y0;
    const double length2 = dx * dx + dy * dy;
    const double length = std::sqrt(length2);
    const int bx0 = static_cast<int>(std::floor(std::min(x0, x1) - half - 1));
    const int bx1 = static_cast<int>(std::ceil(std::max(x0, x1) + half + 1));
    const int by0 = static_cast<int>(std::floor(std::min(y0, y1) - half - 1));
    const int by1 = static_cast<int>(std::ceil(std::max(y0, y1) + half + 1));
    for (int y = std::max(by0, 0); y < std::min(by1, height_); ++y) {
      for (int x = std::max(bx0, 0); x < std::min(bx1, width_); ++x) {
        const double px = x + 0.5 - x0, py = y + 0.5 - y0;
        double t = length2 > 0.0 ? (px * dx + py * dy) / length2 : 0.0;
        t = std::clamp(t, 0.0, 1.0);
        const double ex = px - t * dx, ey = py - t * dy;
        if (ex * ex + ey * ey > half * half) continue;
        if (dash > 0.0 && std::fmod(t * length, dash + gap) >= dash) continue;
        put(x, y, c);
      }
    }
  }

  static int text_width(const std::string& text, int scale) {
    std::string buffer = printable(text);
    return stb_easy_font_width(buffer.data()) * scale;
  }
  static int text_height(int scale) { return kGlyphHeight * scale; }

  /// Horizontal text with its top-left at (x, y); or, `vertical`, turned a
  /// quarter anticlockwise (reading upwards) with its bottom-left at (x, y).
  void text(int x, int y, const std::string& text, Rgba c, int scale, bool vertical = false) {
    if (text.empty()) return;
    std::string buffer = printable(text);
    // About 270 bytes per character on average (stb_easy_font's notes);
    // generous, since it silently truncates when short.
    std::vector<char> vertices(buffer.size() * 640 + 64);
    const int quads = stb_easy_font_print(0.0f, 0.0f, buffer.data(), nullptr, vertices.data(),
                                          static_cast<int>(vertices.size()));
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
      // The font's quads lie on its integer grid, so scaling by an integer
      // maps each to an exact pixel rectangle.
      const int tx0 = static_cast<int>(std::lround(qx0)) * scale, tx1 = static_cast<int>(std::lround(qx1)) * scale;
      const int ty0 = static_cast<int>(std::lround(qy0)) * scale, ty1 = static_cast<int>(std::lround(qy1)) * scale;
      if (vertical)
        fill_rect(x + ty0, y - tx1, x + ty1, y - tx0, c);
      else
        fill_rect(x + tx0, y + ty0, x + tx1, y + ty1, c);
    }
  }

  /// Text shortened with "..." until it fits `max_width` at `scale`.
  static std::string fit(const std::string& text, int scale, int max_width) {
    if (text_width(text, scale) <= max_width) return text;
    std::string cut = text;
    while (!cut.empty() && text_width(cut + "...", scale) > max_width) cut.pop_back();
    return cut.empty() ? std::string() : cut + "...";
  }

 private:
  void put(int x, int y, Rgba c) {
    unsigned char* p = &pixels_[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) +
                                 static_cast<std::size_t>(x)) * 4];
    p[0] = c.r;
    p[1] = c.g;
    p[2] = c.b;
    p[3] = c.a;
  }

  int width_, height_;
  std::vector<unsigned char> pixels_;
};

/// A round axis step (1, 2 or 5 × 10^k) giving about `ticks` divisions.
double nice_step(double max_value, int ticks) {
  const double raw = max_value / ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  return (norm <= 1.0 ? 1.0 : norm <= 2.0 ? 2.0 : norm <= 5.0 ? 5.0 : 10.0) * magnitude;
}

std::string tick_label(double value, double step) {
  const int decimals = step >= 1.0 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

struct LegendItem {
  std::string label;
  Rgba color;
  bool dashed = false;
};

constexpr int kMargin = 20;

/// Title (bold, 3× when it fits), subtitle, and a legend row that wraps;
/// returns the first free row below them.
int draw_header(Canvas& canvas, const std::string& title, const std::string& subtitle,
                const std::string& legend_caption, const std::vector<LegendItem>& legend) {
  const int usable = canvas.width() - 2 * kMargin;
  int y = kMargin;
  const int title_scale = Canvas::text_width(title, 3) <= usable ? 3 : kTextScale;
  const std::string t = Canvas::fit(title, title_scale, usable);
  // Drawn twice a pixel apart: stb_easy_font has no bold face.
  canvas.text(kMargin, y, t, kBlack, title_scale);
  canvas.text(kMargin + 1, y, t, kBlack, title_scale);
  y += Canvas::text_height(title_scale) + 10;
  canvas.text(kMargin, y, Canvas::fit(subtitle, kTextScale, usable), kMuted, kTextScale);
  y += Canvas::text_height(kTextScale) + 14;

  const int swatch = 8 * kTextScale;
  const int row_height = std::max(swatch, Canvas::text_height(kTextScale)) + 8;
  int x = kMargin;
  if (!legend_caption.empty()) {
    canvas.text(x, y + (swatch - Canvas::text_height(kTextScale)) / 2 + 1, legend_caption, kBlack, kTextScale);
    x += Canvas::text_width(legend_caption, kTextScale) + 12;
  }
  for (const LegendItem& item : legend) {
    const int item_width = swatch + 6 + Canvas::text_width(item.label, kTextScale) + 24;
    if (x + item_width - 24 > canvas.width() - kMargin && x > kMargin + 1) {
      x = kMargin;
      y += row_height;
    }
    if (item.dashed)
      canvas.line(x, y + swatch / 2.0, x + swatch * 2, y + swatch / 2.0, 3.0, item.color, 6.0, 4.0);
    else
      canvas.fill_rect(x, y, x + swatch, y + swatch, item.color);
    const int label_x = x + (item.dashed ? swatch * 2 + 6 : swatch) + 6;
    canvas.text(label_x, y + (swatch - Canvas::text_height(kTextScale)) / 2 + 1, item.label, kBlack, kTextScale);
    x = label_x + Canvas::text_width(item.label, kTextScale) + 24;
  }
  return y + row_height + 12;
}

struct Plot {
  int left, top, right, bottom;
  double y_max, y_step;
  int width() const { return std::max(right - left, 1); }
  int height() const { return std::max(bottom - top, 1); }
  double y_to_px(double v) const { return bottom - v / y_max * height(); }
};

/// Y range from 0 to a round number above `max_value` × `headroom`; the
/// plot's left edge leaves room for the tick labels and the turned label.
Plot make_plot(int top, int bottom, int right, double max_value, double headroom) {
  if (!std::isfinite(max_value) || max_value <= 0.0) max_value = 1.0;
  const double step = nice_step(max_value * headroom, 5);
  const double y_max = std::ceil(max_value * headroom / step - 1e-9) * step;
  int label_width = 0;
  for (double v = 0.0; v <= y_max + step / 2; v += step)
    label_width = std::max(label_width, Canvas::text_width(tick_label(v, step), kTextScale));
  const int left = kMargin + Canvas::text_height(kTextScale) + 12 + label_width + 8;
  return {left, top, right, bottom, y_max, step};
}

void draw_y_axis(Canvas& canvas, const Plot& plot, const std::string& label) {
  for (double v = 0.0; v <= plot.y_max + plot.y_step / 2; v += plot.y_step) {
    const int y = static_cast<int>(std::lround(plot.y_to_px(v)));
    canvas.fill_rect(plot.left, y, plot.right, y + 1, kGrid);
    const std::string text = tick_label(v, plot.y_step);
    canvas.fill_rect(plot.left - 6, y, plot.left, y + 2, kBlack);
    canvas.text(plot.left - 10 - Canvas::text_width(text, kTextScale), y - Canvas::text_height(kTextScale) / 2, text,
                kBlack, kTextScale);
  }
  const int scale = Canvas::text_width(label, kTextScale) <= plot.height() ? kTextScale : 1;
  const std::string fitted = Canvas::fit(label, scale, plot.height());
  const int label_length = Canvas::text_width(fitted, scale);
  canvas.text(kMargin, plot.top + plot.height() / 2 + label_length / 2, fitted, kBlack, scale, true);
}

void draw_frame(Canvas& canvas, const Plot& plot) {
  canvas.fill_rect(plot.left - 2, plot.top, plot.left, plot.bottom + 2, kBlack);
  canvas.fill_rect(plot.left - 2, plot.bottom, plot.right, plot.bottom + 2, kBlack);
}

void draw_centered(Canvas& canvas, int center_x, int y, const std::string& text, Rgba c, int max_width) {
  // Full size when it fits, then half size, then shortened.
  int scale = kTextScale;
  if (Canvas::text_width(text, scale) > max_width) scale = 1;
  const std::string fitted = Canvas::fit(text, scale, max_width);
  canvas.text(center_x - Canvas::text_width(fitted, scale) / 2, y, fitted, c, scale);
}

std::string chart_subtitle(const BenchReport& report) {
  const RunConfig& c = report.config;
  std::string s = "scene " + c.scene + " " + std::to_string(c.width) + "x" + std::to_string(c.height) + " | " +
                  (report.machine.cpu.empty() ? std::string("unknown CPU") : report.machine.cpu) + ", " +
                  std::to_string(report.machine.cores) + " hw threads";
  if (!report.machine.build.empty()) s += " | " + report.machine.build;
  if (!report.machine.txray_version.empty()) s += " | txray " + report.machine.txray_version;
  return s;
}

void draw_nothing_to_chart(Canvas& canvas, int top) {
  const std::string text = "no runs to chart";
  canvas.text((canvas.width() - Canvas::text_width(text, kTextScale)) / 2, (top + canvas.height()) / 2, text, kMuted,
              kTextScale);
}

// What a bar chart by profile and thread count shows: the FPS with its
// interval, or the latency probe's p99 with its p50 (ChartKind::latency).
struct BarFigure {
  double value = 0.0;
  double whisker_low = std::nan(""), whisker_high = std::nan("");  // NaN: no whisker
};

BarFigure fps_figure(const RunRecord& run) { return {run.fps, run.fps_ci_low, run.fps_ci_high}; }
BarFigure latency_figure(const RunRecord& run) {
  if (!run.latency.measured) return {std::nan("")};
  // The whisker spans the median to the p99: the bar's top is the tail
  // the probe felt, the whisker's foot the typical round trip.
  return {run.latency.p99_us, run.latency.p50_us, run.latency.p99_us};
}

void draw_bar_chart(Canvas& canvas, const BenchReport& report, const std::string& title, const std::string& y_label,
                    BarFigure (*figure)(const RunRecord&)) {
  const std::vector<std::string> profiles = detail::profiles_in_order(report);
  const std::vector<int> threads = detail::thread_counts(report);
  std::vector<LegendItem> legend;
  for (std::size_t i = 0; i < threads.size(); ++i)
    legend.push_back({std::to_string(threads[i]) + (threads[i] == 1 ? " thread" : " threads"), series_color(i)});
  const int top = draw_header(canvas, title, chart_subtitle(report), "bars:", legend);
  if (report.runs.empty()) return draw_nothing_to_chart(canvas, top);

  double max_fps = 0.0;
  for (const RunRecord& run : report.runs) {
    const BarFigure f = figure(run);
    if (std::isfinite(f.value)) max_fps = std::max(max_fps, f.value);
    if (std::isfinite(f.whisker_high)) max_fps = std::max(max_fps, f.whisker_high);
  }
  const int th = Canvas::text_height(kTextScale);
  // Below each group: its profile name and engine+backend, across when both
  // fit the group's width at least at half size. A run of many profiles
  // (`--preset sync` has 30) would shorten every name to "nati...", so they
  // are turned upright instead, one line each at half size, as long as the
  // longest needs up to a third of the picture.
  const int group_px = (canvas.width() - 2 * kMargin) / std::max<int>(1, static_cast<int>(profiles.size()));
  std::vector<std::string> upright(profiles.size());
  bool across = true;
  int upright_px = 0;
  for (std::size_t g = 0; g < profiles.size(); ++g) {
    auto it = std::find_if(report.runs.begin(), report.runs.end(),
                           [&](const RunRecord& r) { return r.profile == profiles[g]; });
    const std::string engine_backend = it == report.runs.end() ? std::string() : detail::engine_backend(*it);
    across = across && Canvas::text_width(profiles[g], 1) <= group_px - 4 &&
             Canvas::text_width(engine_backend, 1) <= group_px - 4;
    // A profile of the sync preset is named after its engine+backend already.
    upright[g] = engine_backend.empty() || profiles[g].starts_with(engine_backend)
                     ? profiles[g]
                     : profiles[g] + " (" + engine_backend + ")";
    upright_px = std::max(upright_px, Canvas::text_width(upright[g], 1));
  }
  upright_px = std::min(upright_px, canvas.height() / 3);
  // Below the plot: the group labels, then the axis label.
  const int labels_px = across ? th + 6 + th : upright_px;
  const int bottom = canvas.height() - kMargin - th - 14 - labels_px - 12;
  // 18% headroom keeps the value label of the tallest bar inside the plot.
  const Plot plot = make_plot(top, bottom, canvas.width() - kMargin, max_fps, 1.18);
  draw_y_axis(canvas, plot, y_label);

  const double group_width = static_cast<double>(plot.width()) / static_cast<double>(profiles.size());
  const double bar_width = group_width * 0.8 / static_cast<double>(threads.size());
  const int gap = bar_width >= 8.0 ? 2 : 0;
  for (std::size_t g = 0; g < profiles.size(); ++g) {
    const double group_x = plot.left + g * group_width;
    const RunRecord* any = nullptr;
    for (std::size_t t = 0; t < threads.size(); ++t) {
      auto it = std::find_if(report.runs.begin(), report.runs.end(), [&](const RunRecord& r) {
        return r.profile == profiles[g] && r.threads == threads[t];
      });
      if (it == report.runs.end()) continue;
      any = &*it;
      const BarFigure f = figure(*it);
      if (!std::isfinite(f.value)) continue;
      const int x0 = static_cast<int>(std::lround(group_x + group_width * 0.1 + t * bar_width)) + gap / 2;
      const int x1 = static_cast<int>(std::lround(group_x + group_width * 0.1 + (t + 1) * bar_width)) - gap / 2;
      const int y0 = static_cast<int>(std::lround(plot.y_to_px(std::max(f.value, 0.0))));
      canvas.fill_rect(x0, y0, std::max(x1, x0 + 1), plot.bottom, series_color(t));
      // The whisker (FPS: the 95 % interval) as an error bar: a stem with caps, in black.
      int label_y = y0;
      if (std::isfinite(f.whisker_low) && std::isfinite(f.whisker_high) && f.whisker_high > f.whisker_low) {
        const int hi = static_cast<int>(std::lround(plot.y_to_px(f.whisker_high)));
        const int lo = static_cast<int>(std::lround(plot.y_to_px(std::max(f.whisker_low, 0.0))));
        const int mid = (x0 + x1) / 2, cap = std::max(2, (x1 - x0) / 4);
        canvas.fill_rect(mid - 1, hi, mid + 1, std::max(lo, hi + 1), kBlack);
        canvas.fill_rect(mid - cap, hi, mid + cap, hi + 2, kBlack);
        canvas.fill_rect(mid - cap, lo - 2, mid + cap, lo, kBlack);
        label_y = std::min(label_y, hi);
      }

      // The value above its bar: 2× when it fits the bar, else 1×, else
      // turned upright so neighbouring labels never overprint.
      const std::string value = detail::format_number(f.value);
      const int bar_px = x1 - x0 + gap;
      const int center = (x0 + x1) / 2;
      if (Canvas::text_width(value, kTextScale) <= bar_px)
        canvas.text(center - Canvas::text_width(value, kTextScale) / 2, label_y - 4 - th, value, kBlack, kTextScale);
      else if (Canvas::text_width(value, 1) <= bar_px)
        canvas.text(center - Canvas::text_width(value, 1) / 2, label_y - 4 - Canvas::text_height(1), value, kBlack, 1);
      else
        canvas.text(center - Canvas::text_height(1) / 2, label_y - 4, value, kBlack, 1, true);
    }
    const int center = static_cast<int>(std::lround(group_x + group_width / 2));
    if (!across) {
      const std::string fitted = Canvas::fit(upright[g], 1, upright_px);
      canvas.text(center - Canvas::text_height(1) / 2, plot.bottom + 10 + Canvas::text_width(fitted, 1), fitted, kBlack,
                  1, true);
      continue;
    }
    const int max_label = static_cast<int>(group_width) - 4;
    draw_centered(canvas, center, plot.bottom + 10, profiles[g], kBlack, max_label);
    if (any) draw_centered(canvas, center, plot.bottom + 10 + th + 6, detail::engine_backend(*any), kMuted, max_label);
  }
  draw_frame(canvas, plot);
  const std::string x_label = "profile (engine+backend)";
  canvas.text(plot.left + plot.width() / 2 - Canvas::text_width(x_label, kTextScale) / 2, canvas.height() - kMargin - th,
              x_label, kBlack, kTextScale);
}

void draw_speedup_chart(Canvas& canvas, const BenchReport& report) {
  const std::vector<std::string> profiles = detail::profiles_in_order(report);
  const std::vector<int> threads = detail::thread_counts(report);
  std::vector<LegendItem> legend;
  for (std::size_t i = 0; i < profiles.size(); ++i) legend.push_back({profiles[i], series_color(i)});
  legend.push_back({"linear scaling", kBlack, true});
  const int top = draw_header(canvas, "txray bench: speedup over 1 thread, by profile",
                              chart_subtitle(report), "", legend);
  if (report.runs.empty()) return draw_nothing_to_chart(canvas, top);

  struct Point {
    int threads;
    double speedup;
  };
  std::vector<std::vector<Point>> series(profiles.size());
  double max_speedup = 0.0;
  for (std::size_t i = 0; i < report.runs.size(); ++i) {
    const double s = speedup_vs_one_thread(report, i);
    if (!std::isfinite(s)) continue;
    const std::size_t p =
        static_cast<std::size_t>(std::find(profiles.begin(), profiles.end(), report.runs[i].profile) - profiles.begin());
    series[p].push_back({report.runs[i].threads, s});
    max_speedup = std::max(max_speedup, s);
  }
  const double x_min = 1.0;
  const double x_max = std::max(static_cast<double>(threads.back()), 2.0);
  const int th = Canvas::text_height(kTextScale);
  const int bottom = canvas.height() - kMargin - th - 12 - th - 10;

  // Each line is named at its end, in a gutter right of the plot: end
  // points of similar speedups crowd together, and a gutter lets their
  // labels be spread apart without covering the lines.
  struct EndLabel {
    std::string text;
    Rgba color;
    double y;
  };
  std::vector<EndLabel> end_labels;
  int gutter = 0;
  for (std::size_t p = 0; p < series.size(); ++p) {
    if (series[p].empty()) continue;
    std::sort(series[p].begin(), series[p].end(), [](const Point& a, const Point& b) { return a.threads < b.threads; });
    char speedup[32];
    std::snprintf(speedup, sizeof speedup, " %.2fx", series[p].back().speedup);
    end_labels.push_back({profiles[p] + speedup, series_color(p), 0.0});
    gutter = std::max(gutter, Canvas::text_width(end_labels.back().text, kTextScale) + 8 * kTextScale + 16);
  }
  gutter = std::min(gutter, canvas.width() / 3);
  const Plot plot = make_plot(top, bottom, canvas.width() - kMargin - gutter, std::max(max_speedup, x_max), 1.1);
  draw_y_axis(canvas, plot, "speedup (x over 1 thread)");

  // Inset so markers at the first and last thread count stay clear of the
  // axis and the edge.
  const double inset = 30.0;
  auto x_to_px = [&](double t) {
    return plot.left + inset + (t - x_min) / (x_max - x_min) * (plot.width() - 2 * inset);
  };
  for (int t : threads) {
    if (t < x_min) continue;
    const int x = static_cast<int>(std::lround(x_to_px(t)));
    canvas.fill_rect(x, plot.top, x + 1, plot.bottom, kGrid);
    canvas.fill_rect(x - 1, plot.bottom, x + 1, plot.bottom + 6, kBlack);
    const std::string label = std::to_string(t);
    canvas.text(x - Canvas::text_width(label, kTextScale) / 2, plot.bottom + 10, label, kBlack, kTextScale);
  }
  for (std::size_t p = 0; p < series.size(); ++p)
    for (std::size_t i = 1; i < series[p].size(); ++i)
      canvas.line(x_to_px(series[p][i - 1].threads), plot.y_to_px(series[p][i - 1].speedup),
                  x_to_px(series[p][i].threads), plot.y_to_px(series[p][i].speedup), 3.0, series_color(p));
  // The ideal over the measured lines: it is the reference they are read
  // against, and a profile that scales perfectly would otherwise hide it.
  canvas.line(x_to_px(x_min), plot.y_to_px(x_min), x_to_px(x_max), plot.y_to_px(x_max), 2.0, kBlack, 10.0, 7.0);
  std::size_t label = 0;
  for (std::size_t p = 0; p < series.size(); ++p) {
    if (series[p].empty()) continue;
    for (const Point& pt : series[p]) {
      const int x = static_cast<int>(std::lround(x_to_px(pt.threads)));
      const int y = static_cast<int>(std::lround(plot.y_to_px(pt.speedup)));
      canvas.fill_rect(x - 5, y - 5, x + 6, y + 6, series_color(p));
    }
    end_labels[label++].y = plot.y_to_px(series[p].back().speedup);
  }
  draw_frame(canvas, plot);

  // Spread the end labels: sorted by height, each at least a line below
  // the one above, then the stack shifted up if it ran off the plot.
  std::sort(end_labels.begin(), end_labels.end(), [](const EndLabel& a, const EndLabel& b) { return a.y < b.y; });
  const double spacing = th + 6;
  std::vector<double> ys;
  for (const EndLabel& l : end_labels) ys.push_back(ys.empty() ? l.y : std::max(l.y, ys.back() + spacing));
  if (!ys.empty() && ys.back() > plot.bottom) {
    const double shift = ys.back() - plot.bottom;
    for (double& y : ys) y -= shift;
  }
  const int swatch = 8 * kTextScale;
  for (std::size_t i = 0; i < end_labels.size(); ++i) {
    const int x = plot.right + 12;
    const int y = static_cast<int>(std::lround(ys[i]));
    canvas.fill_rect(x, y - swatch / 2, x + swatch, y + swatch / 2, end_labels[i].color);
    canvas.text(x + swatch + 6, y - th / 2, Canvas::fit(end_labels[i].text, kTextScale, gutter - swatch - 16), kBlack,
                kTextScale);
  }
  const std::string x_label = "threads";
  canvas.text(plot.left + plot.width() / 2 - Canvas::text_width(x_label, kTextScale) / 2, canvas.height() - kMargin - th,
              x_label, kBlack, kTextScale);
}

}  // namespace

std::vector<unsigned char> render_chart(const BenchReport& report, ChartKind kind, int width, int height) {
  if (width <= 0 || height <= 0) return {};
  Canvas canvas(width, height);
  switch (kind) {
    case ChartKind::fps:
      draw_bar_chart(canvas, report, "txray bench: frames per second by profile and thread count",
                     "frames per second (higher is better; whiskers: 95% interval)", fps_figure);
      break;
    case ChartKind::speedup: draw_speedup_chart(canvas, report); break;
    case ChartKind::latency: {
      // Only the runs the probe measured: calibration rows have no probe.
      BenchReport probed = report;
      std::erase_if(probed.runs, [](const RunRecord& r) { return !r.latency.measured; });
      draw_bar_chart(canvas, probed, "txray bench --latency-probe: an I/O round trip beside the renderers",
                     "microseconds per round trip: bar p99, whisker from p50", latency_figure);
      break;
    }
  }
  return canvas.take();
}

std::string write_chart(const std::filesystem::path& path, const BenchReport& report, ChartKind kind, int width,
                        int height) {
  if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
    return path.string() + ": cannot write chart: size " + std::to_string(width) + "x" + std::to_string(height) +
           " out of range (1 to 16384 a side)";
  const std::vector<unsigned char> rgba = render_chart(report, kind, width, height);
  return write_png(path, width, height, rgba);
}

std::string write_chart(const std::filesystem::path& path, const BenchReport& report, ChartKind kind) {
  return write_chart(path, report, kind, kChartWidth, kChartHeight);
}

}  // namespace txray::bench
