#include "app/demo/pane_scheduler.h"

#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

namespace txray::demo {
namespace {

TEST(PaneScheduler, PanesGetEqualMachineTimeWhateverTheirFrameCost) {
  const double cost[] = {0.004, 0.05, 1.2};  // ideal-ish, pypy-ish, cpython-ish frames
  PaneScheduler s(3, 0.25);
  while (s.busy(0) + s.busy(1) + s.busy(2) < 60.0) s.record(s.current(), cost[s.current()]);
  const double most = std::max({s.busy(0), s.busy(1), s.busy(2)});
  const double least = std::min({s.busy(0), s.busy(1), s.busy(2)});
  // Unfairness is bounded by one turn plus one frame, however long it runs.
  EXPECT_LE(most - least, 0.25 + 1.2 + 1e-9);
  EXPECT_GT(least, 18.0);
  // FPS as each pane measures it is its own frame rate.
  EXPECT_NEAR(s.frames(0) / s.busy(0), 1.0 / 0.004, 1.0);
  EXPECT_NEAR(s.frames(1) / s.busy(1), 1.0 / 0.05, 0.1);
}

TEST(PaneScheduler, TurnsLastASlice) {
  PaneScheduler s(2, 0.25);
  EXPECT_EQ(s.current(), 0);
  for (int k = 0; k < 4; ++k) {
    s.record(0, 0.05);
    EXPECT_EQ(s.current(), 0);
    EXPECT_FALSE(s.switched());
  }
  s.record(0, 0.05);
  EXPECT_EQ(s.current(), 1);
  EXPECT_TRUE(s.switched());
}

TEST(PaneScheduler, IdlePanesGetNoTurns) {
  PaneScheduler s(2, 0.1);
  s.set_idle(0, true);
  EXPECT_EQ(s.current(), 1);
  for (int k = 0; k < 10; ++k) s.record(s.current(), 0.1);
  EXPECT_EQ(s.frames(0), 0);
  EXPECT_FALSE(s.all_idle());
  s.set_idle(1, true);
  EXPECT_TRUE(s.all_idle());
}

}  // namespace
}  // namespace txray::demo
