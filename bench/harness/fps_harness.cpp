#include "bench/harness/fps_harness.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <tuple>

#include "bench/harness/latency_probe.h"
#include "bench/harness/rig.h"
#include "bench/harness/statistics.h"
#include "scenes/animator.h"

namespace txray::bench {

std::string_view counter_mode_name(CounterMode mode) {
  switch (mode) {
    case CounterMode::sharded: return "sharded";
    case CounterMode::shared: return "shared";
    case CounterMode::commute: return "commute";
  }
  return "?";
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::pair<int, int> image_size(const HarnessOptions& options, Engine engine) {
  if (engine == Engine::interp && options.interp_width > 0 && options.interp_height > 0)
    return {options.interp_width, options.interp_height};
  return {options.width, options.height};
}

/// One repetition of one profile × thread count, as measured.
struct Measurement {
  Repetition repetition;
  std::uint64_t rays = 0;
  std::vector<StatFigure> stats;        ///< rates and shares over this repetition
  std::vector<ConflictLine> conflicts;  ///< every attributed source (lost_pct left for the total)
  AttributionCost attribution;
  std::vector<double> latency_us;       ///< --latency-probe: every round trip during the measured frames
  double alone_us = 0.0;                ///< --latency-probe: mean round trip with nothing rendering
};

/// Builds a fresh rig (so every repetition starts from the same scene state
/// and pays the same cold caches), warms up, measures frames.
Measurement measure_once(const Choreography& choreography, const SceneDescription& scene, const Profile& profile,
                         int threads, const HarnessOptions& options, bool measure_attribution, Progress& p,
                         const std::function<void(const Progress&)>& progress, const std::atomic<bool>& stop) {
  TileScheduler scheduler(threads);
  const auto [width, height] = image_size(options, profile.engine);
  const TileGrid grid(width, height, options.tile);
  Film film(width, height);
  RigOptions rig_options;
  rig_options.backend = profile.backend;
  rig_options.engine = profile.engine;
  rig_options.threads = threads;
  rig_options.switch_interval = options.switch_interval;
  rig_options.stm_max_retries = options.stm_max_retries;
  rig_options.attribution = options.attribution;
  rig_options.test_hang_at_frame = options.test_hang_at_frame;
  Rig rig(choreography, rig_options);
  rig.name_materials(scene.material_names);
  UnitLog log(options.log);
  UnitOptions units;
  units.unit_pixels = options.unit_pixels;
  units.counters = profile.counters.value_or(options.counters);
  units.log_every = options.log_every;
  units.log_outside = options.log_outside;
  units.log = options.log_every > 0 ? &log : nullptr;
  // A tile is the watchdog's sign of life within a slow frame: one relaxed
  // increment per tile, with the watchdog on only.
  if (options.watchdog && options.watchdog->enabled())
    units.tile_done = [w = options.watchdog](const Tile&) { w->tile_done(); };

  const double animate_hz = profile.animate_hz.value_or(options.animate_hz);

  // Armed from here (the rig is built) to the end of this run; the rig
  // outlives it.
  const WatchScope watch(options.watchdog, [&rig] { return rig.describe_state(); });
  auto one_frame = [&]() -> std::pair<double, std::uint64_t> {
    const auto start = Clock::now();
    if (animate_hz <= 0.0) rig.animate_between(static_cast<float>(options.animation_step));
    rig.end_frame();
    const FrameStats stats = rig.render_frame(film, scheduler, grid, options.order, units);
    const double seconds = seconds_since(start);
    if (options.watchdog) options.watchdog->frame_done();
    return {seconds, stats.rays};
  };

  Measurement m;
  p.frame = 0;
  p.warming_up = true;
  if (animate_hz > 0.0) rig.start_animator(animate_hz);
  for (int k = 0; k < options.warmup && !stop; ++k) {
    (void)one_frame();
    ++p.frame;
    if (progress) progress(p);
  }
  p.warming_up = false;
  // The probe's baseline alone, then the probe beside the measured frames,
  // each on a core of its own at one render thread (ProbePlacement).
  std::optional<LatencyProbe> probe;
  std::optional<PinnedThread> renderer_cpus;
  ProbePlacement placement;
  if (options.latency_probe && !stop) {
    placement = plan_probe_placement(allowed_cpus(), scheduler.threads());
    probe.emplace(rig);
    m.alone_us = probe->alone_mean_us();
    renderer_cpus.emplace(placement.render_cpus);
  }
  rig.reset_stats();
  if (probe) probe->start(placement.probe_cpus);
  const auto measure_start = Clock::now();
  double elapsed = 0.0;
  while (!stop) {
    const auto [seconds, frame_rays] = one_frame();
    m.repetition.frame_ms.push_back(seconds * 1e3);
    m.rays += frame_rays;
    ++p.frame;
    if (progress) progress(p);
    elapsed = seconds_since(measure_start);
    if (options.duration > 0.0 ? elapsed >= options.duration
                               : static_cast<int>(m.repetition.frame_ms.size()) >= options.frames)
      break;
  }
  if (probe) m.latency_us = probe->stop();
  renderer_cpus.reset();
  rig.stop_animator();
  if (m.repetition.frame_ms.empty()) return m;

  m.repetition.frames = static_cast<int>(m.repetition.frame_ms.size());
  m.repetition.seconds = elapsed;
  m.repetition.fps = static_cast<double>(m.repetition.frames) / elapsed;
  m.stats = rig.stat_figures(elapsed);
  if (options.conflicts_top > 0) {
    for (const sync::ConflictSource& c : rig.conflicts()) {
      ConflictLine l;
      l.subject = c.subject;
      l.group = c.group;
      l.index = c.index;
      l.kind = std::string(sync::conflict_kind_name(c.kind));
      l.unit = std::string(sync::unit_kind_name(c.self));
      l.other = std::string(sync::unit_kind_name(c.other));
      l.worker = c.worker;
      l.count = c.count;
      l.lost_ms = static_cast<double>(c.lost_ns) * 1e-6;
      l.switches = c.switches;
      m.conflicts.push_back(std::move(l));
    }
  }
  m.attribution.enabled = options.attribution;
  // The cost of attribution, in the same rig: frames alternately without
  // and with it (the order flips each pair, so a drift in frame time does
  // not favour one side), compared by median. Not counted in the FPS.
  if (measure_attribution && options.attribution && !stop) {
    const int pairs = std::max(3, m.repetition.frames / 2);
    std::vector<double> on, off;
    if (animate_hz > 0.0) rig.start_animator(animate_hz);
    for (int k = 0; k < pairs && !stop; ++k)
      for (int half = 0; half < 2; ++half) {
        const bool attribute = (half == 0) == (k % 2 == 1);
        rig.set_attribution(attribute);
        (attribute ? on : off).push_back(one_frame().first);
      }
    rig.stop_animator();
    rig.set_attribution(true);
    if (!on.empty() && on.size() == off.size()) {
      m.attribution.frame_pairs = static_cast<int>(on.size());
      m.attribution.frame_ms_on = percentile(on, 0.5) * 1e3;
      m.attribution.frame_ms_off = percentile(off, 0.5) * 1e3;
      m.attribution.cost_pct = 100.0 * (m.attribution.frame_ms_on / m.attribution.frame_ms_off - 1.0);
    }
  }
  return m;
}

/// Everything one profile × thread count measured, over its repetitions.
struct Accumulated {
  RunRecord record;
  std::uint64_t rays = 0;
  std::vector<std::pair<StatFigure, double>> stat_sums;  ///< figure, sum of value × seconds
  std::map<std::tuple<std::string, std::string, std::string, std::string, int>, ConflictLine> conflicts;
  std::vector<double> latency_us;  ///< every repetition's probe round trips
  double alone_us_sum = 0.0;
  int alone_count = 0;

  void add(Measurement&& m) {
    const double seconds = m.repetition.seconds;
    if (m.alone_us > 0.0) {
      alone_us_sum += m.alone_us;
      ++alone_count;
    }
    latency_us.insert(latency_us.end(), m.latency_us.begin(), m.latency_us.end());
    rays += m.rays;
    // Rates and shares average by time: Σ(rate × seconds) / Σ seconds is
    // the rate over all the repetitions' measured time.
    for (const StatFigure& s : m.stats) {
      auto it = std::find_if(stat_sums.begin(), stat_sums.end(),
                             [&](const auto& e) { return e.first.name == s.name && e.first.unit == s.unit; });
      if (it == stat_sums.end()) it = stat_sums.insert(stat_sums.end(), {s, 0.0});
      it->second += s.value * seconds;
    }
    for (ConflictLine& l : m.conflicts) {
      auto [it, fresh] = conflicts.try_emplace({l.subject, l.kind, l.unit, l.other, l.worker}, l);
      if (!fresh) {
        it->second.count += l.count;
        it->second.lost_ms += l.lost_ms;
        it->second.switches += l.switches;
      }
    }
    if (m.attribution.frame_pairs > 0 || !m.attribution.enabled) record.attribution = m.attribution;
    record.repetitions.push_back(std::move(m.repetition));
  }

  RunRecord finish(int conflicts_top, bool latency_probe) && {
    summarize_repetitions(record);
    if (latency_probe)
      record.latency = summarize_latency(latency_us, alone_count > 0 ? alone_us_sum / alone_count : std::nan(""));
    record.mrays_per_second = record.seconds > 0.0 ? static_cast<double>(rays) / record.seconds * 1e-6 : 0.0;
    for (auto& [figure, sum] : stat_sums) {
      figure.value = record.seconds > 0.0 ? sum / record.seconds : 0.0;
      record.stats.push_back(figure);
    }
    if (conflicts_top > 0) {
      const double thread_ms = record.seconds * 1e3 * record.threads;
      for (auto& [key, line] : conflicts) {
        line.lost_pct = 100.0 * line.lost_ms / thread_ms;
        record.conflicts.push_back(line);
      }
      std::stable_sort(record.conflicts.begin(), record.conflicts.end(),
                       [](const ConflictLine& a, const ConflictLine& b) { return a.lost_ms > b.lost_ms; });
      if (static_cast<int>(record.conflicts.size()) > conflicts_top)
        record.conflicts.resize(static_cast<std::size_t>(conflicts_top));
    }
    return std::move(record);
  }
};

}  // namespace

std::vector<RunRecord> run_harness(const SceneDescription& scene, const HarnessOptions& options,
                                   const std::function<void(const Progress&)>& progress,
                                   const std::atomic<bool>& stop) {
  const Choreography choreography(scene);
  std::vector<Accumulated> runs;
  for (const Profile& profile : options.profiles)
    for (int threads : options.threads) {
      Accumulated a;
      a.record.profile = profile.name;
      a.record.engine = std::string(engine_name(profile.engine));
      a.record.backend = std::string(backend_name(profile.backend));
      a.record.threads = threads;
      std::tie(a.record.width, a.record.height) = image_size(options, profile.engine);
      a.record.attribution.enabled = options.attribution;
      runs.push_back(std::move(a));
    }
  const int repetitions = std::max(options.repetitions, 1);
  Progress p;
  p.runs = static_cast<int>(runs.size());
  p.repetitions = repetitions;
  p.frames = options.duration > 0.0 ? 0 : options.warmup + options.frames;
  // Round-robin: repetition k of every configuration before repetition
  // k + 1 of any, so a drift in the machine's load hits them all alike.
  for (int k = 0; k < repetitions && !stop; ++k) {
    std::size_t i = 0;
    for (const Profile& profile : options.profiles)
      for (int threads : options.threads) {
        if (stop) break;
        p.run = static_cast<int>(i) + 1;
        p.repetition = k + 1;
        p.profile = profile.name;
        p.threads = threads;
        const bool last = k + 1 == repetitions;
        Measurement m = measure_once(choreography, scene, profile, threads, options, last && options.conflicts_top > 0,
                                     p, progress, stop);
        if (m.repetition.frames > 0) runs[i].add(std::move(m));
        ++i;
      }
  }
  std::vector<RunRecord> records;
  for (Accumulated& a : runs)
    if (!a.record.repetitions.empty()) records.push_back(std::move(a).finish(options.conflicts_top, options.latency_probe));
  return records;
}

}  // namespace txray::bench
