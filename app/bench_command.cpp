// `txray bench`: parses the knobs, runs the FPS harness, prints the table
// and writes the reports. Everything measured is measured in bench/.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <sys/utsname.h>
#include <vector>

#include "app/commands.h"
#include "app/command_line.h"
#include "app/interrupt.h"
#include "app/workload_options.h"
#include "bench/harness/calibrate.h"
#include "bench/harness/fps_harness.h"
#include "bench/harness/machine_load.h"
#include "bench/harness/report.h"
#include "renderer/tile_scheduler.h"

namespace txray {
namespace {

using bench::Profile;

cli::Command bench_command_line() {
  std::vector<cli::Option> options = {
      cli::heading("what to measure"),
      cli::choice("preset", "P", {"ci", "reproduce", "sync"},
                  "ci (small: 320x180, 8 frames, 8 repetitions, about 2 minutes) |\n"
                  "reproduce (the talk: stmbench 256x256, one unit per pixel, every profile\n"
                  "at that size, beside the talk's figures) | sync (every backend, native,\n"
                  "spheres 640x360, 1 and 2 threads, each with the animator between frames,\n"
                  "at 60 Hz, and with shared counters); other options override it"),
      workload::profile_list("profiles", "A,B,...", 1, 1000, "cpython, cpython-ft, pypy, pypy-stm, native-fine, ideal (default: all)"),
      workload::engine(),
      workload::backend(),
      workload::backends(),
      cli::flag("calibrate",
                "also run the kernel file under python3 and pypy3 (when installed) with\n"
                "the same threads, scene and size, beside the cpython and pypy profiles\n"
                "(default profiles then: cpython,pypy); with --latency-probe, also the\n"
                "convoy anchor (assets/kernels/convoy.py) beside the probe's factors"),
      cli::flag("latency-probe",
                "an I/O thread beside the renderers, through the same backend: a short\n"
                "unit, then a one-byte pipe write and read via io(), back to back; adds\n"
                "its round trip (p50, p99, max) and convoy factor (vs alone) to each run"),
      workload::thread_counts("(default: 1 and every core)"),
      workload::scene("(default spheres)"),
      workload::size("image size (default 640x360)"),
      cli::size("interp-size", kMaxImageDimension,
                "image size of the interpreted profiles (cpython, cpython-ft: an eval loop,\n"
                "far slower than compiled code):\n"
                "default 96x54 (ci preset 80x45; reproduce: the same as --size)"),
      cli::integer("frames", "K", 1, 1000000, "measured frames per run (default 10)"),
      cli::integer("warmup", "W", 0, 1000000, "unmeasured frames first (default 2)"),
      cli::number("duration", "S", 0.0, 86400.0, "measure for S seconds instead of K frames"),
      cli::integer("repetitions", "N", 1, 10000,
                   "measure every profile x threads N times, round-robin across them,\n"
                   "each time with a fresh rig and warm-up (default 3; ci preset 8); FPS is\n"
                   "the mean with a 95% bootstrap interval over the repetitions"),
      cli::heading("workload knobs"),
      workload::tile("(default 16)"),
  };
  for (cli::Option& knob : workload::knobs()) options.push_back(std::move(knob));
  const std::vector<cli::Option> rest = {
      cli::heading("conflicts"),
      cli::integer("conflicts", "N", 1, 100000,
                   "print each run's top N sources of lost time (default 10): the cell,\n"
                   "the kind (write-write, read-write at commit, locked on read,\n"
                   "inevitable, lock wait, GIL wait), the units on both sides, the time\n"
                   "lost; also into --json; then measure attribution's cost (extra\n"
                   "frames with it off and on, not counted in the FPS)")
          .or_bare("10"),
      cli::heading("output"),
      cli::output("json", "FILE", "", "the report as JSON (docs/report-schema.md)"),
      cli::output("csv", "FILE", "", "the report as CSV, one row per run"),
      cli::output("markdown", "FILE", "", "the table as Markdown"),
      cli::output("chart", "FILE.png", ".png", "FPS by profile and thread count"),
      cli::output("speedup-chart", "FILE.png", ".png", "speedup against threads"),
      cli::output("latency-chart", "FILE.png", ".png", "the latency probe's p99 round trip by profile and thread count"),
      cli::flag("no-progress", "no progress bar on stderr"),
      workload::watchdog(),
      cli::heading("a quiet machine"),
      cli::number("busy-threshold", "PCT", 0.0, 100.0,
                  "flag the run busy when other processes used more than PCT% of the\n"
                  "machine's CPU time while it measured (default 10); it warns on stderr"),
      cli::flag("require-quiet", "a busy run reports nothing and exits 3"),
  };
  options.insert(options.end(), rest.begin(), rest.end());
  std::vector<cli::Rule> rules = workload::selection_rules(options);
  for (cli::Rule& r : workload::knob_rules()) rules.push_back(std::move(r));
  rules.push_back(cli::needs("latency-chart", {"latency-probe"}, "it draws the probe's figures"));
  return {.name = "txray bench",
          .synopsis = "usage: txray bench [options]\n"
                      "\n"
                      "Measures frames per second for points of the matrix (profiles) at several\n"
                      "thread counts and explains each figure with the backend's statistics.\n"
                      "\n",
          .options = std::move(options),
          .rules = std::move(rules),
          .epilogue = "\n"
                      "txray bench compare BASE.json NEW.json [--threshold PCT] [--alpha A] [--markdown F] [--json F]\n"
                      "                    [--allow-config-mismatch]   did anything get slower? (txray bench compare --help)\n"
                      "txray bench merge OUT.json IN.json...           one report from several runs' repetitions\n"
                      "\n"
                      "Ctrl-C stops at the next frame boundary and writes what finished.\n"};
}

std::string read_first_line_with(const char* path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return line.substr(line.find_first_of(":=") + 1);
  return {};
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\""), e = s.find_last_not_of(" \t\"");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bench::MachineInfo machine_info() {
  bench::MachineInfo m;
  m.cpu = trim(read_first_line_with("/proc/cpuinfo", "model name"));
  m.cores = hardware_threads();
  m.os = trim(read_first_line_with("/etc/os-release", "PRETTY_NAME"));
  utsname u{};
  if (uname(&u) == 0) m.os += std::string(m.os.empty() ? "" : ", ") + u.sysname + " " + u.release;
  m.compiler = TXRAY_COMPILER;
  m.build = std::string(TXRAY_BUILD_TYPE) + ", " + TXRAY_CXX_FLAGS;
  m.txray_version = TXRAY_VERSION;
  m.governor = bench::cpu_governor();
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  m.date = date;
  return m;
}

void draw_progress(const bench::Progress& p) {
  constexpr int kWidth = 24;
  const double fraction = p.frames > 0 ? static_cast<double>(p.frame) / p.frames : 0.0;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  char of[16] = "";
  if (p.frames > 0) std::snprintf(of, sizeof of, "/%d", p.frames);
  char round[32] = "";
  if (p.repetitions > 1) std::snprintf(round, sizeof round, " rep %d/%d", p.repetition, p.repetitions);
  std::fprintf(stderr, "\r[%d/%d]%s %-12s %2d thread%s  %s frame %d%s%s  ", p.run, p.runs, round,
               p.profile.c_str(), p.threads, p.threads == 1 ? " " : "s", bar.c_str(), p.frame, of,
               p.warming_up ? " (warm-up)" : "          ");
  std::fflush(stderr);
}

}  // namespace

int bench_command(int argc, char** argv) {
  if (argc > 0 && std::string_view(argv[0]) == "compare") return bench_compare_command(argc - 1, argv + 1);
  if (argc > 0 && std::string_view(argv[0]) == "merge") return bench_merge_command(argc - 1, argv + 1);
  std::string command_text = "txray bench";
  for (int i = 0; i < argc; ++i) command_text += std::string(" ") + argv[i];
  const auto read = cli::read(bench_command_line(), argc, argv);
  if (!read) return 0;  // --help
  const cli::Args& args = *read;
  bench::HarnessOptions o;
  std::string scene_name = "spheres";
  std::pair<int, int> size{640, 360};
  // An interpreter is one to two orders of magnitude slower than the
  // compiled kernel (the interp rows show by how much), so by default the
  // interpreted profiles render 1/44 of the pixels (a default run: about two minutes on 2 cores).
  std::pair<int, int> interp_size{96, 54};
  bool interp_follows_size = false;
  o.repetitions = 3;
  std::vector<Profile> profiles = bench::named_profiles();
  std::vector<int> threads = {1};
  if (hardware_threads() > 1) threads.push_back(hardware_threads());

  const auto preset = args.value("preset");
  if (preset == "ci") {
    size = {320, 180};
    interp_size = {80, 45};
    o.frames = 8;
    o.warmup = 1;
    // Enough for compare's verdict over a dozen rows: with Holm's correction
    // the smallest p of 5 repetitions a side (0.008) cannot pass 0.05 / 12.
    o.repetitions = 8;
    threads = {1, 2};
  } else if (preset == "reproduce") {
    scene_name = "stmbench";
    size = {256, 256};
    interp_follows_size = true;  // the talk's comparison: every profile renders the same image
    o.unit_pixels = 1;
    profiles = {*bench::find_profile("cpython"), *bench::find_profile("pypy"), *bench::find_profile("pypy-stm")};
    o.frames = 8;
  } else if (preset == "sync") {  // issue 12: every backend in three settings, spheres 640x360, 1 and 2 threads
    profiles = bench::sync_profiles();
    threads = {1, 2};
  }
  const bool calibrate = args.flag("calibrate");
  if (calibrate && !preset) profiles = {*bench::find_profile("cpython"), *bench::find_profile("pypy")};
  std::vector<Profile> points = workload::read_profiles(args);
  const bool profiles_chosen = preset || calibrate || !points.empty();
  if (!points.empty()) profiles = std::move(points);
  const workload::Knobs knobs = workload::read_knobs(args);
  if (args.given("itm-method")) bench::set_itm_method(knobs.itm_method);  // issue 12: before any rig
  threads = args.integers("threads", threads);
  scene_name = args.value("scene").value_or(scene_name);
  size = args.size("size", size);
  if (args.given("interp-size")) {
    interp_size = args.size("interp-size", size);
    interp_follows_size = false;
  }
  // Never larger than the native image: a small --size shrinks both.
  const std::pair<int, int> interp =
      interp_follows_size ? size
                          : std::pair{std::min(interp_size.first, size.first), std::min(interp_size.second, size.second)};
  o.frames = args.integer("frames", o.frames);
  o.warmup = args.integer("warmup", o.warmup);
  o.duration = args.number("duration", 0.0);
  o.repetitions = args.integer("repetitions", o.repetitions);
  const double busy_threshold = args.number("busy-threshold", bench::kDefaultBusyThresholdPct);
  const bool require_quiet = args.flag("require-quiet");
  o.tile = args.integer("tile", o.tile);
  o.unit_pixels = args.integer("unit-rays", o.unit_pixels);
  o.animate_hz = knobs.animate_hz;
  o.counters = knobs.counters;
  o.log_every = knobs.log_every;
  o.log_outside = knobs.log_outside;
  o.switch_interval = knobs.switch_interval;
  o.stm_max_retries = knobs.stm_max_retries;
  o.attribution = knobs.attribution;
  o.conflicts_top = args.integer("conflicts", 0);
  o.latency_probe = args.flag("latency-probe");
  const auto json_path = args.value("json");
  const auto csv_path = args.value("csv");
  const auto markdown_path = args.value("markdown");
  const auto chart_path = args.value("chart");
  const auto speedup_path = args.value("speedup-chart");
  const auto latency_chart_path = args.value("latency-chart");
  const bool no_progress = args.flag("no-progress");
  const bool progress = !no_progress && isatty(STDERR_FILENO);
  // Not a terminal (a CI log, a pipe): a plain line every few seconds.
  const bool progress_lines = !no_progress && !progress;

  const SceneDescription scene = resolve_scene(scene_name);
  // The interpreted engine refuses meshes (bench/harness/rig.cpp). Asked
  // for by name, that refusal stands; in the default list, those profiles
  // are left out of a mesh scene's run, saying so.
  const bool has_meshes = std::any_of(scene.initial.objects.begin(), scene.initial.objects.end(),
                                      [](const Object& obj) { return obj.kind == ShapeKind::instance; });
  if (has_meshes && !profiles_chosen) {
    const auto interp_end = std::remove_if(profiles.begin(), profiles.end(),
                                           [](const Profile& p) { return p.engine == bench::Engine::interp; });
    if (interp_end != profiles.end()) {
      std::fprintf(stderr, "txray bench: scene %s has meshes, which the interpreted engine does not render: its profiles "
                           "are left out\n", scene.name.c_str());
      profiles.erase(interp_end, profiles.end());
    }
  }
  o.profiles = profiles;
  o.threads = threads;
  o.width = size.first;
  o.height = size.second;
  o.interp_width = interp.first;
  o.interp_height = interp.second;

  std::FILE* log = nullptr;
  if (o.log_every > 0) {
    log = std::fopen(knobs.log_file.c_str(), "w");
    if (!log) throw cli::UsageError("--log-file '" + knobs.log_file + "': cannot open for writing");
    o.log = log;
  }

  bench::BenchReport report;
  report.machine = machine_info();
  report.config.command = command_text;
  report.config.repetitions = o.repetitions;
  report.config.scene = scene.name;
  report.config.width = o.width;
  report.config.height = o.height;
  report.config.interp_width = o.interp_width;
  report.config.interp_height = o.interp_height;
  report.config.frames = o.frames;
  report.config.warmup = o.warmup;
  report.config.duration = o.duration;
  report.config.unit_rays = o.unit_pixels;
  report.config.tile = o.tile;
  report.config.animate = args.value("animate").value_or("between");
  report.config.counters = bench::counter_mode_name(o.counters);
  report.config.log_every = o.log_every;
  report.config.log_outside = o.log_outside;
  // The talk's figures sit beside only the workload that reproduces them.
  if (preset == "reproduce") report.seed = bench::europython2015_seed();

  catch_interrupt();
  const bench::LoadSampler load(busy_threshold);
  {
    char per_run[64];
    if (o.duration > 0.0)
      std::snprintf(per_run, sizeof per_run, "%g s", o.duration);
    else
      std::snprintf(per_run, sizeof per_run, "%d frames", o.warmup + o.frames);
    std::string interp_note;
    if (o.interp_width != o.width || o.interp_height != o.height)
      interp_note = ", interpreted profiles at " + std::to_string(o.interp_width) + "x" + std::to_string(o.interp_height);
    std::fprintf(stderr, "txray bench: %zu profile(s) x %zu thread count(s) x %d repetition(s), %s per run%s\n",
                 profiles.size(), threads.size(), o.repetitions, per_run, interp_note.c_str());
  }
  const auto started = std::chrono::steady_clock::now();
  auto seconds_since_start = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  double last_line = 0.0;
  int rounds_reported = 0;
  auto progress_line = [&](const bench::Progress& p) {
    const double now = seconds_since_start();
    // When a round ends, how long the rest will take: every round does the same work.
    if (p.run == 1 && p.frame == 1 && p.repetition == rounds_reported + 2) {
      rounds_reported = p.repetition - 1;
      const double per_round = now / rounds_reported;
      std::fprintf(stderr, "txray bench: round %d of %d done after %.0f s; about %.0f s to go\n", rounds_reported,
                   p.repetitions, now, per_round * (p.repetitions - rounds_reported));
      last_line = now;
      return;
    }
    if (now - last_line < 5.0) return;
    last_line = now;
    std::fprintf(stderr, "txray bench: %.0f s: round %d/%d, run %d/%d %s at %d thread%s, frame %d%s\n", now,
                 p.repetition, p.repetitions, p.run, p.runs, p.profile.c_str(), p.threads, p.threads == 1 ? "" : "s",
                 p.frame, p.frames > 0 ? ("/" + std::to_string(p.frames)).c_str() : "");
  };
  std::function<void(const bench::Progress&)> on_progress;
  if (progress) on_progress = draw_progress;
  if (progress_lines) on_progress = progress_line;
  bench::Watchdog watchdog("txray bench", workload::read_watchdog(args));
  o.watchdog = &watchdog;
  o.test_hang_at_frame = workload::test_hang_at_frame();
  report.runs = bench::run_harness(scene, o, on_progress, interrupted());
  release_interrupt();
  if (progress) std::fprintf(stderr, "\r\033[K");
  if (log) std::fclose(log);

  bench::CalibrationResult calibration;
  if (calibrate && !interrupted()) {
    bench::CalibrateOptions c;
    c.width = o.interp_width;  // the real runtimes stand beside the interpreted profiles
    c.height = o.interp_height;
    c.tile = o.tile;
    c.threads = threads;
    c.convoy = o.latency_probe;
    if (progress) std::fprintf(stderr, "calibrating: python3 and pypy3 on the kernel file...");
    calibration = bench::run_calibration(scene, c, interrupted());
    if (progress) std::fprintf(stderr, "\r\033[K");
    // Extra rows in every report: engine "python3" / "pypy3" (docs/report-schema.md).
    report.runs.insert(report.runs.end(), calibration.runs.begin(), calibration.runs.end());
  }
  report.load = load.finish();
  if (report.load.busy) {
    std::fprintf(stderr,
                 "txray bench: warning: the machine was busy: other processes used %.1f%% of its CPU time while "
                 "measuring (limit %g%%; load average %.2f before); the figures are disturbed\n",
                 report.load.other_cpu_pct, busy_threshold, report.load.loadavg_before);
    if (require_quiet) {
      std::cerr << "txray bench: --require-quiet: nothing reported\n";
      return 3;
    }
  }

  std::cout << bench::format_table(report);
  if (calibrate) std::cout << bench::format_calibration(report, calibration);
  if (o.conflicts_top > 0) std::cout << bench::format_conflicts(report, o.conflicts_top);
  int status = 0;
  std::vector<std::string> written;
  auto write = [&](const std::optional<std::string>& path, const std::string& error) {
    if (!error.empty()) {
      std::cerr << "txray bench: " << error << "\n";
      status = 1;
    } else {
      written.push_back(*path);
    }
  };
  if (json_path) write(json_path, bench::write_text_file(*json_path, bench::to_json(report)));
  if (csv_path) write(csv_path, bench::write_text_file(*csv_path, bench::to_csv(report)));
  if (markdown_path) write(markdown_path, bench::write_text_file(*markdown_path, bench::to_markdown(report)));
  if (chart_path) write(chart_path, bench::write_chart(*chart_path, report, bench::ChartKind::fps));
  if (speedup_path) write(speedup_path, bench::write_chart(*speedup_path, report, bench::ChartKind::speedup));
  if (latency_chart_path)
    write(latency_chart_path, bench::write_chart(*latency_chart_path, report, bench::ChartKind::latency));
  for (const std::string& path : written) std::cerr << "txray bench: wrote " << path << "\n";
  if (interrupted()) {
    std::cerr << "txray bench: interrupted: reported the " << report.runs.size()
              << " run(s) with at least one measured frame\n";
    return kInterruptedStatus;
  }
  return status;
}

}  // namespace txray
