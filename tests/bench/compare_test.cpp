// `txray bench compare`: verdicts on reports whose frame times are known,
// the JSON round trip it reads through, and merging rounds.
#include "bench/harness/compare.h"

#include <gtest/gtest.h>

#include <cmath>

#include "sample_report.h"

namespace txray::bench {
namespace {

/// The sample report with `reps` repetitions of 10 frames per run, the
/// frame times of repetition k spread by a deterministic ±1 % (so the
/// samples are not constant), then every frame time multiplied by `scale`.
BenchReport with_repetitions(int reps, double scale) {
  BenchReport report = testing::sample_report();
  report.config.repetitions = reps;
  for (RunRecord& run : report.runs) {
    const double base_ms = 1000.0 / run.fps;
    for (int k = 0; k < reps; ++k) {
      Repetition rep;
      const double jitter = 1.0 + 0.01 * std::sin(1.7 * k + run.threads);
      for (int f = 0; f < 10; ++f) rep.frame_ms.push_back(base_ms * jitter * scale);
      rep.frames = 10;
      rep.seconds = 10 * base_ms * jitter * scale / 1000.0;
      rep.fps = rep.frames / rep.seconds;
      run.repetitions.push_back(rep);
    }
    summarize_repetitions(run);
  }
  return report;
}

int count(const Comparison& c, Verdict v) {
  return static_cast<int>(std::count_if(c.rows.begin(), c.rows.end(), [&](const CompareRow& r) { return r.verdict == v; }));
}

TEST(Compare, IdenticalReportsAreTheSame) {
  const BenchReport a = with_repetitions(5, 1.0), b = with_repetitions(5, 1.0);
  const Comparison c = compare_reports(a, b, {});
  EXPECT_TRUE(c.mismatch.empty());
  EXPECT_EQ(c.matched, 6);
  EXPECT_EQ(count(c, Verdict::same), 6);
  EXPECT_EQ(c.exit_code(), 0);
  EXPECT_NEAR(c.geomean_ratio, 1.0, 1e-12);
}

TEST(Compare, TenPercentSlowerFramesAreSlowerAndFail) {
  const BenchReport a = with_repetitions(5, 1.0), b = with_repetitions(5, 1.10);
  const Comparison c = compare_reports(a, b, {});
  EXPECT_EQ(count(c, Verdict::slower), 6);
  for (const CompareRow& r : c.rows) {
    EXPECT_NEAR(r.change_pct, 100.0 * (1.0 / 1.10 - 1.0), 0.01) << r.profile;
    EXPECT_LT(r.p, 0.05);
  }
  EXPECT_EQ(c.exit_code(), 1);
  EXPECT_NEAR(c.geomean_ratio, 1.0 / 1.10, 1e-3);
  EXPECT_NE(format_comparison(c, "base.json", "new.json").find("slower"), std::string::npos);
  // The other direction is faster, and passes.
  const Comparison back = compare_reports(b, a, {});
  EXPECT_EQ(count(back, Verdict::faster), 6);
  EXPECT_EQ(back.exit_code(), 0);
}

// Twelve rows compared at once: one row 10 % slower with the smallest p
// five repetitions can give (0.0079) is what chance alone produces in about
// every other self-comparison of a dozen rows; Holm's correction does not
// call it. With eight repetitions the same change is beyond chance.
TEST(Compare, OneRowOfTwelveNeedsMoreThanChanceToBeSlower) {
  auto twelve_rows = [](int reps, double last_scale) {
    BenchReport report = with_repetitions(reps, 1.0);
    const std::vector<RunRecord> six = report.runs;
    for (RunRecord run : six) {
      run.threads += 2;
      report.runs.push_back(run);
    }
    RunRecord& last = report.runs.back();
    for (Repetition& rep : last.repetitions) rep.fps /= last_scale;
    summarize_repetitions(last);
    return report;
  };
  // Five a side cannot pass alpha / 12 whatever the change: no verdict,
  // saying how many are needed, rather than a "same" that hides it.
  const Comparison five = compare_reports(twelve_rows(5, 1.0), twelve_rows(5, 1.10), {});
  ASSERT_EQ(five.rows.size(), 12u);
  EXPECT_NEAR(five.rows.back().p, 0.0079365, 1e-6);
  EXPECT_EQ(five.rows.back().verdict, Verdict::no_verdict);
  EXPECT_NE(five.rows.back().note.find("needs 6"), std::string::npos) << five.rows.back().note;
  EXPECT_EQ(five.exit_code(), 0);
  // Seven a side can: the one changed row among eleven unchanged ones is
  // held to 12 × p by Holm, and 10 % with every repetition apart passes.
  const Comparison seven = compare_reports(twelve_rows(7, 1.0), twelve_rows(7, 1.10), {});
  EXPECT_NEAR(seven.rows.back().p_adjusted, 12 * seven.rows.back().p, 1e-12);
  const Comparison eight = compare_reports(twelve_rows(8, 1.0), twelve_rows(8, 1.10), {});
  EXPECT_EQ(eight.rows.back().verdict, Verdict::slower);
  EXPECT_LT(eight.rows.back().p_adjusted, 0.05);
  EXPECT_EQ(eight.exit_code(), 1);
}

TEST(Compare, TwoPercentStaysWithinTheThreshold) {
  const Comparison c = compare_reports(with_repetitions(5, 1.0), with_repetitions(5, 1.02), {});
  EXPECT_EQ(count(c, Verdict::slower), 0);
  EXPECT_EQ(count(c, Verdict::same), 6);
  EXPECT_EQ(c.exit_code(), 0);
  // With a 1 % threshold the same change is a regression.
  CompareOptions strict;
  strict.threshold_pct = 1.0;
  EXPECT_EQ(compare_reports(with_repetitions(5, 1.0), with_repetitions(5, 1.02), strict).exit_code(), 1);
}

TEST(Compare, PairedRoundsCancelADriftSharedByBothSides) {
  // The machine slows down round by round (1.0, 0.9, ... 0.6 of full
  // speed) for both sides alike; the new build is 3 % slower in each round.
  BenchReport a = with_repetitions(5, 1.0), b = with_repetitions(5, 1.0);
  for (std::size_t r = 0; r < a.runs.size(); ++r)
    for (int k = 0; k < 5; ++k) {
      const double drift = 1.0 - 0.1 * k;
      a.runs[r].repetitions[static_cast<std::size_t>(k)].fps = 40.0 * drift;
      b.runs[r].repetitions[static_cast<std::size_t>(k)].fps = 40.0 * drift * 0.97;
    }
  CompareOptions paired;
  paired.paired = true;
  const Comparison c = compare_reports(a, b, paired);
  // Unpaired, the drift swamps the change: no significance.
  for (const CompareRow& row : compare_reports(a, b, {}).rows) EXPECT_GT(row.p, 0.05);
  for (const CompareRow& row : c.rows) {
    // Paired, every round says -3 %, so the interval is tight around it,
    // and certain; but 3 % is within the 5 % threshold.
    EXPECT_NEAR(row.paired_change_pct, -3.0, 1e-9);
    EXPECT_NEAR(row.paired_low_pct, -3.0, 1e-9);
    EXPECT_NEAR(row.paired_high_pct, -3.0, 1e-9);
    EXPECT_LT(row.p_adjusted, 1e-6);
    EXPECT_EQ(row.verdict, Verdict::same);
  }
  EXPECT_NE(format_comparison(c, "a", "b").find("-3.0% [-3.0, -3.0]"), std::string::npos);
  EXPECT_FALSE(std::isfinite(compare_reports(a, b, {}).rows[0].paired_change_pct));
}

// What scripts/bench-ab measures: the machine's speed drifts by ±15 %
// between rounds, for both sides of a round alike, and the new build is
// 10 % slower in every round, give or take 1 %. The rank test sees two
// overlapping spreads; the paired t-test sees ten rounds that agree.
TEST(Compare, PairedVerdictSeesAChangeEveryRoundShowsThroughTheDrift) {
  constexpr int kRounds = 6;
  BenchReport a = with_repetitions(kRounds, 1.0), b = with_repetitions(kRounds, 1.0);
  for (std::size_t r = 0; r < a.runs.size(); ++r)
    for (int k = 0; k < kRounds; ++k) {
      const double drift = 1.0 + 0.15 * std::sin(2.3 * k + static_cast<double>(r));
      const double change = 0.90 * (1.0 + 0.01 * std::cos(1.1 * k + static_cast<double>(r)));
      a.runs[r].repetitions[static_cast<std::size_t>(k)].fps = 40.0 * drift;
      b.runs[r].repetitions[static_cast<std::size_t>(k)].fps = 40.0 * drift * change;
    }
  const Comparison unpaired = compare_reports(a, b, {});
  EXPECT_EQ(count(unpaired, Verdict::slower), 0);
  CompareOptions options;
  options.paired = true;
  const Comparison paired = compare_reports(a, b, options);
  EXPECT_EQ(count(paired, Verdict::slower), 6);
  EXPECT_EQ(paired.exit_code(), 1);
  for (const CompareRow& row : paired.rows) {
    EXPECT_LT(row.p_adjusted, 0.001) << row.profile;
    EXPECT_NEAR(row.paired_change_pct, -10.0, 1.0);
  }
  EXPECT_NE(format_comparison(paired, "a", "b").find("t-test of the per-round log ratios"), std::string::npos);
  // The same drift with no change is "same" paired too: the test does not
  // invent a difference out of the drift.
  BenchReport c = a;
  for (std::size_t r = 0; r < c.runs.size(); ++r)
    for (int k = 0; k < kRounds; ++k)
      c.runs[r].repetitions[static_cast<std::size_t>(k)].fps *= 1.0 + 0.01 * std::cos(1.1 * k + static_cast<double>(r));
  const Comparison self = compare_reports(a, c, options);
  EXPECT_EQ(count(self, Verdict::same), 6);
  EXPECT_EQ(self.exit_code(), 0);
}

// `bench compare REPORT --profiles ideal,pypy-stm`: the rounds of one
// run drift alike for every profile (round-robin), and pypy-stm is 20 %
// slower than ideal in each; the pair's rows are matched by thread count
// and the per-round ratio sees the 20 % through the drift.
TEST(Compare, TwoProfilesOfOneReportArePairedByRound) {
  BenchReport report = with_repetitions(5, 1.0);
  for (RunRecord& run : report.runs)
    for (int k = 0; k < 5; ++k) {
      const double drift = 1.0 - 0.1 * k;
      run.repetitions[static_cast<std::size_t>(k)].fps = (run.profile == "pypy-stm" ? 32.0 : 40.0) * drift;
    }
  BenchReport base, next;
  ASSERT_EQ(split_profiles(report, "ideal", "pypy-stm", base, next), "");
  CompareOptions paired;
  paired.paired = true;
  const Comparison c = compare_reports(base, next, paired);
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_EQ(c.matched, 2);
  for (const CompareRow& row : c.rows) {
    EXPECT_EQ(row.profile, "pypy-stm vs ideal");
    EXPECT_EQ(row.engine + "+" + row.backend, "native+stm vs native+snapshot");
    ASSERT_NE(row.base, nullptr);
    ASSERT_NE(row.next, nullptr);
    EXPECT_EQ(row.base->threads, row.next->threads);
    EXPECT_NEAR(row.paired_change_pct, -20.0, 1e-9);
    EXPECT_EQ(row.verdict, Verdict::slower);
  }
  // The other order is the inverse ratio.
  ASSERT_EQ(split_profiles(report, "pypy-stm", "ideal", base, next), "");
  EXPECT_NEAR(compare_reports(base, next, paired).rows[0].paired_change_pct, 25.0, 1e-9);
}

TEST(Compare, TwoProfilesMustBothBeMeasuredAtOneImageSize) {
  BenchReport report = with_repetitions(5, 1.0);
  BenchReport base, next;
  EXPECT_EQ(split_profiles(report, "ideal", "cpython", base, next),
            "the report has no measured run of profile 'cpython'");
  for (RunRecord& run : report.runs) {
    run.width = run.profile == "pypy" ? 96 : 640;
    run.height = run.profile == "pypy" ? 54 : 360;
  }
  const std::string problem = split_profiles(report, "ideal", "pypy", base, next);
  EXPECT_NE(problem.find("rendered different images (640x360 vs 96x54 at 1 threads)"), std::string::npos) << problem;
}

TEST(Compare, TooFewRepetitionsGiveNoVerdictAndNeverFail) {
  const Comparison c = compare_reports(with_repetitions(3, 1.0), with_repetitions(3, 1.5), {});
  EXPECT_EQ(count(c, Verdict::no_verdict), 6);
  EXPECT_EQ(c.exit_code(), 0);
  EXPECT_NE(c.rows[0].note.find("needs 5"), std::string::npos);
}

TEST(Compare, AnotherWorkloadIsAMismatch) {
  BenchReport b = with_repetitions(5, 1.0);
  b.config.scene = "whitted";
  b.config.width = 320;
  const Comparison c = compare_reports(with_repetitions(5, 1.0), b, {});
  EXPECT_NE(c.mismatch.find("scene spheres vs whitted"), std::string::npos) << c.mismatch;
  EXPECT_NE(c.mismatch.find("size 640x360 vs 320x360"), std::string::npos) << c.mismatch;
  // Another machine is only a warning.
  BenchReport other = with_repetitions(5, 1.0);
  other.machine.cpu = "Intel Xeon";
  const Comparison m = compare_reports(with_repetitions(5, 1.0), other, {});
  EXPECT_TRUE(m.mismatch.empty());
  ASSERT_FALSE(m.warnings.empty());
  EXPECT_NE(m.warnings[0].find("machines differ"), std::string::npos);
}

TEST(Compare, RowsOnOneSideAreListedWithoutAVerdict) {
  BenchReport b = with_repetitions(5, 1.0);
  b.runs.pop_back();
  const Comparison c = compare_reports(with_repetitions(5, 1.0), b, {});
  EXPECT_EQ(c.matched, 5);
  EXPECT_EQ(count(c, Verdict::unmatched), 1);
  EXPECT_EQ(c.exit_code(), 0);
}

TEST(Compare, ReadsRepetitionsBackFromJson) {
  const BenchReport a = with_repetitions(5, 1.0);
  const std::string json = to_json(a);
  ASSERT_EQ(validate_report_json(json), "");
  BenchReport back;
  ASSERT_EQ(parse_report_json(json, back), "");
  ASSERT_EQ(back.runs.size(), a.runs.size());
  for (std::size_t i = 0; i < a.runs.size(); ++i) {
    ASSERT_EQ(back.runs[i].repetitions.size(), 5u);
    EXPECT_NEAR(back.runs[i].fps, a.runs[i].fps, 1e-9);
    EXPECT_NEAR(back.runs[i].fps_ci_low, a.runs[i].fps_ci_low, 1e-9);
    EXPECT_NEAR(back.runs[i].repetitions[3].frame_ms[7], a.runs[i].repetitions[3].frame_ms[7], 1e-3);
  }
  EXPECT_EQ(back.config.repetitions, 5);
  // Another schema version is refused, by the version.
  std::string old = json;
  old.replace(old.find("\"schema_version\": 2"), 19, "\"schema_version\": 1");
  EXPECT_NE(parse_report_json(old, back).find("/schema_version"), std::string::npos);
}

TEST(Compare, MergeConcatenatesRounds) {
  BenchReport merged;
  ASSERT_EQ(merge_reports({with_repetitions(1, 1.0), with_repetitions(1, 1.0), with_repetitions(1, 1.0)}, merged), "");
  EXPECT_EQ(merged.config.repetitions, 3);
  for (const RunRecord& r : merged.runs) {
    EXPECT_EQ(r.repetitions.size(), 3u);
    EXPECT_EQ(r.frames, 30);
    EXPECT_EQ(r.ci_over, "repetitions");
  }
  BenchReport other = with_repetitions(1, 1.0);
  other.config.tile = 32;
  EXPECT_NE(merge_reports({with_repetitions(1, 1.0), other}, merged).find("report 2"), std::string::npos);
}

TEST(Repetitions, OneRepetitionGetsAnIntervalOverItsFrames) {
  RunRecord run = testing::make_run("ideal", "native", "snapshot", 1, 20.0);
  run.repetitions = {{4, 0.2, 20.0, {48.0, 52.0, 49.0, 51.0}}};
  summarize_repetitions(run);
  EXPECT_EQ(run.ci_over, "frames");
  EXPECT_DOUBLE_EQ(run.fps, 20.0);
  EXPECT_LT(run.fps_ci_low, 20.0);
  EXPECT_GT(run.fps_ci_high, 20.0);
  EXPECT_DOUBLE_EQ(run.frame_ms_median, 50.0);
}

}  // namespace
}  // namespace txray::bench
