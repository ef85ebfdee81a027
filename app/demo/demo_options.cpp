#include "app/demo/demo_options.h"

#include <algorithm>

#include "app/command_line.h"
#include "app/workload_options.h"

namespace txray::demo {

namespace {

/// The profile shown when none is asked for: pypy-stm (compiled, every
/// core, a story to tell), not the interpreter, which draws a 1280x720
/// frame in about a minute.
std::string default_profile(const std::vector<std::string>& known) {
  for (const char* name : {"pypy-stm", "ideal"})
    if (std::find(known.begin(), known.end(), name) != known.end()) return name;
  return known.front();
}

cli::Command demo_command_line(const std::string& shown) {
  // The demo's C key toggles between sharded and shared: commute is bench's.
  cli::Option counters = workload::counters();
  std::erase(counters.choices, "commute");
  counters.help = "sharded (default) or shared: one rays counter for all (C toggles)";
  return {
      .name = "txray-demo",
      .synopsis = "usage: txray-demo [options]\n",
      .options = {workload::scene("(default spheres)"),
                  workload::profile("the profile shown (default " + shown + ")"),
                  workload::profile_list("compare", "P1,P2[,P3]", 2, 3,
                                         "two or three profiles side by side, taking fair turns"),
                  cli::text("script", "FILE", "a stage script (assets/stage/README.md)"),
                  workload::threads(),
                  workload::size("window size (default 1280x720)"),
                  cli::number("scale", "S", 0.1, 2.0, "render size / window size, 0.1-2 (default 1)"),
                  cli::flag("fullscreen", "start fullscreen (F or F11 toggles)"),
                  cli::flag("vsync", "wait for the display's refresh (off: measure the renderer)"),
                  cli::flag("animator", "start with the animator on its own thread (A toggles)"),
                  std::move(counters),
                  cli::flag("heatmap", "start with the conflict heatmap on (T toggles)"),
                  cli::flag("no-overlay", "the picture only"),
                  cli::integer("frames", "N", 1, 1000000, "render N frames per pane, save --screenshot, exit (CI)"),
                  cli::output("screenshot", "FILE.png", ".png", "where --frames saves the window"),
                  cli::text("font", "FILE.ttf", "overlay font (default assets/fonts/DejaVuSans-Bold.ttf)"),
                  workload::watchdog()},
      .rules = {cli::excludes("profile", {"compare", "script"}), cli::excludes("compare", {"script"}),
                cli::needs("screenshot", {"frames"}, "S saves one at any time")},
      .epilogue = "Keys: H shows them in the window. No display? SDL_VIDEODRIVER=dummy or xvfb-run -a.\n"};
}

}  // namespace

std::optional<DemoOptions> parse_demo_options(int argc, char** argv) {
  const std::string shown = default_profile(workload::profile_names());
  const auto read = cli::read(demo_command_line(shown), argc, argv);
  if (!read) return std::nullopt;  // --help
  const cli::Args& args = *read;
  DemoOptions o;
  o.scene = args.value("scene").value_or(o.scene);
  o.profiles = args.names("profile");
  for (std::string& p : args.names("compare")) o.profiles.push_back(std::move(p));
  if (o.profiles.empty()) o.profiles = {shown};
  o.script = args.value("script");
  o.threads = args.integer("threads", 0);
  std::tie(o.width, o.height) = args.size("size", {o.width, o.height});
  o.scale = args.number("scale", 1.0);
  o.fullscreen = args.flag("fullscreen");
  o.vsync = args.flag("vsync");
  o.animator = args.flag("animator");
  o.shared_counters = args.value("counters") == "shared";
  o.heatmap = args.flag("heatmap");
  o.overlay = !args.flag("no-overlay");
  o.frames = args.integer("frames", 0);
  o.screenshot = args.value("screenshot");
  o.font = args.value("font");
  o.watchdog = workload::read_watchdog(args);
  return o;
}

}  // namespace txray::demo
