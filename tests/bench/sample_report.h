#pragma once
// A report shaped like a real `txray bench` run, shared by the bench tests.
#include "bench/harness/report.h"

namespace txray::bench::testing {

inline RunRecord make_run(std::string profile, std::string engine, std::string backend, int threads, double fps) {
  RunRecord r;
  r.profile = std::move(profile);
  r.engine = std::move(engine);
  r.backend = std::move(backend);
  r.threads = threads;
  r.frames = 30;
  r.fps = fps;
  r.seconds = fps > 0 ? 30.0 / fps : 0.0;
  r.frame_ms_median = fps > 0 ? 1000.0 / fps : 0.0;
  r.frame_ms_p90 = r.frame_ms_median * 1.1;
  r.mrays_per_second = fps * 0.2304;  // 640×360 primary rays per frame
  return r;
}

inline BenchReport sample_report() {
  BenchReport report;
  report.machine = {"AMD EPYC 7B13", 2, "Debian GNU/Linux 12", "GNU 12.2.0", "Release -O3 -march=x86-64-v2", "0.1.0",
                    "2026-11-25T19:30:00Z", ""};
  report.config.scene = "spheres";
  report.config.width = 640;
  report.config.height = 360;
  report.config.frames = 30;
  report.config.warmup = 5;
  report.config.animate = "between";
  report.config.counters = "sharded";

  RunRecord gil1 = make_run("pypy", "native", "gil", 1, 21.0);
  gil1.stats = {{"GIL switches/s", 0.0, "/s"}, {"time lost (%)", 0.0, "%"}};
  RunRecord gil2 = make_run("pypy", "native", "gil", 2, 17.5);
  gil2.stats = {{"GIL switches/s", 198.0, "/s"}, {"GIL waits/s", 201.0, "/s"}, {"time lost (%)", 48.0, "%"}};
  RunRecord stm1 = make_run("pypy-stm", "native", "stm", 1, 19.0);
  stm1.stats = {{"aborts/s (validate)", 0.0, "/s"}, {"time lost (%)", 0.0, "%"}};
  RunRecord stm2 = make_run("pypy-stm", "native", "stm", 2, 36.1);
  stm2.stats = {{"commits/s", 5000.0, "/s"},
                {"aborts/s (validate)", 96.0, "/s"},
                {"aborts/s (write-write)", 24.0, "/s"},
                {"time lost (%)", 3.0, "%"}};
  RunRecord ideal1 = make_run("ideal", "native", "snapshot", 1, 22.0);
  RunRecord ideal2 = make_run("ideal", "native", "snapshot", 2, 43.0);
  report.runs = {gil1, gil2, stm1, stm2, ideal1, ideal2};
  report.seed = europython2015_seed();
  return report;
}

}  // namespace txray::bench::testing
