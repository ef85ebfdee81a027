#pragma once
/// `txray bench --calibrate`: the kernel file (assets/kernels/raytrace.py,
/// as built into txray) run by the real python3 and pypy3 on the same scene,
/// size and tiles, with 1..N Python threads, so the interpreted engine's
/// figures can be read against the runtimes it models; and the convoy
/// anchor (assets/kernels/convoy.py, issue 19) under both, so the latency
/// probe's convoy factors can be read against the real ones.
#include <atomic>
#include <optional>
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
  /// Also run the convoy anchor: only beside the latency probe, which it
  /// stands beside (about 10 s a runtime where there is a convoy).
  bool convoy = false;
};

/// One runtime's convoy anchor: 2,000 pipe round trips alone and beside a
/// thread spinning `x += 1`, with the threads placed as convoy.py says.
struct ConvoyFigure {
  std::string runtime;   ///< "python3", "pypy3"
  std::string version;   ///< "CPython 3.11.7"
  /// "own-cores" (the I/O thread and the spinner each pinned to a CPU of
  /// its own), "one-core" (both on one), "free" (the scheduler's choice).
  std::string placement = "free";
  int round_trips = 0;
  double alone_ms = 0.0, beside_ms = 0.0;
  [[nodiscard]] double factor() const { return alone_ms > 0.0 ? beside_ms / alone_ms : 0.0; }
  [[nodiscard]] double per_round_trip_us() const { return round_trips > 0 ? beside_ms * 1e3 / round_trips : 0.0; }
};

struct CalibrationResult {
  std::vector<RunRecord> runs;       ///< profile and engine = the runtime's name, backend "gil"
  std::vector<std::string> notes;    ///< e.g. "pypy3: not installed, skipped"
  std::vector<std::string> versions; ///< per run: "CPython 3.11.7"
  std::vector<ConvoyFigure> convoy;  ///< per installed runtime: own-cores, then one-core
};

/// Reads convoy.py's output line ("convoy alone_s A beside_s B round_trips
/// N spinners K runtime IMPL VERSION placement P"); nullopt when it is not
/// one.
[[nodiscard]] std::optional<ConvoyFigure> parse_convoy_line(const std::string& runtime, const std::string& output);

/// Runs each installed runtime; a missing one is noted and skipped, never an
/// error. `stop` is polled between runs.
[[nodiscard]] CalibrationResult run_calibration(const SceneDescription& scene, const CalibrateOptions& options,
                                                const std::atomic<bool>& stop);

/// The runtimes beside the cpython and pypy profiles of `report` (same
/// thread counts), with the ratios; then, when the anchor ran, the convoy
/// factors, real beside modelled (the latency probe's, for every profile
/// that ran it).
[[nodiscard]] std::string format_calibration(const BenchReport& report, const CalibrationResult& calibration);
/// The convoy part alone (format_calibration ends with it).
[[nodiscard]] std::string format_convoy(const BenchReport& report, const CalibrationResult& calibration);

}  // namespace txray::bench
