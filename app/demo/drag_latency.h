#pragma once
/// The drag's latency (issue 19): from an input event to the end of the
/// first frame that shows it, per pane. Under a GIL the input writer's
/// move_object waits behind the render threads (the convoy effect), and a
/// stage audience feels it as a dragged object that lags the mouse.
///
/// "Shows it": the first frame whose boundary (end_frame, where the BVH is
/// rebuilt over where the objects are) came after the write committed. A
/// write that lands mid-frame may show in some of that frame's tiles, but
/// only the next frame shows the object whole, where it was put.
///
/// Several events between two frames are one batch, timed from its oldest:
/// what the hand felt. Plain C++; the render driver calls it, tests too.
#include <cstddef>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>

namespace txray::demo {

class DragLatency {
 public:
  static constexpr std::size_t kWindow = 32;  ///< recent samples kept for the figures

  struct Figures {
    std::size_t samples = 0;  ///< in the window (0: no drag shown yet)
    double last_ms = std::numeric_limits<double>::quiet_NaN();
    double median_ms = std::numeric_limits<double>::quiet_NaN();
    double max_ms = std::numeric_limits<double>::quiet_NaN();
  };

  /// Input writer: the event that happened at `event_time` (seconds, the
  /// steady clock) is now in this pane's scene.
  void committed(double event_time);
  /// Render thread, at the frame boundary: what is committed is in this frame.
  void frame_began();
  /// Render thread, the frame's tiles are all published at `now`.
  void frame_shown(double now);
  [[nodiscard]] Figures figures() const;

 private:
  mutable std::mutex mutex_;
  std::optional<double> committed_;  // oldest committed event no frame has begun with
  std::optional<double> in_frame_;   // oldest event the frame in flight shows
  std::deque<double> samples_ms_;    // newest last
};

}  // namespace txray::demo
