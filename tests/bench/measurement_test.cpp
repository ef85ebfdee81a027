// How the harness measures: repetitions interleaved round-robin, every
// frame's time kept, and the busy-machine guard seeing another process.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "bench/harness/fps_harness.h"
#include "bench/harness/machine_load.h"
#include "renderer/tile_scheduler.h"
#include "scenes/scene.h"

namespace txray::bench {
namespace {

HarnessOptions tiny(int repetitions) {
  HarnessOptions o;
  o.profiles = {*find_profile("pypy"), *find_profile("ideal")};
  o.threads = {1, 2};
  o.width = 24;
  o.height = 16;
  o.frames = 3;
  o.warmup = 1;
  o.repetitions = repetitions;
  return o;
}

TEST(Repetitions, RunRoundRobinAcrossConfigurations) {
  const auto scene = builtin_scene("spheres");
  ASSERT_TRUE(scene.has_value());
  std::vector<std::pair<int, int>> order;  // (repetition, run) at each configuration's first frame
  auto progress = [&](const Progress& p) {
    if (p.frame == 1) order.emplace_back(p.repetition, p.run);
  };
  std::atomic<bool> stop{false};
  const std::vector<RunRecord> runs = run_harness(*scene, tiny(3), progress, stop);
  const std::vector<std::pair<int, int>> expected = {{1, 1}, {1, 2}, {1, 3}, {1, 4}, {2, 1}, {2, 2},
                                                     {2, 3}, {2, 4}, {3, 1}, {3, 2}, {3, 3}, {3, 4}};
  EXPECT_EQ(order, expected);
  ASSERT_EQ(runs.size(), 4u);
  for (const RunRecord& r : runs) {
    ASSERT_EQ(r.repetitions.size(), 3u) << r.profile;
    EXPECT_EQ(r.frames, 9);
    double seconds = 0.0, fps_sum = 0.0;
    for (const Repetition& rep : r.repetitions) {
      EXPECT_EQ(rep.frame_ms.size(), 3u);
      double frame_sum = 0.0;
      for (double ms : rep.frame_ms) frame_sum += ms;
      // Each frame's time is inside the repetition's measured wall time.
      EXPECT_LE(frame_sum, rep.seconds * 1e3 + 1e-6);
      seconds += rep.seconds;
      fps_sum += rep.fps;
    }
    EXPECT_DOUBLE_EQ(r.seconds, seconds);
    EXPECT_DOUBLE_EQ(r.fps, fps_sum / 3.0);
    EXPECT_EQ(r.ci_over, "repetitions");
    EXPECT_LE(r.fps_ci_low, r.fps);
    EXPECT_GE(r.fps_ci_high, r.fps);
  }
}

TEST(Repetitions, StopKeepsTheRepetitionsThatFinished) {
  const auto scene = builtin_scene("spheres");
  std::atomic<bool> stop{false};
  int configs_started = 0;
  // Stop during the second round's first configuration.
  auto progress = [&](const Progress& p) {
    if (p.frame == 1 && ++configs_started == 5) stop = true;
  };
  const std::vector<RunRecord> runs = run_harness(*scene, tiny(3), progress, stop);
  ASSERT_EQ(runs.size(), 4u);
  for (const RunRecord& r : runs) EXPECT_EQ(r.repetitions.size(), 1u) << r.profile << " " << r.threads;
}

// A child process spins on a core while the harness measures: the guard
// must see it as another process's time, not ours.
TEST(BusyMachineGuard, SeesACoreBurnedByAnotherProcess) {
  const int cores = hardware_threads();
  // One busy core out of `cores` is 100/cores % of the machine; flag half of it.
  const double threshold = 50.0 / cores;
  const LoadSampler sampler(threshold);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    volatile unsigned long spin = 0;
    while (std::chrono::steady_clock::now() < end) spin = spin + 1;  // killed long before
    _exit(0);
  }
  const auto scene = builtin_scene("spheres");
  HarnessOptions o = tiny(1);
  o.profiles = {*find_profile("ideal")};
  o.threads = {1};
  o.frames = 1;
  o.duration = 1.0;  // a short run, and long enough for the child to burn a share worth flagging
  std::atomic<bool> stop{false};
  const std::vector<RunRecord> runs = run_harness(*scene, o, nullptr, stop);
  const MachineLoad load = sampler.finish();
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  ASSERT_FALSE(runs.empty());
  ASSERT_TRUE(load.measured) << "/proc/stat unreadable";
  EXPECT_TRUE(load.busy) << "other processes " << load.other_cpu_pct << "%, threshold " << threshold << "%";
  EXPECT_GT(load.own_cpu_pct, 0.0);
  EXPECT_GT(load.wall_seconds, 0.9);
}

}  // namespace
}  // namespace txray::bench
