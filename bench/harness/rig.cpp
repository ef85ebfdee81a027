#include "bench/harness/rig.h"

#include "renderer/interp/interp_render.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace txray::bench {

template <class B>
struct Rig::Parts {
  Parts(const Choreography& choreography, std::size_t workers, typename B::Options options)
      : backend(workers, options), scene(choreography.initial()), animator(choreography, scene) {}
  B backend;
  SharedScene<B> scene;
  Animator<B> animator;
};

namespace {

template <class B>
typename B::Options backend_options(const RigOptions&) {
  return {};
}
template <>
sync::GilBackend::Options backend_options<sync::GilBackend>(const RigOptions& o) {
  sync::GilBackend::Options g;
  g.switch_interval = o.switch_interval;
  g.policy = gil_policy_for(o.engine);
  return g;
}
template <>
sync::StmBackend::Options backend_options<sync::StmBackend>(const RigOptions& o) {
  sync::StmBackend::Options s;
  s.max_retries = o.stm_max_retries;
  s.attribution = o.attribution;
  return s;
}

#if defined(TXRAY_HAVE_ITM)
template <>
sync::ItmBackend::Options backend_options<sync::ItmBackend>(const RigOptions& o) {
  sync::ItmBackend::Options i;
  i.method = o.itm_method;
  return i;
}
#endif

}  // namespace

sync::GilPolicy gil_policy_for(Engine engine) {
  return engine == Engine::interp ? sync::GilPolicy::cpython : sync::GilPolicy::pypy;
}

void set_itm_method(const std::string& method) {
#if defined(TXRAY_HAVE_ITM)
  try {
    sync::ItmBackend::set_method(method);
  } catch (const std::logic_error& e) {
    if (dynamic_cast<const std::invalid_argument*>(&e)) throw;
    throw std::runtime_error(e.what());
  }
#else
  (void)method;
  throw std::runtime_error("--itm-method: this txray was built without GCC transactional memory (TXRAY_WITH_ITM)");
#endif
}

Rig::Rig(const Choreography& choreography, const RigOptions& options)
    : choreography_(choreography), options_(options), walls_(choreography.cages()),
      animator_worker_(static_cast<std::size_t>(options.threads)),
      main_worker_(static_cast<std::size_t>(options.threads) + 1) {
  // The Python kernel (assets/kernels/raytrace.py) knows spheres, planes
  // and boxes. Meshes are refused rather than taught to it: a triangle BVH
  // walked by the interpreter would run some hundred times slower than
  // the sphere scenes it already takes minutes a frame on, and would
  // measure the VM's arithmetic, not the contention the profile models.
  if (options.engine == Engine::interp) {
    std::size_t instances = 0;
    for (const Object& o : choreography.initial().objects) instances += o.kind == ShapeKind::instance ? 1 : 0;
    if (instances > 0) {
      throw std::invalid_argument("the interpreted engine does not render meshes, and this scene has " +
                                  std::to_string(instances) + " mesh instance" + (instances == 1 ? "" : "s") +
                                  " (use a native profile)");
    }
  }
  const std::size_t workers = static_cast<std::size_t>(options.threads) + 4;  // + animator, main, input, probe
  auto make = [&]<class B>(std::type_identity<B>) {
    auto parts = std::make_unique<Parts<B>>(choreography, workers, backend_options<B>(options));
    // Who runs what, for the other side of a conflict: render workers set
    // their own kind per batch (render_frame_on).
    sync::set_attribution(parts->backend, options.attribution);
    sync::set_unit_kind(parts->backend, animator_worker_, sync::UnitKind::animator);
    sync::set_unit_kind(parts->backend, main_worker_, sync::UnitKind::animator);
    sync::set_unit_kind(parts->backend, input_worker_, sync::UnitKind::user_input);
    sync::set_unit_kind(parts->backend, probe_worker_, sync::UnitKind::logging);
    parts_ = std::move(parts);
  };
  switch (options.backend) {
    case BackendKind::gil: make(std::type_identity<sync::GilBackend>{}); break;
    case BackendKind::fine: make(std::type_identity<sync::FineBackend>{}); break;
    case BackendKind::stm: make(std::type_identity<sync::StmBackend>{}); break;
    case BackendKind::snapshot: make(std::type_identity<sync::SnapshotBackend>{}); break;
    case BackendKind::mutex: make(std::type_identity<sync::MutexBackend>{}); break;
    case BackendKind::rwlock: make(std::type_identity<sync::RwLockSpinBackend>{}); break;
    case BackendKind::rwlock_queuing: make(std::type_identity<sync::RwLockQueuingBackend>{}); break;
    case BackendKind::rwlock_std: make(std::type_identity<sync::RwLockStdBackend>{}); break;
    case BackendKind::rcu: make(std::type_identity<sync::RcuBackend>{}); break;
    case BackendKind::itm:
#if defined(TXRAY_HAVE_ITM)
      make(std::type_identity<sync::ItmBackend>{});
      break;
#else
      throw std::runtime_error("backend itm: this txray was built without GCC transactional memory (TXRAY_WITH_ITM)");
#endif
  }
}

Rig::~Rig() {
  stop_animator();
  if (hang_thread_.joinable()) {
    {
      std::lock_guard lock(hang_mutex_);
      hang_release_ = true;
    }
    hang_wake_.notify_all();
    hang_thread_.join();
  }
}

FrameStats Rig::render_frame(Film& film, TileScheduler& scheduler, const TileGrid& grid, TileOrder order,
                             const UnitOptions& units) {
  return std::visit(
      [&](auto& parts) {
        // The engine, like the backend, is chosen here once per frame.
        using B = std::remove_reference_t<decltype(parts->backend)>;
        if (options_.engine == Engine::interp)
          return render_frame_on<B, InterpKernel>(parts->backend, parts->scene, bvh_, film, scheduler, grid, order, units);
        return render_frame_on(parts->backend, parts->scene, bvh_, film, scheduler, grid, order, units);
      },
      parts_);
}

void Rig::animate_between(float dt) {
  std::visit(
      [&](auto& parts) {
        collisions_ +=
            static_cast<std::uint64_t>(parts->animator.step(parts->backend, main_worker_, dt, choreography_.cages()));
        ++steps_;
      },
      parts_);
}

void Rig::start_animator(double hz) {
  stop_animator();
  animator_stop_ = false;
  animator_running_ = true;
  animator_thread_ = std::thread([this, hz] { animator_loop(hz); });
}

void Rig::stop_animator() {
  if (!animator_thread_.joinable()) return;
  {
    std::lock_guard lock(animator_mutex_);
    animator_stop_ = true;
  }
  animator_wake_.notify_all();
  animator_thread_.join();
  animator_running_ = false;
}

void Rig::animator_loop(double hz) {
  // The rate is the workload: HZ steps per second of wall time, each moving
  // the scene 1/HZ seconds. Between steps the thread waits for its next tick,
  // as a real animation thread does; that wait is outside every unit, and
  // the renderers' figures measure only their own work.
  const auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(1.0 / hz));
  auto next = std::chrono::steady_clock::now();
  std::unique_lock lock(animator_mutex_);
  while (!animator_stop_) {
    try {
      std::visit(
          [&](auto& parts) {
            collisions_ += static_cast<std::uint64_t>(
                parts->animator.step(parts->backend, animator_worker_, static_cast<float>(1.0 / hz), walls_));
          },
          parts_);
    } catch (...) {
      // A step's unit threw (issue 13: before, this left the thread and
      // std::terminate ended the process). The backend has already given
      // back what the unit held; the next end_frame() reports it.
      animator_error_ = std::current_exception();
      return;
    }
    ++steps_;
    next += period;
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;  // fell behind: do not try to catch up in a burst
    animator_wake_.wait_until(lock, next, [&] { return animator_stop_; });
  }
}

void Rig::end_frame() {
  // How far a body may get from where it is at the frame boundary while the
  // frame renders; a slower frame finds it waiting at its walls.
  constexpr float kHorizonSeconds = 0.25f;
  {
    std::lock_guard lock(animator_mutex_);
    if (animator_error_) std::rethrow_exception(std::exchange(animator_error_, nullptr));
    std::lock_guard probe(probe_mutex_);
    std::visit(
        [&](auto& parts) {
          parts->backend.publish();
          // Quiescent: no frame renders and the animator is paused.
          // Every buffer here is a member reused frame after frame: a steady
          // state frame boundary allocates nothing.
          frame_objects_.resize(parts->scene.object_count());
          for (std::size_t i = 0; i < frame_objects_.size(); ++i) frame_objects_[i] = parts->scene.object(i).unsafe_load();
          if (animator_running_) {
            choreography_.frame_walls(frame_objects_, kHorizonSeconds, walls_);
            choreography_.rebuild_bvh(bvh_, frame_objects_, &walls_, bvh_scratch_);
          } else {
            choreography_.rebuild_bvh(bvh_, frame_objects_, nullptr, bvh_scratch_);
          }
        },
        parts_);
  }
  // After the boundary, its locks given back: the hanging unit then stops
  // the frame that follows on every backend (snapshot's publish() refuses
  // a unit running at the boundary).
  if (++frames_ended_ == options_.test_hang_at_frame) hang_for_test();
}

void Rig::reset_stats() {
  std::visit([](auto& parts) { parts->backend.reset_stats(); }, parts_);
  steps_ = 0;
  collisions_ = 0;
}

std::vector<StatFigure> Rig::stat_figures(double seconds) const {
  std::vector<StatFigure> figures;
  if (!(seconds > 0.0)) return figures;
  const double thread_ns = seconds * 1e9 * options_.threads;
  std::visit(
      [&](const auto& parts) {
        // Counts become rates, times shares of the render threads' time;
        // the labels are declared beside the statistics (common.hpp).
        for_each_stat(parts->backend.stats(), [&](const sync::StatInfo& stat, double value) {
          if (stat.label.empty()) return;  // JSON-only (histogram buckets, set sizes)
          if (stat.unit == "ns")
            figures.push_back({std::string(stat.label), 100.0 * value / thread_ns, "%"});
          else
            figures.push_back({std::string(stat.label), value / seconds, "/s"});
        });
      },
      parts_);
  figures.push_back({"animator steps/s", static_cast<double>(steps_.load()) / seconds, "/s"});
  figures.push_back({"collisions/s", static_cast<double>(collisions_.load()) / seconds, "/s"});
  return figures;
}

SceneState Rig::snapshot() const {
  return std::visit([](const auto& parts) { return parts->scene.unsafe_snapshot(); }, parts_);
}

std::uint64_t Rig::shared_rays() const {
  return std::visit([](const auto& parts) { return parts->scene.rays_traced().unsafe_load(); }, parts_);
}

void Rig::set_camera(const Camera& camera) {
  std::visit(
      [&](auto& parts) {
        sync::Session<std::remove_reference_t<decltype(parts->backend)>> session(parts->backend, input_worker_);
        parts->backend.run(input_worker_, [&](auto& unit) { unit.write(parts->scene.camera(), camera); });
      },
      parts_);
}

void Rig::move_object(std::size_t index, Vec3 center) {
  std::visit(
      [&](auto& parts) {
        if (index >= parts->scene.object_count()) return;
        sync::Session<std::remove_reference_t<decltype(parts->backend)>> session(parts->backend, input_worker_);
        parts->backend.run(input_worker_,
                           [&](auto& unit) { unit.update(parts->scene.object(index), [&](Object& o) { o.center = center; }); });
      },
      parts_);
}

void Rig::probe_round_trips(int write_fd, int read_fd, std::size_t max_ops, const std::atomic<bool>& stop,
                            std::vector<std::uint64_t>& out) {
  auto io_failed = [](const char* what) {
    throw std::runtime_error(std::string("latency probe: pipe ") + what + " failed: " + std::strerror(errno));
  };
  std::visit(
      [&](auto& parts) {
        using B = std::remove_reference_t<decltype(parts->backend)>;
        // One Session for the whole loop: like a Python thread that keeps
        // running between its I/O calls, the probe holds a GIL across
        // operations and gives it up only inside io() or when asked.
        sync::Session<B> session(parts->backend, probe_worker_);
        char byte = 'x';
        for (std::size_t k = 0; k < max_ops && !stop.load(std::memory_order_relaxed); ++k) {
          const std::lock_guard boundary(probe_mutex_);
          const auto start = std::chrono::steady_clock::now();
          parts->backend.run(probe_worker_, [&](auto& unit) {
            (void)unit.read(parts->scene.camera());
            unit.io([&] {
              if (::write(write_fd, &byte, 1) != 1) io_failed("write");
            });
            unit.io([&] {
              if (::read(read_fd, &byte, 1) != 1) io_failed("read");
            });
          });
          out.push_back(static_cast<std::uint64_t>(
              std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count()));
        }
      },
      parts_);
}

void Rig::name_materials(const std::vector<std::string>& names) {
  std::visit([&](auto& parts) { parts->scene.name_materials(names); }, parts_);
}

std::vector<sync::ConflictSource> Rig::conflicts() const {
  return std::visit(
      [](const auto& parts) {
        return sync::rank_conflicts(sync::conflicts(parts->backend), &parts->scene.conflict_names());
      },
      parts_);
}

void Rig::set_attribution(bool on) {
  std::visit([&](auto& parts) { sync::set_attribution(parts->backend, on); }, parts_);
}

std::vector<std::string> Rig::describe_state() const {
  const auto label = [this](std::size_t w) -> std::string {
    if (w < animator_worker_) return "render thread " + std::to_string(w);
    if (w == animator_worker_) return "animator thread";
    if (w == main_worker_) return "animator between frames";
    if (w == input_worker_) return "input writer";
    if (w == probe_worker_) return "latency probe";
    return "";
  };
  return std::visit(
      [&](const auto& parts) {
        return sync::describe(parts->backend.state(), parts->scene.conflict_names(), label);
      },
      parts_);
}

void Rig::hang_for_test() {
  if (hang_thread_.joinable()) return;
  hang_thread_ = std::thread([this] {
    std::visit(
        [this](auto& parts) {
          sync::Session session(parts->backend, input_worker_);
          parts->backend.run(input_worker_, [&](auto& unit) {
            unit.inevitable();
            unit.update(parts->scene.rays_traced(), [&](std::uint64_t&) {
              std::unique_lock lock(hang_mutex_);
              hang_holding_ = true;
              hang_wake_.notify_all();
              hang_wake_.wait(lock, [&] { return hang_release_; });
            });
          });
        },
        parts_);
  });
  std::unique_lock lock(hang_mutex_);
  hang_wake_.wait(lock, [&] { return hang_holding_; });
}

std::size_t Rig::object_count() const {
  return std::visit([](const auto& parts) { return parts->scene.object_count(); }, parts_);
}

}  // namespace txray::bench
