#include "app/demo/demo_options.h"

#include <algorithm>
#include <filesystem>

#include "app/command_line.h"

namespace txray::demo {

using cli::UsageError;

namespace {

std::string join(const std::vector<std::string>& names, const char* separator) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : separator) + n;
  return out;
}

std::string check_profile(const std::string& name, const std::vector<std::string>& known, const char* option) {
  if (std::find(known.begin(), known.end(), name) == known.end())
    throw UsageError(std::string(option) + " '" + name + "': unknown profile (" + join(known, ", ") + ")");
  return name;
}

// Every option of txray-demo, flags and value options alike.
const std::vector<std::string_view> kDemoOptionNames = {
    "help",  "scene",   "profile",  "compare", "script",     "threads", "size",   "scale",      "fullscreen",
    "vsync", "animator", "counters", "heatmap", "no-overlay", "frames",  "screenshot", "font"};

}  // namespace

std::string demo_usage(const std::vector<std::string>& known_profiles) {
  return "usage: txray-demo [options]\n"
         "  --scene NAME|FILE      scene (default spheres)\n"
         "  --profile NAME         " + join(known_profiles, ", ") + " (default " + default_profile(known_profiles) + ")\n"
         "  --compare P1,P2[,P3]   two or three profiles side by side, taking fair turns\n"
         "  --script FILE          a stage script (assets/stage/README.md)\n"
         "  --threads N            render threads (default: one per core)\n"
         "  --size WxH             window size (default 1280x720)\n"
         "  --scale S              render size / window size, 0.1-2 (default 1)\n"
         "  --fullscreen           start fullscreen (F or F11 toggles)\n"
         "  --vsync                wait for the display's refresh (off: measure the renderer)\n"
         "  --animator             start with the animator on its own thread (A toggles)\n"
         "  --counters MODE        sharded (default) or shared: one rays counter for all (C toggles)\n"
         "  --heatmap              start with the conflict heatmap on (T toggles)\n"
         "  --no-overlay           the picture only\n"
         "  --frames N             render N frames per pane, save --screenshot, exit (CI)\n"
         "  --screenshot FILE.png  where --frames saves the window\n"
         "  --font FILE.ttf        overlay font (default assets/fonts/DejaVuSans-Bold.ttf)\n"
         "Keys: H shows them in the window. No display? SDL_VIDEODRIVER=dummy or xvfb-run -a.\n";
}

DemoOptions parse_demo_options(int argc, char** argv, const std::vector<std::string>& known) {
  cli::CommandLine args({argv, static_cast<std::size_t>(argc)}, {"help", "fullscreen", "vsync", "animator", "no-overlay", "heatmap"});
  DemoOptions o;
  o.help = args.flag("help");
  if (o.help) return o;
  // Unknown names first: a typo is reported as itself, whatever else the
  // command line gets wrong.
  args.check_unknown(kDemoOptionNames);
  o.scene = args.value("scene").value_or("spheres");
  const auto profile = args.value("profile");
  const auto compare = args.value("compare");
  o.script = args.value("script");
  if (int(profile.has_value()) + int(compare.has_value()) + int(o.script.has_value()) > 1)
    throw UsageError("--profile, --compare and --script exclude each other");
  if (profile) o.profiles = {check_profile(*profile, known, "--profile")};
  if (compare) {
    std::string rest = *compare;
    for (std::size_t start = 0;;) {
      const std::size_t comma = rest.find(',', start);
      o.profiles.push_back(check_profile(rest.substr(start, comma - start), known, "--compare"));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (o.profiles.size() < 2 || o.profiles.size() > 3)
      throw UsageError("--compare '" + *compare + "': expected two or three profiles, e.g. pypy,pypy-stm");
  }
  if (o.profiles.empty() && !known.empty()) o.profiles = {default_profile(known)};
  o.threads = args.integer("threads", 0, 1, 256);
  std::tie(o.width, o.height) = args.size("size", {1280, 720}, 16384);
  o.scale = args.number("scale", 1.0, 0.1, 2.0);
  o.fullscreen = args.flag("fullscreen");
  o.vsync = args.flag("vsync");
  o.animator = args.flag("animator");
  const std::string counters = args.value("counters").value_or("sharded");
  if (counters == "shared") o.shared_counters = true;
  else if (counters != "sharded") throw UsageError("--counters '" + counters + "': expected sharded or shared");
  o.heatmap = args.flag("heatmap");
  o.overlay = !args.flag("no-overlay");
  o.frames = args.integer("frames", 0, 1, 1000000);
  o.screenshot = args.value("screenshot");
  o.font = args.value("font");
  args.finish();
  if (o.screenshot) {
    const std::filesystem::path path(*o.screenshot);
    if (path.extension() != ".png") throw UsageError("--screenshot '" + *o.screenshot + "': the file name must end in .png");
    const auto dir = path.parent_path();
    if (!dir.empty() && !std::filesystem::is_directory(dir))
      throw UsageError("--screenshot '" + *o.screenshot + "': directory '" + dir.string() + "' does not exist");
  }
  if (o.screenshot && o.frames == 0) throw UsageError("--screenshot needs --frames N (S saves one at any time)");
  return o;
}

std::string default_profile(const std::vector<std::string>& known) {
  // The demo at its best: compiled code running together on every core,
  // with the backend's own story (aborts) to show. Not the interpreter,
  // which draws a 1280x720 frame in about a minute.
  for (const char* name : {"pypy-stm", "ideal"})
    if (std::find(known.begin(), known.end(), name) != known.end()) return name;
  return known.front();
}

}  // namespace txray::demo
