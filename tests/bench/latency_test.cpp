// The latency probe (issue 19): it runs beside every backend and reports
// what it measured; its figures travel through every writer; --calibrate's
// convoy line is read back. Relations and bookkeeping, never a timing.
#include <sched.h>

#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bench/harness/calibrate.h"
#include "bench/harness/fps_harness.h"
#include "bench/harness/latency_probe.h"
#include "sample_report.h"

namespace txray::bench {
namespace {

// Every kind of backend the convoy story compares: both GIL policies, a
// lock per cell, transactions, no synchronisation. Each run has the probe's
// figures, in the order a distribution has them.
TEST(LatencyProbe, RunsBesideTheRenderersOfEveryBackend) {
  const auto scene = builtin_scene("spheres");
  ASSERT_TRUE(scene.has_value());
  HarnessOptions o;
  for (const char* name : {"cpython", "pypy", "cpython-ft", "pypy-stm", "native-fine", "ideal"})
    o.profiles.push_back(*find_profile(name));
  o.threads = {1};
  o.width = 32;
  o.height = 18;
  o.interp_width = 8;
  o.interp_height = 6;
  o.frames = 2;
  o.warmup = 0;
  o.latency_probe = true;
  std::atomic<bool> stop{false};
  BenchReport report;
  report.runs = run_harness(*scene, o, nullptr, stop);
  ASSERT_EQ(report.runs.size(), o.profiles.size());
  for (const RunRecord& r : report.runs) {
    SCOPED_TRACE(r.profile);
    const LatencyFigures& l = r.latency;
    EXPECT_TRUE(l.measured);
    EXPECT_GT(l.alone_us, 0.0);
    if (l.ops == 0) continue;  // the frames ended before the probe's first round trip: possible, not wrong
    EXPECT_LE(l.p50_us, l.p99_us);
    EXPECT_LE(l.p99_us, l.max_us);
    EXPECT_LE(l.mean_us, l.max_us);
    EXPECT_GT(l.p50_us, 0.0);
    EXPECT_NEAR(l.convoy, l.mean_us / l.alone_us, 1e-9 * l.convoy);
  }
  EXPECT_EQ(validate_report_json(to_json(report)), "");
}

TEST(LatencyProbe, WithoutTheFlagNothingIsMeasured) {
  const auto scene = builtin_scene("spheres");
  HarnessOptions o;
  o.profiles = {*find_profile("pypy")};
  o.threads = {1};
  o.width = 16;
  o.height = 9;
  o.frames = 1;
  o.warmup = 0;
  std::atomic<bool> stop{false};
  const auto runs = run_harness(*scene, o, nullptr, stop);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_FALSE(runs[0].latency.measured);
  EXPECT_EQ(to_json(BenchReport{{}, {}, {}, runs, {}}).find("\"latency\""), std::string::npos);
}

TEST(LatencyProbe, SummaryOfKnownSamples) {
  std::vector<double> us;
  for (int i = 100; i >= 1; --i) us.push_back(i);  // order must not matter
  const LatencyFigures f = summarize_latency(us, 2.0);
  EXPECT_TRUE(f.measured);
  EXPECT_EQ(f.ops, 100u);
  EXPECT_DOUBLE_EQ(f.p50_us, 50.5);
  EXPECT_NEAR(f.p99_us, 99.01, 1e-9);
  EXPECT_DOUBLE_EQ(f.max_us, 100.0);
  EXPECT_DOUBLE_EQ(f.mean_us, 50.5);
  EXPECT_DOUBLE_EQ(f.alone_us, 2.0);
  EXPECT_DOUBLE_EQ(f.convoy, 25.25);

  const LatencyFigures none = summarize_latency({}, 2.0);
  EXPECT_TRUE(none.measured);
  EXPECT_EQ(none.ops, 0u);
  EXPECT_TRUE(std::isnan(none.p50_us));
  EXPECT_TRUE(std::isnan(none.convoy));
}

BenchReport report_with_latency() {
  BenchReport report = testing::sample_report();
  report.runs[0].latency = summarize_latency({10.0, 20.0, 30.0, 4000.0}, 5.0);
  return report;
}

TEST(LatencyReport, EveryWriterCarriesTheProbe) {
  const BenchReport report = report_with_latency();
  const std::string table = format_table(report);
  EXPECT_NE(table.find("probe µs p50/p99/max"), std::string::npos);
  EXPECT_NE(table.find("convoy"), std::string::npos);
  EXPECT_NE(table.find("203x"), std::string::npos);  // mean 1015 µs over 5 alone
  const std::string csv = to_csv(report);
  EXPECT_NE(csv.find("latency_p99_us"), std::string::npos);
  const std::string md = to_markdown(report);
  EXPECT_NE(md.find("convoy"), std::string::npos);

  // No probe: no probe columns.
  const BenchReport plain = testing::sample_report();
  EXPECT_EQ(format_table(plain).find("convoy"), std::string::npos);
  EXPECT_EQ(to_csv(plain).find("latency_"), std::string::npos);
  EXPECT_EQ(to_markdown(plain).find("convoy"), std::string::npos);
}

TEST(LatencyReport, JsonValidatesAndReadsBack) {
  const BenchReport report = report_with_latency();
  const std::string json = to_json(report);
  ASSERT_EQ(validate_report_json(json), "");
  BenchReport back;
  ASSERT_EQ(parse_report_json(json, back), "");
  const LatencyFigures& a = report.runs[0].latency;
  const LatencyFigures& b = back.runs[0].latency;
  EXPECT_TRUE(b.measured);
  EXPECT_EQ(b.ops, a.ops);
  EXPECT_DOUBLE_EQ(b.p50_us, a.p50_us);
  EXPECT_DOUBLE_EQ(b.p99_us, a.p99_us);
  EXPECT_DOUBLE_EQ(b.max_us, a.max_us);
  EXPECT_DOUBLE_EQ(b.alone_us, a.alone_us);
  EXPECT_DOUBLE_EQ(b.convoy, a.convoy);
  EXPECT_FALSE(back.runs[1].latency.measured);

  auto doc = nlohmann::json::parse(json);
  doc["runs"][0]["latency"]["ops"] = "many";
  EXPECT_EQ(validate_report_json(doc.dump()), "/runs/0/latency/ops: expected an integer");
}

TEST(LatencyReport, TheChartDrawsTheProbe) {
  const BenchReport with = report_with_latency();
  const BenchReport without = testing::sample_report();
  const auto a = render_chart(with, ChartKind::latency, 640, 360);
  const auto b = render_chart(without, ChartKind::latency, 640, 360);
  ASSERT_EQ(a.size(), 640u * 360u * 4u);
  EXPECT_NE(a, b);  // the bar of the one run that has the probe
  // A calibration row (a real runtime: no probe) adds no empty group.
  BenchReport calibrated = with;
  calibrated.runs.push_back(testing::make_run("python3", "python3", "gil", 1, 9.0));
  EXPECT_EQ(render_chart(calibrated, ChartKind::latency, 640, 360), a);
}

TEST(Convoy, ReadsTheAnchorsLine) {
  const auto f = parse_convoy_line(
      "python3", "noise\nconvoy alone_s 0.0014 beside_s 0.5948 round_trips 2000 spinners 1 runtime cpython 3.11.7 placement "
      "own-cores\n");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->runtime, "python3");
  EXPECT_EQ(f->version, "CPython 3.11.7");
  EXPECT_EQ(f->placement, "own-cores");
  EXPECT_EQ(f->round_trips, 2000);
  EXPECT_DOUBLE_EQ(f->alone_ms, 1.4);
  EXPECT_DOUBLE_EQ(f->beside_ms, 594.8);
  EXPECT_NEAR(f->factor(), 424.857, 1e-3);
  EXPECT_NEAR(f->per_round_trip_us(), 297.4, 1e-9);

  EXPECT_FALSE(parse_convoy_line("pypy3", "Traceback (most recent call last):\n").has_value());
  EXPECT_FALSE(parse_convoy_line("pypy3",
                                 "convoy alone_s 0 beside_s 0.1 round_trips 2000 spinners 1 runtime pypy 7.3.11 placement free")
                   .has_value());
  // A line that does not say where its threads ran cannot be set beside the probe's.
  EXPECT_FALSE(
      parse_convoy_line("pypy3", "convoy alone_s 0.1 beside_s 0.2 round_trips 2000 spinners 1 runtime pypy 7.3.11").has_value());
}

// The comparison names the runtime a GIL profile stands beside and leaves
// the others beside none.
TEST(Convoy, ModelledBesideReal) {
  BenchReport report = report_with_latency();  // runs[0]: pypy, native+gil, 1 thread
  CalibrationResult c;
  c.convoy.push_back(*parse_convoy_line(
      "pypy3", "convoy alone_s 0.0024 beside_s 0.0110 round_trips 2000 spinners 1 runtime pypy 7.3.11 placement own-cores"));
  // The one-core figure is listed, but the probe's placement is own-cores.
  c.convoy.push_back(*parse_convoy_line(
      "pypy3", "convoy alone_s 0.0024 beside_s 0.0030 round_trips 2000 spinners 1 runtime pypy 7.3.11 placement one-core"));
  report.runs[2].latency = summarize_latency({5.0}, 5.0);  // pypy-stm
  const std::string text = format_convoy(report, c);
  EXPECT_NE(text.find("pypy3"), std::string::npos);
  EXPECT_NE(text.find("PyPy 7.3.11"), std::string::npos);
  EXPECT_NE(text.find("no GIL"), std::string::npos);
  EXPECT_NE(text.find("one-core"), std::string::npos);
  // pypy: 203x modelled over 4.58x real (own-cores), not over 1.25x (one-core).
  EXPECT_NE(text.find("44.29"), std::string::npos);
  EXPECT_EQ(text.find("162.40"), std::string::npos);
}

// At one render thread the probe and the renderer each get a core of their
// own, as convoy.py places the anchor; otherwise nothing is pinned.
TEST(ProbePlacement, OneCoreEachAtOneRenderThread) {
  const ProbePlacement two = plan_probe_placement({0, 1}, 1);
  EXPECT_TRUE(two.own_cores());
  EXPECT_EQ(two.probe_cpus, std::vector<int>({1}));
  EXPECT_EQ(two.render_cpus, std::vector<int>({0}));
  const ProbePlacement sparse = plan_probe_placement({2, 5, 7}, 1);
  EXPECT_EQ(sparse.probe_cpus, std::vector<int>({7}));
  EXPECT_EQ(sparse.render_cpus, std::vector<int>({2, 5}));
  EXPECT_FALSE(plan_probe_placement({0, 1}, 2).own_cores());
  EXPECT_TRUE(plan_probe_placement({0, 1}, 2).render_cpus.empty());
  EXPECT_FALSE(plan_probe_placement({3}, 1).own_cores());
  EXPECT_FALSE(plan_probe_placement({}, 1).own_cores());
}

TEST(ProbePlacement, PinnedThreadKeepsTheThreadThereAndGivesItsMaskBack) {
  std::thread([] {
    const std::vector<int> before = allowed_cpus();
    ASSERT_FALSE(before.empty());
    {
      const PinnedThread pinned({before.back()});
      EXPECT_EQ(allowed_cpus(), std::vector<int>({before.back()}));
      EXPECT_EQ(sched_getcpu(), before.back());
    }
    EXPECT_EQ(allowed_cpus(), before);
    {
      const PinnedThread nowhere({});  // an empty list leaves it alone
      EXPECT_EQ(allowed_cpus(), before);
    }
  }).join();
}

}  // namespace
}  // namespace txray::bench
