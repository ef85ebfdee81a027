#include "bench/harness/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "bench/harness/report_detail.h"
#include "bench/harness/statistics.h"

namespace txray::bench {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using RowKey = std::tuple<std::string, std::string, std::string, int>;

RowKey key_of(const RunRecord& run) { return {run.profile, run.engine, run.backend, run.threads}; }

std::vector<double> repetition_fps(const RunRecord& run) {
  std::vector<double> fps;
  for (const Repetition& r : run.repetitions)
    if (std::isfinite(r.fps)) fps.push_back(r.fps);
  return fps;
}

/// What makes two reports measure different work: every knob that changes
/// the frames rendered. Repetitions and the command line may differ.
std::string workload_mismatch(const RunConfig& a, const RunConfig& b) {
  std::string out;
  auto differ = [&](const char* name, const std::string& x, const std::string& y) {
    if (x != y) out += std::string(out.empty() ? "" : "; ") + name + " " + x + " vs " + y;
  };
  auto num = [](double v) { return detail::format_number(v); };
  differ("scene", a.scene, b.scene);
  differ("size", std::to_string(a.width) + "x" + std::to_string(a.height),
         std::to_string(b.width) + "x" + std::to_string(b.height));
  differ("interpreted size", std::to_string(a.interp_width) + "x" + std::to_string(a.interp_height),
         std::to_string(b.interp_width) + "x" + std::to_string(b.interp_height));
  differ("frames", std::to_string(a.frames), std::to_string(b.frames));
  differ("warmup", std::to_string(a.warmup), std::to_string(b.warmup));
  differ("duration", num(a.duration), num(b.duration));
  differ("unit_rays", std::to_string(a.unit_rays), std::to_string(b.unit_rays));
  differ("tile", std::to_string(a.tile), std::to_string(b.tile));
  differ("animate", a.animate, b.animate);
  differ("counters", a.counters, b.counters);
  differ("log_every", std::to_string(a.log_every), std::to_string(b.log_every));
  differ("log_outside", a.log_outside ? "true" : "false", b.log_outside ? "true" : "false");
  return out;
}

std::string percent(double value) {
  if (!std::isfinite(value)) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%+.1f%%", value);
  return text;
}

std::string p_text(double p) {
  if (!std::isfinite(p)) return "-";
  char text[32];
  std::snprintf(text, sizeof text, p < 0.001 ? "%.1e" : "%.3f", p);
  return text;
}

std::string fps_text(const RunRecord* run, const char* missing) {
  return run ? detail::format_fps(*run, missing) : std::string(missing);
}

/// "-3.1% [-4.0, -2.2]": the geometric mean of the per-round ratios and its interval.
std::string paired_text(const CompareRow& row) {
  if (!std::isfinite(row.paired_change_pct)) return "-";
  char text[64];
  std::snprintf(text, sizeof text, "%+.1f%% [%+.1f, %+.1f]", row.paired_change_pct, row.paired_low_pct,
                row.paired_high_pct);
  return text;
}

std::string verdict_text(const CompareRow& row) {
  std::string text(verdict_name(row.verdict));
  if (!row.note.empty()) text += " (" + row.note + ")";
  return text;
}

std::string header_line(const Comparison& c, const std::string& base_name, const std::string& new_name) {
  char text[512];
  std::snprintf(text, sizeof text, "base %s, new %s; verdict: %s, Holm-adjusted over rows, alpha %.3g, threshold %.3g%%",
                base_name.c_str(), new_name.c_str(),
                c.options.paired ? "two-sided t-test of the per-round log ratios (paired rounds)"
                                 : "two-sided Mann-Whitney U over repetitions",
                c.options.alpha, c.options.threshold_pct);
  return text;
}

std::string summary_line(const Comparison& c) {
  int slower = 0, faster = 0, same = 0, none = 0;
  for (const CompareRow& r : c.rows) {
    if (r.verdict == Verdict::slower) ++slower;
    else if (r.verdict == Verdict::faster) ++faster;
    else if (r.verdict == Verdict::same) ++same;
    else ++none;
  }
  char text[256];
  std::snprintf(text, sizeof text, "geometric mean of new/base FPS over %d rows: %s (%s); %d slower, %d faster, %d same, %d without a verdict",
                c.matched, detail::format_ratio(c.geomean_ratio).c_str(),
                percent(100.0 * (c.geomean_ratio - 1.0)).c_str(), slower, faster, same, none);
  return text;
}

}  // namespace

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::faster: return "faster";
    case Verdict::slower: return "slower";
    case Verdict::same: return "same";
    case Verdict::no_verdict: return "no verdict";
    case Verdict::unmatched: return "unmatched";
  }
  return "?";
}

bool Comparison::any_slower() const {
  return std::any_of(rows.begin(), rows.end(), [](const CompareRow& r) { return r.verdict == Verdict::slower; });
}

Comparison compare_reports(const BenchReport& base, const BenchReport& next, const CompareOptions& options) {
  Comparison c;
  c.options = options;
  c.mismatch = workload_mismatch(base.config, next.config);
  if (base.machine.cpu != next.machine.cpu || base.machine.cores != next.machine.cores)
    c.warnings.push_back("the machines differ (" + base.machine.cpu + ", " + std::to_string(base.machine.cores) +
                         " threads vs " + next.machine.cpu + ", " + std::to_string(next.machine.cores) +
                         " threads): a change may be the machine's");
  for (const auto& [report, side] : {std::pair{&base, "base"}, std::pair{&next, "new"}})
    if (report->load.busy)
      c.warnings.push_back(std::string("the ") + side + " report was measured on a busy machine (other processes " +
                           detail::format_number(report->load.other_cpu_pct) + "% of it)");

  std::map<RowKey, std::size_t> index;
  for (const RunRecord& run : base.runs) {
    if (run.repetitions.empty()) continue;  // calibration rows measure a real runtime once
    index[key_of(run)] = c.rows.size();
    CompareRow row;
    std::tie(row.profile, row.engine, row.backend, row.threads) = key_of(run);
    row.base = &run;
    c.rows.push_back(row);
  }
  for (const RunRecord& run : next.runs) {
    if (run.repetitions.empty()) continue;
    auto it = index.find(key_of(run));
    if (it != index.end()) {
      c.rows[it->second].next = &run;
      continue;
    }
    CompareRow row;
    std::tie(row.profile, row.engine, row.backend, row.threads) = key_of(run);
    row.next = &run;
    c.rows.push_back(row);
  }

  double log_sum = 0.0;
  for (CompareRow& row : c.rows) {
    row.p = row.p_adjusted = kNaN;
    row.paired_change_pct = row.paired_low_pct = row.paired_high_pct = kNaN;
    if (!row.base || !row.next) {
      row.verdict = Verdict::unmatched;
      row.note = row.base ? "only in base" : "only in new";
      continue;
    }
    const std::vector<double> a = repetition_fps(*row.base), b = repetition_fps(*row.next);
    const double base_fps = mean(a), new_fps = mean(b);
    row.change_pct = 100.0 * (new_fps / base_fps - 1.0);
    if (base_fps > 0.0 && new_fps > 0.0) {
      log_sum += std::log(new_fps / base_fps);
      ++c.matched;
    }
    const int fewest = static_cast<int>(std::min(a.size(), b.size()));
    if (fewest < options.min_repetitions) {
      row.verdict = Verdict::no_verdict;
      row.note = std::to_string(fewest) + " repetition" + (fewest == 1 ? "" : "s") + ", needs " +
                 std::to_string(options.min_repetitions) + " a side";
      continue;
    }
    row.verdict = Verdict::same;  // until the rows' p-values are adjusted together, below
    if (options.paired && a.size() == b.size()) {
      // Each round ran both builds back to back, so the round's ratio
      // cancels the machine's drift between rounds; the test is on those
      // ratios, and so is the change the verdict weighs.
      std::vector<double> log_ratios;
      for (std::size_t k = 0; k < a.size(); ++k)
        if (a[k] > 0.0 && b[k] > 0.0) log_ratios.push_back(std::log(b[k] / a[k]));
      const Interval ci = bootstrap_mean_interval(log_ratios);
      row.paired_change_pct = 100.0 * (std::exp(mean(log_ratios)) - 1.0);
      row.paired_low_pct = 100.0 * (std::exp(ci.low) - 1.0);
      row.paired_high_pct = 100.0 * (std::exp(ci.high) - 1.0);
      row.p = one_sample_t_test(log_ratios).p;
      continue;
    }
    const MannWhitney test = mann_whitney_u(a, b);
    row.p = test.p;
    row.exact = test.exact;
  }
  // Holm–Bonferroni over the tested rows: a report has a dozen rows, and at
  // alpha 0.05 each, one of them would come out "significant" by chance in
  // about every other comparison of a build with itself. Holm keeps the
  // chance of any false verdict in the whole comparison under alpha.
  std::vector<CompareRow*> tested;
  for (CompareRow& row : c.rows)
    if (row.verdict == Verdict::same) tested.push_back(&row);
  // The smallest p a U test of n against n values can give is 2 / C(2n, n);
  // when even that cannot pass alpha / rows, "same" would hide a change of
  // any size. Say how many repetitions a side the comparison needs instead.
  auto smallest_p = [](std::size_t n) {
    double c = 1.0;  // C(2n, n), built as a product
    for (std::size_t k = 1; k <= n; ++k) c = c * static_cast<double>(n + k) / static_cast<double>(k);
    return 2.0 / c;
  };
  const std::size_t rows_tested = tested.size();
  std::size_t needed = 1;
  while (smallest_p(needed) * static_cast<double>(rows_tested) >= options.alpha && needed < 1000) ++needed;
  std::erase_if(tested, [&](CompareRow* row) {
    if (std::isfinite(row->paired_change_pct)) return false;  // the t-test has no floor on p
    const std::size_t n = std::min(row->base->repetitions.size(), row->next->repetitions.size());
    if (n >= needed) return false;
    row->verdict = Verdict::no_verdict;
    row->note = std::to_string(n) + " repetitions a side cannot reach alpha over " + std::to_string(rows_tested) +
                " rows; needs " + std::to_string(needed);
    return true;
  });
  std::stable_sort(tested.begin(), tested.end(), [](const CompareRow* x, const CompareRow* y) { return x->p < y->p; });
  double running = 0.0;
  for (std::size_t k = 0; k < tested.size(); ++k) {
    running = std::max(running, std::min(1.0, static_cast<double>(tested.size() - k) * tested[k]->p));
    CompareRow& row = *tested[k];
    row.p_adjusted = running;
    const bool significant = row.p_adjusted < options.alpha;
    const double change = std::isfinite(row.paired_change_pct) ? row.paired_change_pct : row.change_pct;
    if (significant && change < -options.threshold_pct) row.verdict = Verdict::slower;
    else if (significant && change > options.threshold_pct) row.verdict = Verdict::faster;
    else if (significant) row.note = "within ±" + detail::format_number(options.threshold_pct) + "%";
  }
  c.geomean_ratio = c.matched > 0 ? std::exp(log_sum / c.matched) : kNaN;
  const int unmatched = static_cast<int>(
      std::count_if(c.rows.begin(), c.rows.end(), [](const CompareRow& r) { return r.verdict == Verdict::unmatched; }));
  if (unmatched > 0) c.warnings.push_back(std::to_string(unmatched) + " row(s) appear in only one report");
  if (c.matched == 0 && c.mismatch.empty()) c.mismatch = "no row (profile, engine, backend, threads) is in both reports";
  return c;
}

std::string split_profiles(const BenchReport& report, const std::string& base_profile,
                           const std::string& new_profile, BenchReport& base, BenchReport& next) {
  auto runs_of = [&](const std::string& profile) {
    std::vector<RunRecord> runs;
    for (const RunRecord& run : report.runs)
      if (run.profile == profile && !run.repetitions.empty()) runs.push_back(run);
    return runs;
  };
  std::vector<RunRecord> base_runs = runs_of(base_profile), new_runs = runs_of(new_profile);
  for (const auto& [runs, name] : {std::pair{&base_runs, &base_profile}, std::pair{&new_runs, &new_profile}})
    if (runs->empty()) return "the report has no measured run of profile '" + *name + "'";
  for (const RunRecord& b : base_runs)
    for (const RunRecord& n : new_runs)
      if (b.threads == n.threads && (b.width != n.width || b.height != n.height))
        return "profiles '" + base_profile + "' and '" + new_profile + "' rendered different images (" +
               std::to_string(b.width) + "x" + std::to_string(b.height) + " vs " + std::to_string(n.width) + "x" +
               std::to_string(n.height) + " at " + std::to_string(b.threads) +
               " threads): their FPS do not compare (bench --interp-size sets the interpreted size)";
  // One label for both sides. The table prints engine + "+" + backend, so
  // the engine field carries the new side's engine+backend and " vs " and
  // the base side's engine, which reads "native+stm vs native+snapshot".
  const RunRecord& b0 = base_runs.front();
  const RunRecord& n0 = new_runs.front();
  const std::string profile = new_profile + " vs " + base_profile;
  const std::string engine = n0.engine + "+" + n0.backend + " vs " + b0.engine;
  for (std::vector<RunRecord>* runs : {&base_runs, &new_runs})
    for (RunRecord& run : *runs) {
      run.profile = profile;
      run.engine = engine;
      run.backend = b0.backend;
    }
  base = report;
  next = report;
  base.runs = std::move(base_runs);
  next.runs = std::move(new_runs);
  return "";
}

std::string format_comparison(const Comparison& c, const std::string& base_name, const std::string& new_name) {
  std::string out = "txray bench compare: " + header_line(c, base_name, new_name) + "\n\n";
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"profile", "engine+backend", "threads", "base FPS", "new FPS", "change", "p (Holm)", "verdict"});
  if (c.options.paired) rows[0].insert(rows[0].begin() + 6, "per round");
  for (const CompareRow& r : c.rows) {
    rows.push_back({r.profile, r.engine + "+" + r.backend, std::to_string(r.threads), fps_text(r.base, "-"),
                    fps_text(r.next, "-"), r.base && r.next ? percent(r.change_pct) : "-", p_text(r.p_adjusted),
                    verdict_text(r)});
    if (c.options.paired) rows.back().insert(rows.back().begin() + 6, paired_text(r));
  }
  // Numbers right-aligned: every column but the names and the verdict.
  std::vector<bool> right(rows[0].size(), true);
  right[0] = right[1] = right.back() = false;
  out += detail::align(rows, right);
  out += summary_line(c) + "\n";
  for (const std::string& w : c.warnings) out += "warning: " + w + "\n";
  return out;
}

std::string comparison_markdown(const Comparison& c, const std::string& base_name, const std::string& new_name) {
  std::string out = "### txray bench compare\n\n" + header_line(c, "`" + base_name + "`", "`" + new_name + "`") + "\n\n";
  const bool paired = c.options.paired;
  out += std::string("| profile | engine+backend | threads | base FPS | new FPS | change | p (Holm) |") +
         (paired ? " per round (95% CI) |" : "") + " verdict |\n";
  out += std::string("|---|---|--:|--:|--:|--:|--:|") + (paired ? "--:|" : "") + "---|\n";
  for (const CompareRow& r : c.rows) {
    std::string verdict = verdict_text(r);
    if (r.verdict == Verdict::slower) verdict = "**" + verdict + "**";
    out += "| " + r.profile + " | " + r.engine + "+" + r.backend + " | " + std::to_string(r.threads) + " | " +
           fps_text(r.base, "—") + " | " + fps_text(r.next, "—") + " | " +
           (r.base && r.next ? percent(r.change_pct) : "—") + " | " + p_text(r.p_adjusted) + " | " +
           (paired ? paired_text(r) + " | " : "") + verdict + " |\n";
  }
  out += "\n" + summary_line(c) + ".\n";
  for (const std::string& w : c.warnings) out += "\n> warning: " + w + "\n";
  return out;
}

std::string comparison_json(const Comparison& c, const std::string& base_name, const std::string& new_name) {
  using json = nlohmann::ordered_json;
  auto number = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  json doc;
  doc["schema"] = "txray-bench-compare";
  doc["schema_version"] = 1;
  doc["base"] = base_name;
  doc["new"] = new_name;
  doc["alpha"] = c.options.alpha;
  doc["threshold_pct"] = c.options.threshold_pct;
  doc["min_repetitions"] = c.options.min_repetitions;
  doc["paired"] = c.options.paired;
  json rows = json::array();
  for (const CompareRow& r : c.rows) {
    auto side = [&](const RunRecord* run) -> json {
      if (!run) return nullptr;
      return {{"fps", number(run->fps)},
              {"fps_ci_low", number(run->fps_ci_low)},
              {"fps_ci_high", number(run->fps_ci_high)},
              {"repetitions", run->repetitions.size()}};
    };
    rows.push_back({{"profile", r.profile},
                    {"engine", r.engine},
                    {"backend", r.backend},
                    {"threads", r.threads},
                    {"base", side(r.base)},
                    {"new", side(r.next)},
                    {"change_pct", r.base && r.next ? number(r.change_pct) : json(nullptr)},
                    {"p", number(r.p)},
                    {"p_holm", number(r.p_adjusted)},
                    {"paired_change_pct", number(r.paired_change_pct)},
                    {"paired_low_pct", number(r.paired_low_pct)},
                    {"paired_high_pct", number(r.paired_high_pct)},
                    {"exact", r.exact},
                    {"verdict", std::string(verdict_name(r.verdict))},
                    {"note", r.note}});
  }
  doc["rows"] = std::move(rows);
  doc["geomean_ratio"] = number(c.geomean_ratio);
  doc["warnings"] = c.warnings;
  doc["exit_code"] = c.exit_code();
  return doc.dump(2) + "\n";
}

std::string merge_reports(const std::vector<BenchReport>& parts, BenchReport& merged) {
  if (parts.empty()) return "nothing to merge";
  merged = parts.front();
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const BenchReport& part = parts[i];
    if (const std::string m = workload_mismatch(merged.config, part.config); !m.empty())
      return "report " + std::to_string(i + 1) + " measured other work than report 1: " + m;
    if (part.runs.size() != merged.runs.size()) return "report " + std::to_string(i + 1) + " has other runs than report 1";
    for (std::size_t r = 0; r < part.runs.size(); ++r) {
      RunRecord& into = merged.runs[r];
      const RunRecord& from = part.runs[r];
      if (key_of(into) != key_of(from))
        return "report " + std::to_string(i + 1) + " run " + std::to_string(r + 1) + " is " + from.profile + " at " +
               std::to_string(from.threads) + " threads, report 1 has " + into.profile + " at " +
               std::to_string(into.threads);
      // Rates and shares average by measured time, as within one report.
      const double a = into.seconds, b = from.seconds;
      if (a + b > 0.0) {
        into.mrays_per_second = (into.mrays_per_second * a + from.mrays_per_second * b) / (a + b);
        for (StatFigure& s : into.stats) {
          auto it = std::find_if(from.stats.begin(), from.stats.end(),
                                 [&](const StatFigure& f) { return f.name == s.name && f.unit == s.unit; });
          s.value = it == from.stats.end() ? s.value * a / (a + b) : (s.value * a + it->value * b) / (a + b);
        }
      }
      into.repetitions.insert(into.repetitions.end(), from.repetitions.begin(), from.repetitions.end());
      summarize_repetitions(into);
    }
    merged.config.repetitions += part.config.repetitions;
    MachineLoad& load = merged.load;
    const MachineLoad& more = part.load;
    const double wall = load.wall_seconds + more.wall_seconds;
    if (wall > 0.0) {
      load.other_cpu_pct = (load.other_cpu_pct * load.wall_seconds + more.other_cpu_pct * more.wall_seconds) / wall;
      load.own_cpu_pct = (load.own_cpu_pct * load.wall_seconds + more.own_cpu_pct * more.wall_seconds) / wall;
    }
    load.wall_seconds = wall;
    load.loadavg_after = more.loadavg_after;
    load.measured = load.measured && more.measured;
    load.busy = load.busy || more.busy;
  }
  return {};
}

}  // namespace txray::bench
