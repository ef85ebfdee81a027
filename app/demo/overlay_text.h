#pragma once
/// The overlay's words: what each pane says about itself, in plain strings,
/// so the wording is tested without a window and the drawing code only
/// lays out lines. Figure names are Rig::stat_figures' own.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "app/demo/render_driver.h"

namespace txray::demo {

/// "35.2", "0.62", "1.2k", "3.4M": three significant figures at most.
[[nodiscard]] std::string short_number(double value);

/// The backend's own story from its figures: aborts/s by cause (stm), lock
/// waits (fine), GIL switches (gil), publishes (snapshot); before the first
/// figures, the same shape with "—" for what is not measured yet.
[[nodiscard]] std::string backend_story(bench::BackendKind backend, const std::vector<bench::StatFigure>& figures);

struct OverlayLines {
  std::string title;        ///< the profile name (large)
  std::string models;       ///< what it stands for
  std::string setup;        ///< engine, backend, threads, size
  std::string speed;        ///< FPS, frame time, Mrays/s (large)
  std::string story;        ///< backend_story
  std::string knobs;        ///< animator, counters, log, paused
  std::string drag;         ///< drag_line; "" before the first drag shows
};

/// "drag → frame 120 ms (median 95, max 240 over 32 drags)": the drag's
/// latency, input event to the end of the frame that shows it; "" when no
/// drag has shown yet.
[[nodiscard]] std::string drag_line(const DragLatency::Figures& drag);

[[nodiscard]] OverlayLines overlay_lines(const PaneStatus& status, const RenderConfig& config);
[[nodiscard]] std::vector<std::string> help_lines();

/// Breaks `text` at spaces into lines no wider than `width` by `measure`
/// (a font's width in pixels); continuation lines start with `indent`. A
/// word wider than a whole line is cut between characters: no line is wider
/// than `width` unless a single character is.
[[nodiscard]] std::vector<std::string> wrap_words(const std::string& text, int width,
                                                  const std::function<int(std::string_view)>& measure,
                                                  const std::string& indent = "   ");

}  // namespace txray::demo
