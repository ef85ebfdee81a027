#pragma once
/// What the window shows, drawn: the panes' pictures, the T heatmap, the
/// overlay, the compare chart, the stage caption, the results screen and
/// the help. Split from demo_app.cpp (issue 16): the window owns SDL, the
/// loop and input; the painter owns the textures and fonts it draws with,
/// and is handed everything else once per UI frame as a Frame.
#include <SDL.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/demo/demo_state.h"
#include "app/demo/display_buffer.h"
#include "app/demo/font.h"
#include "app/demo/render_driver.h"
#include "app/demo/stage_script.h"
#include "bench/harness/heatmap.h"
#include "bench/harness/report.h"

namespace txray::demo {

/// One UI frame's inputs: where things go and what they say.
struct Frame {
  const std::vector<SDL_Rect>& panes;  ///< one rectangle per view
  SDL_Rect chart{0, 0, 0, 0};          ///< the compare bar chart (several panes)
  const std::vector<PaneView>& views;
  double now = 0.0;                    ///< seconds, steady clock
  int w = 0, h = 0;                    ///< the output, in pixels
  const DemoState& state;
  const StagePlayer* player = nullptr;  ///< a stage script, if one runs
  const RenderConfig& config;
  bool overlay = true;                  ///< --no-overlay clears it
  bool finishing = false;               ///< --frames: this draw is the screenshot
  std::string error;                    ///< the render driver's, shown in red
  std::string message;                  ///< a short-lived note ("saved ..."), or ""
  std::string ui_rate;                  ///< "UI 60 Hz"
  std::function<std::vector<bench::RunRecord>()> measurements;  ///< the results screen's runs
};

class Painter {
 public:
  Painter(SDL_Renderer* renderer, Uint32 format, PixelLayout layout, Font& big, Font& body, bench::MachineInfo machine);
  ~Painter();
  Painter(const Painter&) = delete;
  Painter& operator=(const Painter&) = delete;

  void draw(const Frame& frame);
  /// The results screen's chart is built once per results step: forget it.
  void results_changed() { results_ready_ = false; }
  /// The T legend pane `index` showed last (title, then lines); empty if none.
  [[nodiscard]] std::vector<std::string> heat_legend(std::size_t index) const;
  /// `text` broken into lines no wider than `width` in `font`: overlay text
  /// wraps, it is never clipped.
  [[nodiscard]] static std::vector<std::string> fit(const Font& font, const std::string& text, int width);

 private:
  struct PaneTexture;
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

  SDL_Renderer* renderer_;
  Uint32 format_;
  PixelLayout pixel_layout_;
  Font* big_;
  Font* body_;
  bench::MachineInfo machine_;  // the chart's subtitle: this CPU and its cores
  const Frame* f_ = nullptr;    // during draw()
  std::vector<std::unique_ptr<PaneTexture>> panes_;
  // Results
  SDL_Texture* chart_texture_ = nullptr;
  int chart_w_ = 0, chart_h_ = 0;
  bool results_ready_ = false;
  // T's circle labels, drawn after the overlay so they can keep off its panels.
  struct PendingLabel {
    SDL_Rect pane;
    int x, y, floor;
    std::string text;
  };
  std::vector<PendingLabel> pending_labels_;
  std::vector<SDL_Rect> overlay_panels_;
  bool views_single_ = true;
};

}  // namespace txray::demo
