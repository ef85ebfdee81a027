#pragma once
/// The T overlay's figures, from the render side to the UI: per tile, the
/// time lost to aborts or waits over the last second, and the conflict
/// sources of the last second. Render workers add each unit's lost time to
/// a tile's atomic counter (UnitOptions::tile_lost_ns); the UI thread
/// drains the counters into a window when it draws; the render thread
/// hands over the rig's conflict report whenever it closes a statistics
/// window. No SDL here.
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

#include "concurrency/conflict_log.hpp"
#include "renderer/scene_state.h"
#include "renderer/tile_scheduler.h"

namespace txray::demo {

/// Seconds on the steady clock: the time base both threads stamp with.
[[nodiscard]] double steady_seconds();

/// Per tile, the nanoseconds lost in samples stamped within the last
/// `window` seconds: a sample taken at `t` counts while now − window < t.
/// The sums are kept as exact integers, so nothing drifts however long the
/// window slides.
class TileLossWindow {
 public:
  explicit TileLossWindow(int tiles, double window_seconds = 1.0);
  /// `lost_ns[i]` for tile i, lost since the previous sample (extra entries ignored).
  void add(double now, const std::vector<std::uint64_t>& lost_ns);
  /// Milliseconds per tile over (now − window, now]; drops older samples.
  [[nodiscard]] std::vector<double> lost_ms(double now);
  [[nodiscard]] double window_seconds() const { return window_; }
  [[nodiscard]] std::size_t samples() const { return samples_.size(); }

 private:
  struct Sample {
    double time;
    std::vector<std::pair<int, std::uint64_t>> lost;  // non-zero tiles only
  };
  void expire(double now);
  double window_;
  std::deque<Sample> samples_;
  std::vector<std::uint64_t> sum_ns_;
};

/// The conflict reports of the last `window` seconds. A rig's report
/// (Rig::conflicts) counts from its last reset_stats(); each one is added
/// with the wall time it was taken and the machine seconds it covers. The
/// newest report is kept however old, so a profile slower than the window
/// (one report per long frame) still has a legend.
class ConflictWindow {
 public:
  explicit ConflictWindow(double window_seconds = 1.0) : window_(window_seconds) {}
  void add(double now, double seconds, std::vector<sync::ConflictSource> sources);
  /// The reports in the window merged (same cell, kind, unit kinds and
  /// thread summed), ranked by time lost; `covered` gets the seconds they
  /// span, to turn the totals into rates.
  [[nodiscard]] std::vector<sync::ConflictSource> merged(double now, double& covered);

 private:
  struct Report {
    double time, seconds;
    std::vector<sync::ConflictSource> sources;
  };
  double window_;
  std::deque<Report> reports_;
};

/// One pane's heat, shared by the render thread (writer) and the UI (reader).
class TileHeat {
 public:
  explicit TileHeat(const TileGrid& grid, double window_seconds = 1.0);

  /// For UnitOptions::tile_lost_ns: indexed by Tile::index; workers add.
  [[nodiscard]] std::atomic<std::uint64_t>* counters() { return lost_.data(); }
  [[nodiscard]] const TileGrid& grid() const { return grid_; }
  [[nodiscard]] double window_seconds() const { return window_; }

  // Render thread.
  void report(double now, double seconds, std::vector<sync::ConflictSource> sources);
  /// The camera and objects of the frame being rendered, for the outlines.
  void set_scene(const Camera& camera, std::vector<Object> objects);

  struct View {
    std::vector<double> tile_ms;                 ///< per tile, ms lost in the window
    std::vector<sync::ConflictSource> sources;   ///< merged totals, most time lost first
    double source_seconds = 0.0;                 ///< what the sources' totals cover
    SceneState scene;                            ///< camera and objects only
  };
  /// UI thread: drains the counters into the window (stamped `now`), then
  /// returns what the overlay shows.
  [[nodiscard]] View take(double now);

 private:
  TileGrid grid_;
  double window_;
  std::vector<std::atomic<std::uint64_t>> lost_;
  std::mutex mutex_;  // everything below
  TileLossWindow tiles_;
  ConflictWindow conflicts_;
  SceneState scene_;
};

}  // namespace txray::demo
