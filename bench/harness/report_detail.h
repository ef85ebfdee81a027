#pragma once
/// Helpers the text writers and the chart share. Internal to
/// txray_bench_report: not installed, not included outside bench/harness.
#include <string>
#include <vector>

#include "bench/harness/report.h"

namespace txray::bench::detail {

/// Three significant figures or so, the way a reader compares frame rates:
/// 0.56, 17.3, 243. Non-finite values print as `missing`.
std::string format_number(double value, const char* missing = "-");

/// A ratio or speedup in the same spirit: 1.0, 2.1, 21, 44.
std::string format_ratio(double value, const char* missing = "-");

/// "47.1 ± 0.8": the FPS and half its 95 % interval (the FPS alone when the
/// interval is unknown).
std::string format_fps(const RunRecord& run, const char* missing = "-");

/// "load average 0.12 before, …; other processes used 1.3% …".
std::string load_line(const MachineLoad& load);

/// Columns padded to their widest cell, `right[c]` right-aligned, two
/// spaces between columns, no trailing blanks: the terminal tables.
std::string align(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right);

/// "native+stm".
std::string engine_backend(const RunRecord& run);

/// Distinct profile names, then distinct thread counts (ascending), in the
/// order the charts and comparisons lay them out.
std::vector<std::string> profiles_in_order(const BenchReport& report);
std::vector<int> thread_counts(const BenchReport& report);

/// One line describing the machine, one describing the measured workload.
std::string machine_line(const MachineInfo& machine);
std::string config_line(const RunConfig& config);

}  // namespace txray::bench::detail
