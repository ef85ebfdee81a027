#include "app/demo/demo_state.h"

#include <gtest/gtest.h>

namespace txray::demo {
namespace {

const std::vector<std::string> kProfiles = {"pypy", "pypy-stm", "native-fine", "ideal"};

TEST(DemoState, DigitsPickAProfileAndLeaveAComparison) {
  DemoState s(kProfiles, {0, 1}, 2, 8);
  EXPECT_TRUE(s.comparing());
  s.apply({Action::select_profile, 3});
  EXPECT_EQ(s.pane_profiles(), std::vector<std::string>{"ideal"});
  s.apply({Action::select_profile, 5});  // no sixth profile yet: ignored
  EXPECT_EQ(s.pane_profiles(), std::vector<std::string>{"ideal"});
}

TEST(DemoState, NextAndPreviousWrapAround) {
  DemoState s(kProfiles, {3}, 2, 8);
  s.apply({Action::next});
  EXPECT_EQ(s.pane_profiles().front(), "pypy");
  s.apply({Action::previous});
  s.apply({Action::previous});
  EXPECT_EQ(s.pane_profiles().front(), "native-fine");
}

TEST(DemoState, ThreadsStayInRange) {
  DemoState s(kProfiles, {0}, 2, 3);
  for (int i = 0; i < 5; ++i) s.apply({Action::more_threads});
  EXPECT_EQ(s.threads, 3);
  for (int i = 0; i < 5; ++i) s.apply({Action::fewer_threads});
  EXPECT_EQ(s.threads, 1);
}

TEST(DemoState, ScriptTakesTheClicker) {
  DemoState s(kProfiles, {1}, 2, 8);
  s.scripted = true;
  s.apply({Action::next});
  s.apply({Action::next});
  s.apply({Action::previous});
  EXPECT_EQ(s.step_requests, 1);
  EXPECT_EQ(s.pane_profiles().front(), "pypy-stm");
}

TEST(DemoState, TogglesFlip) {
  DemoState s(kProfiles, {0}, 1, 4);
  for (Action a : {Action::toggle_pause, Action::toggle_animator, Action::toggle_counters, Action::toggle_log,
                   Action::toggle_help, Action::toggle_fullscreen, Action::toggle_heatmap})
    s.apply({a});
  EXPECT_TRUE(s.paused && s.animator && s.shared_counters && s.log && s.help && s.fullscreen && s.heatmap);
  s.apply({Action::toggle_heatmap});
  EXPECT_FALSE(s.heatmap);
  s.apply({Action::toggle_animator});
  EXPECT_FALSE(s.animator);
  s.apply({Action::screenshot});
  s.apply({Action::screenshot});
  EXPECT_EQ(s.screenshot_requests, 2);
  EXPECT_FALSE(s.quit);
  s.apply({Action::quit});
  EXPECT_TRUE(s.quit);
}

}  // namespace
}  // namespace txray::demo
