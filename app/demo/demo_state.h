#pragma once
/// What the window's keys do, as plain state: no SDL here, so the rules are
/// testable without a window. sdl_input.h maps SDL key codes to Input; the
/// window turns the state into a RenderConfig for the render thread.
#include <string>
#include <vector>

namespace txray::demo {

enum class Action {
  select_profile,   ///< 1–6: `index` is the profile's position in named_profiles()
  next,             ///< Right, PageDown (what a clicker sends): next profile, or next stage step
  previous,         ///< Left, PageUp
  more_threads,     ///< +
  fewer_threads,    ///< −
  toggle_pause,     ///< Space: the animation stops, rendering goes on
  toggle_animator,  ///< A: the animator on its own thread, concurrent with frames
  toggle_counters,  ///< C: shared / sharded rays-traced counter
  toggle_log,       ///< L: log-every-N inside units (I/O; makes STM units inevitable)
  toggle_heatmap,   ///< T: time lost per tile, the objects in the most conflicts, the top sources
  screenshot,       ///< S
  toggle_help,      ///< H
  toggle_fullscreen,///< F, F11
  quit,             ///< Esc, Q, closing the window
};

struct Input {
  Action action;
  int index = 0;  ///< select_profile only
};

class DemoState {
 public:
  /// `profiles`: named_profiles() in order; `panes`: indices into it (one,
  /// or two or three to compare).
  DemoState(std::vector<std::string> profiles, std::vector<int> panes, int threads, int max_threads);

  /// Applies one key. With a stage script, next/previous move through the
  /// script (`step_requests`) instead of cycling profiles.
  void apply(const Input& input);

  [[nodiscard]] const std::vector<std::string>& profiles() const { return profiles_; }
  [[nodiscard]] const std::vector<int>& panes() const { return panes_; }
  [[nodiscard]] std::vector<std::string> pane_profiles() const;
  [[nodiscard]] bool comparing() const { return panes_.size() > 1; }

  int threads;
  int max_threads;
  bool paused = false;
  bool animator = false;
  bool shared_counters = false;
  bool log = false;
  bool heatmap = false;
  bool help = false;
  bool fullscreen = false;
  bool quit = false;
  bool scripted = false;   ///< a stage script owns next/previous
  int step_requests = 0;   ///< clicker presses not yet taken by the script player (+ next, − previous)
  int screenshot_requests = 0;

  /// Sets panes and knobs wholesale (a stage script's step). Indices out of
  /// range are dropped; an empty list keeps the current panes.
  void set_panes(std::vector<int> panes);

 private:
  void select(int index);
  std::vector<std::string> profiles_;
  std::vector<int> panes_;
};

}  // namespace txray::demo
