#pragma once
/// The render side of the window: one thread that owns the rigs (one per
/// pane) and renders frame after frame, so the UI thread only ever copies
/// finished tiles and draws. Knobs arrive as a whole RenderConfig and take
/// effect at the next frame boundary; camera orbits too. A dragged object
/// is written by a second thread, the input writer, while frames render:
/// a real write through the backend that conflicts with the renderers.
/// No SDL here.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/demo/display_buffer.h"
#include "app/demo/drag_latency.h"
#include "app/demo/pane_scheduler.h"
#include "app/demo/tile_heat.h"
#include "bench/harness/profile.h"
#include "bench/harness/report.h"
#include "bench/harness/watchdog.h"
#include "scenes/animator.h"
#include "scenes/scene.h"

namespace txray::demo {

struct RenderConfig {
  std::string scene = "spheres";
  std::vector<std::string> profiles;  ///< one per pane
  int threads = 1;
  bool paused = false;                ///< no animation (frames still render and are measured)
  bool animator = false;              ///< the animator on its own thread during frames
  bool shared_counters = false;
  bool log = false;                   ///< every 16th unit of a worker writes a log line
  bool heatmap = false;               ///< T: collect time lost per tile and the conflict sources
  int width = 640, height = 360;      ///< each pane's render size
  friend bool operator==(const RenderConfig&, const RenderConfig&) = default;
};

/// What the overlay shows for one pane.
struct PaneStatus {
  bench::Profile profile;
  int threads = 0;
  int width = 0, height = 0;
  double fps = 0.0;        ///< smoothed, over this pane's own machine time
  double frame_ms = 0.0;   ///< smoothed
  double mrays = 0.0;      ///< Mrays/s, smoothed
  std::vector<bench::StatFigure> figures;  ///< Rig::stat_figures, refreshed twice a second
  int tiles_done = 0, tiles_total = 0;     ///< progress of the frame in flight
  std::int64_t frames = 0;
  double busy_seconds = 0.0;  ///< machine time this pane has had
  bool has_machine = false;   ///< rendering now (compare: its turn)
  bool animator_running = false;
  DragLatency::Figures drag;  ///< a dragged object: input event to the frame that shows it
};

struct PaneView {
  std::shared_ptr<DisplayBuffer> display;  ///< null until the pane's first frame starts
  std::shared_ptr<TileHeat> heat;          ///< likewise; fed while RenderConfig::heatmap is on
  PaneStatus status;
};

class RenderDriver {
 public:
  struct Options {
    PixelLayout layout;
    int max_frames = 0;         ///< > 0: each pane renders this many frames, then idles (--frames)
    double animator_hz = 120.0;
    double slice_seconds = 0.25;
    /// --watchdog S: no pane's frame in S seconds (or 20x the median
    /// frame) ends the process with status 4 (bench/harness/watchdog.h).
    double watchdog_seconds = bench::kDefaultWatchdogSeconds;
  };
  explicit RenderDriver(const Options& options);
  ~RenderDriver();
  RenderDriver(const RenderDriver&) = delete;
  RenderDriver& operator=(const RenderDriver&) = delete;

  void configure(const RenderConfig& config);
  /// Rotates the camera about its look-at point (radians); every pane.
  void orbit(float yaw, float pitch);
  /// Picks the object nearest the ray through (u, v) ∈ [0,1]² of the panes'
  /// image; later drag() calls move it at its depth along the view ray.
  void grab(float u, float v);
  /// The object moves to (u, v); timed from this call for the drag's
  /// latency (PaneStatus::drag).
  void drag(float u, float v);
  void release();
  /// Minimised: no frames until resumed.
  void set_suspended(bool suspended);
  /// Stops the threads; a frame in flight ends after its current tiles.
  void stop();

  [[nodiscard]] std::vector<PaneView> panes() const;
  [[nodiscard]] std::string error() const;
  /// Every pane has rendered max_frames frames (always false without it).
  [[nodiscard]] bool done() const;
  /// Every profile × thread count shown so far: frames over machine time
  /// (first frame of each rig left out, as warm-up).
  [[nodiscard]] std::vector<bench::RunRecord> measurements() const;
  /// Index of the grabbed object, or -1.
  [[nodiscard]] int grabbed() const;

 private:
  struct Pane;
  struct Tally {
    std::int64_t frames = 0;
    double seconds = 0.0;
    std::uint64_t rays = 0;
  };
  void loop();
  void input_loop();
  bool apply(const RenderConfig& config);
  void render_one(std::size_t index);
  void rebuild_rig(Pane& pane, const RenderConfig& config);
  const SceneDescription* scene(const std::string& name);

  Options options_;
  // Armed only while a pane renders a frame (render_one): a minimised
  // window, a finished --frames run or a configuration being applied is
  // not a stall.
  std::unique_ptr<bench::Watchdog> watchdog_;

  // UI → render thread.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  RenderConfig desired_;
  bool have_config_ = false;
  std::uint64_t config_version_ = 0;
  bool suspended_ = false;
  std::atomic<bool> stop_{false};
  Camera camera_;
  std::uint64_t camera_version_ = 0;
  bool camera_known_ = false;
  std::optional<std::pair<float, float>> grab_request_;
  std::optional<std::pair<float, float>> drag_target_;
  double drag_time_ = 0.0;  // when the oldest event drag_target_ carries arrived (steady seconds)
  int grabbed_ = -1;
  float grab_depth_ = 0.0f;
  int pane_width_ = 1, pane_height_ = 1;

  // Render thread (panes_ also read by the input writer under input_mutex_).
  std::mutex input_mutex_;  // frame boundaries and rebuilds vs the input writer
  std::vector<std::unique_ptr<Pane>> panes_;
  RenderConfig applied_;
  std::uint64_t applied_version_ = 0;
  std::map<std::string, SceneDescription> scenes_;
  std::unique_ptr<Choreography> choreography_;
  std::string scene_name_;
  std::unique_ptr<PaneScheduler> scheduler_;
  std::FILE* log_file_ = nullptr;

  // Render thread → UI.
  mutable std::mutex status_mutex_;
  std::vector<PaneView> views_;
  std::string error_;
  bool done_ = false;
  std::map<std::pair<std::string, int>, Tally> tallies_;
  std::map<std::pair<std::string, int>, bench::Profile> tally_profiles_;

  std::thread thread_, input_thread_;
};

}  // namespace txray::demo
