#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <tuple>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "bench/harness/report.h"
#include "sample_report.h"

namespace txray::bench {
namespace {

using testing::make_run;
using testing::sample_report;

using Pixel = std::array<unsigned char, 4>;

Pixel at(const std::vector<unsigned char>& rgba, int width, int x, int y) {
  const std::size_t i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) * 4;
  return {rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]};
}

std::set<Pixel> colours(const std::vector<unsigned char>& rgba) {
  std::set<Pixel> out;
  for (std::size_t i = 0; i + 3 < rgba.size(); i += 4) out.insert({rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]});
  return out;
}

/// Runs of adjacent columns holding `colour`, with the tallest count of that
/// colour in any of their columns: the bars (wide) and legend swatches
/// (narrow) of one thread count.
struct ColumnRun {
  int x0, x1, height;
};
std::vector<ColumnRun> column_runs(const std::vector<unsigned char>& rgba, int width, int height, Pixel colour) {
  std::vector<ColumnRun> runs;
  bool open = false;
  for (int x = 0; x < width; ++x) {
    int count = 0;
    for (int y = 0; y < height; ++y) count += at(rgba, width, x, y) == colour;
    if (count > 0 && !open) runs.push_back({x, x, 0}), open = true;
    if (count == 0) open = false;
    if (open) {
      runs.back().x1 = x;
      runs.back().height = std::max(runs.back().height, count);
    }
  }
  return runs;
}

TEST(Chart, HasTheRequestedSizeAndIsNotBlank) {
  for (ChartKind kind : {ChartKind::fps, ChartKind::speedup}) {
    const auto rgba = render_chart(sample_report(), kind, 800, 450);
    ASSERT_EQ(rgba.size(), 800u * 450u * 4u);
    const auto used = colours(rgba);
    // White, black text, grey grid, and at least two series colours.
    EXPECT_GE(used.size(), 5u);
    EXPECT_TRUE(used.count({255, 255, 255, 255}));
    EXPECT_TRUE(used.count({0, 0, 0, 255}));
    // Opaque everywhere: the PNG must not show a viewer's checkerboard.
    for (const Pixel& p : used) EXPECT_EQ(p[3], 255);
  }
}

TEST(Chart, OddSizesDoNotCrash) {
  for (auto [w, h] : std::vector<std::pair<int, int>>{{1, 1}, {7, 300}, {300, 7}, {64, 64}, {3000, 200}}) {
    EXPECT_EQ(render_chart(sample_report(), ChartKind::fps, w, h).size(), static_cast<std::size_t>(w * h * 4));
    EXPECT_EQ(render_chart(sample_report(), ChartKind::speedup, w, h).size(), static_cast<std::size_t>(w * h * 4));
  }
  EXPECT_TRUE(render_chart(sample_report(), ChartKind::fps, 0, 10).empty());
  EXPECT_FALSE(render_chart(BenchReport{}, ChartKind::fps, 400, 300).empty());
  EXPECT_FALSE(render_chart(BenchReport{}, ChartKind::speedup, 400, 300).empty());
}

TEST(Chart, BarHeightFollowsFps) {
  // One thread count, so every bar shares the first series colour; find
  // that colour at the bottom of the left bar, then compare the bars.
  BenchReport report = sample_report();
  report.runs = {make_run("slow", "native", "gil", 1, 10.0), make_run("fast", "native", "stm", 1, 30.0)};
  const int w = 900, h = 500;
  const auto rgba = render_chart(report, ChartKind::fps, w, h);
  const Pixel bar_colour = {0, 114, 178, 255};
  auto runs = column_runs(rgba, w, h, bar_colour);
  // Bars are far wider than the legend swatch.
  std::sort(runs.begin(), runs.end(), [](const ColumnRun& a, const ColumnRun& b) { return a.x1 - a.x0 > b.x1 - b.x0; });
  ASSERT_GE(runs.size(), 3u) << "two bars and a legend swatch";
  std::vector<ColumnRun> bars(runs.begin(), runs.begin() + 2);
  std::sort(bars.begin(), bars.end(), [](const ColumnRun& a, const ColumnRun& b) { return a.x0 < b.x0; });
  EXPECT_GT(bars[0].x1 - bars[0].x0, 100);
  EXPECT_GT(bars[1].height, bars[0].height);
  EXPECT_NEAR(static_cast<double>(bars[1].height) / bars[0].height, 3.0, 0.1);
}

/// The most black pixels in one column between the bars' foot and the
/// picture's last 40 rows (the axis label): a label written across gives a
/// column a few glyph rows; one turned upright gives it most of its length.
int tallest_label_column(const std::vector<unsigned char>& rgba, int w, int h) {
  const Pixel bar_colour = {0, 114, 178, 255}, black = {0, 0, 0, 255};
  int foot = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (at(rgba, w, x, y) == bar_colour) foot = std::max(foot, y);
  int tallest = 0;
  for (int x = 0; x < w; ++x) {
    int count = 0;
    for (int y = foot + 3; y < h - 40; ++y) count += at(rgba, w, x, y) == black;
    tallest = std::max(tallest, count);
  }
  return tallest;
}

// `--preset sync` charts 30 profiles with long names: written across, each
// would be cut to "nati...", so they are turned upright, whole.
TEST(Chart, ManyLongProfileNamesAreTurnedUprightRatherThanCut) {
  const int w = 1280, h = 720;
  BenchReport many = sample_report();
  many.runs.clear();
  for (int i = 0; i < 30; ++i)
    many.runs.push_back(make_run("native+rwlock-queuing \xC2\xB7 animator 60 Hz #" + std::to_string(i), "native",
                                 "rwlock-queuing", 1, 10.0 + i));
  EXPECT_GT(tallest_label_column(render_chart(many, ChartKind::fps, w, h), w, h), 60);
  // A few short names stay across, as before.
  EXPECT_LT(tallest_label_column(render_chart(sample_report(), ChartKind::fps, w, h), w, h), 30);
}

TEST(Chart, IntervalIsAWhiskerSpanningItsEnds) {
  // One bar at 20 FPS with the interval [15, 25]: a black stem in the bar's
  // middle column, from 15 to 25 on the axis (25 above the bar's top).
  auto whisker = [](double low, double high) {
    BenchReport report = sample_report();
    RunRecord run = make_run("only", "native", "stm", 1, 20.0);
    run.fps_ci_low = low;
    run.fps_ci_high = high;
    report.runs = {run};
    const int w = 900, h = 500;
    const auto rgba = render_chart(report, ChartKind::fps, w, h);
    const Pixel bar_colour = {0, 114, 178, 255}, black = {0, 0, 0, 255};
    auto runs = column_runs(rgba, w, h, bar_colour);
    std::sort(runs.begin(), runs.end(), [](const ColumnRun& a, const ColumnRun& b) { return a.x1 - a.x0 > b.x1 - b.x0; });
    const int mid = (runs[0].x0 + runs[0].x1) / 2, bar_height = runs[0].height;
    int top = h, bottom = -1, bar_top = h, bar_bottom = 0;
    for (int y = 0; y < h; ++y)
      if (at(rgba, w, mid + 3, y) == bar_colour) bar_top = std::min(bar_top, y), bar_bottom = std::max(bar_bottom, y);
    // The stem: black in the bar's middle column, below the value label and
    // above the axis line at the bar's foot.
    // The longest unbroken black run there is the stem (the label's glyphs are short).
    for (int y = std::max(0, bar_top - bar_height), run_start = -1; y < bar_bottom - 2; ++y) {
      if (at(rgba, w, mid, y) != black) {
        run_start = -1;
        continue;
      }
      if (run_start < 0) run_start = y;
      if (y - run_start > bottom - top) top = run_start, bottom = y;
    }
    return std::tuple{top, bottom, bar_top, bar_height};
  };
  const auto [top, bottom, bar_top, bar_height] = whisker(15.0, 25.0);
  ASSERT_GT(bottom, top) << "no whisker drawn";
  EXPECT_LT(top, bar_top) << "the high end is above the bar";
  EXPECT_GT(bottom, bar_top) << "the low end is inside the bar";
  // Its length is the interval's: 10 FPS where the bar's 20 FPS is bar_height pixels.
  EXPECT_NEAR(bottom - top, bar_height / 2.0, 4.0);
  // No interval, no whisker: nothing black inside the bar.
  const auto [none_top, none_bottom, none_bar_top, ignored] =
      whisker(std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN());
  EXPECT_LT(none_bottom, none_bar_top) << "a whisker without an interval, from " << none_top;
}

TEST(Chart, HigherFpsMeansMoreBarPixels) {
  auto bar_pixels = [](double fps_of_second) {
    BenchReport report = sample_report();
    report.runs = {make_run("a", "native", "gil", 1, 40.0), make_run("b", "native", "stm", 1, fps_of_second)};
    const auto rgba = render_chart(report, ChartKind::fps, 800, 450);
    std::size_t n = 0;
    for (std::size_t i = 0; i < rgba.size(); i += 4) n += rgba[i] == 0 && rgba[i + 1] == 114 && rgba[i + 2] == 178;
    return n;
  };
  EXPECT_GT(bar_pixels(30.0), bar_pixels(10.0));
}

TEST(Chart, EachThreadCountHasItsColour) {
  const auto used = colours(render_chart(sample_report(), ChartKind::fps, 800, 450));
  EXPECT_TRUE(used.count({0, 114, 178, 255}));  // 1 thread
  EXPECT_TRUE(used.count({213, 94, 0, 255}));   // 2 threads
}

TEST(Chart, SpeedupDrawsEveryProfileAndTheIdealLine) {
  const int w = 800, h = 450;
  const auto rgba = render_chart(sample_report(), ChartKind::speedup, w, h);
  const auto used = colours(rgba);
  EXPECT_TRUE(used.count({0, 114, 178, 255}));  // pypy
  EXPECT_TRUE(used.count({213, 94, 0, 255}));   // pypy-stm
  EXPECT_TRUE(used.count({0, 158, 115, 255}));  // ideal (the profile)

  // The second profile's line rises (1.0 → 1.9) and the first falls
  // (1.0 → 0.83): pypy-stm's last marker sits above pypy's.
  auto lowest_row_of = [&](Pixel c, bool topmost) {
    int found = -1;
    for (int y = 0; y < h; ++y)
      for (int x = w / 2; x < w; ++x)
        if (at(rgba, w, x, y) == c) {
          if (topmost) return y;
          found = y;
        }
    return found;
  };
  EXPECT_LT(lowest_row_of({213, 94, 0, 255}, true), lowest_row_of({0, 114, 178, 255}, true));
}

}  // namespace
}  // namespace txray::bench
