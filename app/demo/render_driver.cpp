#include "app/demo/render_driver.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include <glm/geometric.hpp>

#ifdef __linux__
#include <sys/resource.h>
#include <unistd.h>
#endif

#include "bench/harness/rig.h"
#include "renderer/camera.h"
#include "scenes/animator.h"

namespace txray::demo {

namespace {

using Clock = std::chrono::steady_clock;

// Thrown from tile_done when the window closes: every worker throws at its
// next finished tile, so a long frame (the cpython profile) ends within a
// tile instead of running to its end. Thrown outside any unit of work, so
// no backend is left mid-transaction; oneTBB rethrows it in render_frame.
struct FrameAborted {};

constexpr int kLogEvery = 16;

// The render side runs below the UI thread's priority: with every core
// busy rendering, the UI thread still gets a core the moment it wakes, so
// input and the overlay stay live under any profile. The renderers lose
// nothing to it but the UI's own few milliseconds per redraw. Threads
// created from a lowered thread (oneTBB's workers, the rig's animator)
// inherit the lower priority on Linux; tile_done makes sure for workers.
void lower_this_thread_priority() {
#ifdef __linux__
  static thread_local bool lowered = false;
  if (lowered) return;
  lowered = true;
  const int current = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), std::min(19, current + 5));
#endif
}

template <class Options>
void set_engine(Options& options, const bench::Profile& profile) {
  // The interpreted engine is being added to RigOptions alongside this
  // window; set it when the rig knows it, so interp profiles render as such.
  if constexpr (requires { options.engine = profile.engine; }) options.engine = profile.engine;
}

double smooth(double previous, double sample, double seconds, double time_constant) {
  if (!(previous > 0.0)) return sample;
  const double a = 1.0 - std::exp(-seconds / time_constant);
  return previous + a * (sample - previous);
}

}  // namespace

struct RenderDriver::Pane {
  bench::Profile profile;
  int threads = 0;
  std::unique_ptr<TileScheduler> scheduler;
  std::unique_ptr<bench::Rig> rig;
  std::unique_ptr<Film> film;
  std::unique_ptr<TileGrid> grid;
  std::shared_ptr<DisplayBuffer> display;
  std::shared_ptr<TileHeat> heat;  // a new one with each rig or grid: no figures from another
  std::uint64_t camera_version = 0;
  bool animator_running = false;
  bool warm = false;  // a frame has been rendered since the rig was built
  double smoothed_frame = 0.0, smoothed_mrays = 0.0;
  double stats_seconds = 0.0;
  std::vector<bench::StatFigure> figures;
  std::int64_t frames = 0;
  double last_frame = 1.0 / 30.0;
  DragLatency drag;  // the input writer commits, this pane's frames show
};

RenderDriver::RenderDriver(const Options& options)
    : options_(options), watchdog_(std::make_unique<bench::Watchdog>("txray-demo", options.watchdog_seconds)) {
  log_file_ = std::tmpfile();  // a real file: logging is real I/O (inevitable under stm)
  thread_ = std::thread([this] { loop(); });
  input_thread_ = std::thread([this] { input_loop(); });
}

RenderDriver::~RenderDriver() {
  stop();
  if (log_file_) std::fclose(log_file_);
}

void RenderDriver::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (input_thread_.joinable()) input_thread_.join();
  // Rigs own animator threads: stop them here, on one thread, in order.
  std::lock_guard lock(input_mutex_);
  panes_.clear();
}

void RenderDriver::configure(const RenderConfig& config) {
  {
    std::lock_guard lock(mutex_);
    if (have_config_ && desired_ == config) return;
    desired_ = config;
    have_config_ = true;
    ++config_version_;
    pane_width_ = config.width;
    pane_height_ = config.height;
  }
  wake_.notify_all();
}

void RenderDriver::orbit(float yaw, float pitch) {
  std::lock_guard lock(mutex_);
  if (!camera_known_) return;
  const Vec3 offset = camera_.position - camera_.look_at;
  const float r = glm::length(offset);
  if (!(r > 0.0f)) return;
  float azimuth = std::atan2(offset.x, offset.z);
  float elevation = std::asin(std::clamp(offset.y / r, -1.0f, 1.0f));
  azimuth -= yaw;
  elevation = std::clamp(elevation + pitch, -1.4f, 1.4f);  // short of the pole, where "up" flips
  camera_.position = camera_.look_at + r * Vec3(std::cos(elevation) * std::sin(azimuth), std::sin(elevation),
                                                std::cos(elevation) * std::cos(azimuth));
  ++camera_version_;
}

void RenderDriver::grab(float u, float v) {
  std::lock_guard lock(mutex_);
  grab_request_ = std::pair{u, v};
}

void RenderDriver::drag(float u, float v) {
  {
    std::lock_guard lock(mutex_);
    if (grabbed_ < 0) return;
    // Events the input writer has not taken yet are coalesced: the batch
    // is timed from its oldest, what the hand felt.
    if (!drag_target_) drag_time_ = steady_seconds();
    drag_target_ = std::pair{u, v};
  }
  wake_.notify_all();
}

void RenderDriver::release() {
  std::lock_guard lock(mutex_);
  grabbed_ = -1;
  grab_request_.reset();
  drag_target_.reset();
}

int RenderDriver::grabbed() const {
  std::lock_guard lock(mutex_);
  return grabbed_;
}

void RenderDriver::set_suspended(bool suspended) {
  {
    std::lock_guard lock(mutex_);
    suspended_ = suspended;
  }
  wake_.notify_all();
}

std::vector<PaneView> RenderDriver::panes() const {
  std::lock_guard lock(status_mutex_);
  std::vector<PaneView> views = views_;
  for (PaneView& v : views)
    if (v.display) v.status.tiles_done = v.display->frame_tiles();
  return views;
}

std::string RenderDriver::error() const {
  std::lock_guard lock(status_mutex_);
  return error_;
}

bool RenderDriver::done() const {
  std::lock_guard lock(status_mutex_);
  return done_;
}

std::vector<bench::RunRecord> RenderDriver::measurements() const {
  std::lock_guard lock(status_mutex_);
  std::vector<bench::RunRecord> runs;
  for (const auto& [key, tally] : tallies_) {
    if (tally.frames == 0 || !(tally.seconds > 0.0)) continue;
    const bench::Profile& profile = tally_profiles_.at(key);
    bench::RunRecord r;
    r.profile = profile.name;
    r.engine = std::string(bench::engine_name(profile.engine));
    r.backend = std::string(bench::backend_name(profile.backend));
    r.threads = key.second;
    r.frames = static_cast<int>(tally.frames);
    r.seconds = tally.seconds;
    r.fps = static_cast<double>(tally.frames) / tally.seconds;
    r.frame_ms_median = r.frame_ms_p90 = 1e3 / r.fps;  // the window keeps means, not a distribution
    r.mrays_per_second = static_cast<double>(tally.rays) / tally.seconds * 1e-6;
    runs.push_back(std::move(r));
  }
  // In the order of named_profiles(), then threads: the chart reads left to right.
  const auto& named = bench::named_profiles();
  auto rank = [&](const std::string& name) {
    const auto it = std::find_if(named.begin(), named.end(), [&](const bench::Profile& p) { return p.name == name; });
    return it - named.begin();
  };
  std::stable_sort(runs.begin(), runs.end(), [&](const bench::RunRecord& a, const bench::RunRecord& b) {
    return std::pair{rank(a.profile), a.threads} < std::pair{rank(b.profile), b.threads};
  });
  return runs;
}

const SceneDescription* RenderDriver::scene(const std::string& name) {
  auto it = scenes_.find(name);
  if (it == scenes_.end()) it = scenes_.emplace(name, resolve_scene(name)).first;
  return &it->second;
}

void RenderDriver::rebuild_rig(Pane& pane, const RenderConfig& config) {
  // Objects stay where they were when the profile or thread count changes:
  // the picture goes on; only how it is computed changes.
  std::optional<SceneState> carried;
  if (pane.rig) {
    pane.rig->stop_animator();
    pane.animator_running = false;
    carried = pane.rig->snapshot();
    pane.rig.reset();
  }
  if (!pane.scheduler || pane.threads != config.threads) pane.scheduler = std::make_unique<TileScheduler>(config.threads);
  pane.threads = config.threads;
  bench::RigOptions options;
  options.backend = pane.profile.backend;
  options.threads = config.threads;
  set_engine(options, pane.profile);
  pane.rig = std::make_unique<bench::Rig>(*choreography_, options);
  if (carried) {
    const SceneState& initial = choreography_->initial();
    for (std::size_t i = 0; i < carried->objects.size() && i < initial.objects.size(); ++i)
      if (carried->objects[i].center != initial.objects[i].center) pane.rig->move_object(i, carried->objects[i].center);
  }
  pane.camera_version = 0;  // the camera is written before the first frame
  pane.warm = false;
  pane.smoothed_frame = pane.smoothed_mrays = 0.0;
  pane.stats_seconds = 0.0;
  pane.figures.clear();
}

bool RenderDriver::apply(const RenderConfig& config) {
  if (config.profiles.empty()) return false;
  if (!choreography_ || config.scene != scene_name_) {
    const SceneDescription* description = nullptr;
    try {
      description = scene(config.scene);
    } catch (const std::exception& e) {
      std::lock_guard lock(status_mutex_);
      error_ = e.what();
      return false;
    }
    for (auto& pane : panes_)
      if (pane->rig) pane->rig->stop_animator();
    panes_.clear();
    choreography_ = std::make_unique<Choreography>(*description);
    scene_name_ = config.scene;
    std::lock_guard lock(mutex_);
    camera_ = description->initial.camera;
    camera_known_ = true;
    ++camera_version_;
    grabbed_ = -1;
  }
  const bool new_layout = panes_.size() != config.profiles.size();
  panes_.resize(config.profiles.size());
  for (std::size_t i = 0; i < panes_.size(); ++i) {
    if (!panes_[i]) panes_[i] = std::make_unique<Pane>();
    Pane& pane = *panes_[i];
    const std::optional<bench::Profile> profile = bench::find_profile(config.profiles[i]);
    if (!profile) {
      std::lock_guard lock(status_mutex_);
      error_ = "unknown profile '" + config.profiles[i] + "'";
      return false;
    }
    bool fresh = false;
    if (!pane.rig || pane.profile.name != profile->name || pane.threads != config.threads) {
      pane.profile = *profile;
      try {
        rebuild_rig(pane, config);
      } catch (const std::invalid_argument& e) {  // a profile that refuses the scene (interp and meshes)
        pane.rig.reset();
        std::lock_guard lock(status_mutex_);
        error_ = pane.profile.name + ": " + e.what();
        return false;
      }
      pane.frames = 0;
      fresh = true;
    }
    const int tile = default_tile_size(config.width, config.height, config.threads);
    if (!pane.film || pane.film->width() != config.width || pane.film->height() != config.height ||
        pane.grid->tile_size() != tile) {
      pane.film = std::make_unique<Film>(config.width, config.height);
      pane.grid = std::make_unique<TileGrid>(config.width, config.height, tile);
      pane.display = std::make_shared<DisplayBuffer>(config.width, config.height, tile, options_.layout);
      fresh = true;
    }
    if (fresh || !pane.heat) pane.heat = std::make_shared<TileHeat>(*pane.grid);
  }
  if (new_layout || !scheduler_) scheduler_ = std::make_unique<PaneScheduler>(static_cast<int>(panes_.size()), options_.slice_seconds);
  applied_ = config;
  std::lock_guard lock(status_mutex_);
  error_.clear();
  done_ = false;
  views_.assign(panes_.size(), {});
  for (std::size_t i = 0; i < panes_.size(); ++i) {
    views_[i].display = panes_[i]->display;
    views_[i].heat = panes_[i]->heat;
    views_[i].status.profile = panes_[i]->profile;
    views_[i].status.threads = panes_[i]->threads;
    views_[i].status.width = config.width;
    views_[i].status.height = config.height;
    views_[i].status.frames = panes_[i]->frames;
    views_[i].status.tiles_total = panes_[i]->grid->count();
  }
  return true;
}

void RenderDriver::loop() {
  lower_this_thread_priority();
  bool ready = false;
  while (!stop_) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || (!suspended_ && have_config_ && (ready || config_version_ != applied_version_)); });
      if (stop_) break;
      if (config_version_ != applied_version_) {
        const RenderConfig config = desired_;
        applied_version_ = config_version_;
        lock.unlock();
        std::lock_guard input(input_mutex_);
        ready = apply(config);
      }
    }
    if (!ready) continue;
    // --frames: a pane that has its frames stops taking turns; when all
    // have, the driver sleeps until the configuration changes.
    if (options_.max_frames > 0)
      for (std::size_t i = 0; i < panes_.size(); ++i)
        if (panes_[i]->frames >= options_.max_frames) scheduler_->set_idle(static_cast<int>(i), true);
    if (scheduler_->all_idle()) {
      for (auto& pane : panes_)
        if (pane->animator_running) {
          pane->rig->stop_animator();
          pane->animator_running = false;
        }
      {
        std::lock_guard lock(status_mutex_);
        done_ = true;
      }
      ready = false;
      continue;
    }
    try {
      render_one(static_cast<std::size_t>(scheduler_->current()));
    } catch (const FrameAborted&) {
      break;
    } catch (const std::exception& e) {
      std::lock_guard lock(status_mutex_);
      error_ = std::string("rendering failed: ") + e.what();
      ready = false;
    }
  }
}

void RenderDriver::render_one(std::size_t index) {
  Pane& pane = *panes_[index];
  const auto start = Clock::now();
  const bench::WatchScope watch(watchdog_.get(), [&pane, index, panes = panes_.size()] {
    std::vector<std::string> lines = {"pane " + std::to_string(index + 1) + " of " + std::to_string(panes) + ": " +
                                      pane.profile.name + ", " + std::to_string(pane.threads) + " thread(s)"};
    for (std::string& line : pane.rig->describe_state()) lines.push_back(std::move(line));
    return lines;
  });
  {
    std::lock_guard input(input_mutex_);
    Camera camera;
    std::uint64_t camera_version = 0;
    std::optional<std::pair<float, float>> grab;
    {
      std::lock_guard lock(mutex_);
      camera = camera_;
      camera_version = camera_version_;
      grab = grab_request_;
      grab_request_.reset();
    }
    if (pane.camera_version != camera_version) {
      pane.rig->set_camera(camera);
      pane.camera_version = camera_version;
    }
    if (grab) {
      // The pick needs the objects' positions, which only a quiescent rig
      // may copy: pause its animator for the moment.
      if (pane.animator_running) pane.rig->stop_animator();
      const SceneState state = pane.rig->snapshot();
      if (pane.animator_running) pane.rig->start_animator(options_.animator_hz);
      const CameraRays rays(camera, applied_.width, applied_.height);
      const Ray ray = rays.primary(static_cast<int>(grab->first * static_cast<float>(applied_.width)),
                                   static_cast<int>(grab->second * static_cast<float>(applied_.height)));
      int best = -1;
      float best_score = 0.0f, best_depth = 0.0f;
      for (std::size_t i = 0; i < state.objects.size(); ++i) {
        const Object& o = state.objects[i];
        if (o.kind == ShapeKind::plane) continue;
        const Vec3 oc = o.center - ray.origin;
        const float t = glm::dot(oc, ray.direction);
        if (!(t > 0.0f)) continue;
        const float size = o.kind == ShapeKind::sphere ? o.radius : glm::length(o.half_size);
        const float miss = glm::length(oc - t * ray.direction);
        // Angular distance from the cursor to the object's outline: the
        // object that looks nearest the cursor, not the one nearest in space.
        const float score = std::max(0.0f, miss - size) / t;
        if (best < 0 || score < best_score) {
          best = static_cast<int>(i);
          best_score = score;
          best_depth = t;
        }
      }
      std::lock_guard lock(mutex_);
      grabbed_ = best;
      grab_depth_ = best_depth;
    }
    const bool want_animator = applied_.animator && !applied_.paused;
    if (want_animator && !pane.animator_running) pane.rig->start_animator(options_.animator_hz);
    if (!want_animator && pane.animator_running) pane.rig->stop_animator();
    pane.animator_running = want_animator;
    if (!pane.animator_running && !applied_.paused) {
      // Real-time motion: each frame advances the scene by the time the
      // pane's last frame took; --frames runs use a fixed step, so their
      // pictures do not depend on the machine.
      const double dt = options_.max_frames > 0 ? 1.0 / 30.0 : std::clamp(pane.last_frame, 0.0, 0.1);
      pane.rig->animate_between(static_cast<float>(dt));
    }
    pane.rig->end_frame();
    pane.drag.frame_began();  // under input_mutex_: no write lands between the boundary and this
    if (applied_.heatmap) pane.heat->set_scene(camera, pane.rig->frame_objects());
  }

  DisplayBuffer& display = *pane.display;
  display.begin_frame();
  {
    std::lock_guard lock(status_mutex_);
    for (std::size_t i = 0; i < views_.size(); ++i) {
      views_[i].status.has_machine = i == index;
      views_[i].status.animator_running = panes_[i]->animator_running;
    }
  }
  UnitLog log(log_file_);
  UnitOptions units;
  units.counters = applied_.shared_counters ? CounterMode::shared : CounterMode::sharded;
  units.log_every = applied_.log && log_file_ ? kLogEvery : 0;
  units.log = units.log_every > 0 ? &log : nullptr;
  // Only while T is on: a fetch_add per unit is cheap, but a measurement
  // nobody looks at should cost nothing.
  if (applied_.heatmap) units.tile_lost_ns = pane.heat->counters();
  const Film& film = *pane.film;
  units.tile_done = [&](const Tile& tile) {
    lower_this_thread_priority();
    watchdog_->tile_done();
    display.publish_tile(film, tile);
    if (stop_.load(std::memory_order_relaxed)) throw FrameAborted{};
  };
  const FrameStats frame = pane.rig->render_frame(*pane.film, *pane.scheduler, *pane.grid, TileOrder::row_major, units);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  watchdog_->frame_done();
  pane.drag.frame_shown(steady_seconds());

  pane.last_frame = seconds;
  ++pane.frames;
  pane.smoothed_frame = smooth(pane.smoothed_frame, seconds, seconds, 0.5);
  const double mrays = static_cast<double>(frame.rays) / std::max(seconds, 1e-9) * 1e-6;
  pane.smoothed_mrays = smooth(pane.smoothed_mrays, mrays, seconds, 0.5);
  pane.stats_seconds += seconds;
  // A --frames run's last frame closes its window too: its screenshot
  // then shows that run's figures, and its conflicts under T.
  // The first frame closes one too, so a pane's figures show from frame
  // one (a fast profile in --compare would otherwise need hundreds).
  const bool last_frame = options_.max_frames > 0 && pane.frames >= options_.max_frames;
  if (pane.stats_seconds >= 0.5 || last_frame || pane.figures.empty()) {
    // The conflict tables count from the last reset, like the figures.
    if (applied_.heatmap) pane.heat->report(steady_seconds(), pane.stats_seconds, pane.rig->conflicts());
    pane.figures = pane.rig->stat_figures(pane.stats_seconds);
    pane.rig->reset_stats();
    pane.stats_seconds = 0.0;
  }
  scheduler_->record(static_cast<int>(index), seconds);
  if (scheduler_->switched() && pane.animator_running) {
    // Its turn is over: an animator left running would take the next
    // pane's cores.
    pane.rig->stop_animator();
    pane.animator_running = false;
  }

  std::lock_guard lock(status_mutex_);
  if (pane.warm) {
    const auto key = std::pair{pane.profile.name, pane.threads};
    Tally& t = tallies_[key];
    ++t.frames;
    t.seconds += seconds;
    t.rays += frame.rays;
    tally_profiles_[key] = pane.profile;
  }
  pane.warm = true;
  PaneStatus& s = views_[index].status;
  s.fps = pane.smoothed_frame > 0.0 ? 1.0 / pane.smoothed_frame : 0.0;
  s.frame_ms = pane.smoothed_frame * 1e3;
  s.mrays = pane.smoothed_mrays;
  s.figures = pane.figures;
  s.frames = pane.frames;
  s.busy_seconds = scheduler_->busy(static_cast<int>(index));
  s.animator_running = pane.animator_running;
  s.drag = pane.drag.figures();
}

void RenderDriver::input_loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stop_ || drag_target_.has_value(); });
    if (stop_) return;
    const auto [u, v] = *drag_target_;
    const double event_time = drag_time_;
    drag_target_.reset();
    const int index = grabbed_;
    const float depth = grab_depth_;
    const Camera camera = camera_;
    const int width = pane_width_, height = pane_height_;
    lock.unlock();
    if (index >= 0) {
      const CameraRays rays(camera, width, height);
      const Ray ray = rays.primary(static_cast<int>(u * static_cast<float>(width)), static_cast<int>(v * static_cast<float>(height)));
      const Vec3 center = ray.origin + depth * ray.direction;
      // Every pane gets the same edit, so compared panes keep showing the
      // same scene; the pane rendering now takes it mid-frame.
      std::lock_guard input(input_mutex_);
      for (auto& pane : panes_)
        if (pane && pane->rig && static_cast<std::size_t>(index) < pane->rig->object_count()) {
          pane->rig->move_object(static_cast<std::size_t>(index), center);
          pane->drag.committed(event_time);
        }
    }
    lock.lock();
  }
}

}  // namespace txray::demo
