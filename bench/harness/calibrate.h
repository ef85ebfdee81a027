#pragma once
/// `txray bench --calibrate`: the kernel file (assets/kernels/raytrace.py,
/// as built into txray) run by the real python3 and pypy3 on the same scene,
/// size and tiles, with 1..N Python threads, so the interpreted engine's
/// figures can be read against the runtimes it models.
#include <atomic>
#include <string>
#include <vector>

#include "bench/harness/report.h"
#include "scenes/scene.h"

namespace txray::bench {

struct CalibrateOptions {
  int width = 256, height = 256;
  int tile = 16;
  std::vector<int> threads = {1};
  int frames = 2;  ///< measured frames per run (pypy: at least 10)
  int warmup = 1;  ///< frames first (pypy: at least 8, for its JIT)
  std::vector<std::string> runtimes = {"python3", "pypy3"};
};

struct CalibrationResult {
  std::vector<RunRecord> runs;       ///< profile and engine = the runtime's name, backend "gil"
  std::vector<std::string> notes;    ///< e.g. "pypy3: not installed, skipped"
  std::vector<std::string> versions; ///< per run: "CPython 3.11.7"
};

/// Runs each installed runtime; a missing one is noted and skipped, never an
/// error. `stop` is polled between runs.
[[nodiscard]] CalibrationResult run_calibration(const SceneDescription& scene, const CalibrateOptions& options,
                                                const std::atomic<bool>& stop);

/// The runtimes beside the cpython and pypy profiles of `report` (same
/// thread counts), with the ratios.
[[nodiscard]] std::string format_calibration(const BenchReport& report, const CalibrationResult& calibration);

}  // namespace txray::bench
