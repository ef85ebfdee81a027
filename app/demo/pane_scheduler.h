#pragma once
/// Fair turns for side-by-side panes. Panes never render at the same time:
/// each takes the whole machine for a time slice of whole frames, and the
/// next turn goes to the pane that has had the least machine time so far.
/// A pane's FPS is its frames over its own machine time, so no pane's
/// figure is lowered by another's work. Plain code: the clock is the
/// caller's (frame times), so fairness is tested with made-up frame costs.
#include <vector>

namespace txray::demo {

class PaneScheduler {
 public:
  /// `slice_seconds`: how long a pane keeps the machine once it has it;
  /// long enough that caches warm up, short enough that panes look live.
  explicit PaneScheduler(int panes, double slice_seconds = 0.25);

  /// The pane that renders the next frame.
  [[nodiscard]] int current() const { return current_; }
  /// A frame of `pane` took `seconds`; may hand the machine to another pane.
  void record(int pane, double seconds);
  /// Whether the last record() ended a turn (the caller stops that pane's
  /// concurrent animator, say).
  [[nodiscard]] bool switched() const { return switched_; }

  [[nodiscard]] double busy(int pane) const { return busy_[static_cast<std::size_t>(pane)]; }
  [[nodiscard]] int frames(int pane) const { return frames_[static_cast<std::size_t>(pane)]; }
  [[nodiscard]] int panes() const { return static_cast<int>(busy_.size()); }
  /// Marks a pane as not wanting turns (done with its --frames, say).
  void set_idle(int pane, bool idle);
  [[nodiscard]] bool all_idle() const;

 private:
  void pick();
  double slice_;
  int current_ = 0;
  double turn_ = 0.0;  // machine time the current pane has had in this turn
  bool switched_ = false;
  std::vector<double> busy_;
  std::vector<int> frames_;
  std::vector<bool> idle_;
};

}  // namespace txray::demo
