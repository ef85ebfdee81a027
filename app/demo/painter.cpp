#include "app/demo/painter.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "app/demo/overlay_text.h"
#include "app/demo/tile_heat.h"
#include "bench/harness/conflict_view.h"
#include "bench/harness/profile.h"

namespace txray::demo {

namespace {

constexpr SDL_Color kWhite{255, 255, 255, 255};
constexpr SDL_Color kYellow{255, 214, 0, 255};
constexpr SDL_Color kCyan{110, 220, 255, 255};
constexpr SDL_Color kGrey{190, 190, 190, 255};
constexpr SDL_Color kRed{255, 90, 90, 255};
constexpr SDL_Color kLegend{255, 210, 120, 255};  // the heatmap PNG's legend colour
constexpr double kHeatRebuildSeconds = 0.1;       // the T layer is redrawn 10 times a second, not at the UI rate

// "sphere 17 (42)" → "sphere 17".
// The legend line (0-based) that names `subject`, or -1.
int legend_index(const std::vector<std::string>& legend, const std::string& subject) {
  for (std::size_t i = 0; i < legend.size(); ++i) {
    const std::string& line = legend[i];
    for (std::size_t at = line.find(subject); at != std::string::npos; at = line.find(subject, at + 1)) {
      const std::size_t end = at + subject.size();
      if (end == line.size() || !std::isdigit(static_cast<unsigned char>(line[end]))) return static_cast<int>(i);
    }
  }
  return -1;
}

// The circles the legend names, in its order ("1. sphere 319" first); when
// it names no object (counters, a lock), the objects in the most conflicts.
std::vector<bench::HeatOutline> legend_outlines(const bench::HeatmapLayers& layers, std::size_t most) {
  std::vector<std::pair<int, bench::HeatOutline>> named;
  for (const bench::HeatOutline& o : layers.outlines)
    if (const int i = legend_index(layers.legend, o.subject); i >= 0) named.emplace_back(i, o);
  std::stable_sort(named.begin(), named.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<bench::HeatOutline> out;
  for (const auto& [i, o] : named)
    if (out.size() < most) out.push_back(o);
  if (out.empty())
    for (const bench::HeatOutline& o : layers.outlines)
      if (out.size() < most) out.push_back(o);
  return out;
}

}  // namespace

struct Painter::PaneTexture {
  SDL_Texture* texture = nullptr;
  const DisplayBuffer* source = nullptr;
  std::shared_ptr<DisplayBuffer> hold;  // keeps `source` alive while we point at it
  std::vector<std::uint32_t> pixels;    // the UI's own copy: LockTexture keeps no old contents
  // The T layer: tiles and outlines by bench::draw_heatmap_layers into a
  // transparent RGBA layer at the render size, blended over the picture.
  SDL_Texture* heat = nullptr;
  int heat_w = 0, heat_h = 0;
  std::vector<unsigned char> heat_rgba;
  const TileHeat* heat_source = nullptr;
  double heat_time = -1.0;
  bench::HeatmapLayers layers;
  ~PaneTexture() {
    if (texture) SDL_DestroyTexture(texture);
    if (heat) SDL_DestroyTexture(heat);
  }
};

Painter::Painter(SDL_Renderer* renderer, Uint32 format, PixelLayout layout, Font& big, Font& body,
                 bench::MachineInfo machine)
    : renderer_(renderer), format_(format), pixel_layout_(layout), big_(&big), body_(&body), machine_(std::move(machine)) {}

Painter::~Painter() {
  panes_.clear();
  if (chart_texture_) SDL_DestroyTexture(chart_texture_);
}

std::vector<std::string> Painter::heat_legend(std::size_t index) const {
  std::vector<std::string> out;
  if (index >= panes_.size() || !panes_[index]) return out;
  out.push_back(panes_[index]->layers.title);
  out.insert(out.end(), panes_[index]->layers.legend.begin(), panes_[index]->layers.legend.end());
  return out;
}

std::vector<std::string> Painter::fit(const Font& font, const std::string& text, int width) {
  return wrap_words(text, std::max(1, width), [&](std::string_view s) { return font.width(s); }, "");
}

void Painter::panel(int x, int y, int w, int h, Uint8 alpha) {
  SDL_SetRenderDrawColor(renderer_, 0, 0, 0, alpha);
  const SDL_Rect r{x, y, w, h};
  SDL_RenderFillRect(renderer_, &r);
}

void Painter::draw_pane(const SDL_Rect& rect, const PaneView& view, std::size_t index) {
  if (index >= panes_.size()) panes_.resize(index + 1);
  if (!panes_[index]) panes_[index] = std::make_unique<PaneTexture>();
  PaneTexture& t = *panes_[index];
  if (view.display && view.display.get() != t.source) {
    if (t.texture) SDL_DestroyTexture(t.texture);
    t.texture = SDL_CreateTexture(renderer_, format_, SDL_TEXTUREACCESS_STREAMING, view.display->width(), view.display->height());
    t.source = view.display.get();
    t.hold = view.display;
    t.pixels.assign(static_cast<std::size_t>(view.display->width()) * static_cast<std::size_t>(view.display->height()),
                    0xffu << pixel_layout_.a_shift);
  }
  if (!t.texture || !t.source) return;
  int y0 = 0, y1 = 0;
  if (t.hold->collect(t.pixels, &y0, &y1) > 0) {
    // Streaming upload of the rows that changed: lock, copy rows (honouring
    // the pitch), unlock. A locked area keeps no old contents, so it is
    // refilled whole from the UI's own copy.
    const int w = t.hold->width();
    const SDL_Rect rows{0, y0, w, y1 - y0};
    void* dest = nullptr;
    int pitch = 0;
    if (SDL_LockTexture(t.texture, &rows, &dest, &pitch) == 0) {
      for (int y = y0; y < y1; ++y)
        std::memcpy(static_cast<unsigned char*>(dest) + static_cast<std::ptrdiff_t>(y - y0) * pitch,
                    t.pixels.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(w),
                    static_cast<std::size_t>(w) * 4);
      SDL_UnlockTexture(t.texture);
    }
  }
  SDL_RenderCopy(renderer_, t.texture, nullptr, &rect);
}

void Painter::draw_heat(const SDL_Rect& rect, const PaneView& view, std::size_t index, double now) {
  if (!view.heat || !view.display || index >= panes_.size() || !panes_[index]) return;
  PaneTexture& t = *panes_[index];
  const int w = view.display->width(), h = view.display->height();
  if (f_->finishing || view.heat.get() != t.heat_source || now - t.heat_time >= kHeatRebuildSeconds) {
    // The same layers as `txray render --heatmap`, over the last second.
    const TileHeat::View heat = view.heat->take(now);
    char window[32];
    std::snprintf(window, sizeof window, "last %.1f s", view.heat->window_seconds());
    t.layers = bench::conflict_layers(heat.sources, heat.scene, view.heat->grid(), heat.tile_ms, w, h, window, 3, 16,
                                      heat.source_seconds);
    t.layers.outlines = legend_outlines(t.layers, 3);
    if (!t.heat || t.heat_w != w || t.heat_h != h) {
      if (t.heat) SDL_DestroyTexture(t.heat);
      t.heat = SDL_CreateTexture(renderer_, SDL_PIXELFORMAT_RGBA32, SDL_TEXTUREACCESS_STREAMING, w, h);
      if (!t.heat) return;
      SDL_SetTextureBlendMode(t.heat, SDL_BLENDMODE_BLEND);
      t.heat_w = w;
      t.heat_h = h;
    }
    t.heat_rgba.assign(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 4, 0);
    // Rings only: the labels are drawn below in the overlay's font, kept
    // inside the pane and numbered as in the legend.
    bench::HeatmapLayers rings = t.layers;
    for (bench::HeatOutline& o : rings.outlines) o.label.clear();
    bench::draw_heatmap_layers(t.heat_rgba, w, h, rings, std::max(1, h / 240));
    SDL_UpdateTexture(t.heat, nullptr, t.heat_rgba.data(), w * 4);
    t.heat_source = view.heat.get();
    t.heat_time = now;
  }
  if (t.heat) SDL_RenderCopy(renderer_, t.heat, nullptr, &rect);
  // The legend sits above what the bottom of the window already shows: the
  // UI rate or a message (one pane), the chart (compare), a stage caption.
  int bottom = rect.y + rect.h;
  if (views_single_) bottom = std::min(bottom, f_->h - body_->line_height() - body_->pixel_height());
  const int legend_top = draw_heat_legend(rect, std::min(bottom, caption_top(f_->h)), t.layers);
  place_heat_labels(rect, w, h, legend_top, t.layers);
}

void Painter::place_heat_labels(const SDL_Rect& rect, int render_w, int render_h, int floor,
                               const bench::HeatmapLayers& layers) {
  const int pad = body_->pixel_height() / 4;
  const float sx = static_cast<float>(rect.w) / static_cast<float>(std::max(1, render_w));
  const float sy = static_cast<float>(rect.h) / static_cast<float>(std::max(1, render_h));
  for (const bench::HeatOutline& o : layers.outlines) {
    if (o.label.empty()) continue;
    // "2. sphere 17": numbered as the legend line that names it.
    const std::string& subject = o.subject;
    const int i = legend_index(layers.legend, subject);
    const std::string text = i >= 0 ? std::to_string(i + 1) + ". " + subject : subject;
    const float cx = static_cast<float>(rect.x) + o.x * sx, cy = static_cast<float>(rect.y) + o.y * sy;
    const float r = o.radius * sy;
    // Up and to the right of the ring; moved inside the pane (and off the
    // overlay's panels) when drawn, after the overlay.
    pending_labels_.push_back(PendingLabel{rect, static_cast<int>(cx + r * 0.7f) + pad,
                                           static_cast<int>(cy - r * 0.7f) - body_->line_height(), floor, text});
  }
}

void Painter::draw_heat_labels() {
  const int pad = body_->pixel_height() / 4;
  for (const PendingLabel& l : pending_labels_) {
    const SDL_Rect& rect = l.pane;
    const int tw = body_->width(l.text), th = body_->line_height();
    const int lowest = std::max(rect.y + pad, std::min(l.floor, rect.y + rect.h) - th - pad);
    int x = std::clamp(l.x, rect.x + pad, std::max(rect.x + pad, rect.x + rect.w - tw - pad));
    int y = std::clamp(l.y, rect.y + pad, lowest);
    for (const SDL_Rect& p : overlay_panels_) {
      const SDL_Rect label{x - pad, y, tw + 2 * pad, th};
      if (SDL_HasIntersection(&label, &p)) y = std::min(lowest, p.y + p.h + pad);
    }
    SDL_RenderSetClipRect(renderer_, &rect);
    panel(x - pad, y, tw + 2 * pad, th, 160);
    body_->draw(renderer_, x, y, l.text, SDL_Color{0, 230, 255, 255});
    SDL_RenderSetClipRect(renderer_, nullptr);
  }
}

int Painter::draw_heat_legend(const SDL_Rect& rect, int bottom, const bench::HeatmapLayers& layers) {
  // In the overlay's font, large and high-contrast, wrapped to the pane;
  // at most half the pane, the top sources first.
  const int pad = body_->pixel_height() / 3;
  const auto measure = [&](std::string_view s) { return body_->width(s); };
  std::vector<std::pair<std::string, SDL_Color>> rows;
  for (std::string& line : wrap_words(layers.title, rect.w - 2 * pad, measure)) rows.emplace_back(std::move(line), kWhite);
  for (const std::string& source : layers.legend)
    for (std::string& line : wrap_words(source, rect.w - 2 * pad, measure)) rows.emplace_back(std::move(line), kLegend);
  const int most = std::max(1, (bottom - rect.y) / 2 / std::max(1, body_->line_height()));
  if (static_cast<int>(rows.size()) > most) rows.resize(static_cast<std::size_t>(most));
  const int h = static_cast<int>(rows.size()) * body_->line_height() + 2 * pad;
  SDL_RenderSetClipRect(renderer_, &rect);
  panel(rect.x, bottom - h, rect.w, h, 200);
  int y = bottom - h + pad;
  for (const auto& [line, color] : rows) {
    body_->draw(renderer_, rect.x + pad, y, line, color);
    y += body_->line_height();
  }
  SDL_RenderSetClipRect(renderer_, nullptr);
  return bottom - h;
}

void Painter::draw_overlay_single(const PaneView& view) {
  const OverlayLines lines = overlay_lines(view.status, f_->config);
  const int pad = body_->pixel_height() / 2;
  // Wrapped to the window, each line in its own font and colour.
  const int most = f_->w - 2 * pad - pad;
  struct Row {
    std::string text;
    const Font* font;
    SDL_Color color;
  };
  std::vector<Row> rows;
  const auto add = [&](const std::string& text, const Font& font, SDL_Color color) {
    for (std::string& line : fit(font, text, most)) rows.push_back(Row{std::move(line), &font, color});
  };
  add(lines.title, *big_, kYellow);
  add(lines.models, *body_, kWhite);
  add(lines.setup, *body_, kWhite);
  add(lines.speed, *big_, kWhite);
  // The drag's latency, large: a stage audience should read it from the back.
  if (!lines.drag.empty()) add(lines.drag, *big_, kYellow);
  if (!lines.story.empty()) add(lines.story, *body_, kCyan);
  add(lines.knobs, *body_, kGrey);
  add("H: keys", *body_, kGrey);
  int w = 0, h = 0;
  for (const Row& r : rows) {
    w = std::max(w, r.font->width(r.text));
    h += r.font->line_height();
  }
  panel(0, 0, w + 2 * pad, h + 2 * pad);
  overlay_panels_.push_back(SDL_Rect{0, 0, w + 2 * pad, h + 2 * pad});
  int y = pad;
  for (const Row& r : rows) {
    r.font->draw(renderer_, pad, y, r.text, r.color);
    y += r.font->line_height();
  }
}

void Painter::draw_overlay_pane(const SDL_Rect& rect, const PaneView& view) {
  // Narrow panes: short lines, wrapped to the pane (never into the next).
  const OverlayLines lines = overlay_lines(view.status, f_->config);
  const PaneStatus& s = view.status;
  const int pad = body_->pixel_height() / 3;
  const std::string head = s.profile.name + "  " + (s.frames ? short_number(s.fps) + " FPS" : std::string("\xE2\x80\x94 FPS"));
  const std::string detail = s.frames ? short_number(s.frame_ms) + " ms \xC2\xB7 " + short_number(s.mrays) + " Mrays/s" : lines.speed;
  std::vector<std::pair<std::string, SDL_Color>> rows;
  const int most = rect.w - 2 * pad;
  for (std::string& l : fit(*body_, head, most)) rows.emplace_back(std::move(l), s.has_machine ? kYellow : kWhite);
  for (std::string& l : fit(*body_, detail, most)) rows.emplace_back(std::move(l), kWhite);
  if (!lines.drag.empty())
    for (std::string& l : fit(*body_, lines.drag, most)) rows.emplace_back(std::move(l), kYellow);
  if (!lines.story.empty())
    for (std::string& l : fit(*body_, lines.story, most)) rows.emplace_back(std::move(l), kCyan);
  // The clip rectangle only keeps the panel's fill in the pane: the text
  // already fits (and the headless tests check it against this rectangle).
  SDL_RenderSetClipRect(renderer_, &rect);
  panel(rect.x, rect.y, rect.w, body_->line_height() * static_cast<int>(rows.size()) + 2 * pad);
  overlay_panels_.push_back(SDL_Rect{rect.x, rect.y, rect.w, body_->line_height() * static_cast<int>(rows.size()) + 2 * pad});
  int y = rect.y + pad;
  for (const auto& [line, color] : rows) {
    body_->draw(renderer_, rect.x + pad, y, line, color);
    y += body_->line_height();
  }
  SDL_RenderSetClipRect(renderer_, nullptr);
}

void Painter::draw_bar_chart(const SDL_Rect& rect, const std::vector<PaneView>& views) {
  panel(rect.x, rect.y, rect.w, rect.h, 200);
  const int pad = body_->pixel_height() / 2;
  // The subtitle wraps to the chart; the bars share what is left.
  const std::vector<std::string> subtitle =
      fit(*body_,
          "FPS per profile, each over its own turns with the whole machine  \xC2\xB7  " + std::to_string(f_->config.threads) +
              " threads  \xC2\xB7  " + f_->ui_rate + "  \xC2\xB7  H: keys",
          rect.w - 2 * pad);
  for (std::size_t i = 0; i < subtitle.size(); ++i)
    body_->draw(renderer_, rect.x + pad, rect.y + pad / 2 + static_cast<int>(i) * body_->line_height(), subtitle[i], kGrey);
  double top = 0.0;
  int label_w = 0;
  for (const PaneView& v : views) {
    top = std::max(top, v.status.fps);
    label_w = std::max(label_w, body_->width(v.status.profile.name));
  }
  const int rows = static_cast<int>(views.size());
  const int y0 = rect.y + pad / 2 + body_->line_height() * static_cast<int>(subtitle.size());
  const int row_h = std::max(4, (rect.y + rect.h - y0 - pad / 2) / std::max(1, rows));
  const int bar_x = rect.x + pad + label_w + pad;
  const int value_w = std::max(body_->width("00.0k FPS"), body_->width("\xE2\x80\x94 FPS"));
  const int bar_max = std::max(10, rect.x + rect.w - bar_x - value_w - 2 * pad);
  static constexpr SDL_Color kBars[] = {{255, 140, 0, 255}, {0, 170, 255, 255}, {120, 220, 80, 255}};
  for (int i = 0; i < rows; ++i) {
    const PaneStatus& s = views[static_cast<std::size_t>(i)].status;
    const int y = y0 + i * row_h;
    body_->draw(renderer_, rect.x + pad, y + (row_h - body_->line_height()) / 2, s.profile.name, kWhite);
    const int len = top > 0.0 ? static_cast<int>(bar_max * (s.fps / top)) : 0;
    const SDL_Color c = kBars[i % 3];
    SDL_SetRenderDrawColor(renderer_, c.r, c.g, c.b, 255);
    const SDL_Rect bar{bar_x, y + row_h / 6, std::max(2, len), std::max(2, row_h * 2 / 3)};
    SDL_RenderFillRect(renderer_, &bar);
    body_->draw(renderer_, bar_x + bar.w + pad, y + (row_h - body_->line_height()) / 2,
                s.frames ? short_number(s.fps) + " FPS" : "\xE2\x80\x94 FPS", kWhite);
  }
}

void Painter::draw_results(int w, int h) {
  SDL_SetRenderDrawColor(renderer_, 12, 12, 16, 255);
  SDL_RenderClear(renderer_);
  bench::BenchReport report;
  report.runs = f_->measurements();
  report.seed = bench::europython2015_seed();
  report.config.scene = f_->config.scene;
  report.config.width = f_->config.width;
  report.config.height = f_->config.height;
  report.machine = machine_;
  const int pad = body_->pixel_height();
  const std::vector<std::string> title = fit(*big_, "Results: measured here, beside the 2015 talk", w - 2 * pad);
  for (std::size_t i = 0; i < title.size(); ++i)
    big_->draw(renderer_, pad, pad / 2 + static_cast<int>(i) * big_->line_height(), title[i], kYellow);
  const int top = pad / 2 + big_->line_height() * static_cast<int>(title.size()) + pad / 2;
  // Left: the harness's own FPS chart of everything shown; built once.
  const int box_w = std::max(64, w / 2 - pad), box_h = std::max(64, h - top - pad);
  if (!results_ready_) {
    // The chart's text has a fixed pixel size and is shortened ("...") on
    // a narrow canvas: draw it at least kChartMinWidth wide, whole, and
    // let the GPU scale it into its half of the window.
    constexpr int kChartMinWidth = 1000;
    const double up = std::max(1.0, static_cast<double>(kChartMinWidth) / box_w);
    chart_w_ = static_cast<int>(std::lround(box_w * up));
    chart_h_ = static_cast<int>(std::lround(box_h * up));
    const std::vector<unsigned char> rgba = bench::render_chart(report, bench::ChartKind::fps, chart_w_, chart_h_);
    if (chart_texture_) SDL_DestroyTexture(chart_texture_);
    chart_texture_ = SDL_CreateTexture(renderer_, SDL_PIXELFORMAT_RGBA32, SDL_TEXTUREACCESS_STATIC, chart_w_, chart_h_);
    if (chart_texture_ && !rgba.empty()) {
      SDL_UpdateTexture(chart_texture_, nullptr, rgba.data(), chart_w_ * 4);
      SDL_SetTextureScaleMode(chart_texture_, SDL_ScaleModeLinear);
    }
    results_ready_ = true;
  }
  if (chart_texture_) {
    const SDL_Rect dst{pad / 2, top, box_w, box_h};
    SDL_RenderCopy(renderer_, chart_texture_, nullptr, &dst);
  }
  // Right: the seed comparison, ratios to the slowest profile of the talk.
  const bench::SeedComparison cmp = bench::compare_with_seed(report);
  const int x0 = w / 2 + pad / 2;
  const int right = w - pad / 2;
  // Columns as wide as their widest cell, so a long profile name never
  // runs into the next column.
  std::vector<std::array<std::string, 5>> cells = {{"profile", "2015 FPS", "ratio", "here FPS", "ratio"}};
  for (const bench::SeedComparisonRow& row : cmp.rows)
    cells.push_back({row.profile, short_number(row.seed_fps), short_number(row.seed_ratio) + "\xC3\x97",
                     row.measured ? short_number(row.measured_fps) : "-",
                     row.measured && std::isfinite(row.measured_ratio) ? short_number(row.measured_ratio) + "\xC3\x97" : "-"});
  std::array<int, 5> col_x{};
  int x = x0;
  for (int c = 0; c < 5; ++c) {
    col_x[static_cast<std::size_t>(c)] = x;
    int widest = 0;
    for (const auto& r : cells) widest = std::max(widest, body_->width(r[static_cast<std::size_t>(c)]));
    x += widest + pad / 2;
  }
  int y = top;
  for (std::size_t r = 0; r < cells.size(); ++r) {
    const bool measured = r > 0 && cmp.rows[r - 1].measured;
    for (std::size_t c = 0; c < 5; ++c) {
      const SDL_Color color = r == 0 ? kGrey : c < 3 ? kWhite : measured ? kYellow : kGrey;
      body_->draw(renderer_, col_x[c], y, cells[r][c], color);
    }
    y += body_->line_height() + (r == 0 ? pad / 3 : 0);
  }
  y += pad;
  std::vector<std::string> notes = fit(*body_, "ratios: to " + cmp.baseline + "; 'here' at the most threads shown", right - x0);
  for (const bench::RunRecord& r : report.runs)
    for (std::string& line : fit(*body_,
                                 r.profile + "  " + std::to_string(r.threads) + " thr  " + short_number(r.fps) + " FPS  " +
                                     short_number(r.mrays_per_second) + " Mrays/s",
                                 right - x0))
      notes.push_back(std::move(line));
  for (std::size_t i = 0; i < notes.size(); ++i) {
    if (y > h - body_->line_height()) break;
    body_->draw(renderer_, x0, y, notes[i], i == 0 ? kGrey : kWhite);
    y += body_->line_height();
  }
}

void Painter::draw_help(int w, int h) {
  std::vector<std::string> lines;
  for (const std::string& l : help_lines())
    for (std::string& piece : wrap_words(l, w - 2 * body_->pixel_height(), [&](std::string_view t) { return body_->width(t); }))
      lines.push_back(std::move(piece));
  int width = 0;
  for (const auto& l : lines) width = std::max(width, body_->width(l));
  const int pad = body_->pixel_height();
  const int ph = static_cast<int>(lines.size()) * body_->line_height() + 2 * pad;
  const int x = std::max(0, (w - width) / 2 - pad), y = std::max(0, (h - ph) / 2);
  panel(x, y, width + 2 * pad, ph, 215);
  for (std::size_t i = 0; i < lines.size(); ++i)
    body_->draw(renderer_, x + pad, y + pad + static_cast<int>(i) * body_->line_height(), lines[i], kWhite);
}

// Where a stage caption's panel starts (h when none shows).
int Painter::caption_top(int h) const {
  if (!f_->player || f_->player->step().caption.empty() || f_->player->step().results) return h;
  const int pad = body_->pixel_height() / 2;
  const int bottom = f_->config.profiles.size() > 1 ? f_->chart.y : h;
  const int rows = static_cast<int>(fit(*big_, f_->player->step().caption, f_->w - 4 * pad).size());
  return bottom - rows * big_->line_height() - 3 * pad - (f_->config.profiles.size() > 1 ? 0 : body_->line_height()) - pad;
}

void Painter::draw_caption(int w, int h, double now) {
  const StageStep& step = f_->player->step();
  const std::string where = "step " + std::to_string(f_->player->index() + 1) + "/" + std::to_string(f_->player->count()) +
          (step.seconds > 0.0 ? "  " + std::to_string(static_cast<int>(std::ceil(f_->player->remaining(now)))) + " s"
                              : "  next: click");
  const int pad = body_->pixel_height() / 2;
  const int ww = body_->width(where);
  panel(w - ww - 2 * pad, h - body_->line_height() - 2 * pad, ww + 2 * pad, body_->line_height() + 2 * pad);
  body_->draw(renderer_, w - ww - pad, h - body_->line_height() - pad, where, kGrey);
  if (step.caption.empty() || step.results) return;
  // Large, centred, wrapped to the window: a long caption takes two lines
  // rather than losing its ends.
  const std::vector<std::string> rows = fit(*big_, step.caption, w - 4 * pad);
  int cw = 0;
  for (const std::string& r : rows) cw = std::max(cw, big_->width(r));
  int y = caption_top(h) + pad;
  panel((w - cw) / 2 - pad, y - pad, cw + 2 * pad, big_->line_height() * static_cast<int>(rows.size()) + 2 * pad, 200);
  for (const std::string& r : rows) {
    big_->draw(renderer_, (w - big_->width(r)) / 2, y, r, kWhite);
    y += big_->line_height();
  }
}

void Painter::draw(const Frame& frame) {
  f_ = &frame;
  const std::vector<PaneView>& views = frame.views;
  const double now = frame.now;
  text_bounds_log().clear();
  pending_labels_.clear();
  overlay_panels_.clear();
  const bool results = f_->player && f_->player->step().results;
  if (results) {
    draw_results(f_->w, f_->h);
  } else {
    SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 255);
    SDL_RenderClear(renderer_);
    for (std::size_t i = 0; i < views.size() && i < frame.panes.size(); ++i) draw_pane(frame.panes[i], views[i], i);
    // T shows even without the overlay: it was asked for by name.
    views_single_ = views.size() == 1;
    if (f_->state.heatmap)
      for (std::size_t i = 0; i < views.size() && i < frame.panes.size(); ++i) draw_heat(frame.panes[i], views[i], i, now);
    if (f_->overlay) {
      if (views.size() == 1) {
        draw_overlay_single(views[0]);
      } else {
        for (std::size_t i = 0; i < views.size() && i < frame.panes.size(); ++i) draw_overlay_pane(frame.panes[i], views[i]);
        draw_bar_chart(frame.chart, views);
      }
    }
    draw_heat_labels();  // over the overlay's panels, never under them
  }
  if (!f_->overlay) return;
  if (f_->player) draw_caption(f_->w, f_->h, now);
  const std::string error = f_->error;
  const std::string note = !error.empty() ? error : f_->message;
  if (!note.empty()) {
    const int pad = body_->pixel_height() / 2;
    const std::vector<std::string> rows = fit(*body_, note, f_->w - 2 * pad);
    int nw = 0;
    for (const std::string& r : rows) nw = std::max(nw, body_->width(r));
    const int nh = body_->line_height() * static_cast<int>(rows.size());
    int y = f_->h - nh - 2 * pad;
    panel(0, y, nw + 2 * pad, nh + 2 * pad, 200);
    for (const std::string& r : rows) {
      body_->draw(renderer_, pad, y + pad, r, error.empty() ? kWhite : kRed);
      y += body_->line_height();
    }
  }
  if (!results && !f_->player && f_->config.profiles.size() == 1) {
    const std::string ui = f_->ui_rate;
    const int pad = body_->pixel_height() / 3;
    body_->draw(renderer_, f_->w - body_->width(ui) - pad, f_->h - body_->line_height() - pad, ui, kGrey);
  }
  if (f_->state.help) draw_help(f_->w, f_->h);
}

}  // namespace txray::demo
