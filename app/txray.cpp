// txray: the command-line front end. It parses, calls the libraries and
// prints; nothing here knows how a ray is traced.
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
#include "bench/harness/conflict_view.h"
#include "bench/harness/rig.h"
#include "renderer/render.h"
#include "scenes/scene.h"

namespace {

namespace bench = txray::bench;
using txray::cli::CommandLine;
using txray::cli::UsageError;

constexpr const char* kUsage =
    "usage: txray <command> [options]\n"
    "\n"
    "commands:\n"
    "  render   render a scene to PNG and print frame time and Mrays/s\n"
    "  bench    measure FPS for profiles x threads and explain the figures\n"
    "  info     version, cores, build, scenes\n"
    "\n"
    "`txray <command> --help` describes a command's options.\n";

constexpr const char* kRenderUsage =
    "usage: txray render --scene NAME|FILE --out FILE.png [options]\n"
    "\n"
    "  --scene NAME|FILE   a built-in scene (see `txray info`) or a scene file (JSON)\n"
    "  --out FILE.png      where to write the image; written whole or not at all\n"
    "  --size WxH          image size (default: the scene's own)\n"
    "  --threads N         render threads (default: one per core)\n"
    "  --tile S            tile edge in pixels (default 16, smaller on small images)\n"
    "  --time T            animation time in seconds of the (first) frame (default 0)\n"
    "  --frames K          render K frames of the animation, 1/--fps apart (default 1)\n"
    "  --fps F             animation frame rate for --frames (default 30)\n"
    "  --sequence          with --frames: write every frame, FILE-0000.png, FILE-0001.png, ...\n"
    "                      (default: only the last frame is written, to FILE.png)\n"
    "  --tile-order O      row-major | reversed | shuffled (the image must not change)\n"
    "  --profile P         render through a profile's engine and backend (cpython, cpython-ft,\n"
    "                      pypy, pypy-stm, native-fine, ideal); frames after the first advance\n"
    "                      by the animator, 1/--fps seconds each, between frames\n"
    "  --engine E --backend B   the same for an unnamed point (engine native or interp); backends\n"
    "                      mutex, gil, rwlock, rwlock-queuing, rwlock-std, fine, rcu, stm, itm,\n"
    "                      snapshot; --itm-method ml_wt|gl_wt|serialirr for itm\n"
    "with --profile or --engine/--backend, the workload knobs of `txray bench`:\n"
    "  --counters MODE     sharded (default) | shared (the naive program) | commute\n"
    "  --log-every N       every Nth unit of a worker writes a log line (I/O in the unit)\n"
    "  --unit-rays N       pixels per unit of work (default: one tile)\n"
    "  --animate MODE      between (default: deterministic) or HZ: an animator thread meanwhile\n"
    "  --heatmap FILE.png  also write the conflict heatmap: per tile, time lost to aborts or\n"
    "                      waits over the run; objects in the most conflicts outlined; the\n"
    "                      top three sources of lost time named\n"
    "  --no-attribution    do not attribute conflicts (the image must not change)\n"
    "\n"
    "Ctrl-C stops at the next frame boundary (exit 130): --sequence frames written stay;\n"
    "an --out whose frames did not all render is not written.\n";

std::filesystem::path sequence_path(const std::filesystem::path& out, int frame) {
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "-%04d", frame);
  std::filesystem::path p = out;
  p.replace_filename(out.stem().string() + suffix + out.extension().string());
  return p;
}

int render_command(int argc, char** argv) {
  CommandLine args({argv, static_cast<std::size_t>(argc)}, {"help", "sequence"});
  if (args.flag("help")) {
    std::cout << kRenderUsage;
    return 0;
  }
  const auto scene_name = args.value("scene");
  const auto out = args.value("out");
  const int threads = args.integer("threads", 0, 1, 256);
  const int tile_flag = args.integer("tile", 0, 1, 4096);
  const double time = args.number("time", 0.0, -1e6, 1e6);
  const int frames = args.integer("frames", 1, 1, 100000);
  const double fps = args.number("fps", 30.0, 1e-3, 1e4);
  const bool sequence = args.flag("sequence");
  const auto order_name = args.value("tile-order").value_or("row-major");
  const auto size_flag = args.value("size");
  const auto profile_name = args.value("profile");
  const auto engine_flag = args.value("engine");
  const auto backend_flag = args.value("backend");
  const auto itm_method_flag = args.value("itm-method");  // issue 12
  const auto heatmap_flag = args.value("heatmap");
  const std::string counters_flag = args.value("counters").value_or("sharded");
  const int log_every = args.integer("log-every", 0, 0, 1 << 30);
  const int unit_rays = args.integer("unit-rays", 0, 1, 1 << 24);
  const std::string animate_flag = args.value("animate").value_or("between");
  const bool no_attribution = args.flag("no-attribution");
  args.finish();
  txray::UnitOptions units;
  units.unit_pixels = unit_rays;
  if (counters_flag == "sharded") units.counters = txray::CounterMode::sharded;
  else if (counters_flag == "shared") units.counters = txray::CounterMode::shared;
  else if (counters_flag == "commute") units.counters = txray::CounterMode::commute;
  else throw UsageError("--counters '" + counters_flag + "': expected sharded, shared or commute");
  double animate_hz = 0.0;
  if (animate_flag != "between") {
    std::string opt = "--animate=" + animate_flag;
    char* one[] = {opt.data()};
    CommandLine single({one, 1}, {});
    try {
      animate_hz = single.number("animate", 0.0, 0.001, 100000.0);
    } catch (const UsageError&) {
      throw UsageError("--animate '" + animate_flag + "': expected between or updates per second (e.g. 60)");
    }
  }
  if (heatmap_flag && std::filesystem::path(*heatmap_flag).extension() != ".png")
    throw UsageError("--heatmap '" + *heatmap_flag + "': the file name must end in .png");
  std::optional<bench::Profile> profile;
  if (profile_name) {
    if (engine_flag || backend_flag) throw UsageError("--profile and --engine/--backend exclude each other");
    profile = bench::find_profile(*profile_name);
    if (!profile)
      throw UsageError("--profile '" + *profile_name + "': unknown (cpython, cpython-ft, pypy, pypy-stm, native-fine, ideal)");
  } else if (engine_flag || backend_flag) {
    const auto e = bench::parse_engine(engine_flag.value_or("native"));
    if (!e) throw UsageError("--engine '" + *engine_flag + "': expected native or interp");
    if (!backend_flag) throw UsageError("--engine needs --backend (mutex, gil, rwlock, rwlock-queuing, rwlock-std, fine, rcu, stm, itm or snapshot)");
    const auto b = bench::parse_backend(*backend_flag);
    if (!b) throw UsageError("--backend '" + *backend_flag + "': expected mutex, gil, rwlock, rwlock-queuing, rwlock-std, fine, rcu, stm, itm or snapshot");
    profile = bench::profile_for(*e, *b);
  }
  const bool knobs = heatmap_flag || counters_flag != "sharded" || log_every > 0 || unit_rays > 0 ||
                     animate_hz > 0.0 || no_attribution;
  if (knobs && !profile)
    throw UsageError("--heatmap and the workload knobs need --profile or --engine/--backend (a backend to measure)");
  if (!scene_name) throw UsageError("--scene is required (a built-in name or a scene file)");
  if (!out) throw UsageError("--out is required (the PNG to write)");
  txray::TileOrder order;
  if (order_name == "row-major") order = txray::TileOrder::row_major;
  else if (order_name == "reversed") order = txray::TileOrder::reversed;
  else if (order_name == "shuffled") order = txray::TileOrder::shuffled;
  else throw UsageError("--tile-order '" + order_name + "': expected row-major, reversed or shuffled");
  const std::filesystem::path out_path = *out;
  if (out_path.extension() != ".png") throw UsageError("--out '" + *out + "': the file name must end in .png");
  const std::filesystem::path out_dir = out_path.has_parent_path() ? out_path.parent_path() : ".";
  if (!std::filesystem::is_directory(out_dir))
    throw UsageError("--out '" + *out + "': directory '" + out_dir.string() + "' does not exist");

  const txray::SceneDescription scene = txray::resolve_scene(*scene_name);
  std::pair<int, int> size{scene.width, scene.height};
  if (size_flag) {
    // Re-parse through the same rules as every other option.
    std::string opt = "--size=" + *size_flag;
    char* one[] = {opt.data()};
    CommandLine size_args({one, 1}, {});
    size = size_args.size("size", size, txray::kMaxImageDimension);
  }
  const auto [width, height] = size;

  txray::TileScheduler scheduler(threads);
  const int tile = tile_flag > 0 ? tile_flag : txray::default_tile_size(width, height, scheduler.threads());
  txray::Film film(width, height);
  // Through a backend: the rig holds the scene (as it is at --time) in the
  // backend's cells; the animator moves it between frames.
  std::unique_ptr<txray::Choreography> choreography;
  std::unique_ptr<bench::Rig> rig;
  const txray::TileGrid grid(width, height, tile);
  if (profile) {
    txray::SceneDescription at_time = scene;
    at_time.initial = scene.at(time);
    choreography = std::make_unique<txray::Choreography>(at_time);
    bench::RigOptions rig_options;
    rig_options.backend = profile->backend;
    rig_options.engine = profile->engine;
    rig_options.threads = scheduler.threads();
    rig_options.attribution = !no_attribution;
    rig_options.itm_method = itm_method_flag.value_or("");
    rig = std::make_unique<bench::Rig>(*choreography, rig_options);
    rig->name_materials(scene.material_names);
  }
  // Log lines (--log-every) go to a scratch file: the I/O is the point.
  std::FILE* log_file = nullptr;
  std::unique_ptr<txray::UnitLog> unit_log;
  if (log_every > 0) {
    log_file = std::fopen((std::filesystem::temp_directory_path() / "txray-render-units.log").string().c_str(), "w");
    if (!log_file) throw std::runtime_error("cannot open the unit log in the temp directory");
    unit_log = std::make_unique<txray::UnitLog>(log_file);
    units.log_every = log_every;
    units.log = unit_log.get();
  }
  std::vector<std::atomic<std::uint64_t>> tile_lost(static_cast<std::size_t>(grid.count()));
  if (heatmap_flag) units.tile_lost_ns = tile_lost.data();
  if (rig && animate_hz > 0.0) rig->start_animator(animate_hz);
  std::vector<double> frame_seconds;
  std::uint64_t total_rays = 0;
  double total_seconds = 0.0;
  // Ctrl-C stops at the next frame boundary: frames written stay, the
  // --out of an animation not rendered to its end is not written.
  txray::catch_interrupt();
  int rendered = 0;
  for (int k = 0; k < frames && !txray::interrupted(); ++k) {
    txray::FrameStats stats;
    if (rig) {
      if (k > 0 && animate_hz <= 0.0) rig->animate_between(static_cast<float>(1.0 / fps));
      rig->end_frame();
      stats = rig->render_frame(film, scheduler, grid, order, units);
    } else {
      stats = txray::render_frame(scene.at(time + k / fps), film, scheduler, {tile, order});
    }
    ++rendered;
    frame_seconds.push_back(stats.seconds);
    total_rays += stats.rays;
    total_seconds += stats.seconds;
    if (sequence || k == frames - 1) {
      const std::filesystem::path path = sequence ? sequence_path(out_path, k) : out_path;
      if (const std::string error = txray::write_png(path, width, height, film.to_rgba8()); !error.empty()) {
        std::cerr << "txray render: " << error << "\n";
        return 1;
      }
    }
  }
  txray::release_interrupt();
  if (rig) rig->stop_animator();
  if (log_file) std::fclose(log_file);
  if (rendered < frames) {
    std::cerr << "txray render: interrupted after " << rendered << " of " << frames << " frames; "
              << (sequence && rendered > 0 ? "wrote " + sequence_path(out_path, 0).string() + " to " +
                                                 sequence_path(out_path, rendered - 1).string()
                                           : "wrote nothing")
              << "\n";
    return txray::kInterruptedStatus;
  }
  if (heatmap_flag) {
    std::vector<double> lost_ms;
    for (const auto& t : tile_lost) lost_ms.push_back(static_cast<double>(t.load()) * 1e-6);
    const auto sources = rig->conflicts();
    const std::string window = std::to_string(frames) + (frames == 1 ? " frame" : " frames") + ", " +
                               profile->name + ", " + std::to_string(scheduler.threads()) + " threads";
    const bench::HeatmapLayers layers =
        bench::conflict_layers(sources, rig->snapshot(), grid, lost_ms, width, height, window);
    int out_w = 0, out_h = 0;
    const auto pixels = bench::compose_heatmap(film.to_rgba8(), width, height, layers, out_w, out_h);
    if (const std::string error = txray::write_png(*heatmap_flag, out_w, out_h, pixels); !error.empty()) {
      std::cerr << "txray render: " << error << "\n";
      return 1;
    }
    for (const std::string& line : layers.legend) std::printf("  %s\n", line.c_str());
    std::printf("wrote heatmap %s\n", heatmap_flag->c_str());
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

int info_command(int argc, char** argv) {
  CommandLine args({argv, static_cast<std::size_t>(argc)}, {"help"});
  if (args.flag("help")) {
    std::cout << "usage: txray info\n\nPrints the version, the cores oneTBB sees, the build and the built-in scenes.\n";
    return 0;
  }
  args.finish();
  std::printf("txray %s\n", TXRAY_VERSION);
  std::printf("cores: %d (as oneTBB sees them)\n", txray::hardware_threads());
  std::printf("build: %s, %s, flags: %s\n", TXRAY_BUILD_TYPE, TXRAY_COMPILER, TXRAY_CXX_FLAGS);
  std::printf("scenes:");
  for (const std::string& name : txray::builtin_scene_names()) std::printf(" %s", name.c_str());
  std::printf("\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::string_view command = argv[1];
  try {
    if (command == "render") return render_command(argc - 2, argv + 2);
    if (command == "info") return info_command(argc - 2, argv + 2);
    if (command == "bench") return txray::bench_command(argc - 2, argv + 2);
    std::cerr << "txray: unknown command '" << command << "' (try txray --help)\n";
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "txray " << command << ": " << e.what() << " (see txray " << command << " --help)\n";
    return 2;
  } catch (const txray::SceneError& e) {
    std::cerr << "txray " << command << ": " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "txray " << command << ": " << e.what() << "\n";
    return 1;
  }
}
