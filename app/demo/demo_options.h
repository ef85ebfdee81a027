#pragma once
/// txray-demo's command line: its option table (the workload knobs from
/// app/workload_options.h, the window's own beside them), read with the
/// txray CLI's reader. Problems throw cli::UsageError (exit status 2).
#include <optional>
#include <string>
#include <vector>

namespace txray::demo {

struct DemoOptions {
  std::string scene = "spheres";
  std::vector<std::string> profiles;  ///< one, or two or three (--compare)
  std::optional<std::string> script;  ///< --script FILE
  int threads = 0;                    ///< 0: one per core
  int width = 1280, height = 720;     ///< window size
  double scale = 1.0;                 ///< render size over window size
  bool fullscreen = false;
  bool vsync = false;
  bool animator = false;              ///< start with the concurrent animator
  bool shared_counters = false;       ///< start with the shared rays counter (--counters shared; C toggles)
  bool heatmap = false;               ///< start with the T overlay on
  bool overlay = true;
  int frames = 0;                     ///< > 0: render this many frames per pane, save --screenshot, exit
  std::optional<std::string> screenshot;
  std::optional<std::string> font;
  double watchdog = 30.0;             ///< --watchdog S (bench/harness/watchdog.h); 0: off
};

/// `args` excludes the program name. Nothing when it asked for --help,
/// which has then been printed: the demo has nothing left to do.
[[nodiscard]] std::optional<DemoOptions> parse_demo_options(int argc, char** argv);

}  // namespace txray::demo
