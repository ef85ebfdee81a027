#include "app/demo/stage_script.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace txray::demo {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

class Parser {
 public:
  Parser(const std::string& source, const std::vector<std::string>& known, int max_threads)
      : source_(source), known_(known), max_threads_(max_threads) {}

  StageScript parse(std::string_view text) {
    int line_no = 0;
    while (!text.empty()) {
      const std::size_t eol = text.find('\n');
      std::string_view line = text.substr(0, eol);
      text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
      ++line_no;
      line_ = line_no;
      line = trim(line);
      if (line.empty() || line.front() == '#') continue;
      const std::size_t space = line.find_first_of(" \t");
      const std::string_view word = line.substr(0, space);
      const std::string_view value = space == std::string_view::npos ? std::string_view{} : trim(line.substr(space));
      directive(word, value);
    }
    finish_step();
    if (script_.steps.empty() || !script_.steps.back().results) {
      // Every talk ends on the results: a script need not say so.
      StageStep results = current_;
      results.line = line_no;
      results.results = true;
      results.caption = "Results";
      results.seconds = 0.0;
      script_.steps.push_back(results);
    }
    if (script_.steps.size() == 1) fail(1, "no steps: a script needs at least one 'step'");
    if (script_.loop && !(script_.steps.back().seconds > 0.0))
      fail(loop_line_, "'loop' needs a timed results step to start again after (for example 'results 10s')");
    return script_;
  }

 private:
  [[noreturn]] void fail(int line, const std::string& problem) const { throw StageScriptError(source_, line, problem); }
  [[noreturn]] void fail(const std::string& problem) const { fail(line_, problem); }

  void need_value(std::string_view word, std::string_view value) const {
    if (value.empty()) fail("'" + std::string(word) + "' needs a value");
  }

  std::string profile(std::string_view name) const {
    if (std::find(known_.begin(), known_.end(), name) == known_.end())
      fail("unknown profile '" + std::string(name) + "' (known: " + join(known_) + ")");
    return std::string(name);
  }

  bool on_off(std::string_view word, std::string_view value) const {
    if (value == "on") return true;
    if (value == "off") return false;
    fail("'" + std::string(word) + " " + std::string(value) + "': expected on or off");
  }

  double duration(std::string_view value) const {
    if (value == "click") return 0.0;
    double number = 0.0;
    const char* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, number);
    const std::string_view unit(ptr, static_cast<std::size_t>(end - ptr));
    double scale = 0.0;
    if (unit == "s") scale = 1.0;
    else if (unit == "ms") scale = 1e-3;
    else if (unit == "min") scale = 60.0;
    if (ec != std::errc{} || ptr == value.data() || scale == 0.0 || !(number > 0.0) || number * scale > 3600.0)
      fail("duration '" + std::string(value) + "': expected click or a time such as 8s, 1500ms, 2min (up to an hour)");
    return number * scale;
  }

  void directive(std::string_view word, std::string_view value) {
    const bool step_only = word == "caption" || word == "duration";
    if (step_only && !in_step_) fail("'" + std::string(word) + "' belongs inside a step (after 'step')");
    if (results_seen_ && word != "caption" && word != "duration")
      fail("'" + std::string(word) + "' after 'results': the results chart is the last step");
    if (word == "title") {
      if (in_step_) fail("'title' belongs before the first step");
      need_value(word, value);
      script_.title = std::string(value);
    } else if (word == "loop") {
      if (in_step_) fail("'loop' belongs before the first step");
      if (!value.empty()) fail("'loop' takes no value");
      script_.loop = true;
      loop_line_ = line_;
    } else if (word == "step" || word == "results") {
      if (!value.empty() && word == "step") fail("'step' takes no value (put settings on the lines after it)");
      finish_step();
      in_step_ = true;
      current_.line = line_;
      current_.caption.clear();
      current_.seconds = 0.0;
      current_.results = word == "results";
      if (word == "results") {
        results_seen_ = true;
        current_.caption = "Results";
        if (!value.empty()) current_.seconds = duration(value);
      }
    } else if (word == "profile") {
      need_value(word, value);
      current_.profiles = {profile(value)};
    } else if (word == "compare") {
      need_value(word, value);
      std::vector<std::string> names;
      std::string_view rest = value;
      while (true) {
        const std::size_t comma = rest.find(',');
        names.push_back(profile(trim(rest.substr(0, comma))));
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
      }
      if (names.size() < 2 || names.size() > 3) fail("'compare' takes two or three profiles, got " + std::to_string(names.size()));
      current_.profiles = names;
    } else if (word == "threads") {
      need_value(word, value);
      if (value == "cores") {
        current_.threads = 0;
        return;
      }
      int n = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc{} || ptr != value.data() + value.size() || n < 1 || n > max_threads_)
        fail("threads '" + std::string(value) + "': expected cores or a number from 1 to " + std::to_string(max_threads_));
      current_.threads = n;
    } else if (word == "scene") {
      need_value(word, value);
      current_.scene = std::string(value);
      current_.scene_line = line_;
    } else if (word == "animator") {
      current_.animator = on_off(word, value);
    } else if (word == "counters") {
      if (value == "shared") current_.shared_counters = true;
      else if (value == "sharded") current_.shared_counters = false;
      else fail("'counters " + std::string(value) + "': expected shared or sharded");
    } else if (word == "log") {
      current_.log = on_off(word, value);
    } else if (word == "heatmap") {
      current_.heatmap = on_off(word, value);
    } else if (word == "drag") {
      current_.drag = on_off(word, value);
    } else if (word == "caption") {
      need_value(word, value);
      current_.caption = std::string(value);
    } else if (word == "duration") {
      need_value(word, value);
      current_.seconds = duration(value);
    } else {
      fail("unknown directive '" + std::string(word) +
           "' (expected title, loop, step, profile, compare, threads, scene, animator, counters, log, heatmap, drag, caption, duration, results)");
    }
  }

  void finish_step() {
    if (!in_step_) return;
    if (!current_.results && current_.profiles.empty())
      fail(current_.line, "this step shows no profile: give 'profile NAME' or 'compare A,B' in it or before it");
    script_.steps.push_back(current_);
  }

  const std::string& source_;
  const std::vector<std::string>& known_;
  int max_threads_;
  StageScript script_;
  StageStep current_;  // settings carry over from step to step
  bool in_step_ = false, results_seen_ = false;
  int line_ = 0, loop_line_ = 0;
};

}  // namespace

StageScript parse_stage_script(std::string_view text, const std::string& source,
                               const std::vector<std::string>& known_profiles, int max_threads) {
  return Parser(source, known_profiles, max_threads).parse(text);
}

StageScript load_stage_script(const std::filesystem::path& path, const std::vector<std::string>& known_profiles,
                              int max_threads) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw StageScriptError(path.string(), 0, "cannot read the stage script");
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > (1u << 20)) throw StageScriptError(path.string(), 0, "larger than 1 MiB: not a stage script");
  return parse_stage_script(text.str(), path.string(), known_profiles, max_threads);
}

bool StagePlayer::update(double now) {
  if (finished_) return false;
  const StageStep& s = step();
  if (s.seconds > 0.0 && now - step_start_ >= s.seconds) {
    if (index_ + 1 < script_.steps.size()) {
      ++index_;
      step_start_ = now;
      return true;
    }
    if (script_.loop) {
      index_ = 0;
      step_start_ = now;
      return true;
    }
    finished_ = true;  // a timed results step ends the show
    return true;
  }
  return false;
}

bool StagePlayer::click(int delta, double now) {
  if (delta == 0 || finished_) return false;
  if (delta > 0 && index_ + 1 >= script_.steps.size()) {
    finished_ = true;
    return true;
  }
  const auto target = std::clamp<long>(static_cast<long>(index_) + delta, 0, static_cast<long>(script_.steps.size()) - 1);
  if (static_cast<std::size_t>(target) == index_) return false;
  index_ = static_cast<std::size_t>(target);
  step_start_ = now;
  return true;
}

double StagePlayer::remaining(double now) const {
  const StageStep& s = step();
  return s.seconds > 0.0 ? std::max(0.0, s.seconds - (now - step_start_)) : 0.0;
}

std::pair<float, float> scripted_drag_point(double seconds) {
  constexpr double kTwoPi = 6.283185307179586;
  const double a = kTwoPi * seconds / 4.0;
  return {kScriptedGrab.first + static_cast<float>(0.15 * std::cos(a)) - 0.15f,
          kScriptedGrab.second + static_cast<float>(0.10 * std::sin(a))};
}

}  // namespace txray::demo
