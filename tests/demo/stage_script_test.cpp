#include "app/demo/stage_script.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "bench/harness/profile.h"

namespace txray::demo {
namespace {

const std::vector<std::string> kProfiles = {"pypy", "pypy-stm", "native-fine", "ideal"};

StageScript parse(const std::string& text) { return parse_stage_script(text, "t.stage", kProfiles, 16); }

// The message of the error a script raises ("" when it parses).
std::string error_of(const std::string& text) {
  try {
    (void)parse(text);
  } catch (const StageScriptError& e) {
    return e.what();
  }
  return "";
}

TEST(StageScript, SettingsCarryOverAndResultsCloseTheShow) {
  const StageScript s = parse(
      "# a talk\n"
      "title Hello\n"
      "threads 2\n"
      "step\n"
      "  profile pypy\n"
      "  caption One\n"
      "  duration 8s\n"
      "\n"
      "step\n"
      "  compare pypy, pypy-stm ,ideal\n"
      "  animator on\n"
      "  duration 1500ms\n"
      "step\n"
      "  counters shared\n"
      "  log on\n"
      "  heatmap on\n"
      "  drag on\n"
      "  threads cores\n");
  EXPECT_EQ(s.title, "Hello");
  ASSERT_EQ(s.steps.size(), 4u);
  EXPECT_EQ(s.steps[0].line, 4);
  EXPECT_EQ(s.steps[0].profiles, std::vector<std::string>{"pypy"});
  EXPECT_EQ(s.steps[0].threads, 2);
  EXPECT_DOUBLE_EQ(s.steps[0].seconds, 8.0);
  EXPECT_EQ(s.steps[1].profiles, (std::vector<std::string>{"pypy", "pypy-stm", "ideal"}));
  EXPECT_TRUE(s.steps[1].animator);
  EXPECT_EQ(s.steps[1].caption, "");  // captions do not carry over
  EXPECT_DOUBLE_EQ(s.steps[1].seconds, 1.5);
  EXPECT_TRUE(s.steps[2].animator);  // settings do
  EXPECT_TRUE(s.steps[2].shared_counters && s.steps[2].log);
  EXPECT_TRUE(s.steps[2].heatmap);
  EXPECT_FALSE(s.steps[1].heatmap);
  EXPECT_TRUE(s.steps[2].drag);
  EXPECT_FALSE(s.steps[1].drag);
  EXPECT_EQ(s.steps[2].threads, 0);
  EXPECT_DOUBLE_EQ(s.steps[2].seconds, 0.0);  // wait for the clicker
  EXPECT_TRUE(s.steps[3].results);            // added: every script ends on the results
}

TEST(StageScript, ErrorsNameTheLine) {
  EXPECT_EQ(error_of("step\n  profile pypy\n  frobnicate 3\n"),
            "t.stage:3: unknown directive 'frobnicate' (expected title, loop, step, profile, compare, threads, scene, "
            "animator, counters, log, heatmap, drag, caption, duration, results)");
  EXPECT_EQ(error_of("step\n\n  profile pypy-sm\n"),
            "t.stage:3: unknown profile 'pypy-sm' (known: pypy, pypy-stm, native-fine, ideal)");
  EXPECT_EQ(error_of("step\n  compare pypy\n"), "t.stage:2: 'compare' takes two or three profiles, got 1");
  EXPECT_EQ(error_of("step\n  compare pypy,ideal,pypy-stm,native-fine\n"),
            "t.stage:2: 'compare' takes two or three profiles, got 4");
  EXPECT_EQ(error_of("step\n  profile pypy\n  duration 8 s\n"),
            "t.stage:3: duration '8 s': expected click or a time such as 8s, 1500ms, 2min (up to an hour)");
  EXPECT_EQ(error_of("caption hi\nstep\n  profile pypy\n"), "t.stage:1: 'caption' belongs inside a step (after 'step')");
  EXPECT_EQ(error_of("step\n  profile pypy\n  threads 17\n"),
            "t.stage:3: threads '17': expected cores or a number from 1 to 16");
  EXPECT_EQ(error_of("step\n  profile pypy\n  animator maybe\n"), "t.stage:3: 'animator maybe': expected on or off");
  EXPECT_EQ(error_of("step\n  profile pypy\nresults\nstep\n"),
            "t.stage:4: 'step' after 'results': the results chart is the last step");
  EXPECT_EQ(error_of("# nothing\n"), "t.stage:1: no steps: a script needs at least one 'step'");
  EXPECT_EQ(error_of("step\n  caption no profile\nstep\n  profile pypy\n"),
            "t.stage:1: this step shows no profile: give 'profile NAME' or 'compare A,B' in it or before it");
  EXPECT_EQ(error_of("step\n  profile\n"), "t.stage:2: 'profile' needs a value");
}

TEST(StageScript, MissingFileIsLineZeroAndNamedWithoutALine) {
  try {
    (void)load_stage_script("/nonexistent/talk.stage", kProfiles, 16);
    FAIL();
  } catch (const StageScriptError& e) {
    EXPECT_EQ(e.line(), 0);
    // Not "talk.stage:0: ...": there is no line 0 to look at.
    EXPECT_EQ(std::string(e.what()), "/nonexistent/talk.stage: cannot read the stage script");
  }
}

TEST(StageScript, ShippedScriptsParse) {
  std::vector<std::string> known;
  for (const auto& p : bench::named_profiles()) known.push_back(p.name);
  int parsed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(TXRAY_SOURCE_DIR "/assets/stage")) {
    if (entry.path().extension() != ".stage") continue;
    // talk.stage tells the 2015 story and needs the interpreted profile.
    if (entry.path().filename() == "talk.stage" && std::find(known.begin(), known.end(), "cpython") == known.end())
      continue;
    EXPECT_NO_THROW((void)load_stage_script(entry.path(), known, 64)) << entry.path();
    ++parsed;
  }
  EXPECT_GE(parsed, 1);
}

TEST(StagePlayer, TimedStepsAdvanceAndTheClickerMovesBothWays) {
  StagePlayer p(parse("step\n profile pypy\n duration 2s\nstep\n profile ideal\nresults\n"), 100.0);
  EXPECT_EQ(p.index(), 0);
  EXPECT_DOUBLE_EQ(p.remaining(101.0), 1.0);
  EXPECT_FALSE(p.update(101.9));
  EXPECT_TRUE(p.update(102.0));
  EXPECT_EQ(p.index(), 1);
  EXPECT_FALSE(p.update(500.0));  // waits for the clicker
  EXPECT_TRUE(p.click(+1, 500.0));
  EXPECT_TRUE(p.step().results);
  EXPECT_TRUE(p.click(-1, 501.0));
  EXPECT_EQ(p.index(), 1);
  // Five back from the second step moves (to the first, clamped) ...
  EXPECT_TRUE(p.click(-5, 501.0));
  EXPECT_EQ(p.index(), 0);
  // ... and back again from the first does not, nor does a zero click.
  EXPECT_FALSE(p.click(-1, 502.0));
  EXPECT_FALSE(p.click(0, 502.0));
  EXPECT_EQ(p.index(), 0);
  EXPECT_FALSE(p.finished());
  // The clicked-to step restarts its clock: 2 s from the click, not from 100.
  EXPECT_DOUBLE_EQ(p.remaining(501.5), 1.5);
  EXPECT_FALSE(p.update(502.9));
  EXPECT_TRUE(p.update(503.0));
  EXPECT_EQ(p.index(), 1);
  // Past the last step (results): finished, and no click moves it any more.
  EXPECT_TRUE(p.click(+1, 504.0));
  EXPECT_EQ(p.index(), 2);
  EXPECT_FALSE(p.finished());
  EXPECT_TRUE(p.click(+1, 504.5));
  EXPECT_TRUE(p.finished());
  EXPECT_FALSE(p.click(-1, 505.0));
}

// `loop` (for scripts/soak): a timed results step goes back to the first
// step instead of ending; the clicker past the results still ends it.
TEST(StagePlayer, LoopStartsAgainAfterATimedResultsStep) {
  StagePlayer p(parse("loop\nstep\n  profile pypy\n  duration 2s\nresults 3s\n"), 0.0);
  EXPECT_TRUE(p.script().loop);
  EXPECT_TRUE(p.update(2.0));
  EXPECT_TRUE(p.step().results);
  EXPECT_FALSE(p.update(4.9));
  EXPECT_TRUE(p.update(5.0));
  EXPECT_EQ(p.index(), 0);
  EXPECT_FALSE(p.finished());
  EXPECT_DOUBLE_EQ(p.remaining(5.5), 1.5);
  EXPECT_TRUE(p.update(7.0));
  EXPECT_TRUE(p.click(+1, 7.5));
  EXPECT_TRUE(p.finished());
  // Without loop, the same script ends after its results.
  StagePlayer once(parse("step\n  profile pypy\n  duration 2s\nresults 3s\n"), 0.0);
  EXPECT_TRUE(once.update(2.0));
  EXPECT_TRUE(once.update(5.0));
  EXPECT_TRUE(once.finished());
}

TEST(StageScript, LoopNeedsATimedResultsStepAndComesFirst) {
  auto error = [](const std::string& text) {
    try {
      (void)parse(text);
    } catch (const StageScriptError& e) {
      return std::string(e.what());
    }
    return std::string("parsed");
  };
  EXPECT_EQ(error("loop\nstep\n  profile pypy\n"),
            "t.stage:1: 'loop' needs a timed results step to start again after (for example 'results 10s')");
  EXPECT_EQ(error("step\n  profile pypy\nloop\nresults 2s\n"), "t.stage:3: 'loop' belongs before the first step");
  EXPECT_EQ(error("loop forever\nstep\n  profile pypy\nresults 2s\n"), "t.stage:1: 'loop' takes no value");
}

TEST(StageScript, SceneErrorsPointAtTheSceneLine) {
  const StageScript s = parse("scene spheres\nstep\n  profile pypy\nstep\n  scene cornell\n  profile ideal\n");
  ASSERT_EQ(s.steps.size(), 3u);
  EXPECT_EQ(s.steps[0].scene_line, 1);  // carried over from before the step
  EXPECT_EQ(s.steps[1].scene_line, 5);
}

// A scripted drag starts where it grabbed and circles there, inside the pane.
TEST(StageScript, ScriptedDragCirclesInsideThePane) {
  const auto start = scripted_drag_point(0.0);
  EXPECT_NEAR(start.first, kScriptedGrab.first, 1e-6);
  EXPECT_NEAR(start.second, kScriptedGrab.second, 1e-6);
  bool moved = false;
  for (int k = 0; k <= 80; ++k) {
    const auto p = scripted_drag_point(k * 0.05);
    EXPECT_GT(p.first, 0.0f);
    EXPECT_LT(p.first, 1.0f);
    EXPECT_GT(p.second, 0.0f);
    EXPECT_LT(p.second, 1.0f);
    moved |= std::abs(p.first - start.first) > 0.1f;
  }
  EXPECT_TRUE(moved);
  const auto round = scripted_drag_point(4.0);  // one turn later: back where it began
  EXPECT_NEAR(round.first, start.first, 1e-5);
  EXPECT_NEAR(round.second, start.second, 1e-5);
}

}  // namespace
}  // namespace txray::demo
