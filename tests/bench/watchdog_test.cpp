// The watchdog (bench/harness/watchdog.h): its limit logic driven by a fake
// clock (no timing is asserted), its exit when no frame comes, and the
// state a rig describes while a unit holds what it holds.
#include "bench/harness/watchdog.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "bench/harness/rig.h"
#include "scenes/scene.h"

namespace txray::bench {
namespace {

TEST(FrameDeadline, TheFloorHoldsUntilFramesSaySlower) {
  FrameDeadline d(30.0);
  EXPECT_FALSE(d.armed());
  EXPECT_FALSE(d.expired(1e9));  // nothing expected, nothing expires
  d.arm(100.0);
  EXPECT_EQ(d.median_frame(), 0.0);
  EXPECT_EQ(d.limit(), 30.0);
  EXPECT_FALSE(d.expired(129.9));
  EXPECT_TRUE(d.expired(130.0));
  // Fast frames leave the floor in charge.
  for (int i = 1; i <= 10; ++i) d.frame_done(100.0 + 0.01 * i);
  EXPECT_EQ(d.frames(), 10);
  EXPECT_EQ(d.limit(), 30.0);
  EXPECT_FALSE(d.expired(100.1 + 29.9));
  EXPECT_TRUE(d.expired(100.1 + 30.0));
}

TEST(FrameDeadline, TwentyMediansWhenThatIsLonger) {
  FrameDeadline d(1.0);
  d.arm(0.0);
  double t = 0.0;
  for (int i = 0; i < 9; ++i) d.frame_done(t += 2.0);  // 2 s frames
  // The median is 2 s to the histogram's resolution: within 9 % above.
  EXPECT_GE(d.median_frame(), 2.0);
  EXPECT_LE(d.median_frame(), 2.0 * 1.091);
  EXPECT_GE(d.limit(), 40.0);
  EXPECT_LE(d.limit(), 40.0 * 1.091);
  EXPECT_FALSE(d.expired(t + 39.9));
  EXPECT_TRUE(d.expired(t + d.limit()));
}

TEST(FrameDeadline, AMedianIsNotMovedByAFewOutliers) {
  FrameDeadline d(0.5);
  d.arm(0.0);
  double t = 0.0;
  for (int i = 0; i < 7; ++i) d.frame_done(t += 0.1);
  for (int i = 0; i < 3; ++i) d.frame_done(t += 50.0);  // three long frames among ten
  EXPECT_LE(d.median_frame(), 0.1 * 1.091);
  EXPECT_LE(d.limit(), 20 * 0.1 * 1.091);
}

TEST(FrameDeadline, ATileIsLifeButNotAFrame) {
  FrameDeadline d(10.0);
  d.arm(0.0);
  d.alive(9.0);  // tiles finished: the wait restarts
  EXPECT_FALSE(d.expired(18.9));
  EXPECT_TRUE(d.expired(19.0));
  EXPECT_EQ(d.frames(), 0);             // not a frame
  EXPECT_DOUBLE_EQ(d.waited(19.0), 19.0);  // the frame in flight, since arm()
  d.frame_done(20.0);
  EXPECT_EQ(d.frames(), 1);
  EXPECT_DOUBLE_EQ(d.waited(21.0), 1.0);
}

TEST(FrameDeadline, ArmKeepsAWaitInProgressAndDisarmEndsIt) {
  FrameDeadline d(5.0);
  d.arm(0.0);
  d.arm(4.0);  // already armed: the wait still began at 0
  EXPECT_TRUE(d.expired(5.0));
  d.disarm();
  EXPECT_FALSE(d.expired(100.0));
  d.arm(100.0);  // a new wait
  EXPECT_FALSE(d.expired(104.9));
  EXPECT_TRUE(d.expired(105.0));
}

TEST(Watchdog, ZeroTurnsItOff) {
  Watchdog w("test", 0.0);
  EXPECT_FALSE(w.enabled());
  w.arm([] { return std::vector<std::string>{"unused"}; });  // no thread: nothing can fire
  w.frame_done();
  w.tile_done();
  w.disarm();
}

TEST(WatchdogDeathTest, NoFrameExitsFourWithTheState) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        Watchdog w("txray test", 0.2);
        w.arm([] { return std::vector<std::string>{"backend test: the lock is held by worker 7"}; });
        for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));  // a frame that never finishes
      },
      testing::ExitedWithCode(kWatchdogStatus),
      "txray test: watchdog: no frame finished in .*\nbackend test: the lock is held by worker 7");
}

// A unit that never ends (Rig::hang_for_test) is named by the rig's state,
// as the holder where the backend has one thing to hold, and the rig's
// destructor ends it.
class RigState : public testing::TestWithParam<BackendKind> {};

TEST_P(RigState, TheHangingUnitIsNamed) {
  if (!backend_available(GetParam())) GTEST_SKIP() << "built without " << backend_name(GetParam());
  const auto scene = builtin_scene("spheres");
  const Choreography choreography(*scene);
  RigOptions options;
  options.backend = GetParam();
  options.threads = 2;
  Rig rig(choreography, options);
  const std::vector<std::string> before = rig.describe_state();
  ASSERT_FALSE(before.empty());
  EXPECT_NE(before[0].find("backend " + std::string(backend_name(GetParam()))), std::string::npos) << before[0];
  rig.hang_for_test();
  const std::vector<std::string> lines = rig.describe_state();
  std::string all;
  for (const std::string& l : lines) all += l + "\n";
  EXPECT_NE(all.find("(input writer): in a unit"), std::string::npos) << all;
  switch (GetParam()) {
    case BackendKind::gil:
      EXPECT_NE(all.find("the GIL is held by worker 4 (input writer), inside a unit"), std::string::npos) << all;
      break;
    case BackendKind::stm:
      EXPECT_NE(all.find("the inevitable token is held by worker 4 (input writer)"), std::string::npos) << all;
      EXPECT_NE(all.find("1 live transaction"), std::string::npos) << all;
      break;
    case BackendKind::mutex:
      EXPECT_NE(all.find("the unit mutex is held by worker 4 (input writer)"), std::string::npos) << all;
      break;
    case BackendKind::itm:
      // What only the wrapper knows: the unit went serial-irrevocable
      // (inevitable()), and what each worker runs.
      EXPECT_NE(all.find("serial-irrevocable mode is held by worker 4 (input writer), inside a unit"), std::string::npos)
          << all;
      EXPECT_NE(all.find("(input writer): in a unit (user drag)"), std::string::npos) << all;
      EXPECT_NE(all.find("(animator thread): between units (animator update)"), std::string::npos) << all;
      break;
    default:
      break;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, RigState,
                         testing::ValuesIn(kAllBackendKinds),
                         [](const auto& info) {
                           std::string name(backend_name(info.param));
                           std::erase(name, '-');
                           return name;
                         });

}  // namespace
}  // namespace txray::bench
