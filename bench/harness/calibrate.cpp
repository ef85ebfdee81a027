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

std::string runtime_display_name(const std::string& impl) {
  if (impl == "cpython") return "CPython";
  if (impl == "pypy") return "PyPy";
  return impl;
}

}  // namespace

extern const char kConvoySource[];

// convoy.py processes per runtime and placement; the median is kept.
constexpr int kConvoyProcesses = 3;
extern const std::size_t kConvoySourceSize;

std::optional<ConvoyFigure> parse_convoy_line(const std::string& runtime, const std::string& output) {
  const auto at = output.rfind("convoy alone_s ");
  if (at == std::string::npos) return std::nullopt;
  double alone = 0.0, beside = 0.0;
  int round_trips = 0, spinners = 0;
  char impl[64] = {0}, version[64] = {0}, placement[32] = {0};
  if (std::sscanf(output.c_str() + at,
                  "convoy alone_s %lf beside_s %lf round_trips %d spinners %d runtime %63s %63s placement %31s", &alone,
                  &beside, &round_trips, &spinners, impl, version, placement) != 7 ||
      !(alone > 0.0) || !(beside > 0.0) || round_trips <= 0)
    return std::nullopt;
  ConvoyFigure f;
  f.runtime = runtime;
  f.version = runtime_display_name(impl) + " " + version;
  f.placement = placement;
  f.round_trips = round_trips;
  f.alone_ms = alone * 1e3;
  f.beside_ms = beside * 1e3;
  return f;
}

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
  const auto convoy_script = dir / (tag + "-convoy.py");
  {
    std::ofstream(convoy_script, std::ios::binary).write(kConvoySource, static_cast<std::streamsize>(kConvoySourceSize));
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
    // The convoy anchor first: it takes well under a second where there is
    // no convoy, a few where there is. With a core for each thread (the
    // probe's placement at one render thread, LatencyProbe), then on one
    // core, where it all but vanishes (convoy.py's header says why).
    // A process's five runs can all land far from the next process's (pypy3
    // with a core each gave 3.7x to 36x across processes, a minute apart):
    // the figure is the median factor of kConvoyProcesses processes.
    for (const char* placement : {"own-cores", "one-core"}) {
      if (!o.convoy) break;
      std::vector<ConvoyFigure> figures;
      for (int k = 0; k < kConvoyProcesses && !stop; ++k) {
        const auto [out, status] =
            capture(quoted(runtime) + " " + quoted(convoy_script.string()) + " --placement " + placement + " 2>&1");
        const auto figure = status == 0 ? parse_convoy_line(runtime, out) : std::nullopt;
        if (!figure) {
          result.notes.push_back(runtime + " convoy.py --placement " + placement +
                                 " failed: " + (out.empty() ? "no output" : out.substr(0, 300)));
          break;
        }
        figures.push_back(*figure);
      }
      if (figures.empty()) continue;
      std::sort(figures.begin(), figures.end(),
                [](const ConvoyFigure& a, const ConvoyFigure& b) { return a.factor() < b.factor(); });
      result.convoy.push_back(figures[(figures.size() - 1) / 2]);
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
      result.versions.push_back((name == "pypy" ? "PyPy (Python)" : runtime_display_name(name)) + " " + version);
    }
  }
  std::filesystem::remove(script);
  std::filesystem::remove(json);
  std::filesystem::remove(convoy_script);
  return result;
}

namespace {

// Which real runtime a profile's convoy stands beside: the GIL profiles
// beside the runtime they model; the others have no GIL to convoy on, and
// stand beside nothing (their factor should be near 1).
const char* runtime_for_profile(const RunRecord& r) {
  if (r.backend != "gil") return nullptr;
  return r.engine == "interp" ? "python3" : "pypy3";
}

}  // namespace

std::string format_convoy(const BenchReport& report, const CalibrationResult& c) {
  std::ostringstream out;
  char line[320];
  out << "\nconvoy: an I/O thread's one-byte pipe round trips (os.write, os.read), alone and beside one thread\n"
         "spinning x += 1 (assets/kernels/convoy.py; the median of 3 processes of 5 runs), each thread on a core of its own\n"
         "(own-cores) or both on one core (one-core)\n";
  std::snprintf(line, sizeof line, "%-10s %-18s %-10s %11s %11s %8s %16s\n", "runtime", "version", "placement",
                "alone ms", "beside ms", "factor", "µs / round trip");
  out << line;
  for (const ConvoyFigure& f : c.convoy) {
    std::snprintf(line, sizeof line, "%-10s %-18s %-10s %11.2f %11.2f %7.1fx %16.1f\n", f.runtime.c_str(),
                  f.version.c_str(), f.placement.c_str(), f.alone_ms, f.beside_ms, f.factor(), f.per_round_trip_us());
    out << line;
  }
  if (c.convoy.empty()) out << "  (no runtime ran the anchor)\n";
  bool any = false;
  for (const RunRecord& r : report.runs) any = any || (r.latency.measured && r.latency.ops > 0);
  if (!any) {
    out << "  modelled: no profile ran the latency probe\n";
    return out.str();
  }
  out << "modelled: the latency probe's convoy factor (mean round trip beside the render threads / alone)\n";
  std::snprintf(line, sizeof line, "%-12s %-16s %7s %10s %11s %8s %10s %10s\n", "profile", "engine+backend",
                "threads", "alone µs", "beside µs", "factor", "real", "model/real");
  out << line;
  for (const RunRecord& r : report.runs) {
    if (!r.latency.measured || r.latency.ops == 0) continue;
    const char* runtime = runtime_for_profile(r);
    // The probe and a single renderer run on cores of their own
    // (LatencyProbe): beside the anchor placed the same way.
    const ConvoyFigure* real = nullptr;
    for (const ConvoyFigure& f : c.convoy)
      if (runtime && f.runtime == runtime && f.placement == "own-cores") real = &f;
    char real_text[32] = "-", ratio_text[32] = "-";
    if (real) {
      std::snprintf(real_text, sizeof real_text, "%.1fx", real->factor());
      // The anchor spins one thread: compare at one render thread.
      if (r.threads == 1 && real->factor() > 0.0)
        std::snprintf(ratio_text, sizeof ratio_text, "%.2f", r.latency.convoy / real->factor());
    } else if (!runtime) {
      std::snprintf(real_text, sizeof real_text, "no GIL");
    }
    std::snprintf(line, sizeof line, "%-12s %-16s %7d %10.1f %11.1f %7.1fx %10s %10s\n", r.profile.c_str(),
                  (r.engine + "+" + r.backend).c_str(), r.threads, r.latency.alone_us, r.latency.mean_us,
                  r.latency.convoy, real_text, ratio_text);
    out << line;
  }
  out << "  (real: the runtime the profile models, python3 for interp+gil, pypy3 for native+gil, own-cores; model/real\n"
         "   at 1 render thread, the anchor's one spinning thread, where the probe and the renderer each have a core;\n"
         "   within 0.5..2 is issue 19's target)\n";
  return out.str();
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
  bool probed = false;
  for (const RunRecord& r : report.runs) probed = probed || r.latency.measured;
  if (probed) out << format_convoy(report, c);
  return out.str();
}

}  // namespace txray::bench
