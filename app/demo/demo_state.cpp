#include "app/demo/demo_state.h"

#include <algorithm>

namespace txray::demo {

DemoState::DemoState(std::vector<std::string> profiles, std::vector<int> panes, int threads_, int max_threads_)
    : threads(std::clamp(threads_, 1, std::max(1, max_threads_))), max_threads(std::max(1, max_threads_)),
      profiles_(std::move(profiles)) {
  set_panes(std::move(panes));
  if (panes_.empty() && !profiles_.empty()) panes_ = {0};
}

std::vector<std::string> DemoState::pane_profiles() const {
  std::vector<std::string> names;
  for (int p : panes_) names.push_back(profiles_[static_cast<std::size_t>(p)]);
  return names;
}

void DemoState::set_panes(std::vector<int> panes) {
  std::erase_if(panes, [&](int p) { return p < 0 || p >= static_cast<int>(profiles_.size()); });
  if (!panes.empty()) panes_ = std::move(panes);
}

void DemoState::select(int index) {
  // Picking one profile while comparing leaves the comparison: the key
  // names one profile, and one pane shows it at full size.
  if (profiles_.empty()) return;
  const int n = static_cast<int>(profiles_.size());
  panes_ = {((index % n) + n) % n};
}

void DemoState::apply(const Input& input) {
  switch (input.action) {
    case Action::select_profile:
      if (input.index >= 0 && input.index < static_cast<int>(profiles_.size())) select(input.index);
      break;
    case Action::next:
    case Action::previous: {
      const int delta = input.action == Action::next ? 1 : -1;
      if (scripted)
        step_requests += delta;
      else if (!panes_.empty())
        select(panes_.front() + delta);
      break;
    }
    case Action::more_threads: threads = std::min(max_threads, threads + 1); break;
    case Action::fewer_threads: threads = std::max(1, threads - 1); break;
    case Action::toggle_pause: paused = !paused; break;
    case Action::toggle_animator: animator = !animator; break;
    case Action::toggle_counters: shared_counters = !shared_counters; break;
    case Action::toggle_log: log = !log; break;
    case Action::toggle_heatmap: heatmap = !heatmap; break;
    case Action::screenshot: ++screenshot_requests; break;
    case Action::toggle_help: help = !help; break;
    case Action::toggle_fullscreen: fullscreen = !fullscreen; break;
    case Action::quit: quit = true; break;
  }
}

}  // namespace txray::demo
