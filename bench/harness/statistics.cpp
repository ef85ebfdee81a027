#include "bench/harness/statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace txray::bench {

double mean(std::span<const double> values) {
  if (values.empty()) return 0.0;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double sample_stddev(std::span<const double> values) {
  if (values.size() < 2) return 0.0;
  const double m = mean(values);
  double sum = 0.0;
  for (double v : values) sum += (v - m) * (v - m);
  return std::sqrt(sum / static_cast<double>(values.size() - 1));
}

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double position = std::clamp(q, 0.0, 1.0) * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(position));
  const auto hi = std::min(values.size() - 1, lo + 1);
  return values[lo] + (values[hi] - values[lo]) * (position - static_cast<double>(lo));
}

Interval bootstrap_mean_interval(std::span<const double> values, double confidence, int resamples,
                                 std::uint64_t seed) {
  if (values.empty()) return {};
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  if (*lo == *hi) return {*lo, *hi};
  // A fixed generator and seed: the interval is a function of the sample,
  // so a report re-read or a test sees the same numbers.
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<std::size_t> pick(0, values.size() - 1);
  std::vector<double> means(static_cast<std::size_t>(std::max(resamples, 1)));
  for (double& m : means) {
    double sum = 0.0;
    for (std::size_t k = 0; k < values.size(); ++k) sum += values[pick(random)];
    m = sum / static_cast<double>(values.size());
  }
  const double tail = (1.0 - confidence) / 2.0;
  return {percentile(means, tail), percentile(means, 1.0 - tail)};
}

namespace {

// Number of orderings of m a-values and n b-values whose U equals u, for
// every u (0..m·n): the recurrence of Mann & Whitney (1947), counted in
// doubles (exact up to 2^53, far beyond 20 + 20 values).
std::vector<double> u_counts(int m, int n) {
  // counts[j][u] for the current i, over j = 0..n.
  std::vector<std::vector<double>> prev(static_cast<std::size_t>(n + 1)), cur(static_cast<std::size_t>(n + 1));
  for (int j = 0; j <= n; ++j) prev[static_cast<std::size_t>(j)] = {1.0};  // i = 0: U = 0 only
  for (int i = 1; i <= m; ++i) {
    cur[0] = {1.0};  // j = 0: U = 0 only
    for (int j = 1; j <= n; ++j) {
      // The largest value is an a (it beats all j b's: U - j, from (i-1, j))
      // or a b (from (i, j-1), U unchanged).
      std::vector<double>& c = cur[static_cast<std::size_t>(j)];
      c.assign(static_cast<std::size_t>(i * j + 1), 0.0);
      const std::vector<double>& from_a = prev[static_cast<std::size_t>(j)];
      const std::vector<double>& from_b = cur[static_cast<std::size_t>(j - 1)];
      for (std::size_t u = 0; u < from_a.size(); ++u) c[u + static_cast<std::size_t>(j)] += from_a[u];
      for (std::size_t u = 0; u < from_b.size(); ++u) c[u] += from_b[u];
    }
    std::swap(prev, cur);
  }
  return prev[static_cast<std::size_t>(n)];
}

}  // namespace

MannWhitney mann_whitney_u(std::span<const double> a, std::span<const double> b) {
  MannWhitney result;
  if (a.empty() || b.empty()) return result;
  const auto m = static_cast<double>(a.size()), n = static_cast<double>(b.size());

  // Ranks of the pooled sample, ties sharing their mean rank.
  std::vector<std::pair<double, bool>> pooled;  // value, from a
  for (double v : a) pooled.emplace_back(v, true);
  for (double v : b) pooled.emplace_back(v, false);
  std::sort(pooled.begin(), pooled.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  double rank_sum_a = 0.0, tie_term = 0.0;
  bool ties = false;
  for (std::size_t i = 0; i < pooled.size();) {
    std::size_t j = i;
    while (j < pooled.size() && pooled[j].first == pooled[i].first) ++j;
    const double t = static_cast<double>(j - i);
    const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k)
      if (pooled[k].second) rank_sum_a += rank;
    if (t > 1.0) {
      ties = true;
      tie_term += t * t * t - t;
    }
    i = j;
  }
  result.u = rank_sum_a - m * (m + 1.0) / 2.0;
  const double u_big = std::max(result.u, m * n - result.u);

  if (!ties && a.size() <= 20 && b.size() <= 20) {
    const std::vector<double> counts = u_counts(static_cast<int>(a.size()), static_cast<int>(b.size()));
    const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
    double at_least = 0.0;  // P(U >= u_big)
    for (std::size_t u = static_cast<std::size_t>(u_big); u < counts.size(); ++u) at_least += counts[u];
    result.p = std::min(1.0, 2.0 * at_least / total);
    result.exact = true;
    return result;
  }
  const double total = m + n;
  const double mu = m * n / 2.0;
  const double sigma = std::sqrt(m * n / 12.0 * ((total + 1.0) - tie_term / (total * (total - 1.0))));
  if (sigma == 0.0) return result;  // every value equal: no evidence either way
  const double z = (u_big - mu - 0.5) / sigma;
  result.p = std::min(1.0, std::erfc(z / std::sqrt(2.0)));  // 2 · P(Z > z)
  return result;
}

namespace {

/// The regularized incomplete beta function I_x(a, b), from its continued
/// fraction evaluated by the modified Lentz method; the fraction converges
/// fast for x < (a + 1) / (a + b + 2), and the symmetry I_x(a, b) =
/// 1 − I_{1−x}(b, a) covers the rest.
double incomplete_beta(double a, double b, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  if (x > (a + 1.0) / (a + b + 2.0)) return 1.0 - incomplete_beta(b, a, 1.0 - x);
  const double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  constexpr double kTiny = 1e-300, kEpsilon = 1e-15;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double fraction = d;
  for (int m = 1; m <= 300; ++m) {
    // Two steps of the fraction per m: the even term, then the odd one.
    for (const double numerator : {m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
                                   -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0))}) {
      d = 1.0 + numerator * d;
      if (std::fabs(d) < kTiny) d = kTiny;
      c = 1.0 + numerator / c;
      if (std::fabs(c) < kTiny) c = kTiny;
      d = 1.0 / d;
      fraction *= d * c;
    }
    if (std::fabs(d * c - 1.0) < kEpsilon) break;
  }
  return std::exp(log_front) * fraction / a;
}

}  // namespace

StudentT one_sample_t_test(std::span<const double> values) {
  StudentT result;
  if (values.size() < 2) return result;
  result.df = static_cast<int>(values.size()) - 1;
  const double m = mean(values), s = sample_stddev(values);
  if (s == 0.0) {
    if (m != 0.0) {
      result.t = std::copysign(std::numeric_limits<double>::infinity(), m);
      result.p = 0.0;
    }
    return result;
  }
  result.t = m / (s / std::sqrt(static_cast<double>(values.size())));
  const double df = result.df;
  // P(|T| > |t|) for Student's t with df degrees of freedom.
  result.p = incomplete_beta(df / 2.0, 0.5, df / (df + result.t * result.t));
  return result;
}

}  // namespace txray::bench
