#include "app/demo/demo_app.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include <SDL.h>

#include "app/demo/demo_state.h"
#include "app/demo/font.h"
#include "app/demo/overlay_text.h"
#include "app/demo/render_driver.h"
#include "app/demo/sdl_input.h"
#include "app/demo/stage_script.h"
#include "app/demo/tile_heat.h"
#include "bench/harness/conflict_view.h"
#include "bench/harness/heatmap.h"
#include "bench/harness/profile.h"
#include "bench/harness/report.h"
#include "renderer/film.h"
#include "renderer/tile_scheduler.h"
#include "scenes/scene.h"

namespace txray::demo {

namespace {

constexpr SDL_Color kWhite{255, 255, 255, 255};
constexpr SDL_Color kYellow{255, 214, 0, 255};
constexpr SDL_Color kCyan{110, 220, 255, 255};
constexpr SDL_Color kGrey{190, 190, 190, 255};
constexpr SDL_Color kRed{255, 90, 90, 255};
constexpr SDL_Color kLegend{255, 210, 120, 255};  // the heatmap PNG's legend colour
constexpr double kHeatRebuildSeconds = 0.1;       // the T layer is redrawn 10 times a second, not at the UI rate
constexpr double kUiHz = 60.0;
// The interpreted engine's pace on spheres, for the up-front estimate of a
// --frames run: 640x360 in about 15.5 s on the README's 2-core machine.
// The interpreted engine's pace for the up-front estimate: `txray bench` (the
// default run, its cpython rows) drew about 7 thousand pixels a second at
// 1 and at 2 threads on a quiet 2-core Xeon, release build. An estimate for
// the message, not a measurement of the machine at hand.
constexpr double kInterpPixelsPerSecond = 7000.0;

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void no_window(const std::string& what) {
  const char* driver = std::getenv("SDL_VIDEODRIVER");
  std::cerr << "txray-demo: " << what << ": " << SDL_GetError() << "\n"
            << "  No usable display" << (driver ? std::string(" (SDL_VIDEODRIVER=") + driver + ")" : std::string()) << ". Try:\n"
            << "    xvfb-run -a txray-demo ...          a virtual X display (Debian: apt-get install xvfb xauth)\n"
            << "    SDL_VIDEODRIVER=dummy txray-demo --frames 30 --screenshot out/demo.png   no window, for CI\n"
            << "    DISPLAY=:0 (X11) or WAYLAND_DISPLAY when a desktop is running\n";
}

// The texture format the renderer takes without conversion: the first
// 32-bit, 8-bits-a-channel format it lists, ARGB8888 when it is among them.
std::optional<std::pair<Uint32, PixelLayout>> native_layout(SDL_Renderer* renderer) {
  SDL_RendererInfo info;
  if (SDL_GetRendererInfo(renderer, &info) != 0) return std::nullopt;
  std::optional<Uint32> chosen;
  for (Uint32 i = 0; i < info.num_texture_formats; ++i) {
    const Uint32 f = info.texture_formats[i];
    if (SDL_BITSPERPIXEL(f) == 32 || (SDL_BITSPERPIXEL(f) == 24 && SDL_BYTESPERPIXEL(f) == 4)) {
      if (!SDL_ISPIXELFORMAT_PACKED(f)) continue;
      if (f == SDL_PIXELFORMAT_ARGB8888 || !chosen) chosen = f;
    }
  }
  if (!chosen) chosen = SDL_PIXELFORMAT_ARGB8888;  // SDL converts; still correct
  int bpp = 0;
  Uint32 r = 0, g = 0, b = 0, a = 0;
  if (!SDL_PixelFormatEnumToMasks(*chosen, &bpp, &r, &g, &b, &a) || !r || !g || !b) return std::nullopt;
  PixelLayout layout;
  layout.r_shift = std::countr_zero(r);
  layout.g_shift = std::countr_zero(g);
  layout.b_shift = std::countr_zero(b);
  // X formats (RGB888) have no alpha bits: put 0xff in the unused byte.
  layout.a_shift = a ? std::countr_zero(a) : std::countr_zero(~(r | g | b));
  return std::pair{*chosen, layout};
}

std::filesystem::path find_font(const std::optional<std::string>& flag) {
  if (flag) return *flag;
  const std::filesystem::path candidates[] = {
#ifdef TXRAY_ASSETS_DIR
      std::filesystem::path(TXRAY_ASSETS_DIR) / "fonts/DejaVuSans-Bold.ttf",
#endif
      "assets/fonts/DejaVuSans-Bold.ttf",
      "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
  };
  for (const auto& c : candidates)
    if (std::filesystem::exists(c)) return c;
  return candidates[0];
}

std::string timestamp_name() {
  const std::time_t t = std::time(nullptr);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "txray-demo-%Y%m%d-%H%M%S.png", std::localtime(&t));
  return buffer;
}

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

struct PaneTexture {
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

class Window {
 public:
  Window(const DemoOptions& options, std::vector<std::string> known) : options_(options), known_(std::move(known)) {}
  ~Window() {
    driver_.reset();  // threads first: they write into buffers the textures mirror
    panes_.clear();
    if (chart_texture_) SDL_DestroyTexture(chart_texture_);
    big_.reset();
    body_.reset();
    if (renderer_) SDL_DestroyRenderer(renderer_);
    if (window_) SDL_DestroyWindow(window_);
    if (sdl_) SDL_Quit();
  }

  int run();

 private:
  struct Layout {
    std::vector<SDL_Rect> panes;
    SDL_Rect chart{0, 0, 0, 0};
    int render_w = 0, render_h = 0;
  };

  bool open();
  Layout layout(int w, int h, int panes) const;
  void apply_step();
  void handle(const SDL_Event& e);
  void draw(const Layout& l, const std::vector<PaneView>& views, double now);
  void draw_pane(const SDL_Rect& rect, const PaneView& view, std::size_t index);
  void draw_heat(const SDL_Rect& rect, const PaneView& view, std::size_t index, double now);
  int draw_heat_legend(const SDL_Rect& rect, int bottom, const bench::HeatmapLayers& layers);
  void place_heat_labels(const SDL_Rect& rect, int render_w, int render_h, int floor, const bench::HeatmapLayers& layers);
  void draw_heat_labels();
  int caption_top(int h) const;
  void draw_overlay_single(const PaneView& view);
  void draw_overlay_pane(const SDL_Rect& rect, const PaneView& view);
  void draw_bar_chart(const SDL_Rect& rect, const std::vector<PaneView>& views);
  void draw_results(int w, int h);
  void draw_help(int w, int h);
  void draw_caption(int w, int h, double now);
  void panel(int x, int y, int w, int h, Uint8 alpha = 175);
  /// `text` broken into lines no wider than `width` in `font`: overlay text
  /// wraps, it is never clipped.
  [[nodiscard]] static std::vector<std::string> fit(const Font& font, const std::string& text, int width);
  [[nodiscard]] std::string ui_rate() const;
  void write_text_bounds() const;
  std::string save_screenshot(const std::filesystem::path& path);
  std::optional<std::pair<float, float>> pane_uv(int x, int y) const;

  const DemoOptions& options_;
  std::vector<std::string> known_;
  bool sdl_ = false;
  SDL_Window* window_ = nullptr;
  SDL_Renderer* renderer_ = nullptr;
  Uint32 format_ = SDL_PIXELFORMAT_ARGB8888;
  PixelLayout pixel_layout_;
  std::unique_ptr<Font> big_, body_;
  std::unique_ptr<DemoState> state_;
  std::optional<StagePlayer> player_;
  std::unique_ptr<RenderDriver> driver_;
  std::vector<std::unique_ptr<PaneTexture>> panes_;
  RenderConfig config_;
  Layout layout_;
  int out_w_ = 0, out_h_ = 0;
  // Mouse
  enum class Drag { none, orbit, object } drag_ = Drag::none;
  int drag_pane_ = 0;
  // Results
  SDL_Texture* chart_texture_ = nullptr;
  int chart_w_ = 0, chart_h_ = 0;
  bool results_ready_ = false;
  bench::MachineInfo machine_;  // the chart's subtitle: this CPU and its cores
  // T's circle labels, drawn after the overlay so they can keep off its panels.
  struct PendingLabel {
    SDL_Rect pane;
    int x, y, floor;
    std::string text;
  };
  std::vector<PendingLabel> pending_labels_;
  std::vector<SDL_Rect> overlay_panels_;
  std::string message_;
  double message_until_ = 0.0;
  // UI rate, for the overlay and the exit summary.
  double ui_hz_ = 0.0, ui_min_hz_ = 1e9;
  int ui_frames_ = 0, ui_windows_ = 0;
  double ui_window_start_ = 0.0;
  bool finishing_ = false;  // --frames: this draw is the screenshot
  bool views_single_ = true;
};

bool Window::open() {
  // Vsync off unless asked: the window must show what the renderer does,
  // not the display's refresh.
  SDL_SetHint(SDL_HINT_RENDER_VSYNC, options_.vsync ? "1" : "0");
  SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");  // a presenter's second screen must not minimise
  if (SDL_Init(SDL_INIT_VIDEO) != 0) {
    no_window("cannot initialise SDL video");
    return false;
  }
  sdl_ = true;
  Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
  if (options_.fullscreen) flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
  window_ = SDL_CreateWindow("txray-demo", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, options_.width, options_.height, flags);
  if (!window_) {
    no_window("cannot open a window");
    return false;
  }
  renderer_ = SDL_CreateRenderer(window_, -1, options_.vsync ? SDL_RENDERER_PRESENTVSYNC : 0);
  if (!renderer_) renderer_ = SDL_CreateRenderer(window_, -1, SDL_RENDERER_SOFTWARE);
  if (!renderer_) {
    no_window("cannot create a renderer for the window (try SDL_RENDER_DRIVER=software)");
    return false;
  }
  const auto native = native_layout(renderer_);
  if (!native) {
    no_window("the renderer offers no 32-bit texture format");
    return false;
  }
  format_ = native->first;
  pixel_layout_ = native->second;
  SDL_SetRenderDrawBlendMode(renderer_, SDL_BLENDMODE_BLEND);
  state_->fullscreen = options_.fullscreen;
  return true;
}

Window::Layout Window::layout(int w, int h, int panes) const {
  Layout l;
  if (panes <= 1) {
    l.panes = {SDL_Rect{0, 0, w, h}};
  } else {
    // The slide: panes side by side at 4:3, a bar chart of their FPS beneath.
    const int area_h = h - std::max(60, h / 4);  // at least a quarter for the chart
    int pane_w = w / panes, pane_h = pane_w * 3 / 4;
    if (pane_h > area_h) {
      pane_h = area_h;
      pane_w = pane_h * 4 / 3;
    }
    const int x0 = (w - pane_w * panes) / 2;
    for (int i = 0; i < panes; ++i) l.panes.push_back(SDL_Rect{x0 + i * pane_w, 0, pane_w, pane_h});
    const int gap = h / 40;
    l.chart = SDL_Rect{w / 16, pane_h + gap, w - w / 8, h - pane_h - 2 * gap};
  }
  l.render_w = std::max(16, static_cast<int>(std::lround(l.panes[0].w * options_.scale)));
  l.render_h = std::max(16, static_cast<int>(std::lround(l.panes[0].h * options_.scale)));
  return l;
}

void Window::apply_step() {
  const StageStep& step = player_->step();
  if (step.results) return;
  std::vector<int> panes;
  for (const std::string& name : step.profiles)
    panes.push_back(static_cast<int>(std::find(known_.begin(), known_.end(), name) - known_.begin()));
  state_->set_panes(panes);
  state_->threads = step.threads > 0 ? std::min(step.threads, state_->max_threads) : hardware_threads();
  state_->animator = step.animator;
  state_->shared_counters = step.shared_counters;
  state_->log = step.log;
  state_->heatmap = step.heatmap;
  state_->paused = false;
  config_.scene = step.scene;
}

std::optional<std::pair<float, float>> Window::pane_uv(int x, int y) const {
  for (std::size_t i = 0; i < layout_.panes.size(); ++i) {
    const SDL_Rect& r = layout_.panes[i];
    if (x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h)
      return std::pair{(static_cast<float>(x - r.x) + 0.5f) / static_cast<float>(r.w),
                       (static_cast<float>(y - r.y) + 0.5f) / static_cast<float>(r.h)};
  }
  return std::nullopt;
}

void Window::handle(const SDL_Event& e) {
  // Mouse coordinates are in window points; drawing is in output pixels
  // (they differ on high-DPI screens).
  int win_w = 1, win_h = 1;
  SDL_GetWindowSize(window_, &win_w, &win_h);
  const float sx = static_cast<float>(out_w_) / static_cast<float>(std::max(1, win_w));
  const float sy = static_cast<float>(out_h_) / static_cast<float>(std::max(1, win_h));
  switch (e.type) {
    case SDL_MOUSEBUTTONDOWN:
      if (e.button.button != SDL_BUTTON_LEFT) break;
      if (SDL_GetModState() & KMOD_SHIFT) {
        const auto uv = pane_uv(static_cast<int>(e.button.x * sx), static_cast<int>(e.button.y * sy));
        if (!uv) break;
        driver_->grab(uv->first, uv->second);
        drag_ = Drag::object;
      } else {
        drag_ = Drag::orbit;
      }
      break;
    case SDL_MOUSEMOTION:
      if (drag_ == Drag::orbit) {
        driver_->orbit(static_cast<float>(e.motion.xrel) * 0.008f, static_cast<float>(e.motion.yrel) * 0.008f);
      } else if (drag_ == Drag::object) {
        if (const auto uv = pane_uv(static_cast<int>(e.motion.x * sx), static_cast<int>(e.motion.y * sy)))
          driver_->drag(uv->first, uv->second);
      }
      break;
    case SDL_MOUSEBUTTONUP:
      if (e.button.button == SDL_BUTTON_LEFT) {
        if (drag_ == Drag::object) driver_->release();
        drag_ = Drag::none;
      }
      break;
    default: break;
  }
}

std::vector<std::string> Window::fit(const Font& font, const std::string& text, int width) {
  return wrap_words(text, std::max(1, width), [&](std::string_view s) { return font.width(s); }, "");
}

std::string Window::ui_rate() const {
  // The first second is not measured yet: a dash, not "0 Hz".
  return ui_windows_ == 0 ? std::string("UI \xE2\x80\x94 Hz") : "UI " + std::to_string(static_cast<int>(std::lround(ui_hz_))) + " Hz";
}

// TXRAY_DEMO_TEXT_BOUNDS=FILE: where every text of the final frame landed,
// for the headless tests (tests/demo/headless_test.cpp): one line each,
// "x y w h  clip_x clip_y clip_w clip_h  window_w window_h  text".
void Window::write_text_bounds() const {
  const char* path = std::getenv("TXRAY_DEMO_TEXT_BOUNDS");
  if (!path || !*path) return;
  std::FILE* f = std::fopen(path, "w");
  if (!f) return;
  for (const TextBounds& b : text_bounds_log())
    std::fprintf(f, "%d %d %d %d  %d %d %d %d  %d %d  %s\n", b.text.x, b.text.y, b.text.w, b.text.h, b.limit.x, b.limit.y,
                 b.limit.w, b.limit.h, out_w_, out_h_, b.what.c_str());
  std::fclose(f);
}

void Window::panel(int x, int y, int w, int h, Uint8 alpha) {
  SDL_SetRenderDrawColor(renderer_, 0, 0, 0, alpha);
  const SDL_Rect r{x, y, w, h};
  SDL_RenderFillRect(renderer_, &r);
}

void Window::draw_pane(const SDL_Rect& rect, const PaneView& view, std::size_t index) {
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

void Window::draw_heat(const SDL_Rect& rect, const PaneView& view, std::size_t index, double now) {
  if (!view.heat || !view.display || index >= panes_.size() || !panes_[index]) return;
  PaneTexture& t = *panes_[index];
  const int w = view.display->width(), h = view.display->height();
  if (finishing_ || view.heat.get() != t.heat_source || now - t.heat_time >= kHeatRebuildSeconds) {
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
  if (views_single_) bottom = std::min(bottom, out_h_ - body_->line_height() - body_->pixel_height());
  const int legend_top = draw_heat_legend(rect, std::min(bottom, caption_top(out_h_)), t.layers);
  place_heat_labels(rect, w, h, legend_top, t.layers);
}

void Window::place_heat_labels(const SDL_Rect& rect, int render_w, int render_h, int floor,
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

void Window::draw_heat_labels() {
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

int Window::draw_heat_legend(const SDL_Rect& rect, int bottom, const bench::HeatmapLayers& layers) {
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

void Window::draw_overlay_single(const PaneView& view) {
  const OverlayLines lines = overlay_lines(view.status, config_);
  const int pad = body_->pixel_height() / 2;
  // Wrapped to the window, each line in its own font and colour.
  const int most = out_w_ - 2 * pad - pad;
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

void Window::draw_overlay_pane(const SDL_Rect& rect, const PaneView& view) {
  // Narrow panes: short lines, wrapped to the pane (never into the next).
  const OverlayLines lines = overlay_lines(view.status, config_);
  const PaneStatus& s = view.status;
  const int pad = body_->pixel_height() / 3;
  const std::string head = s.profile.name + "  " + (s.frames ? short_number(s.fps) + " FPS" : std::string("\xE2\x80\x94 FPS"));
  const std::string detail = s.frames ? short_number(s.frame_ms) + " ms \xC2\xB7 " + short_number(s.mrays) + " Mrays/s" : lines.speed;
  std::vector<std::pair<std::string, SDL_Color>> rows;
  const int most = rect.w - 2 * pad;
  for (std::string& l : fit(*body_, head, most)) rows.emplace_back(std::move(l), s.has_machine ? kYellow : kWhite);
  for (std::string& l : fit(*body_, detail, most)) rows.emplace_back(std::move(l), kWhite);
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

void Window::draw_bar_chart(const SDL_Rect& rect, const std::vector<PaneView>& views) {
  panel(rect.x, rect.y, rect.w, rect.h, 200);
  const int pad = body_->pixel_height() / 2;
  // The subtitle wraps to the chart; the bars share what is left.
  const std::vector<std::string> subtitle =
      fit(*body_,
          "FPS per profile, each over its own turns with the whole machine  \xC2\xB7  " + std::to_string(config_.threads) +
              " threads  \xC2\xB7  " + ui_rate() + "  \xC2\xB7  H: keys",
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

void Window::draw_results(int w, int h) {
  SDL_SetRenderDrawColor(renderer_, 12, 12, 16, 255);
  SDL_RenderClear(renderer_);
  bench::BenchReport report;
  report.runs = driver_->measurements();
  report.seed = bench::europython2015_seed();
  report.config.scene = config_.scene;
  report.config.width = config_.width;
  report.config.height = config_.height;
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

void Window::draw_help(int w, int h) {
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
int Window::caption_top(int h) const {
  if (!player_ || player_->step().caption.empty() || player_->step().results) return h;
  const int pad = body_->pixel_height() / 2;
  const int bottom = config_.profiles.size() > 1 ? layout_.chart.y : h;
  const int rows = static_cast<int>(fit(*big_, player_->step().caption, out_w_ - 4 * pad).size());
  return bottom - rows * big_->line_height() - 3 * pad - (config_.profiles.size() > 1 ? 0 : body_->line_height()) - pad;
}

void Window::draw_caption(int w, int h, double now) {
  const StageStep& step = player_->step();
  const std::string where = "step " + std::to_string(player_->index() + 1) + "/" + std::to_string(player_->count()) +
          (step.seconds > 0.0 ? "  " + std::to_string(static_cast<int>(std::ceil(player_->remaining(now)))) + " s"
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

void Window::draw(const Layout& l, const std::vector<PaneView>& views, double now) {
  text_bounds_log().clear();
  pending_labels_.clear();
  overlay_panels_.clear();
  const bool results = player_ && player_->step().results;
  if (results) {
    draw_results(out_w_, out_h_);
  } else {
    SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 255);
    SDL_RenderClear(renderer_);
    for (std::size_t i = 0; i < views.size() && i < l.panes.size(); ++i) draw_pane(l.panes[i], views[i], i);
    // T shows even without the overlay: it was asked for by name.
    views_single_ = views.size() == 1;
    if (state_->heatmap)
      for (std::size_t i = 0; i < views.size() && i < l.panes.size(); ++i) draw_heat(l.panes[i], views[i], i, now);
    if (options_.overlay) {
      if (views.size() == 1) {
        draw_overlay_single(views[0]);
      } else {
        for (std::size_t i = 0; i < views.size() && i < l.panes.size(); ++i) draw_overlay_pane(l.panes[i], views[i]);
        draw_bar_chart(l.chart, views);
      }
    }
    draw_heat_labels();  // over the overlay's panels, never under them
  }
  if (!options_.overlay) return;
  if (player_) draw_caption(out_w_, out_h_, now);
  const std::string error = driver_->error();
  const std::string note = !error.empty() ? error : now < message_until_ ? message_ : std::string();
  if (!note.empty()) {
    const int pad = body_->pixel_height() / 2;
    const std::vector<std::string> rows = fit(*body_, note, out_w_ - 2 * pad);
    int nw = 0;
    for (const std::string& r : rows) nw = std::max(nw, body_->width(r));
    const int nh = body_->line_height() * static_cast<int>(rows.size());
    int y = out_h_ - nh - 2 * pad;
    panel(0, y, nw + 2 * pad, nh + 2 * pad, 200);
    for (const std::string& r : rows) {
      body_->draw(renderer_, pad, y + pad, r, error.empty() ? kWhite : kRed);
      y += body_->line_height();
    }
  }
  if (!results && !player_ && config_.profiles.size() == 1) {
    const std::string ui = ui_rate();
    const int pad = body_->pixel_height() / 3;
    body_->draw(renderer_, out_w_ - body_->width(ui) - pad, out_h_ - body_->line_height() - pad, ui, kGrey);
  }
  if (state_->help) draw_help(out_w_, out_h_);
}

std::string Window::save_screenshot(const std::filesystem::path& path) {
  std::vector<std::uint8_t> rgba(static_cast<std::size_t>(out_w_) * static_cast<std::size_t>(out_h_) * 4);
  if (SDL_RenderReadPixels(renderer_, nullptr, SDL_PIXELFORMAT_RGBA32, rgba.data(), out_w_ * 4) != 0)
    return path.string() + ": cannot read the window back: " + SDL_GetError();
  return write_png(path, out_w_, out_h_, rgba);
}

int Window::run() {
  // Everything that can fail without a display fails first.
  std::vector<int> panes;
  for (const std::string& p : options_.profiles)
    panes.push_back(static_cast<int>(std::find(known_.begin(), known_.end(), p) - known_.begin()));
  const int cores = hardware_threads();
  machine_.cores = cores;
  {
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);)
      if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
        machine_.cpu = line.substr(line.find(':') + 1);
        machine_.cpu.erase(0, machine_.cpu.find_first_not_of(' '));
        break;
      }
  }
  state_ = std::make_unique<DemoState>(known_, panes, options_.threads > 0 ? options_.threads : cores, std::max(64, 2 * cores));
  state_->animator = options_.animator;
  state_->shared_counters = options_.shared_counters;
  state_->heatmap = options_.heatmap;
  config_.scene = options_.scene;
  if (options_.script) {
    try {
      StageScript script = load_stage_script(*options_.script, known_, state_->max_threads);
      for (const StageStep& step : script.steps) {
        try {
          (void)resolve_scene(step.scene);
        } catch (const SceneError& e) {
          // The line that named the scene (settings carry over), else the step's.
          throw StageScriptError(*options_.script, step.scene_line > 0 ? step.scene_line : step.line, e.what());
        }
      }
      player_.emplace(std::move(script), seconds_now());
    } catch (const StageScriptError& e) {
      std::cerr << "txray-demo: " << e.what() << "\n";
      return 1;
    }
    state_->scripted = true;
    apply_step();
  } else {
    try {
      (void)resolve_scene(options_.scene);
    } catch (const SceneError& e) {
      std::cerr << "txray-demo: " << e.what() << "\n";
      return 1;
    }
  }
  const std::filesystem::path font_path = find_font(options_.font);
  big_ = std::make_unique<Font>();
  body_ = std::make_unique<Font>();
  if (std::string e = big_->load(font_path); !e.empty() || !(e = body_->load(font_path)).empty()) {
    std::cerr << "txray-demo: " << e << " (give one with --font FILE.ttf)\n";
    return 1;
  }
  // --frames under the interpreted engine takes minutes at window sizes:
  // say so, and how to make it quick, before starting.
  if (options_.frames > 0) {
    // A stage script starts on its first step's profiles.
    const std::vector<std::string>& shown = player_ && !player_->step().results ? player_->step().profiles : options_.profiles;
    const Layout planned = layout(options_.width, options_.height, static_cast<int>(shown.size()));
    const double pixels = static_cast<double>(planned.render_w) * planned.render_h * options_.frames;
    for (const std::string& name : shown) {
      const auto profile = bench::find_profile(name);
      if (!profile || profile->engine != bench::Engine::interp) continue;
      const double seconds = pixels / kInterpPixelsPerSecond;
      if (seconds < 20.0) continue;
      const int minutes = static_cast<int>(std::lround(seconds / 60.0));
      std::cerr << "txray-demo: " << name << " runs the interpreted engine, about "
                << static_cast<int>(kInterpPixelsPerSecond / 1000.0) << " thousand pixels a second on a 2-core machine: "
                << options_.frames << " frames at " << planned.render_w << "x" << planned.render_h << " take about "
                << (minutes >= 1 ? std::to_string(minutes) + " min" : std::to_string(static_cast<int>(seconds)) + " s")
                << ". Quicker: --size 320x180 or fewer --frames.\n";
    }
  }
  text_bounds_enabled() = std::getenv("TXRAY_DEMO_TEXT_BOUNDS") != nullptr;
  if (!open()) return 1;

  RenderDriver::Options driver_options;
  driver_options.layout = pixel_layout_;
  driver_options.max_frames = options_.frames;
  driver_ = std::make_unique<RenderDriver>(driver_options);

  bool fullscreen = options_.fullscreen;
  ui_window_start_ = seconds_now();
  for (;;) {
    const double frame_start = seconds_now();
    pump_inputs(*state_, [&](const SDL_Event& e) { handle(e); });
    if (state_->quit) break;
    if (player_) {
      bool changed = false;
      while (state_->step_requests != 0) {
        const int delta = state_->step_requests > 0 ? 1 : -1;
        state_->step_requests -= delta;
        changed |= player_->click(delta, frame_start);
      }
      changed |= player_->update(frame_start);
      if (changed) {
        apply_step();
        results_ready_ = false;
      }
    }
    if (state_->fullscreen != fullscreen) {
      fullscreen = state_->fullscreen;
      SDL_SetWindowFullscreen(window_, fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
    }
    SDL_GetRendererOutputSize(renderer_, &out_w_, &out_h_);
    const int big_px = std::clamp(out_h_ / 13, 16, 120), body_px = std::clamp(out_h_ / 30, 11, 56);
    if (std::string e = big_->bake(renderer_, big_px); !e.empty() || !(e = body_->bake(renderer_, body_px)).empty()) {
      std::cerr << "txray-demo: " << e << "\n";
      return 1;
    }
    const int pane_count = static_cast<int>(state_->panes().size());
    layout_ = layout(out_w_, out_h_, pane_count);
    config_.profiles = state_->pane_profiles();
    config_.threads = state_->threads;
    config_.paused = state_->paused;
    config_.animator = state_->animator;
    config_.shared_counters = state_->shared_counters;
    config_.log = state_->log;
    config_.heatmap = state_->heatmap;
    config_.width = layout_.render_w;
    config_.height = layout_.render_h;
    driver_->configure(config_);

    const Uint32 flags = SDL_GetWindowFlags(window_);
    const bool hidden = (flags & (SDL_WINDOW_MINIMIZED | SDL_WINDOW_HIDDEN)) != 0;
    const bool results = player_ && player_->step().results;
    // Minimised: no frames (nobody sees them); results: the measuring is over.
    driver_->set_suspended(hidden || results);
    if (hidden) {
      SDL_WaitEventTimeout(nullptr, 100);
      continue;
    }
    // --frames ends after its frames, or on a script's results chart when
    // the script gets there first (its screenshot is the chart).
    const bool finishing = options_.frames > 0 && (driver_->done() || results);
    const std::vector<PaneView> views = driver_->panes();
    finishing_ = finishing;
    draw(layout_, views, frame_start);
    while (state_->screenshot_requests > 0) {
      --state_->screenshot_requests;
      const std::string name = timestamp_name();
      const std::string e = save_screenshot(name);
      message_ = e.empty() ? "saved " + name : e;
      message_until_ = frame_start + 3.0;
    }
    if (finishing) {
      write_text_bounds();
      int status = 0;
      if (options_.screenshot) {
        if (const std::string e = save_screenshot(*options_.screenshot); !e.empty()) {
          std::cerr << "txray-demo: " << e << "\n";
          status = 1;
        } else {
          std::cout << "wrote " << *options_.screenshot << " (" << out_w_ << "x" << out_h_ << ")\n";
        }
      }
      SDL_RenderPresent(renderer_);
      for (std::size_t i = 0; i < views.size(); ++i) {
        const PaneView& v = views[i];
        std::cout << v.status.profile.name << ": " << short_number(v.status.fps) << " FPS, " << short_number(v.status.mrays)
                  << " Mrays/s, " << v.status.threads << " threads, " << v.status.width << "x" << v.status.height << "\n";
        // What T's legend says, as `txray render --heatmap` prints it.
        if (state_->heatmap && i < panes_.size() && panes_[i]) {
          std::cout << "  heatmap " << v.status.profile.name << ": " << panes_[i]->layers.title << "\n";
          for (const std::string& line : panes_[i]->layers.legend)
            std::cout << "  heatmap " << v.status.profile.name << ": " << line << "\n";
        }
      }
      return status;
    }
    SDL_RenderPresent(renderer_);

    ++ui_frames_;
    const double now = seconds_now();
    if (now - ui_window_start_ >= 1.0) {
      ui_hz_ = ui_frames_ / (now - ui_window_start_);
      if (++ui_windows_ > 1) ui_min_hz_ = std::min(ui_min_hz_, ui_hz_);  // the first second includes start-up
      ui_frames_ = 0;
      ui_window_start_ = now;
    }
    if (!options_.vsync) {
      const double left = 1.0 / kUiHz - (seconds_now() - frame_start);
      if (left > 0.0) SDL_Delay(static_cast<Uint32>(left * 1000.0));
    }
  }
  // Closing mid-frame: the driver's workers stop at their next tile.
  driver_->stop();
  // Every pane on screen, then everything measured over the run (a stage
  // script shows many profiles; a pane not yet rendered says so).
  for (const PaneView& v : driver_->panes()) {
    std::cout << v.status.profile.name << ": ";
    if (v.status.frames == 0) std::cout << "no frame finished, ";
    else std::cout << short_number(v.status.fps) << " FPS, " << short_number(v.status.mrays) << " Mrays/s, ";
    std::cout << v.status.threads << " threads, " << v.status.width << "x" << v.status.height << ", " << v.status.frames
              << (v.status.frames == 1 ? " frame" : " frames") << "\n";
  }
  const std::vector<bench::RunRecord> runs = driver_->measurements();
  if (!runs.empty()) {
    std::cout << "measured over the run (frames over each pane's own machine time, first frame left out):\n";
    for (const bench::RunRecord& r : runs)
      std::cout << "  " << r.profile << ", " << r.threads << " threads: " << short_number(r.fps) << " FPS over " << r.frames
                << (r.frames == 1 ? " frame" : " frames") << "\n";
  }
  if (ui_min_hz_ < 1e9) std::cout << "UI loop: slowest second " << short_number(ui_min_hz_) << " Hz\n";
  return 0;
}

}  // namespace

int run_demo(const DemoOptions& options) {
  std::vector<std::string> known;
  for (const auto& p : bench::named_profiles()) known.push_back(p.name);
  for (const auto& p : bench::library_profiles()) known.push_back(p.name);  // issue 12
  Window window(options, known);
  return window.run();
}

}  // namespace txray::demo
