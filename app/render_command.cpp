// `txray render`: one scene to PNG, plain or through a backend's rig with
// the workload knobs, optionally with the conflict heatmap; prints frame
// time and Mrays/s. Everything it renders is rendered in the libraries.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/command_line.h"
#include "app/commands.h"
#include "app/interrupt.h"
#include "app/workload_options.h"
#include "bench/harness/conflict_view.h"
#include "bench/harness/rig.h"
#include "bench/harness/watchdog.h"
#include "renderer/render.h"
#include "scenes/scene.h"

namespace txray {
namespace {

cli::Command render_command_line() {
  std::vector<cli::Option> options = {
      workload::scene("").mandatory(),
      cli::output("out", "FILE.png", ".png", "where to write the image; written whole or not at all").mandatory(),
      workload::size("image size (default: the scene's own)"),
      workload::threads(),
      workload::tile("(default 16, smaller on small images)"),
      cli::number("time", "T", -1e6, 1e6, "animation time in seconds of the (first) frame (default 0)"),
      cli::integer("frames", "K", 1, 100000, "render K frames of the animation, 1/--fps apart (default 1)"),
      cli::number("fps", "F", 1e-3, 1e4, "animation frame rate for --frames (default 30)"),
      cli::flag("sequence", "with --frames: write every frame, FILE-0000.png, FILE-0001.png, ...\n"
                            "(default: only the last frame is written, to FILE.png)"),
      cli::choice("tile-order", "O", {"row-major", "reversed", "shuffled"},
                  "row-major | reversed | shuffled (the image must not change)"),
      workload::profile("render through a profile's engine and backend (cpython, cpython-ft,\n"
                        "pypy, pypy-stm, native-fine, ideal); frames after the first advance\n"
                        "by the animator, 1/--fps seconds each, between frames"),
      workload::engine(),
      workload::backend(),
      workload::watchdog(),
      cli::heading("with --profile or --engine/--backend, the workload knobs of `txray bench`:"),
  };
  for (cli::Option& knob : workload::knobs()) options.push_back(std::move(knob));
  options.push_back(cli::output("heatmap", "FILE.png", ".png",
                                "also write the conflict heatmap: per tile, time lost to aborts or\n"
                                "waits over the run; objects in the most conflicts outlined; the\n"
                                "top three sources of lost time named"));
  std::vector<cli::Rule> rules = workload::selection_rules(options);
  const std::vector<std::string> backend_given = {"profile", "backend"};
  for (cli::Rule& r : workload::knob_rules()) rules.push_back(std::move(r));
  for (cli::Rule& r : workload::knobs_need(backend_given, "a backend to measure")) rules.push_back(std::move(r));
  rules.push_back(cli::needs("heatmap", backend_given, "a backend to measure"));
  return {.name = "txray render",
          .synopsis = "usage: txray render --scene NAME|FILE --out FILE.png [options]\n\n",
          .options = std::move(options),
          .rules = std::move(rules),
          .epilogue = "\n"
                      "Ctrl-C stops at the next frame boundary (exit 130): --sequence frames written stay;\n"
                      "an --out whose frames did not all render is not written.\n"};
}

std::filesystem::path sequence_path(const std::filesystem::path& out, int frame) {
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "-%04d", frame);
  std::filesystem::path p = out;
  p.replace_filename(out.stem().string() + suffix + out.extension().string());
  return p;
}

}  // namespace

int render_command(int argc, char** argv) {
  const auto read = cli::read(render_command_line(), argc, argv);
  if (!read) return 0;  // --help
  const cli::Args& args = *read;
  const int threads = args.integer("threads", 0);
  const double time = args.number("time", 0.0);
  const int frames = args.integer("frames", 1);
  const double fps = args.number("fps", 30.0);
  const bool sequence = args.flag("sequence");
  const std::string order_name = args.value("tile-order").value_or("row-major");
  const auto heatmap_path = args.value("heatmap");
  const workload::Knobs knobs = workload::read_knobs(args);
  const std::vector<bench::Profile> points = workload::read_profiles(args);
  const std::optional<bench::Profile> profile = points.empty() ? std::nullopt : std::optional(points.front());
  const TileOrder order = order_name == "reversed"   ? TileOrder::reversed
                                 : order_name == "shuffled" ? TileOrder::shuffled
                                                            : TileOrder::row_major;
  const std::filesystem::path out_path = *args.value("out");

  const SceneDescription scene = resolve_scene(*args.value("scene"));
  const auto [width, height] = args.size("size", {scene.width, scene.height});

  TileScheduler scheduler(threads);
  const int tile = args.integer("tile", default_tile_size(width, height, scheduler.threads()));
  Film film(width, height);
  // Through a backend: the rig holds the scene (as it is at --time) in the
  // backend's cells; the animator moves it between frames.
  std::unique_ptr<Choreography> choreography;
  std::unique_ptr<bench::Rig> rig;
  const TileGrid grid(width, height, tile);
  if (profile) {
    SceneDescription at_time = scene;
    at_time.initial = scene.at(time);
    choreography = std::make_unique<Choreography>(at_time);
    bench::RigOptions rig_options;
    rig_options.backend = profile->backend;
    rig_options.engine = profile->engine;
    rig_options.threads = scheduler.threads();
    rig_options.attribution = knobs.attribution;
    rig_options.switch_interval = knobs.switch_interval;
    rig_options.stm_max_retries = knobs.stm_max_retries;
    rig_options.itm_method = knobs.itm_method;
    rig_options.test_hang_at_frame = workload::test_hang_at_frame();
    rig = std::make_unique<bench::Rig>(*choreography, rig_options);
    rig->name_materials(scene.material_names);
  }
  UnitOptions units;
  units.unit_pixels = knobs.unit_pixels;
  units.counters = knobs.counters;
  units.log_outside = knobs.log_outside;
  // Log lines (--log-every) go to a scratch file: the I/O is the point.
  std::FILE* log_file = nullptr;
  std::unique_ptr<UnitLog> unit_log;
  if (knobs.log_every > 0) {
    log_file = std::fopen(knobs.log_file.c_str(), "w");
    if (!log_file) throw std::runtime_error("cannot open the unit log '" + knobs.log_file + "'");
    unit_log = std::make_unique<UnitLog>(log_file);
    units.log_every = knobs.log_every;
    units.log = unit_log.get();
  }
  bench::Watchdog watchdog("txray render", workload::read_watchdog(args));
  if (watchdog.enabled()) units.tile_done = [&watchdog](const Tile&) { watchdog.tile_done(); };
  std::vector<std::atomic<std::uint64_t>> tile_lost(static_cast<std::size_t>(grid.count()));
  if (heatmap_path) units.tile_lost_ns = tile_lost.data();
  if (rig && knobs.animate_hz > 0.0) rig->start_animator(knobs.animate_hz);
  std::vector<double> frame_seconds;
  std::uint64_t total_rays = 0;
  double total_seconds = 0.0;
  const bench::WatchScope watch(&watchdog, [&rig]() -> std::vector<std::string> {
    if (rig) return rig->describe_state();
    return {"the plain renderer: no backend, nothing shared"};
  });
  // Ctrl-C stops at the next frame boundary: frames written stay, the
  // --out of an animation not rendered to its end is not written.
  catch_interrupt();
  int rendered = 0;
  for (int k = 0; k < frames && !interrupted(); ++k) {
    FrameStats stats;
    if (rig) {
      if (k > 0 && knobs.animate_hz <= 0.0) rig->animate_between(static_cast<float>(1.0 / fps));
      rig->end_frame();
      stats = rig->render_frame(film, scheduler, grid, order, units);
    } else {
      stats = render_frame(scene.at(time + k / fps), film, scheduler, {tile, order, units.tile_done});
    }
    ++rendered;
    watchdog.frame_done();
    frame_seconds.push_back(stats.seconds);
    total_rays += stats.rays;
    total_seconds += stats.seconds;
    if (sequence || k == frames - 1) {
      const std::filesystem::path path = sequence ? sequence_path(out_path, k) : out_path;
      if (const std::string error = write_png(path, width, height, film.to_rgba8()); !error.empty()) {
        std::cerr << "txray render: " << error << "\n";
        return 1;
      }
    }
  }
  release_interrupt();
  if (rig) rig->stop_animator();
  if (log_file) std::fclose(log_file);
  if (rendered < frames) {
    std::cerr << "txray render: interrupted after " << rendered << " of " << frames << " frames; "
              << (sequence && rendered > 0 ? "wrote " + sequence_path(out_path, 0).string() + " to " +
                                                 sequence_path(out_path, rendered - 1).string()
                                           : "wrote nothing")
              << "\n";
    return kInterruptedStatus;
  }
  if (heatmap_path) {
    std::vector<double> lost_ms;
    for (const auto& t : tile_lost) lost_ms.push_back(static_cast<double>(t.load()) * 1e-6);
    const auto sources = rig->conflicts();
    const std::string window = std::to_string(frames) + (frames == 1 ? " frame" : " frames") + ", " +
                               profile->name + ", " + std::to_string(scheduler.threads()) + " threads";
    const bench::HeatmapLayers layers =
        bench::conflict_layers(sources, rig->snapshot(), grid, lost_ms, width, height, window);
    int out_w = 0, out_h = 0;
    const auto pixels = bench::compose_heatmap(film.to_rgba8(), width, height, layers, out_w, out_h);
    if (const std::string error = write_png(*heatmap_path, out_w, out_h, pixels); !error.empty()) {
      std::cerr << "txray render: " << error << "\n";
      return 1;
    }
    for (const std::string& line : layers.legend) std::printf("  %s\n", line.c_str());
    std::printf("wrote heatmap %s\n", heatmap_path->c_str());
  }
  std::sort(frame_seconds.begin(), frame_seconds.end());
  const double median = frame_seconds[frame_seconds.size() / 2];
  std::printf("%s %dx%d, %s, %d thread%s, tile %d, %d frame%s: frame time %.1f ms (median), %.2f Mrays/s, %.2f M rays/frame\n",
              scene.name.c_str(), width, height, profile ? ("profile " + profile->name).c_str() : "plain reads", scheduler.threads(), scheduler.threads() == 1 ? "" : "s", tile, frames,
              frames == 1 ? "" : "s", median * 1e3, static_cast<double>(total_rays) / total_seconds * 1e-6,
              static_cast<double>(total_rays) / frames * 1e-6);
  std::printf("wrote %s\n", sequence ? sequence_path(out_path, 0).string().append(" ...").c_str() : out_path.c_str());
  return 0;
}

}  // namespace txray
