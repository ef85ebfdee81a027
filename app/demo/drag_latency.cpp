#include "app/demo/drag_latency.h"

#include <algorithm>
#include <vector>

namespace txray::demo {

void DragLatency::committed(double event_time) {
  std::lock_guard lock(mutex_);
  if (!committed_ || event_time < *committed_) committed_ = event_time;
}

void DragLatency::frame_began() {
  std::lock_guard lock(mutex_);
  if (!committed_) return;
  // A frame that never finished (aborted, reconfigured) leaves its events
  // for the next one: the older time stands.
  if (!in_frame_ || *committed_ < *in_frame_) in_frame_ = committed_;
  committed_.reset();
}

void DragLatency::frame_shown(double now) {
  std::lock_guard lock(mutex_);
  if (!in_frame_) return;
  samples_ms_.push_back(std::max(0.0, now - *in_frame_) * 1e3);
  if (samples_ms_.size() > kWindow) samples_ms_.pop_front();
  in_frame_.reset();
}

DragLatency::Figures DragLatency::figures() const {
  std::lock_guard lock(mutex_);
  Figures f;
  f.samples = samples_ms_.size();
  if (samples_ms_.empty()) return f;
  f.last_ms = samples_ms_.back();
  std::vector<double> sorted(samples_ms_.begin(), samples_ms_.end());
  std::sort(sorted.begin(), sorted.end());
  const std::size_t n = sorted.size();
  f.median_ms = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  f.max_ms = sorted.back();
  return f;
}

}  // namespace txray::demo
