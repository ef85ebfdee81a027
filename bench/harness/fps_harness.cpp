#include "bench/harness/fps_harness.h"

#include <algorithm>
#include <cmath>

#include "bench/harness/rig.h"
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

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double position = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(position));
  const auto hi = std::min(values.size() - 1, lo + 1);
  return values[lo] + (values[hi] - values[lo]) * (position - static_cast<double>(lo));
}

}  // namespace

std::vector<RunRecord> run_harness(const SceneDescription& scene, const HarnessOptions& options,
                                   const std::function<void(const Progress&)>& progress,
                                   const std::atomic<bool>& stop) {
  const Choreography choreography(scene);
  std::vector<RunRecord> records;
  const int runs = static_cast<int>(options.profiles.size() * options.threads.size());
  int run_index = 0;
  for (const Profile& profile : options.profiles) {
    for (int threads : options.threads) {
      if (stop) return records;
      ++run_index;
      TileScheduler scheduler(threads);
      const TileGrid grid(options.width, options.height, options.tile);
      Film film(options.width, options.height);
      RigOptions rig_options;
      rig_options.backend = profile.backend;
      rig_options.engine = profile.engine;
      rig_options.threads = threads;
      rig_options.switch_interval = options.switch_interval;
      rig_options.stm_max_retries = options.stm_max_retries;
      rig_options.attribution = options.attribution;
      Rig rig(choreography, rig_options);
      rig.name_materials(scene.material_names);
      UnitLog log(options.log);
      UnitOptions units;
      units.unit_pixels = options.unit_pixels;
      units.counters = options.counters;
      units.log_every = options.log_every;
      units.log_outside = options.log_outside;
      units.log = options.log_every > 0 ? &log : nullptr;

      Progress p{run_index, runs, profile.name, threads, 0, options.duration > 0.0 ? 0 : options.warmup + options.frames, true};
      auto one_frame = [&]() -> std::pair<double, std::uint64_t> {
        const auto start = std::chrono::steady_clock::now();
        if (options.animate_hz <= 0.0) rig.animate_between(static_cast<float>(options.animation_step));
        rig.end_frame();
        const FrameStats stats = rig.render_frame(film, scheduler, grid, options.order, units);
        return {std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), stats.rays};
      };

      if (options.animate_hz > 0.0) rig.start_animator(options.animate_hz);
      for (int k = 0; k < options.warmup && !stop; ++k) {
        (void)one_frame();
        ++p.frame;
        if (progress) progress(p);
      }
      p.warming_up = false;
      rig.reset_stats();
      std::vector<double> frame_seconds;
      std::uint64_t rays = 0;
      const auto measure_start = std::chrono::steady_clock::now();
      double elapsed = 0.0;
      for (;;) {
        if (stop) break;
        const auto [seconds, frame_rays] = one_frame();
        frame_seconds.push_back(seconds);
        rays += frame_rays;
        ++p.frame;
        if (progress) progress(p);
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - measure_start).count();
        if (options.duration > 0.0 ? elapsed >= options.duration
                                   : static_cast<int>(frame_seconds.size()) >= options.frames)
          break;
      }
      rig.stop_animator();
      if (frame_seconds.empty()) return records;

      RunRecord r;
      r.profile = profile.name;
      r.engine = std::string(engine_name(profile.engine));
      r.backend = std::string(backend_name(profile.backend));
      r.threads = threads;
      r.frames = static_cast<int>(frame_seconds.size());
      r.seconds = elapsed;
      r.fps = static_cast<double>(r.frames) / elapsed;
      r.frame_ms_median = percentile(frame_seconds, 0.5) * 1e3;
      r.frame_ms_p90 = percentile(frame_seconds, 0.9) * 1e3;
      r.mrays_per_second = static_cast<double>(rays) / elapsed * 1e-6;
      r.stats = rig.stat_figures(elapsed);
      r.attribution.enabled = options.attribution;
      if (options.conflicts_top > 0) {
        const double thread_ns = elapsed * 1e9 * threads;
        for (const sync::ConflictSource& c : rig.conflicts()) {
          if (static_cast<int>(r.conflicts.size()) >= options.conflicts_top) break;
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
          l.lost_pct = 100.0 * static_cast<double>(c.lost_ns) / thread_ns;
          l.switches = c.switches;
          r.conflicts.push_back(std::move(l));
        }
        // The cost of attribution, in the same run: frames alternately
        // without and with it (the order flips each pair, so a drift in
        // frame time does not favour one side), compared by median.
        if (options.attribution && !stop) {
          const int pairs = std::max(3, r.frames / 2);
          std::vector<double> on, off;
          if (options.animate_hz > 0.0) rig.start_animator(options.animate_hz);
          for (int k = 0; k < pairs && !stop; ++k)
            for (int half = 0; half < 2; ++half) {
              const bool attribute = (half == 0) == (k % 2 == 1);
              rig.set_attribution(attribute);
              (attribute ? on : off).push_back(one_frame().first);
            }
          rig.stop_animator();
          rig.set_attribution(true);
          if (!on.empty() && on.size() == off.size()) {
            r.attribution.frame_pairs = static_cast<int>(on.size());
            r.attribution.frame_ms_on = percentile(on, 0.5) * 1e3;
            r.attribution.frame_ms_off = percentile(off, 0.5) * 1e3;
            r.attribution.cost_pct = 100.0 * (r.attribution.frame_ms_on / r.attribution.frame_ms_off - 1.0);
          }
        }
      }
      records.push_back(std::move(r));
    }
  }
  return records;
}

}  // namespace txray::bench
