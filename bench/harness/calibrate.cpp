#include "bench/harness/calibrate.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "renderer/interp/kernel.h"
#include "renderer/interp/scene_json.h"
#include "scenes/animator.h"

namespace txray::bench {
namespace {

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

bool installed(const std::string& program) {
  return std::system(("command -v " + quoted(program) + " >/dev/null 2>&1").c_str()) == 0;
}

/// Runs a command, returns its standard output and exit status.
std::pair<std::string, int> capture(const std::string& command) {
  std::string out;
  std::FILE* p = ::popen(command.c_str(), "r");
  if (!p) return {"", -1};
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int status = ::pclose(p);
  return {out, status};
}

}  // namespace

CalibrationResult run_calibration(const SceneDescription& scene, const CalibrateOptions& o, const std::atomic<bool>& stop) {
  CalibrationResult result;
  // The state and BVH of the scene's first frame, as the harness builds them.
  const Choreography choreography(scene);
  const SceneState& state = choreography.initial();
  const Bvh bvh = choreography.build_bvh(state.objects, nullptr);
  const auto dir = std::filesystem::temp_directory_path();
  const std::string tag = "txray-calibrate-" + std::to_string(::getpid());
  const auto script = dir / (tag + "-raytrace.py");
  const auto json = dir / (tag + ".json");
  {
    std::ofstream(script, std::ios::binary) << interp::kernel_source();
    std::ofstream(json) << interp::kernel_scene_json(state, bvh, o.width, o.height);
  }
  // PyPy's JIT needs a few frames before it has compiled the kernel's
  // loops (and then renders each in a fraction of CPython's time).
  auto is_pypy = [](const std::string& runtime) { return runtime.find("pypy") != std::string::npos; };
  auto warmup_for = [&](const std::string& runtime) { return is_pypy(runtime) ? std::max(o.warmup, 8) : o.warmup; };
  auto frames_for = [&](const std::string& runtime) { return is_pypy(runtime) ? std::max(o.frames, 10) : o.frames; };
  for (const std::string& runtime : o.runtimes) {
    if (!installed(runtime)) {
      result.notes.push_back(runtime + ": not installed, skipped" +
                             (runtime == "pypy3" ? " (Debian: apt-get install pypy3)" : ""));
      continue;
    }
    for (int threads : o.threads) {
      if (stop) break;
      const std::string command = quoted(runtime) + " " + quoted(script.string()) + " " + quoted(json.string()) +
                                  " --threads " + std::to_string(threads) + " --frames " + std::to_string(frames_for(runtime)) +
                                  " --warmup " + std::to_string(warmup_for(runtime)) + " --tile " + std::to_string(o.tile) + " 2>&1";
      const auto [out, status] = capture(command);
      double fps = 0.0, seconds = 0.0;
      int frames = 0, t = 0;
      char impl[64] = {0}, version[64] = {0};
      const auto at = out.rfind("fps ");
      if (status != 0 || at == std::string::npos ||
          std::sscanf(out.c_str() + at, "fps %lf frames %d seconds %lf threads %d runtime %63s %63s", &fps, &frames,
                      &seconds, &t, impl, version) != 6) {
        result.notes.push_back(runtime + " with " + std::to_string(threads) + " thread(s) failed: " +
                               (out.empty() ? "no output" : out.substr(0, 300)));
        continue;
      }
      RunRecord r;
      r.profile = runtime;
      r.engine = runtime;
      r.backend = "gil";  // both real runtimes run Python threads under their GIL
      r.threads = threads;
      r.width = o.width;
      r.height = o.height;
      r.frames = frames;
      r.seconds = seconds;
      r.fps = fps;
      r.frame_ms_median = r.frame_ms_p90 = frames > 0 ? seconds / frames * 1e3 : NAN;  // only the mean is known
      r.mrays_per_second = NAN;  // the script does not count rays across threads
      result.runs.push_back(r);
      std::string name = impl;
      if (name == "cpython") name = "CPython";
      if (name == "pypy") name = "PyPy (Python)";
      result.versions.push_back(name + " " + version);
    }
  }
  std::filesystem::remove(script);
  std::filesystem::remove(json);
  return result;
}

std::string format_calibration(const BenchReport& report, const CalibrationResult& c) {
  auto fps_of = [&](const std::string& profile, int threads) {
    for (const RunRecord& r : report.runs)
      if (r.profile == profile && r.threads == threads) return r.fps;
    return std::nan("");
  };
  auto ratio = [](double a, double b) -> std::string {
    if (!std::isfinite(a) || !std::isfinite(b) || b <= 0.0) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2fx", a / b);
    return buf;
  };
  std::ostringstream out;
  out << "\ncalibration: the kernel file under real runtimes (same scene, size and tiles)\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-10s %-22s %7s %9s %14s %14s\n", "runtime", "version", "threads", "FPS",
                "/ cpython", "/ pypy");
  out << line;
  for (std::size_t i = 0; i < c.runs.size(); ++i) {
    const RunRecord& r = c.runs[i];
    std::snprintf(line, sizeof line, "%-10s %-22s %7d %9.3f %14s %14s\n", r.profile.c_str(), c.versions[i].c_str(),
                  r.threads, r.fps, ratio(r.fps, fps_of("cpython", r.threads)).c_str(),
                  ratio(r.fps, fps_of("pypy", r.threads)).c_str());
    out << line;
  }
  for (const std::string& note : c.notes) out << "  " << note << "\n";
  out << "  (/ cpython, / pypy: the runtime's FPS over that profile's FPS at the same thread count)\n";
  return out.str();
}

}  // namespace txray::bench
