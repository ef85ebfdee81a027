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
#include "app/demo/painter.h"
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

class Window {
 public:
  Window(const DemoOptions& options, std::vector<std::string> known) : options_(options), known_(std::move(known)) {}
  ~Window() {
    driver_.reset();  // threads first: they write into buffers the textures mirror
    painter_.reset();
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
  std::unique_ptr<Painter> painter_;
  RenderConfig config_;
  Layout layout_;
  int out_w_ = 0, out_h_ = 0;
  // Mouse
  enum class Drag { none, orbit, object } drag_ = Drag::none;
  int drag_pane_ = 0;
  bench::MachineInfo machine_;  // the chart's subtitle: this CPU and its cores
  std::string message_;
  double message_until_ = 0.0;
  // UI rate, for the overlay and the exit summary.
  double ui_hz_ = 0.0, ui_min_hz_ = 1e9;
  int ui_frames_ = 0, ui_windows_ = 0;
  double ui_window_start_ = 0.0;
  // A stage step's `drag on`: when the scripted drag began (< 0: none).
  double scripted_drag_since_ = -1.0;
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
  driver_options.watchdog_seconds = options_.watchdog;
  driver_ = std::make_unique<RenderDriver>(driver_options);
  painter_ = std::make_unique<Painter>(renderer_, format_, pixel_layout_, *big_, *body_, machine_);

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
        if (painter_) painter_->results_changed();
      }
    }
    // A step's `drag on`: grab once the driver exists, then move along the
    // script's circle every UI frame, through the same path as a hand.
    const bool scripted_drag = player_ && player_->step().drag && !player_->step().results;
    if (scripted_drag && scripted_drag_since_ < 0.0) {
      driver_->grab(kScriptedGrab.first, kScriptedGrab.second);
      scripted_drag_since_ = frame_start;
    } else if (!scripted_drag && scripted_drag_since_ >= 0.0) {
      driver_->release();
      scripted_drag_since_ = -1.0;
    }
    if (scripted_drag && driver_->grabbed() >= 0) {
      const auto [u, v] = scripted_drag_point(frame_start - scripted_drag_since_);
      driver_->drag(u, v);
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
    const Frame frame{.panes = layout_.panes,
                      .chart = layout_.chart,
                      .views = views,
                      .now = frame_start,
                      .w = out_w_,
                      .h = out_h_,
                      .state = *state_,
                      .player = player_ ? &*player_ : nullptr,
                      .config = config_,
                      .overlay = options_.overlay,
                      .finishing = finishing,
                      .error = driver_->error(),
                      .message = frame_start < message_until_ ? message_ : std::string(),
                      .ui_rate = ui_rate(),
                      .measurements = [this] { return driver_->measurements(); }};
    painter_->draw(frame);
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
        if (state_->heatmap)
          for (const std::string& line : painter_->heat_legend(i))
            std::cout << "  heatmap " << v.status.profile.name << ": " << line << "\n";
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
