#include "bench/harness/report.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <limits>

#include <nlohmann/json.hpp>

#include "bench/harness/report_detail.h"
#include "bench/harness/statistics.h"
#include "renderer/atomic_file.h"

namespace txray::bench {

namespace detail {

std::string format_number(double value, const char* missing) {
  if (!std::isfinite(value)) return missing;
  const double magnitude = std::fabs(value);
  const int decimals = magnitude >= 100.0 ? 0 : magnitude >= 10.0 ? 1 : 2;
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string format_ratio(double value, const char* missing) {
  if (!std::isfinite(value)) return missing;
  // The talk quotes its ratios as whole numbers (1 : 21 : 44); below 10 a
  // decimal is what tells 1.8× from 2.2×, below 1 two of them.
  const double magnitude = std::fabs(value);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, magnitude >= 10.0 ? "%.0f" : magnitude >= 1.0 ? "%.1f" : "%.2f", value);
  return buffer;
}

std::string format_fps(const RunRecord& run, const char* missing) {
  std::string text = format_number(run.fps, missing);
  if (std::isfinite(run.fps) && std::isfinite(run.fps_ci_low) && std::isfinite(run.fps_ci_high))
    text += " ± " + format_number((run.fps_ci_high - run.fps_ci_low) / 2.0);
  return text;
}

std::string load_line(const MachineLoad& load) {
  if (!load.measured) return "not measured (/proc unreadable)";
  char line[256];
  std::snprintf(line, sizeof line,
                "load average %.2f before, %.2f after; other processes used %.1f%% of the machine (limit %.0f%%), "
                "txray %.1f%%",
                load.loadavg_before, load.loadavg_after, load.other_cpu_pct, load.threshold_pct, load.own_cpu_pct);
  return std::string(line) + (load.busy ? " — BUSY: figures disturbed" : "");
}

std::string engine_backend(const RunRecord& run) { return run.engine + "+" + run.backend; }

std::vector<std::string> profiles_in_order(const BenchReport& report) {
  std::vector<std::string> names;
  for (const RunRecord& run : report.runs)
    if (std::find(names.begin(), names.end(), run.profile) == names.end()) names.push_back(run.profile);
  return names;
}

std::vector<int> thread_counts(const BenchReport& report) {
  std::vector<int> counts;
  for (const RunRecord& run : report.runs) counts.push_back(run.threads);
  std::sort(counts.begin(), counts.end());
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
  return counts;
}

std::string machine_line(const MachineInfo& m) {
  std::string line = m.cpu.empty() ? std::string("unknown CPU") : m.cpu;
  line += ", " + std::to_string(m.cores) + " hardware threads";
  for (const std::string* part : {&m.os, &m.compiler, &m.build})
    if (!part->empty()) line += ", " + *part;
  if (!m.governor.empty()) line += ", governor " + m.governor;
  if (!m.txray_version.empty()) line += ", txray " + m.txray_version;
  if (!m.date.empty()) line += ", " + m.date;
  return line;
}

std::string config_line(const RunConfig& c) {
  std::string line = "scene " + (c.scene.empty() ? std::string("?") : c.scene) + " " + std::to_string(c.width) + "x" +
                     std::to_string(c.height);
  if (c.interp_width > 0 && (c.interp_width != c.width || c.interp_height != c.height))
    line += " (interpreted profiles " + std::to_string(c.interp_width) + "x" + std::to_string(c.interp_height) + ")";
  if (c.duration > 0.0)
    line += ", " + format_number(c.duration) + " s per run";
  else
    line += ", " + std::to_string(c.frames) + " frames per run";
  line += " after " + std::to_string(c.warmup) + " warm-up";
  line += ", " + std::to_string(c.repetitions) + (c.repetitions == 1 ? " repetition" : " repetitions");
  line += ", tile " + std::to_string(c.tile);
  line += c.unit_rays > 0 ? ", " + std::to_string(c.unit_rays) + " rays per unit" : std::string(", one tile per unit");
  line += ", animate " + (c.animate.empty() ? std::string("between") : c.animate);
  line += ", counters " + (c.counters.empty() ? std::string("sharded") : c.counters);
  line += c.log_every > 0 ? ", log every " + std::to_string(c.log_every) + " units" : std::string(", no logging");
  return line;
}

std::string align(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right) {
  std::vector<std::size_t> width(right.size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c) line += "  ";
      const std::size_t pad = width[c] - row[c].size();
      const bool last = c + 1 == row.size();
      if (right[c]) line += std::string(pad, ' ') + row[c];
      else line += last ? row[c] : row[c] + std::string(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace detail

using detail::align;
using detail::engine_backend;
using detail::format_number;
using detail::format_ratio;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---- Derived figures --------------------------------------------------------

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// A group of figures that share a base name ("aborts/s") and unit.
struct StatGroup {
  std::string base;
  std::string unit;
  double total = 0.0;
  std::string top_cause;
  double top_value = -std::numeric_limits<double>::infinity();
  int causes = 0;
};

// The figures that explain a frame rate, most telling first: aborts and lock
// or GIL waits are the cost itself; switches and conflicts say why; time
// lost sums it up. Anything else the backend reports comes after.
constexpr const char* kPriority[] = {"abort", "wait", "switch", "conflict", "inevitable", "time lost", "retr", "contention"};

int priority(const std::string& base) {
  const std::string l = lower(base);
  int rank = 0;
  for (const char* key : kPriority) {
    if (l.find(key) != std::string::npos) return rank;
    ++rank;
  }
  return rank;
}

std::string value_with_unit(double value, const std::string& unit) {
  // Statistics are context, not the measurement: two figures are enough,
  // and a zero reads as "0", not "0.00".
  std::string text;
  if (value == 0.0) {
    text = "0";
  } else {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, std::fabs(value) >= 10.0 ? "%.0f" : std::fabs(value) >= 0.1 ? "%.1f" : "%.2g",
                  value);
    text = std::isfinite(value) ? buffer : "-";
    if (ends_with(text, ".0")) text.resize(text.size() - 2);
  }
  if (unit.empty()) return text;
  // "120/s", "3.1%", but "4.2 ms".
  if (std::isalpha(static_cast<unsigned char>(unit.front()))) return text + " " + unit;
  return text + unit;
}

/// Speedups sit near 1 and 2 on the machines this runs on; two decimals
/// tell a GIL's 0.83× from 0.95×.
std::string format_speedup(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.2fx", value);
  return buffer;
}

// ---- Tables -----------------------------------------------------------------

/// Columns padded to their widest cell; numbers right-aligned. The last
/// column (free text) is never padded, so lines carry no trailing blanks.

/// "relative to pypy (pypy : pypy-stm): talk 1.0 : 2.1, measured 1.0 : 2.1;
/// not run: cpython". Only measured profiles enter the ratios: a talk
/// figure with nothing beside it compares nothing.
std::string ratio_summary(const SeedComparison& cmp) {
  std::string names, talk, measured, missing;
  for (const SeedComparisonRow& row : cmp.rows) {
    if (!row.measured) {
      missing += (missing.empty() ? "" : ", ") + row.profile;
      continue;
    }
    const char* sep = names.empty() ? "" : " : ";
    names += sep + row.profile;
    talk += sep + format_ratio(row.seed_ratio);
    measured += sep + format_ratio(row.measured_ratio);
  }
  if (names.empty()) return "no seed profile was run";
  std::string out = "ratios relative to " + cmp.baseline + " (" + names + "): talk " + talk + ", measured " + measured;
  if (!missing.empty()) out += "; not run: " + missing;
  return out;
}

// ---- JSON / CSV / Markdown helpers -------------------------------------------

nlohmann::ordered_json number(double value) {
  // JSON has no NaN or infinity; a missing figure is null, never a string.
  if (!std::isfinite(value)) return nullptr;
  return value;
}

/// Shortest text that reads back as the same double.
std::string exact(double value) {
  if (!std::isfinite(value)) return {};
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string csv_field(const std::string& field) {
  // RFC 4180: quote a field holding a separator, a quote or a line break
  // (and leading/trailing blanks, which some readers trim), doubling quotes.
  const bool quote = field.find_first_of(",\"\r\n") != std::string::npos ||
                     (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!quote) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string md_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

std::string md_row(const std::vector<std::string>& cells) {
  std::string out = "|";
  // Appends, not `" " + x + " |"`: GCC 12 at -O3 warns falsely (-Wrestrict)
  // on operator+ of a literal and a string.
  for (const std::string& cell : cells) {
    out += ' ';
    out += md_cell(cell);
    out += " |";
  }
  return out + "\n";
}

}  // namespace

void summarize_repetitions(RunRecord& run) {
  if (run.repetitions.empty()) return;
  std::vector<double> rep_fps, frame_ms;
  run.frames = 0;
  run.seconds = 0.0;
  for (const Repetition& r : run.repetitions) {
    rep_fps.push_back(r.fps);
    run.frames += r.frames;
    run.seconds += r.seconds;
    frame_ms.insert(frame_ms.end(), r.frame_ms.begin(), r.frame_ms.end());
  }
  run.fps = mean(rep_fps);
  run.frame_ms_median = percentile(frame_ms, 0.5);
  run.frame_ms_p90 = percentile(frame_ms, 0.9);
  if (rep_fps.size() >= 2) {
    const Interval ci = bootstrap_mean_interval(rep_fps);
    run.fps_ci_low = ci.low;
    run.fps_ci_high = ci.high;
    run.ci_over = "repetitions";
  } else if (frame_ms.size() >= 2) {
    // One repetition: the interval of its mean frame time, as a rate. It
    // sees frame-to-frame noise only, not what changes between runs.
    const Interval ci = bootstrap_mean_interval(frame_ms);
    run.fps_ci_low = 1e3 / ci.high;
    run.fps_ci_high = 1e3 / ci.low;
    run.ci_over = "frames";
  } else {
    run.fps_ci_low = run.fps_ci_high = kNaN;
    run.ci_over.clear();
  }
}

std::vector<SeedFigure> europython2015_seed() { return {{"cpython", 0.8}, {"pypy", 17.0}, {"pypy-stm", 35.0}}; }

double speedup_vs_one_thread(const BenchReport& report, std::size_t index) {
  if (index >= report.runs.size()) return kNaN;
  const RunRecord& run = report.runs[index];
  for (const RunRecord& base : report.runs) {
    if (base.threads == 1 && base.profile == run.profile && base.engine == run.engine && base.backend == run.backend) {
      if (!(base.fps > 0.0) || !std::isfinite(base.fps)) return kNaN;
      return run.fps / base.fps;
    }
  }
  return kNaN;
}

SeedComparison compare_with_seed(const BenchReport& report) {
  SeedComparison cmp;
  if (report.seed.empty()) return cmp;
  for (const SeedFigure& seed : report.seed) {
    SeedComparisonRow row;
    row.profile = seed.profile;
    row.seed_fps = seed.fps;
    row.measured_fps = kNaN;
    row.measured_ratio = kNaN;
    for (const RunRecord& run : report.runs) {
      if (run.profile != seed.profile) continue;
      if (!row.measured || run.threads > row.threads) {
        row.measured = true;
        row.threads = run.threads;
        row.measured_fps = run.fps;
      }
    }
    cmp.rows.push_back(row);
  }
  // Baseline: the slowest seed profile that was measured, so both ratio
  // columns share a denominator (the talk's 1 : 21 : 44 is relative to
  // cpython; without an interpreted run, it becomes pypy).
  const SeedComparisonRow* baseline = nullptr;
  for (const SeedComparisonRow& row : cmp.rows)
    if (row.measured && (!baseline || row.seed_fps < baseline->seed_fps)) baseline = &row;
  if (!baseline)
    for (const SeedComparisonRow& row : cmp.rows)
      if (!baseline || row.seed_fps < baseline->seed_fps) baseline = &row;
  cmp.baseline = baseline->profile;
  const double seed_base = baseline->seed_fps;
  const double measured_base = baseline->measured ? baseline->measured_fps : kNaN;
  for (SeedComparisonRow& row : cmp.rows) {
    row.seed_ratio = seed_base > 0.0 ? row.seed_fps / seed_base : kNaN;
    row.measured_ratio = row.measured && measured_base > 0.0 ? row.measured_fps / measured_base : kNaN;
  }
  return cmp;
}

std::string summarize_stats(const std::vector<StatFigure>& stats, int max_items) {
  std::vector<StatGroup> groups;
  for (const StatFigure& stat : stats) {
    std::string base = stat.name;
    std::string cause;
    const std::size_t open = base.rfind(" (");
    if (open != std::string::npos && ends_with(base, ")")) {
      cause = base.substr(open + 2, base.size() - open - 3);
      base = base.substr(0, open);
      // "time lost (%)": the parenthesis names the unit, not a cause.
      if (cause == stat.unit || cause == "%" || cause == "/s" || cause == "ms" || cause == "s") cause.clear();
    }
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const StatGroup& g) { return g.base == base && g.unit == stat.unit; });
    if (it == groups.end()) {
      StatGroup group;
      group.base = base;
      group.unit = stat.unit;
      groups.push_back(std::move(group));
      it = std::prev(groups.end());
    }
    if (std::isfinite(stat.value)) it->total += stat.value;
    if (!cause.empty()) {
      ++it->causes;
      if (stat.value > it->top_value) {
        it->top_value = stat.value;
        it->top_cause = cause;
      }
    }
  }
  std::stable_sort(groups.begin(), groups.end(),
                   [](const StatGroup& a, const StatGroup& b) { return priority(a.base) < priority(b.base); });
  std::string out;
  int shown = 0;
  for (const StatGroup& g : groups) {
    if (shown == max_items) break;
    std::string label = g.base;
    // "aborts/s" with unit "/s" reads "aborts 120/s".
    if (!g.unit.empty() && ends_with(label, g.unit)) label.resize(label.size() - g.unit.size());
    while (!label.empty() && label.back() == ' ') label.pop_back();
    std::string item = label + " " + value_with_unit(g.total, g.unit);
    if (g.causes > 1 && g.total > 0.0)
      item += " (" + g.top_cause + " " + std::to_string(std::lround(100.0 * g.top_value / g.total)) + "%)";
    else if (g.causes == 1)
      item += " (" + g.top_cause + ")";
    out += (out.empty() ? "" : ", ") + item;
    ++shown;
  }
  return out;
}

namespace {

bool any_latency(const BenchReport& report) {
  return std::any_of(report.runs.begin(), report.runs.end(), [](const RunRecord& r) { return r.latency.measured; });
}

// "12 / 85 / 2400": the probe's p50 / p99 / max round trip in µs.
std::string latency_cell(const LatencyFigures& l, const char* missing) {
  if (!l.measured || l.ops == 0) return missing;
  return format_number(l.p50_us, missing) + " / " + format_number(l.p99_us, missing) + " / " +
         format_number(l.max_us, missing);
}

std::string convoy_cell(const LatencyFigures& l, const char* missing) {
  if (!l.measured || !std::isfinite(l.convoy)) return missing;
  return format_number(l.convoy, missing) + "x";
}

const char* kLatencyNote =
    "probe: an I/O thread's round trip (a short unit, then a one-byte pipe write and read through the backend's io()) "
    "beside the renderers, p50 / p99 / max in microseconds; convoy: its mean over its mean alone\n";

}  // namespace

std::string format_table(const BenchReport& report) {
  std::string out = "txray bench  machine: " + detail::machine_line(report.machine) + "\n";
  out += "             config:  " + detail::config_line(report.config) + "\n";
  out += "             load:    " + detail::load_line(report.load) + "\n\n";
  if (report.runs.empty()) {
    out += "(no runs finished)\n";
  } else {
    const bool latency = any_latency(report);
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"profile", "engine+backend", "threads", "FPS ± 95% CI", "median ms", "p90 ms", "Mrays/s", "speedup"});
    if (latency) rows.back().insert(rows.back().end(), {"probe µs p50/p99/max", "convoy"});
    rows.back().push_back("why");
    for (std::size_t i = 0; i < report.runs.size(); ++i) {
      const RunRecord& run = report.runs[i];
      const double speedup = speedup_vs_one_thread(report, i);
      rows.push_back({run.profile, engine_backend(run), std::to_string(run.threads), detail::format_fps(run),
                      format_number(run.frame_ms_median), format_number(run.frame_ms_p90),
                      format_number(run.mrays_per_second), std::isfinite(speedup) ? format_speedup(speedup) : "-"});
      if (latency) rows.back().insert(rows.back().end(), {latency_cell(run.latency, "-"), convoy_cell(run.latency, "-")});
      rows.back().push_back(summarize_stats(run.stats));
    }
    std::vector<bool> right = {false, false, true, true, true, true, true, true};
    if (latency) right.insert(right.end(), {true, true});
    right.push_back(false);
    out += align(rows, right);
    out += "FPS: mean over repetitions, ± half the 95% bootstrap interval" +
           std::string(report.config.repetitions > 1 ? "" : " (one repetition: over its frames, blind to run-to-run drift)") +
           "; speedup: over the same profile at 1 thread\n";
    if (latency) out += kLatencyNote;
  }
  const SeedComparison cmp = compare_with_seed(report);
  if (!cmp.rows.empty()) {
    out += "\nBeside the talk (PyPy-STM, EuroPython 2015), each profile at the most threads measured:\n";
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"profile", "talk FPS", "talk ratio", "measured FPS", "threads", "measured ratio"});
    for (const SeedComparisonRow& row : cmp.rows)
      rows.push_back({row.profile, format_number(row.seed_fps), format_ratio(row.seed_ratio),
                      row.measured ? format_number(row.measured_fps) : "not run",
                      row.measured ? std::to_string(row.threads) : "-", format_ratio(row.measured_ratio)});
    out += align(rows, {false, true, true, true, true, true});
    out += ratio_summary(cmp) + "; this machine has " + std::to_string(report.machine.cores) + " hardware threads\n";
  }
  return out;
}

std::string format_conflicts(const BenchReport& report, int top) {
  std::string out;
  char line[256];
  for (const RunRecord& run : report.runs) {
    if (run.engine != "native" && run.engine != "interp") continue;  // calibration rows
    double lost = 0.0;
    for (const ConflictLine& l : run.conflicts) lost += l.lost_pct;
    std::snprintf(line, sizeof line, "\nconflicts: %s, %d thread%s: %.1f FPS, time lost %.2f%% of render-thread time",
                  run.profile.c_str(), run.threads, run.threads == 1 ? "" : "s", run.fps, lost);
    out += line;
    const AttributionCost& a = run.attribution;
    if (!a.enabled)
      out += " (attribution off: --no-attribution)";
    else if (a.frame_pairs > 0) {
      std::snprintf(line, sizeof line, "; attribution cost %+.1f%% (frame %.2f ms on, %.2f ms off, %d pairs)",
                    a.cost_pct, a.frame_ms_on, a.frame_ms_off, a.frame_pairs);
      out += line;
    }
    out += "\n";
    if (run.conflicts.empty()) {
      out += a.enabled ? "  no time lost to conflicts\n" : "";
      continue;
    }
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"#", "lost ms", "lost %", "count", "where", "kind", "unit", "lost to"});
    const std::size_t n = std::min(run.conflicts.size(), static_cast<std::size_t>(std::max(top, 0)));
    for (std::size_t i = 0; i < n; ++i) {
      const ConflictLine& l = run.conflicts[i];
      std::string where = l.subject;
      if (l.worker >= 0) where += " (thread " + std::to_string(l.worker) + ", " + std::to_string(l.switches) + " switches)";
      char ms[32], pct[32];
      std::snprintf(ms, sizeof ms, "%.2f", l.lost_ms);
      std::snprintf(pct, sizeof pct, "%.2f", l.lost_pct);
      rows.push_back({std::to_string(i + 1), ms, pct, std::to_string(l.count), where, l.kind, l.unit, l.other});
    }
    out += align(rows, {true, true, true, true, false, false, false, false});
    if (run.conflicts.size() > n)
      out += "  ... " + std::to_string(run.conflicts.size() - n) + " more in the JSON report\n";
  }
  return out;
}

std::string to_json(const BenchReport& report) {
  using json = nlohmann::ordered_json;
  const MachineInfo& m = report.machine;
  const RunConfig& c = report.config;
  json doc;
  doc["schema"] = "txray-bench";
  doc["schema_version"] = BenchReport::kSchemaVersion;
  doc["machine"] = {{"cpu", m.cpu},         {"cores", m.cores}, {"os", m.os},
                    {"compiler", m.compiler}, {"build", m.build}, {"txray_version", m.txray_version},
                    {"date", m.date}, {"governor", m.governor}};
  const MachineLoad& l = report.load;
  doc["load"] = {{"measured", l.measured},
                 {"loadavg_before", number(l.loadavg_before)},
                 {"loadavg_after", number(l.loadavg_after)},
                 {"wall_seconds", number(l.wall_seconds)},
                 {"own_cpu_pct", number(l.own_cpu_pct)},
                 {"other_cpu_pct", number(l.other_cpu_pct)},
                 {"threshold_pct", number(l.threshold_pct)},
                 {"busy", l.busy}};
  doc["config"] = {{"command", c.command}, {"repetitions", c.repetitions}, {"scene", c.scene},       {"width", c.width},         {"height", c.height},
                   {"interp_width", c.interp_width}, {"interp_height", c.interp_height},
                   {"frames", c.frames},     {"warmup", c.warmup},       {"duration", number(c.duration)},
                   {"unit_rays", c.unit_rays}, {"tile", c.tile},         {"animate", c.animate},
                   {"counters", c.counters}, {"log_every", c.log_every}, {"log_outside", c.log_outside}};
  json runs = json::array();
  for (std::size_t i = 0; i < report.runs.size(); ++i) {
    const RunRecord& r = report.runs[i];
    json stats = json::array();
    for (const StatFigure& s : r.stats) stats.push_back({{"name", s.name}, {"value", number(s.value)}, {"unit", s.unit}});
    runs.push_back({{"profile", r.profile},
                    {"engine", r.engine},
                    {"backend", r.backend},
                    {"threads", r.threads},
                    {"width", r.width},
                    {"height", r.height},
                    {"frames", r.frames},
                    {"seconds", number(r.seconds)},
                    {"fps", number(r.fps)},
                    {"fps_ci_low", number(r.fps_ci_low)},
                    {"fps_ci_high", number(r.fps_ci_high)},
                    {"ci_over", r.ci_over},
                    {"frame_ms_median", number(r.frame_ms_median)},
                    {"frame_ms_p90", number(r.frame_ms_p90)},
                    {"mrays_per_second", number(r.mrays_per_second)},
                    {"speedup_vs_1_thread", number(speedup_vs_one_thread(report, i))},
                    {"stats", std::move(stats)}});
    // Additions within schema version 1 (docs/report-schema.md, changelog).
    json conflicts = json::array();
    for (const ConflictLine& l : r.conflicts)
      conflicts.push_back({{"subject", l.subject}, {"group", l.group}, {"index", l.index}, {"kind", l.kind},
                           {"unit", l.unit}, {"other", l.other}, {"worker", l.worker}, {"count", l.count},
                           {"lost_ms", number(l.lost_ms)}, {"lost_pct", number(l.lost_pct)},
                           {"switches", l.switches}});
    const AttributionCost& a = r.attribution;
    const bool measured = a.frame_pairs > 0;
    runs.back()["conflicts"] = std::move(conflicts);
    runs.back()["attribution"] = {{"enabled", a.enabled},
                                  {"frame_pairs", a.frame_pairs},
                                  {"frame_ms_on", measured ? number(a.frame_ms_on) : json(nullptr)},
                                  {"frame_ms_off", measured ? number(a.frame_ms_off) : json(nullptr)},
                                  {"cost_pct", measured ? number(a.cost_pct) : json(nullptr)}};
    // Added within schema version 2 (docs/report-schema.md, changelog).
    if (r.latency.measured) {
      const LatencyFigures& lat = r.latency;
      runs.back()["latency"] = {{"ops", lat.ops},         {"p50_us", number(lat.p50_us)},
                                {"p99_us", number(lat.p99_us)}, {"max_us", number(lat.max_us)},
                                {"mean_us", number(lat.mean_us)}, {"alone_us", number(lat.alone_us)},
                                {"convoy", number(lat.convoy)}};
    }
    json repetitions = json::array();
    for (const Repetition& rep : r.repetitions) {
      json frame_ms = json::array();
      // To the microsecond: finer is below the clock's noise, and it keeps
      // a report of thousands of frames readable.
      for (double ms : rep.frame_ms) frame_ms.push_back(number(std::round(ms * 1e3) / 1e3));
      repetitions.push_back({{"frames", rep.frames},
                             {"seconds", number(rep.seconds)},
                             {"fps", number(rep.fps)},
                             {"frame_ms", std::move(frame_ms)}});
    }
    runs.back()["repetitions"] = std::move(repetitions);
  }
  doc["runs"] = std::move(runs);
  json seed = json::array();
  for (const SeedFigure& s : report.seed) seed.push_back({{"profile", s.profile}, {"fps", number(s.fps)}});
  doc["seed"] = std::move(seed);
  return doc.dump(2) + "\n";
}

std::string to_csv(const BenchReport& report) {
  // Stat columns: the union of names, in order of first appearance, so a
  // gil run and an stm run share one file with blanks where they differ.
  std::vector<std::string> stat_names;
  for (const RunRecord& run : report.runs)
    for (const StatFigure& s : run.stats)
      if (std::find(stat_names.begin(), stat_names.end(), s.name) == stat_names.end()) stat_names.push_back(s.name);

  std::vector<std::string> header = {"profile", "engine", "backend", "threads", "frames", "seconds", "fps",
                                     "fps_ci_low", "fps_ci_high", "frame_ms_median", "frame_ms_p90", "mrays_per_second", "speedup_vs_1_thread"};
  const bool latency = any_latency(report);
  if (latency)
    header.insert(header.end(), {"latency_ops", "latency_p50_us", "latency_p99_us", "latency_max_us", "latency_mean_us",
                                 "latency_alone_us", "latency_convoy"});
  header.insert(header.end(), stat_names.begin(), stat_names.end());
  auto line = [](const std::vector<std::string>& fields) {
    std::string out;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i) out += ',';
      out += csv_field(fields[i]);
    }
    return out + "\n";
  };
  std::string out = line(header);
  for (std::size_t i = 0; i < report.runs.size(); ++i) {
    const RunRecord& r = report.runs[i];
    std::vector<std::string> row = {r.profile,
                                    r.engine,
                                    r.backend,
                                    std::to_string(r.threads),
                                    std::to_string(r.frames),
                                    exact(r.seconds),
                                    exact(r.fps),
                                    exact(r.fps_ci_low),
                                    exact(r.fps_ci_high),
                                    exact(r.frame_ms_median),
                                    exact(r.frame_ms_p90),
                                    exact(r.mrays_per_second),
                                    exact(speedup_vs_one_thread(report, i))};
    if (latency) {
      const LatencyFigures& l = r.latency;
      if (l.measured)
        row.insert(row.end(), {std::to_string(l.ops), exact(l.p50_us), exact(l.p99_us), exact(l.max_us),
                               exact(l.mean_us), exact(l.alone_us), exact(l.convoy)});
      else
        row.insert(row.end(), 7, std::string());
    }
    for (const std::string& name : stat_names) {
      auto it = std::find_if(r.stats.begin(), r.stats.end(), [&](const StatFigure& s) { return s.name == name; });
      row.push_back(it == r.stats.end() ? std::string() : exact(it->value));
    }
    out += line(row);
  }
  return out;
}

std::string to_markdown(const BenchReport& report) {
  std::string out = "### txray bench: " + md_cell(report.config.scene) + " " + std::to_string(report.config.width) +
                    "x" + std::to_string(report.config.height) + "\n\n";
  out += "**Machine:** " + md_cell(detail::machine_line(report.machine)) + "  \n";
  out += "**Config:** " + md_cell(detail::config_line(report.config)) + "  \n";
  if (!report.config.command.empty()) out += "**Command:** `" + report.config.command + "`  \n";
  out += "**Load:** " + md_cell(detail::load_line(report.load)) + "\n\n";
  const bool latency = any_latency(report);
  std::vector<std::string> header = {"profile", "engine+backend", "threads", "FPS ± 95% CI", "median ms", "p90 ms",
                                     "Mrays/s", "speedup vs 1 thread"};
  if (latency) header.insert(header.end(), {"probe µs p50 / p99 / max", "convoy"});
  header.push_back("why");
  out += md_row(header);
  out += latency ? "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|\n" : "|---|---|--:|--:|--:|--:|--:|--:|---|\n";
  for (std::size_t i = 0; i < report.runs.size(); ++i) {
    const RunRecord& run = report.runs[i];
    const double speedup = speedup_vs_one_thread(report, i);
    std::vector<std::string> row = {run.profile, engine_backend(run), std::to_string(run.threads),
                                    detail::format_fps(run, "—"), format_number(run.frame_ms_median, "—"),
                                    format_number(run.frame_ms_p90, "—"), format_number(run.mrays_per_second, "—"),
                                    std::isfinite(speedup) ? format_speedup(speedup) : "—"};
    if (latency) row.insert(row.end(), {latency_cell(run.latency, "—"), convoy_cell(run.latency, "—")});
    row.push_back(summarize_stats(run.stats));
    out += md_row(row);
  }
  if (latency) out += "\n" + md_cell(kLatencyNote) + "\n";
  if (report.runs.empty()) out += "\n_No runs finished._\n";
  const SeedComparison cmp = compare_with_seed(report);
  if (!cmp.rows.empty()) {
    out += "\n#### Beside the talk (PyPy-STM, EuroPython 2015)\n\n";
    out += md_row({"profile", "talk FPS", "talk ratio", "measured FPS", "threads", "measured ratio"});
    out += "|---|--:|--:|--:|--:|--:|\n";
    for (const SeedComparisonRow& row : cmp.rows)
      out += md_row({row.profile, format_number(row.seed_fps, "—"), format_ratio(row.seed_ratio, "—"),
                     row.measured ? format_number(row.measured_fps, "—") : "not run",
                     row.measured ? std::to_string(row.threads) : "—", format_ratio(row.measured_ratio, "—")});
    std::string summary = ratio_summary(cmp);
    summary[0] = 'R';
    out += "\n" + md_cell(summary) + "; each profile at the most threads it was run with.\n";
  }
  return out;
}

namespace {

// The validator mirrors docs/report-schema.md table by table; a field added
// there is added here, and the test that validates to_json's output keeps
// the two writers of the contract honest.
enum class Kind { string, integer, number_or_null, object, array, boolean };

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::string: return "a string";
    case Kind::integer: return "an integer";
    case Kind::number_or_null: return "a number or null";
    case Kind::object: return "an object";
    case Kind::array: return "an array";
    case Kind::boolean: return "a boolean";
  }
  return "?";
}

bool has_kind(const nlohmann::json& value, Kind kind) {
  switch (kind) {
    case Kind::string: return value.is_string();
    case Kind::integer: return value.is_number_integer();
    case Kind::number_or_null: return value.is_number() || value.is_null();
    case Kind::object: return value.is_object();
    case Kind::array: return value.is_array();
    case Kind::boolean: return value.is_boolean();
  }
  return false;
}

struct Field {
  const char* key;
  Kind kind;
};

std::string check_fields(const nlohmann::json& object, const std::string& where, std::initializer_list<Field> fields) {
  if (!object.is_object()) return where + ": expected an object";
  for (const Field& f : fields) {
    const std::string path = where + "/" + f.key;
    if (!object.contains(f.key)) return path + ": missing";
    if (!has_kind(object.at(f.key), f.kind)) return path + ": expected " + kind_name(f.kind);
  }
  return {};
}

}  // namespace

std::string validate_report_json(const std::string& json_text) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    return std::string("not JSON: ") + e.what();
  }
  std::string problem = check_fields(doc, "", {{"schema", Kind::string}, {"schema_version", Kind::integer}});
  if (!problem.empty()) return problem;
  if (doc["schema"] != "txray-bench") return "/schema: expected \"txray-bench\"";
  if (doc["schema_version"] != BenchReport::kSchemaVersion)
    return "/schema_version: " + doc["schema_version"].dump() + ", this reader knows version " +
           std::to_string(BenchReport::kSchemaVersion);
  problem = check_fields(doc, "", {{"machine", Kind::object}, {"load", Kind::object}, {"config", Kind::object},
                                   {"runs", Kind::array}, {"seed", Kind::array}});
  if (!problem.empty()) return problem;
  problem = check_fields(doc["machine"], "/machine",
                         {{"cpu", Kind::string}, {"cores", Kind::integer}, {"os", Kind::string},
                          {"compiler", Kind::string}, {"build", Kind::string}, {"txray_version", Kind::string},
                          {"date", Kind::string}, {"governor", Kind::string}});
  if (!problem.empty()) return problem;
  problem = check_fields(doc["load"], "/load",
                         {{"measured", Kind::boolean}, {"loadavg_before", Kind::number_or_null},
                          {"loadavg_after", Kind::number_or_null}, {"wall_seconds", Kind::number_or_null},
                          {"own_cpu_pct", Kind::number_or_null}, {"other_cpu_pct", Kind::number_or_null},
                          {"threshold_pct", Kind::number_or_null}, {"busy", Kind::boolean}});
  if (!problem.empty()) return problem;
  problem = check_fields(doc["config"], "/config",
                         {{"command", Kind::string}, {"repetitions", Kind::integer}, {"scene", Kind::string},
                          {"width", Kind::integer}, {"height", Kind::integer}, {"interp_width", Kind::integer},
                          {"interp_height", Kind::integer}, {"frames", Kind::integer}, {"warmup", Kind::integer}, {"duration", Kind::number_or_null},
                          {"unit_rays", Kind::integer}, {"tile", Kind::integer}, {"animate", Kind::string},
                          {"counters", Kind::string}, {"log_every", Kind::integer}});
  if (!problem.empty()) return problem;
  if (doc["config"].contains("log_outside") && !doc["config"]["log_outside"].is_boolean())
    return "/config/log_outside: expected a boolean";
  for (std::size_t i = 0; i < doc["runs"].size(); ++i) {
    const std::string where = "/runs/" + std::to_string(i);
    const nlohmann::json& run = doc["runs"][i];
    problem = check_fields(run, where,
                           {{"profile", Kind::string}, {"engine", Kind::string}, {"backend", Kind::string},
                            {"threads", Kind::integer}, {"width", Kind::integer}, {"height", Kind::integer},
                            {"frames", Kind::integer}, {"seconds", Kind::number_or_null},
                            {"fps", Kind::number_or_null}, {"fps_ci_low", Kind::number_or_null},
                            {"fps_ci_high", Kind::number_or_null}, {"ci_over", Kind::string},
                            {"frame_ms_median", Kind::number_or_null},
                            {"frame_ms_p90", Kind::number_or_null}, {"mrays_per_second", Kind::number_or_null},
                            {"speedup_vs_1_thread", Kind::number_or_null}, {"stats", Kind::array},
                            {"repetitions", Kind::array}});
    if (!problem.empty()) return problem;
    for (std::size_t j = 0; j < run["repetitions"].size(); ++j) {
      const std::string at = where + "/repetitions/" + std::to_string(j);
      problem = check_fields(run["repetitions"][j], at,
                             {{"frames", Kind::integer}, {"seconds", Kind::number_or_null},
                              {"fps", Kind::number_or_null}, {"frame_ms", Kind::array}});
      if (!problem.empty()) return problem;
      for (std::size_t k = 0; k < run["repetitions"][j]["frame_ms"].size(); ++k)
        if (!run["repetitions"][j]["frame_ms"][k].is_number())
          return at + "/frame_ms/" + std::to_string(k) + ": expected a number";
    }
    if (run["threads"].get<long long>() < 1) return where + "/threads: must be at least 1";
    for (std::size_t j = 0; j < run["stats"].size(); ++j) {
      problem = check_fields(run["stats"][j], where + "/stats/" + std::to_string(j),
                             {{"name", Kind::string}, {"value", Kind::number_or_null}, {"unit", Kind::string}});
      if (!problem.empty()) return problem;
    }
    // Added within version 1: optional (older reports lack them), checked when present.
    if (run.contains("conflicts")) {
      if (!run["conflicts"].is_array()) return where + "/conflicts: expected an array";
      for (std::size_t j = 0; j < run["conflicts"].size(); ++j) {
        problem = check_fields(run["conflicts"][j], where + "/conflicts/" + std::to_string(j),
                               {{"subject", Kind::string}, {"group", Kind::string}, {"index", Kind::integer},
                                {"kind", Kind::string}, {"unit", Kind::string}, {"other", Kind::string},
                                {"worker", Kind::integer}, {"count", Kind::integer}, {"lost_ms", Kind::number_or_null},
                                {"lost_pct", Kind::number_or_null}, {"switches", Kind::integer}});
        if (!problem.empty()) return problem;
      }
    }
    if (run.contains("attribution")) {
      const std::string at = where + "/attribution";
      problem = check_fields(run["attribution"], at,
                             {{"frame_pairs", Kind::integer}, {"frame_ms_on", Kind::number_or_null},
                              {"frame_ms_off", Kind::number_or_null}, {"cost_pct", Kind::number_or_null}});
      if (!problem.empty()) return problem;
      if (!run["attribution"].contains("enabled")) return at + "/enabled: missing";
      if (!run["attribution"]["enabled"].is_boolean()) return at + "/enabled: expected a boolean";
    }
    // Added within version 2 (--latency-probe): optional, checked when present.
    if (run.contains("latency")) {
      problem = check_fields(run["latency"], where + "/latency",
                             {{"ops", Kind::integer}, {"p50_us", Kind::number_or_null}, {"p99_us", Kind::number_or_null},
                              {"max_us", Kind::number_or_null}, {"mean_us", Kind::number_or_null},
                              {"alone_us", Kind::number_or_null}, {"convoy", Kind::number_or_null}});
      if (!problem.empty()) return problem;
    }
  }
  for (std::size_t i = 0; i < doc["seed"].size(); ++i) {
    problem = check_fields(doc["seed"][i], "/seed/" + std::to_string(i),
                           {{"profile", Kind::string}, {"fps", Kind::number_or_null}});
    if (!problem.empty()) return problem;
  }
  return {};
}

namespace {

double number_or_nan(const nlohmann::json& value) { return value.is_number() ? value.get<double>() : kNaN; }

}  // namespace

std::string parse_report_json(const std::string& json_text, BenchReport& report) {
  if (std::string problem = validate_report_json(json_text); !problem.empty()) return problem;
  const nlohmann::json doc = nlohmann::json::parse(json_text);
  report = {};
  const nlohmann::json& m = doc["machine"];
  report.machine = {m["cpu"], m["cores"], m["os"], m["compiler"], m["build"], m["txray_version"], m["date"], m["governor"]};
  const nlohmann::json& l = doc["load"];
  report.load = {l["measured"],
                 number_or_nan(l["loadavg_before"]),
                 number_or_nan(l["loadavg_after"]),
                 number_or_nan(l["wall_seconds"]),
                 number_or_nan(l["own_cpu_pct"]),
                 number_or_nan(l["other_cpu_pct"]),
                 number_or_nan(l["threshold_pct"]),
                 l["busy"]};
  const nlohmann::json& c = doc["config"];
  RunConfig& config = report.config;
  config.command = c["command"];
  config.repetitions = c["repetitions"];
  config.scene = c["scene"];
  config.width = c["width"];
  config.height = c["height"];
  config.interp_width = c["interp_width"];
  config.interp_height = c["interp_height"];
  config.frames = c["frames"];
  config.warmup = c["warmup"];
  config.duration = c["duration"].is_number() ? c["duration"].get<double>() : 0.0;
  config.unit_rays = c["unit_rays"];
  config.tile = c["tile"];
  config.animate = c["animate"];
  config.counters = c["counters"];
  config.log_every = c["log_every"];
  config.log_outside = c.value("log_outside", false);
  for (const nlohmann::json& r : doc["runs"]) {
    RunRecord run;
    run.profile = r["profile"];
    run.engine = r["engine"];
    run.backend = r["backend"];
    run.threads = r["threads"];
    run.width = r["width"];
    run.height = r["height"];
    run.frames = r["frames"];
    run.seconds = number_or_nan(r["seconds"]);
    run.fps = number_or_nan(r["fps"]);
    run.fps_ci_low = number_or_nan(r["fps_ci_low"]);
    run.fps_ci_high = number_or_nan(r["fps_ci_high"]);
    run.ci_over = r["ci_over"];
    run.frame_ms_median = number_or_nan(r["frame_ms_median"]);
    run.frame_ms_p90 = number_or_nan(r["frame_ms_p90"]);
    run.mrays_per_second = number_or_nan(r["mrays_per_second"]);
    for (const nlohmann::json& st : r["stats"]) run.stats.push_back({st["name"], number_or_nan(st["value"]), st["unit"]});
    if (r.contains("latency")) {
      const nlohmann::json& l = r["latency"];
      run.latency.measured = true;
      run.latency.ops = l["ops"].get<std::uint64_t>();
      run.latency.p50_us = number_or_nan(l["p50_us"]);
      run.latency.p99_us = number_or_nan(l["p99_us"]);
      run.latency.max_us = number_or_nan(l["max_us"]);
      run.latency.mean_us = number_or_nan(l["mean_us"]);
      run.latency.alone_us = number_or_nan(l["alone_us"]);
      run.latency.convoy = number_or_nan(l["convoy"]);
    }
    for (const nlohmann::json& rep : r["repetitions"]) {
      Repetition repetition;
      repetition.frames = rep["frames"];
      repetition.seconds = number_or_nan(rep["seconds"]);
      repetition.fps = number_or_nan(rep["fps"]);
      for (const nlohmann::json& ms : rep["frame_ms"]) repetition.frame_ms.push_back(ms.get<double>());
      run.repetitions.push_back(std::move(repetition));
    }
    report.runs.push_back(std::move(run));
  }
  for (const nlohmann::json& s : doc["seed"]) report.seed.push_back({s["profile"], number_or_nan(s["fps"])});
  return {};
}

std::string write_text_file(const std::filesystem::path& path, const std::string& text) {
  if (const std::string why = write_file_atomically(path, text); !why.empty())
    return path.string() + ": cannot write: " + why;
  return {};
}

}  // namespace txray::bench
