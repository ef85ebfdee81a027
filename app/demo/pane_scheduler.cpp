#include "app/demo/pane_scheduler.h"

#include <algorithm>

namespace txray::demo {

PaneScheduler::PaneScheduler(int panes, double slice_seconds)
    : slice_(slice_seconds), busy_(static_cast<std::size_t>(std::max(1, panes)), 0.0),
      frames_(busy_.size(), 0), idle_(busy_.size(), false) {}

void PaneScheduler::record(int pane, double seconds) {
  const auto p = static_cast<std::size_t>(pane);
  busy_[p] += seconds;
  ++frames_[p];
  turn_ += seconds;
  switched_ = false;
  if (turn_ >= slice_ || idle_[static_cast<std::size_t>(current_)]) pick();
}

void PaneScheduler::set_idle(int pane, bool idle) {
  idle_[static_cast<std::size_t>(pane)] = idle;
  if (idle && pane == current_) pick();
}

bool PaneScheduler::all_idle() const {
  return std::all_of(idle_.begin(), idle_.end(), [](bool b) { return b; });
}

void PaneScheduler::pick() {
  // Least machine time first; ties go to the pane after the current one,
  // so equal panes simply take turns.
  const int n = panes();
  int best = -1;
  for (int k = 1; k <= n; ++k) {
    const int p = (current_ + k) % n;
    if (idle_[static_cast<std::size_t>(p)]) continue;
    if (best < 0 || busy_[static_cast<std::size_t>(p)] < busy_[static_cast<std::size_t>(best)]) best = p;
  }
  if (best < 0) return;  // everyone idle: nothing to hand over
  switched_ = best != current_;
  current_ = best;
  turn_ = 0.0;
}

}  // namespace txray::demo
