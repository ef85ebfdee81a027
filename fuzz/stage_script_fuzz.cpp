// libFuzzer target for the stage-script parser of txray-demo
// (app/demo/stage_script.h): any text must either parse or be refused with
// StageScriptError reading "fuzz.stage:LINE: problem" with LINE inside the
// text. A parsed script must keep the parser's promises (the last step is
// the results step and only the last; every other step shows one to three
// known profiles; threads and durations in range) and must play: timed
// steps advance and the clicker walks it both ways without leaving it.
// Seeds: fuzz/corpus/stage_script/ (scripts/fuzz SECONDS stage).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "app/demo/stage_script.h"

namespace {

void check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "stage_script_fuzz: %s\n", what.c_str());
    std::abort();
  }
}

// The names a script may use are a parameter of the parser; these are the
// named profiles (kept literal: named_profiles() lives in txray_bench,
// which would pull every backend library into this target).
const std::vector<std::string> kKnown = {"cpython", "cpython-ft", "pypy", "pypy-stm", "native-fine", "ideal"};
constexpr int kMaxThreads = 8;

void play(txray::demo::StagePlayer player) {
  double now = 0.0;
  for (int i = 0; i < 4 * player.count() + 4 && !player.finished(); ++i) {
    now += 7.5;
    player.update(now);
    check(player.index() >= 0 && player.index() < player.count(), "update left the script");
    check(player.remaining(now) >= 0.0, "negative time left in a step");
    player.click(i % 3 == 2 ? -1 : +1, now);
    check(player.index() >= 0 && player.index() < player.count(), "click left the script");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  txray::demo::StageScript script;
  try {
    script = txray::demo::parse_stage_script(text, "fuzz.stage", kKnown, kMaxThreads);
  } catch (const txray::demo::StageScriptError& e) {
    const std::string prefix = "fuzz.stage:" + std::to_string(e.line()) + ": ";
    const std::string message = e.what();
    check(message.rfind(prefix, 0) == 0, "a refusal that does not start with file:line: " + message);
    check(e.line() >= 1 && e.line() <= lines, "a refusal naming a line outside the text: " + message);
    check(message.size() > prefix.size(), "a refusal with no problem: " + message);
    return 0;
  }
  check(script.steps.size() >= 2, "a script with no step besides the results");
  for (std::size_t i = 0; i < script.steps.size(); ++i) {
    const txray::demo::StageStep& step = script.steps[i];
    const bool last = i + 1 == script.steps.size();
    check(step.results == last, "the results step is not exactly the last");
    check(step.line >= 0 && step.line <= lines, "a step's line outside the text");
    check(std::isfinite(step.seconds) && step.seconds >= 0.0 && step.seconds <= 3600.0, "a duration out of range");
    check(step.threads >= 0 && step.threads <= kMaxThreads, "threads out of range");
    if (!step.results) check(step.profiles.size() >= 1 && step.profiles.size() <= 3, "a step with 0 or > 3 panes");
    for (const std::string& p : step.profiles)
      check(std::find(kKnown.begin(), kKnown.end(), p) != kKnown.end(), "an unknown profile accepted: " + p);
  }
  play(txray::demo::StagePlayer(script, 0.0));
  return 0;
}
