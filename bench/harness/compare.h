#pragma once
/// `txray bench compare BASE.json NEW.json`: did a change make anything
/// slower? Rows are matched by profile, engine, backend and threads; each
/// gets the change in FPS, both 95 % intervals, the p-value of a two-sided
/// Mann–Whitney U test over the repetitions' FPS (with paired rounds: a
/// t-test of the per-round ratios), and a verdict.
#include <string>
#include <vector>

#include "bench/harness/report.h"

namespace txray::bench {

struct CompareOptions {
  double threshold_pct = 5.0;  ///< a significant change smaller than this is "same"
  double alpha = 0.05;         ///< family-wise significance level (Holm over the rows)
  int min_repetitions = 5;     ///< fewer a side: no verdict (the exact test cannot reach α = 0.05 below 4)
  bool allow_config_mismatch = false;
  /// The reports' repetitions were taken in alternating rounds (scripts/
  /// bench-ab): repetition k of one side beside repetition k of the other.
  /// Each row then also gets the per-round ratio's interval, which a drift
  /// in the machine's load between rounds does not widen, and its verdict
  /// comes from a t-test of those ratios.
  bool paired = false;
};

enum class Verdict { faster, slower, same, no_verdict, unmatched };

[[nodiscard]] std::string_view verdict_name(Verdict verdict);

struct CompareRow {
  std::string profile, engine, backend;
  int threads = 0;
  const RunRecord* base = nullptr;  ///< into the reports given; null when the row is only in the other
  const RunRecord* next = nullptr;
  double change_pct = 0.0;  ///< (new FPS / base FPS − 1) × 100
  double p = 1.0;           ///< two-sided p-value (U test, or paired t-test); NaN when not tested
  /// p adjusted by Holm–Bonferroni over every tested row of the comparison;
  /// the verdict compares this with alpha.
  double p_adjusted = 1.0;
  /// With CompareOptions::paired: the geometric mean over rounds of new/base
  /// FPS, as a change in %, and its 95 % bootstrap interval; NaN otherwise.
  double paired_change_pct = 0.0, paired_low_pct = 0.0, paired_high_pct = 0.0;
  bool exact = false;
  Verdict verdict = Verdict::no_verdict;
  std::string note;         ///< why there is no verdict, or "within ±5%" for a significant small change
};

struct Comparison {
  std::vector<CompareRow> rows;
  double geomean_ratio = 1.0;  ///< geometric mean of new / base FPS over matched rows; NaN when none
  int matched = 0;
  std::vector<std::string> warnings;  ///< machine differs, busy runs, rows on one side only, few repetitions
  std::string mismatch;               ///< the workload differs (an error unless allowed): what differs
  CompareOptions options;

  [[nodiscard]] bool any_slower() const;
  /// 1 when some row is slower, else 0 (a mismatch is the caller's exit 2).
  [[nodiscard]] int exit_code() const { return any_slower() ? 1 : 0; }
};

/// Compares two reports. `base` and `next` must outlive the result.
[[nodiscard]] Comparison compare_reports(const BenchReport& base, const BenchReport& next,
                                         const CompareOptions& options);

/// Two profiles of one report as two reports, for `txray bench compare
/// REPORT.json --profiles BASE,NEW`: `base` holds the runs of profile
/// `base_profile`, `next` those of `new_profile`, each relabelled "NEW vs
/// BASE" so that compare_reports matches them by thread count. `txray bench`
/// measures round-robin, so repetition k of each profile was taken in the
/// same round: compare them with CompareOptions::paired, and the per-round
/// ratio is NEW / BASE measured in one run. Returns "" on success, else what
/// is wrong (a profile not in the report, or the two rendered different
/// image sizes, whose FPS do not compare).
[[nodiscard]] std::string split_profiles(const BenchReport& report, const std::string& base_profile,
                                         const std::string& new_profile, BenchReport& base, BenchReport& next);

/// The text table, the Markdown (a CI job summary) and the JSON of a
/// comparison; `base_name` and `new_name` label the two sides.
[[nodiscard]] std::string format_comparison(const Comparison& comparison, const std::string& base_name,
                                            const std::string& new_name);
[[nodiscard]] std::string comparison_markdown(const Comparison& comparison, const std::string& base_name,
                                              const std::string& new_name);
[[nodiscard]] std::string comparison_json(const Comparison& comparison, const std::string& base_name,
                                          const std::string& new_name);

/// Concatenates the repetitions of reports of one workload into one report
/// (scripts/bench-ab runs a binary once per round and merges the rounds).
/// Returns "" on success, else what does not match, naming the input's
/// index in `parts`.
[[nodiscard]] std::string merge_reports(const std::vector<BenchReport>& parts, BenchReport& merged);

}  // namespace txray::bench
