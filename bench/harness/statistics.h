#pragma once
/// The statistics behind every figure txray reports and every verdict it
/// gives: percentiles, a bootstrap confidence interval for a mean, and the
/// Mann–Whitney U test that `txray bench compare` runs per row (the test
/// Google Benchmark's tools/compare.py uses, two-sided), and the one-sample
/// t-test it runs instead on per-round ratios when the rounds are paired.
#include <cstdint>
#include <span>
#include <vector>

namespace txray::bench {

[[nodiscard]] double mean(std::span<const double> values);
/// Sample standard deviation (n − 1); 0 for fewer than two values.
[[nodiscard]] double sample_stddev(std::span<const double> values);
/// Linear interpolation between closest ranks (numpy's default); 0 when empty.
[[nodiscard]] double percentile(std::vector<double> values, double q);

struct Interval {
  double low = 0.0, high = 0.0;
};

/// Percentile-bootstrap interval for the mean: `resamples` resamples with
/// replacement, from a fixed seed so the same sample always gives the same
/// interval. A single value, or a constant sample, gives [value, value].
[[nodiscard]] Interval bootstrap_mean_interval(std::span<const double> values, double confidence = 0.95,
                                               int resamples = 10000, std::uint64_t seed = 0x7478726179ULL);

struct MannWhitney {
  double u = 0.0;  ///< U of the first sample: pairs (a, b) with a > b, ties counting one half
  double p = 1.0;  ///< two-sided p-value
  bool exact = false;  ///< from the exact null distribution (no ties, small samples), else the normal approximation
};

/// Two-sided Mann–Whitney U test. Exact when there are no ties and both
/// samples have at most 20 values; otherwise the normal approximation with
/// tie and continuity corrections. Same answers as scipy.stats.mannwhitneyu
/// with method "exact" and "asymptotic" respectively. p = 1 when a sample is
/// empty.
[[nodiscard]] MannWhitney mann_whitney_u(std::span<const double> a, std::span<const double> b);

struct StudentT {
  double t = 0.0;  ///< mean / (s / sqrt(n)); ±infinity when every value is the same non-zero value
  int df = 0;      ///< n − 1
  double p = 1.0;  ///< two-sided p-value
};

/// Two-sided one-sample Student t-test of "the mean is 0" (scipy.stats.
/// ttest_1samp(values, 0)). For paired rounds, `values` are the rounds'
/// log(new / base): unlike the rank test it has no floor on p, so six
/// consistent rounds can show a 10 % change among a dozen rows. p = 1 with
/// fewer than two values, or when every value is 0.
[[nodiscard]] StudentT one_sample_t_test(std::span<const double> values);

}  // namespace txray::bench
