#pragma once
/// The FPS harness's results, and the ways they leave the program: a table
/// for the terminal, JSON (versioned schema, docs/report-schema.md), CSV,
/// Markdown for a CI job summary, and PNG charts. Writers know nothing of
/// how a figure was measured; they lay it out.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace txray::bench {

/// One figure a backend (or the harness) reports for a run, already turned
/// into a rate or a share where that reads better: "aborts/s (validate)",
/// "lock waits/s", "GIL switches/s", "time lost (%)".
struct StatFigure {
  std::string name;
  double value = 0.0;
  std::string unit;  ///< "/s", "%", "ms", "" …
};

/// One source of lost time in a run (`txray bench --conflicts`): a cell (or
/// the GIL, or the inevitable token), how time was lost there, between
/// which kinds of unit, and how much. See concurrency/conflict_log.hpp.
struct ConflictLine {
  std::string subject;  ///< "counter rays_traced", "sphere 17", "material 'glass'", "GIL", ...
  std::string group;    ///< "object", "material", "light", "camera", "counter", or "" (GIL, token)
  int index = -1;       ///< position in its group (objects: for outlines), else -1
  std::string kind;     ///< "write-write", "read-write at commit", "locked on read", "inevitable", "GIL wait", ...
  std::string unit;     ///< kind of unit that lost the time: "render tile", "animator update", "user drag", "logging"
  std::string other;    ///< kind of unit it lost it to, or "unknown"
  int worker = -1;      ///< gil: the waiting thread; else -1 (summed over threads)
  std::uint64_t count = 0;     ///< aborts, contended acquisitions or waits
  double lost_ms = 0.0;        ///< time lost, summed over threads
  double lost_pct = 0.0;       ///< lost_ms as a share of the render threads' time (threads × seconds)
  std::uint64_t switches = 0;  ///< gil: GIL switches to this thread
};

/// What attribution cost in a run: frames alternately with it off and on.
struct AttributionCost {
  bool enabled = true;          ///< attribution was on while measuring (not --no-attribution)
  int frame_pairs = 0;          ///< 0: the cost was not measured
  double frame_ms_on = 0.0;     ///< median frame time with attribution on
  double frame_ms_off = 0.0;    ///< median frame time with attribution off
  double cost_pct = 0.0;        ///< (on − off) / off × 100; noise can make it negative
};

/// `--latency-probe` (issue 19, bench/harness/latency_probe.h): an I/O-bound
/// thread's round trips (a short unit, then a one-byte pipe write and read
/// through the backend's io()) while the frames rendered.
struct LatencyFigures {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  bool measured = false;     ///< false: no probe ran (the rest means nothing)
  std::uint64_t ops = 0;     ///< round trips during the measured frames, over every repetition
  double p50_us = kNaN, p99_us = kNaN, max_us = kNaN;  ///< per round trip, beside the renderers
  double mean_us = kNaN;
  double alone_us = kNaN;    ///< mean per round trip with nothing rendering (same rig, before the frames)
  double convoy = kNaN;      ///< mean_us / alone_us: the convoy factor
};

/// The knobs a run was measured with (all on the command line).
struct RunConfig {
  std::string command;     ///< the command line, as run (argv joined by spaces)
  std::string scene;
  int width = 0, height = 0;
  int interp_width = 0, interp_height = 0;  ///< the interpreted engine's size (--interp-size); 0: width × height
  int frames = 0;          ///< measured frames (after warm-up)
  int warmup = 0;
  double duration = 0.0;   ///< seconds; 0 = run exactly `frames`
  int unit_rays = 0;       ///< rays per unit; 0 = one tile per unit
  int tile = 16;
  std::string animate;     ///< "between" or the animator's Hz
  std::string counters;    ///< "sharded" or "shared"
  int log_every = 0;       ///< 0 = no logging inside units
  bool log_outside = false;  ///< log lines written after each unit commits (--log-outside)
  int repetitions = 1;     ///< times each profile × threads was measured, round-robin (--repetitions)
};

/// One measurement of one profile × thread count: a fresh rig, warm-up,
/// then the measured frames.
struct Repetition {
  int frames = 0;
  double seconds = 0.0;              ///< wall time of the measured frames
  double fps = 0.0;                  ///< frames / seconds
  std::vector<double> frame_ms;      ///< every measured frame's time, in order
};

/// One profile × thread count.
struct RunRecord {
  std::string profile;     ///< e.g. "pypy-stm"
  std::string engine;      ///< "native" or "interp"
  std::string backend;     ///< "gil", "fine", "stm", "snapshot"
  int threads = 1;
  int width = 0, height = 0;  ///< the image this run rendered (interpreted runs may render a smaller one)
  int frames = 0;          ///< over every repetition
  double seconds = 0.0;    ///< wall time of the measured frames, over every repetition
  double fps = 0.0;        ///< mean over repetitions of each one's frames / seconds
  /// 95 % confidence interval of `fps`: a bootstrap over the repetitions'
  /// FPS (ci_over "repetitions"), or with a single repetition over its
  /// frames' times ("frames", which ignores run-to-run drift); NaN when
  /// there is too little to say.
  double fps_ci_low = std::numeric_limits<double>::quiet_NaN();
  double fps_ci_high = std::numeric_limits<double>::quiet_NaN();
  std::string ci_over;
  double frame_ms_median = 0.0;  ///< over every measured frame
  double frame_ms_p90 = 0.0;
  double mrays_per_second = 0.0;
  std::vector<StatFigure> stats;
  std::vector<ConflictLine> conflicts;  ///< ranked by time lost; empty unless --conflicts
  AttributionCost attribution;
  LatencyFigures latency;               ///< --latency-probe
  std::vector<Repetition> repetitions;  ///< empty in calibration rows
};

/// Fills a record's frames, seconds, fps, its interval and the frame-time
/// percentiles from its repetitions (the harness, and `compare` when it
/// reads a report, compute them the same way).
void summarize_repetitions(RunRecord& run);

struct MachineInfo {
  std::string cpu;         ///< model name
  int cores = 0;           ///< hardware threads
  std::string os;
  std::string compiler;
  std::string build;       ///< build type and flags
  std::string txray_version;
  std::string date;        ///< ISO 8601, UTC
  std::string governor;    ///< cpufreq scaling governor of CPU 0, "" where unreadable
};

/// How busy the machine was while txray measured: the busy-machine guard.
struct MachineLoad {
  bool measured = false;       ///< false: /proc was unreadable (the figures below mean nothing)
  double loadavg_before = 0.0; ///< 1-minute load average when measuring began
  double loadavg_after = 0.0;  ///< … and when it ended (txray's own threads count in it)
  double wall_seconds = 0.0;
  double own_cpu_pct = 0.0;    ///< CPU time txray used, as % of the machine (every core, the whole time)
  double other_cpu_pct = 0.0;  ///< CPU time every other process used, as % of the machine
  double threshold_pct = 0.0;  ///< other_cpu_pct above this flags the run busy
  bool busy = false;
};

/// The talk's figures (EuroPython 2015), printed beside the measured ones.
struct SeedFigure {
  std::string profile;
  double fps;
};

struct BenchReport {
  static constexpr int kSchemaVersion = 2;
  MachineInfo machine;
  MachineLoad load;
  RunConfig config;
  std::vector<RunRecord> runs;
  std::vector<SeedFigure> seed;  ///< may be empty
};

[[nodiscard]] std::string format_table(const BenchReport& report);
/// Per run, its top `top` conflict lines ranked by time lost, like PyPy's
/// print_stm_log.py, and what attribution cost.
[[nodiscard]] std::string format_conflicts(const BenchReport& report, int top);
[[nodiscard]] std::string to_json(const BenchReport& report);
[[nodiscard]] std::string to_csv(const BenchReport& report);
[[nodiscard]] std::string to_markdown(const BenchReport& report);

/// fps: FPS bars; speedup: lines over threads; latency: the latency
/// probe's p99 round trip per profile and thread count (--latency-probe).
enum class ChartKind { fps, speedup, latency };

/// Renders a labelled chart as RGBA8 (width × height).
[[nodiscard]] std::vector<unsigned char> render_chart(const BenchReport& report, ChartKind kind, int width, int height);

/// Writes text or a chart; the file appears whole or not at all. Returns
/// "" on success, else a message naming the file.
[[nodiscard]] std::string write_text_file(const std::filesystem::path& path, const std::string& text);
[[nodiscard]] std::string write_chart(const std::filesystem::path& path, const BenchReport& report, ChartKind kind);

// ---- Additions: derived figures the writers share, exposed so the CLI and
// tests compute them the same way. ----

/// The size write_chart uses when none is given: 16:9, large enough for
/// six profiles × four thread counts with 2×-scaled labels.
inline constexpr int kChartWidth = 1280;
inline constexpr int kChartHeight = 720;

[[nodiscard]] std::string write_chart(const std::filesystem::path& path, const BenchReport& report, ChartKind kind,
                                      int width, int height);

/// The talk's figures (EuroPython 2015, PyPy-STM): cpython 0.8, pypy 17,
/// pypy-stm 35 FPS.
[[nodiscard]] std::vector<SeedFigure> europython2015_seed();

/// runs[index].fps over the fps of the run with the same profile, engine
/// and backend at 1 thread; NaN when there is no such run (or it is 0).
[[nodiscard]] double speedup_vs_one_thread(const BenchReport& report, std::size_t index);

/// One seed profile beside its measurement at the most threads measured.
struct SeedComparisonRow {
  std::string profile;
  double seed_fps = 0.0;
  double seed_ratio = 0.0;       ///< seed_fps / the baseline's seed_fps
  bool measured = false;         ///< false: no run of this profile
  int threads = 0;               ///< of the run compared (the most measured)
  double measured_fps = 0.0;
  double measured_ratio = 0.0;   ///< measured_fps / the baseline's measured_fps; NaN if unmeasured
};

struct SeedComparison {
  /// The slowest seed profile that was measured (by seed FPS); both ratio
  /// columns are relative to it, so they compare like with like. When no
  /// seed profile was measured: the slowest seed profile.
  std::string baseline;
  std::vector<SeedComparisonRow> rows;  ///< in report.seed's order
};

/// Empty rows when report.seed is empty.
[[nodiscard]] SeedComparison compare_with_seed(const BenchReport& report);

/// Checks a JSON text against the schema in docs/report-schema.md (this
/// library's kSchemaVersion): required keys, their types, null only where
/// the schema allows it. Returns "" when it conforms, else the first problem
/// with its JSON pointer ("/runs/2/fps: expected a number or null").
/// Unknown keys are allowed: later minor additions must not break readers.
[[nodiscard]] std::string validate_report_json(const std::string& json_text);

/// Reads a report that validate_report_json accepts into `report` (stats,
/// repetitions and latency included; conflicts and attribution are left out).
/// Returns "" on success, else the validator's message.
[[nodiscard]] std::string parse_report_json(const std::string& json_text, BenchReport& report);

/// The "why" text: up to `max_items` of a run's statistics, most telling
/// first. Figures that share a name before a parenthesised cause ("aborts/s
/// (validate)", "aborts/s (write)") are summed and the biggest cause's share
/// shown: "aborts 120/s (validate 80%), time lost 3%".
[[nodiscard]] std::string summarize_stats(const std::vector<StatFigure>& stats, int max_items = 3);

}  // namespace txray::bench
