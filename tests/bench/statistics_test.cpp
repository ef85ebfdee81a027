// The statistics behind the figures and the verdicts, against values
// computed independently: scipy 1.10.1's scipy.stats.mannwhitneyu
// (alternative="two-sided", method "exact" or "asymptotic" as named), run
// once and written here as literals.
#include "bench/harness/statistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace txray::bench {
namespace {

// The t-test of scipy.stats.ttest_1samp(values, 0). The expected p-values
// come from integrating Student's t density numerically (Simpson's rule,
// 200,000 steps), independently of the continued fraction under test.
TEST(StudentT, OneSampleMatchesScipy) {
  const std::vector<double> a{1, 2, 3, 4, 5};
  const StudentT r = one_sample_t_test(a);
  EXPECT_NEAR(r.t, 4.242640687119285, 1e-12);
  EXPECT_EQ(r.df, 4);
  EXPECT_NEAR(r.p, 0.013235599563697797, 1e-12);
  const std::vector<double> b{-0.1, -0.12, -0.09, -0.11, -0.1, -0.13};
  EXPECT_NEAR(one_sample_t_test(b).p, 9.646807861418694e-06, 1e-12);
  const std::vector<double> c{0.5, -0.3, 0.2, -0.1};
  EXPECT_NEAR(one_sample_t_test(c).p, 0.6971443390751775, 1e-12);
  const std::vector<double> d{0.3, 0.1};
  EXPECT_NEAR(one_sample_t_test(d).p, 0.29516723530086264, 1e-12);
}

TEST(StudentT, DegenerateSamples) {
  EXPECT_EQ(one_sample_t_test(std::vector<double>{}).p, 1.0);
  EXPECT_EQ(one_sample_t_test(std::vector<double>{0.5}).p, 1.0);
  EXPECT_EQ(one_sample_t_test(std::vector<double>{0.0, 0.0, 0.0}).p, 1.0);
  // Every round the same non-zero change: certain.
  const StudentT same = one_sample_t_test(std::vector<double>{-0.03, -0.03, -0.03});
  EXPECT_EQ(same.p, 0.0);
  EXPECT_LT(same.t, 0.0);
  EXPECT_TRUE(std::isinf(same.t));
}

TEST(MannWhitney, ExactSmallSamplesMatchScipy) {
  const std::vector<double> a = {10.2, 11.5, 9.8, 12.1, 10.9}, b = {12.4, 13.0, 11.8, 13.6, 12.9, 14.1};
  const MannWhitney r = mann_whitney_u(a, b);
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 1.0);
  EXPECT_NEAR(r.p, 0.008658008658008658, 1e-12);
}

TEST(MannWhitney, CompleteSeparationOfFiveAgainstFive) {
  // The smallest p two samples of five can reach: 2 / C(10, 5).
  const std::vector<double> a = {1, 2, 3, 4, 5}, b = {6, 7, 8, 9, 10};
  EXPECT_DOUBLE_EQ(mann_whitney_u(a, b).u, 0.0);
  EXPECT_NEAR(mann_whitney_u(a, b).p, 0.007936507936507936, 1e-12);
  // Swapping the samples gives the complementary U and the same p.
  EXPECT_DOUBLE_EQ(mann_whitney_u(b, a).u, 25.0);
  EXPECT_NEAR(mann_whitney_u(b, a).p, 0.007936507936507936, 1e-12);
}

TEST(MannWhitney, ExactUnequalSizesMatchScipy) {
  const std::vector<double> a = {3.5, 1.5, 2.5, 7, 9, 11, 0.5}, b = {4, 6, 8, 10, 12, 13, 14, 15};
  const MannWhitney r = mann_whitney_u(a, b);
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 9.0);
  EXPECT_NEAR(r.p, 0.028904428904428903, 1e-12);
}

TEST(MannWhitney, TiesUseTheCorrectedNormalApproximation) {
  const std::vector<double> a = {1, 2, 2, 3, 4, 4, 5}, b = {2, 4, 6, 6, 7, 8};
  const MannWhitney r = mann_whitney_u(a, b);
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 7.0);
  EXPECT_NEAR(r.p, 0.050835582280956304, 1e-12);
}

TEST(MannWhitney, LargeSamplesUseTheNormalApproximation) {
  const std::vector<double> x = {54.082, 44.889, 50.836, 48.864, 49.095, 49.569, 45.96,  49.536, 48.27,
                                 56.646, 50.452, 49.295, 49.437, 48.664, 47.89,  49.218, 50.964, 49.523,
                                 51.916, 49.6,   50.049, 53.092, 51.09,  48.99,  49.634};
  const std::vector<double> y = {53.081, 55.87,  51.461, 51.513, 54.005, 50.227, 51.417, 53.765,
                                 53.161, 52.183, 53.34,  46.344, 54.043, 50.081, 48.663, 52.553,
                                 53.401, 51.11,  49.847, 52.052, 51.895, 54.811};
  const MannWhitney r = mann_whitney_u(x, y);
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 115.0);
  EXPECT_NEAR(r.p, 0.0006725008494849299, 1e-12);
}

TEST(MannWhitney, IdenticalOrEmptySamplesShowNoDifference) {
  const std::vector<double> a = {5, 5, 5, 5, 5};
  EXPECT_DOUBLE_EQ(mann_whitney_u(a, a).p, 1.0);
  EXPECT_DOUBLE_EQ(mann_whitney_u(a, {}).p, 1.0);
}

TEST(Bootstrap, ConstantSampleGivesAPointInterval) {
  const std::vector<double> c = {47.1, 47.1, 47.1, 47.1};
  const Interval i = bootstrap_mean_interval(c);
  EXPECT_DOUBLE_EQ(i.low, 47.1);
  EXPECT_DOUBLE_EQ(i.high, 47.1);
  EXPECT_DOUBLE_EQ(bootstrap_mean_interval(std::vector<double>{3.0}).low, 3.0);
}

TEST(Bootstrap, IntervalHoldsTheMeanWithinTheRangeAndIsRepeatable) {
  const std::vector<double> v = {10, 12, 11, 13, 9, 14, 10.5, 12.5};
  const Interval i = bootstrap_mean_interval(v);
  const double m = mean(v);
  EXPECT_LT(i.low, m);
  EXPECT_GT(i.high, m);
  EXPECT_GE(i.low, 9.0);
  EXPECT_LE(i.high, 14.0);
  // The normal-theory half-width is 1.96 σ/√n ≈ 1.13; a percentile
  // bootstrap of 10,000 resamples lands close to it.
  EXPECT_NEAR((i.high - i.low) / 2.0, 1.96 * sample_stddev(v) / std::sqrt(8.0), 0.2);
  const Interval again = bootstrap_mean_interval(v);
  EXPECT_DOUBLE_EQ(i.low, again.low);
  EXPECT_DOUBLE_EQ(i.high, again.high);
}

TEST(Percentile, InterpolatesBetweenClosestRanks) {
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 0.5), 2.5);
  EXPECT_NEAR(percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.9), 9.1, 1e-12);
  EXPECT_DOUBLE_EQ(percentile({}, 0.5), 0.0);
  EXPECT_DOUBLE_EQ(sample_stddev(std::vector<double>{2, 4, 4, 4, 5, 5, 7, 9}), std::sqrt(32.0 / 7.0));
}

}  // namespace
}  // namespace txray::bench
