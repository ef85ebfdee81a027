#pragma once
/// The FPS harness: for each profile × thread count, `repetitions` times
/// round-robin, build a rig, warm up, render frames while measuring; then
/// turn what happened into one RunRecord per profile × thread count.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "bench/harness/profile.h"
#include "bench/harness/report.h"
#include "bench/harness/watchdog.h"
#include "renderer/backend_render.h"
#include "scenes/scene.h"

namespace txray::bench {

struct HarnessOptions {
  std::vector<Profile> profiles;
  std::vector<int> threads;
  int width = 640, height = 360;
  /// The interpreted engine's image size; 0: the same as width × height.
  /// An interpreter is far slower than compiled code, so a default run renders it smaller.
  int interp_width = 0, interp_height = 0;
  int frames = 10;        ///< measured frames (with duration: the most)
  int warmup = 2;         ///< frames rendered first and not measured, in every repetition
  int repetitions = 1;    ///< measurements of each profile × threads, interleaved across them
  double duration = 0.0;  ///< > 0: measure frames until this many seconds passed (at least one frame)
  int tile = 16;
  TileOrder order = TileOrder::row_major;
  int unit_pixels = 0;
  CounterMode counters = CounterMode::sharded;
  int log_every = 0;
  bool log_outside = false;   ///< log lines written after the unit commits, not inside it
  std::FILE* log = nullptr;   ///< where units log when log_every > 0
  double animate_hz = 0.0;    ///< 0: the animator runs only between frames
  double animation_step = 1.0 / 30.0;  ///< seconds of animation per frame, between frames
  std::chrono::nanoseconds switch_interval = std::chrono::milliseconds(5);
  std::uint32_t stm_max_retries = 32;
  bool attribution = true;  ///< conflict attribution in the backends (--no-attribution clears it)
  /// > 0 (--conflicts N): keep each run's top N sources of lost time, then
  /// render extra frames alternately with attribution off and on to
  /// measure what it costs (not counted in the FPS).
  int conflicts_top = 0;
  /// --latency-probe: an I/O-bound thread beside the renderers, through the
  /// same backend (latency_probe.h); its round trips go in RunRecord::latency.
  bool latency_probe = false;
  /// Told of every frame (warm-up and measured alike); null: none.
  Watchdog* watchdog = nullptr;
  /// The watchdog's test hook (RigOptions::test_hang_at_frame), in every
  /// run's rig: the first run then never ends. 0: none.
  int test_hang_at_frame = 0;
};

struct Progress {
  int run = 0, runs = 0;  ///< which profile × threads run, of how many
  int repetition = 0, repetitions = 0;  ///< which round of every run, of how many
  std::string profile;
  int threads = 0;
  int frame = 0, frames = 0;  ///< frames done in this run (warm-up included), of how many (0: by duration)
  bool warming_up = false;
};

/// Measures every profile × thread count. `stop` is polled at frame
/// boundaries (Ctrl-C): every run with at least one measured frame is
/// returned, with the repetitions it finished (the one in flight kept if it
/// measured a frame).
[[nodiscard]] std::vector<RunRecord> run_harness(const SceneDescription& scene, const HarnessOptions& options,
                                                 const std::function<void(const Progress&)>& progress,
                                                 const std::atomic<bool>& stop);

[[nodiscard]] std::string_view counter_mode_name(CounterMode mode);

}  // namespace txray::bench
