#pragma once
/// Stage scripts: a talk as a list of steps (assets/stage/README.md has the
/// format). Parsing and playing are plain code with an injected clock, so
/// a script's timing and its errors are tested without a window.
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace txray::demo {

/// what() reads "<source>:<line>: <problem>", or "<source>: <problem>" for
/// the file as a whole (line 0: it cannot be read, it is too large).
class StageScriptError : public std::runtime_error {
 public:
  StageScriptError(const std::string& source, int line, const std::string& problem)
      : std::runtime_error(source + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + problem),
        line_(line) {}
  [[nodiscard]] int line() const { return line_; }

 private:
  int line_;
};

struct StageStep {
  int line = 0;                       ///< where the step starts in the file
  bool results = false;               ///< the closing results chart
  std::vector<std::string> profiles;  ///< one pane, or two or three compared
  std::string scene = "spheres";
  int scene_line = 0;                 ///< the line that named `scene` (0: the default)
  int threads = 0;                    ///< 0: one per core
  bool animator = false;
  bool shared_counters = false;
  bool log = false;
  bool heatmap = false;               ///< the T overlay
  /// The demo drags the object under the picture's centre in a slow circle
  /// (scripted_drag_point), through the same path as a Shift-drag, so the
  /// drag's latency shows without a hand on the mouse.
  bool drag = false;
  std::string caption;
  double seconds = 0.0;               ///< > 0: advance after this long; 0: wait for the clicker
};

struct StageScript {
  std::string title;
  /// `loop`: a timed results step starts the script again from its first
  /// step instead of ending it (a kiosk, scripts/soak).
  bool loop = false;
  std::vector<StageStep> steps;  ///< the last is always the results step
};

/// `known_profiles`: the names a step may use (named_profiles()).
[[nodiscard]] StageScript parse_stage_script(std::string_view text, const std::string& source,
                                             const std::vector<std::string>& known_profiles, int max_threads);
/// Reads and parses a file; a file that cannot be read is line 0 (the
/// message then names the file alone).
[[nodiscard]] StageScript load_stage_script(const std::filesystem::path& path,
                                            const std::vector<std::string>& known_profiles, int max_threads);

/// Walks a script: timed steps advance by themselves, the clicker moves
/// either way, and the results step stays until the clicker passes it.
class StagePlayer {
 public:
  StagePlayer(StageScript script, double now) : script_(std::move(script)), step_start_(now) {}

  /// Advances timed steps; returns true when the step changed. A timed
  /// results step ends the script, or with `loop` goes back to the first.
  bool update(double now);
  /// Clicker: +1 next, −1 previous. Past the last step: finished().
  bool click(int delta, double now);

  [[nodiscard]] const StageStep& step() const { return script_.steps[index_]; }
  [[nodiscard]] int index() const { return static_cast<int>(index_); }
  [[nodiscard]] int count() const { return static_cast<int>(script_.steps.size()); }
  [[nodiscard]] bool finished() const { return finished_; }
  [[nodiscard]] const StageScript& script() const { return script_; }
  /// Seconds left in a timed step (0 when waiting for the clicker).
  [[nodiscard]] double remaining(double now) const;

 private:
  StageScript script_;
  std::size_t index_ = 0;
  double step_start_;
  bool finished_ = false;
};

/// Where a scripted drag holds the object `seconds` after it began, as
/// (u, v) in [0, 1]² of the pane: a circle about the point it was grabbed
/// at, once every four seconds, small enough to stay inside the picture.
[[nodiscard]] std::pair<float, float> scripted_drag_point(double seconds);
/// Where a scripted drag grabs: the object nearest this point of the pane.
inline constexpr std::pair<float, float> kScriptedGrab{0.5f, 0.55f};

}  // namespace txray::demo
