#pragma once
/// A rig is one point of the matrix made runnable: a backend, the scene's
/// shared state in its cells, and the animator that writes it. The backend
/// type is chosen once, when the rig is built (a std::variant); every frame
/// is one std::visit, and from there down the renderer is a template over
/// the concrete backend, so no read barrier is ever a virtual call.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "bench/harness/profile.h"
#include "bench/harness/report.h"
#include "concurrency/library_backends.hpp"
#include "renderer/backend_render.h"
#include "scenes/animator.h"

namespace txray::bench {

struct RigOptions {
  BackendKind backend = BackendKind::snapshot;
  int threads = 1;  ///< render workers
  std::chrono::nanoseconds switch_interval = std::chrono::milliseconds(5);  ///< gil
  std::uint32_t stm_max_retries = 32;                                       ///< stm
  /// Which kernel renders: compiled, or the Python one interpreted. After
  /// backend and threads, so that aggregate initialisers written before it
  /// ({backend, threads}) hold.
  Engine engine = Engine::native;
  /// Conflict attribution in the backend (concurrency/conflict_log.hpp):
  /// on by default, cheap enough to leave on; `--no-attribution` clears it.
  bool attribution = true;
  /// itm: libitm's method (ml_wt, gl_wt, serialirr; "" = libitm's default).
  /// Fixed at the process's first transaction (ITM_DEFAULT_METHOD).
  std::string itm_method{};
  /// The watchdog's test hook (TXRAY_TEST_HANG): 0, or the frame boundary
  /// (1 = the first end_frame()) right after which hang_for_test() starts.
  int test_hang_at_frame = 0;
};

/// gil: whose lock the rig runs. The interpreted engine models CPython and
/// runs CPython's switching policy; the compiled engine models PyPy's JIT
/// (native+gil is the `pypy` profile) and runs PyPy's (gil_backend.hpp).
[[nodiscard]] sync::GilPolicy gil_policy_for(Engine engine);

class Rig {
 public:
  Rig(const Choreography& choreography, const RigOptions& options);
  ~Rig();
  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;

  /// Renders one frame into `film` (the animator may be running).
  FrameStats render_frame(Film& film, TileScheduler& scheduler, const TileGrid& grid, TileOrder order,
                          const UnitOptions& units);

  /// Between frames: one animator step of dt seconds, run serially on the
  /// rig's own worker. Deterministic.
  void animate_between(float dt);
  /// From now on the animator runs on its own thread, `hz` steps per
  /// second, each advancing 1/hz seconds; until stop_animator().
  void start_animator(double hz);
  void stop_animator();
  /// Frame boundary, with the animator paused: the snapshot backend
  /// publishes, and the BVH is rebuilt over where objects are (between
  /// frames) or over the walls that keep them in place for the frame (with
  /// the animator running). See scenes/animator.h. If the animator thread
  /// stopped because a step threw, rethrows that exception (once). With
  /// RigOptions::test_hang_at_frame, that boundary ends by hang_for_test().
  void end_frame();
  /// The objects as the last end_frame() found them (a copy): where the
  /// demo's T overlay outlines them. Call from the thread that calls end_frame().
  [[nodiscard]] std::vector<Object> frame_objects() const { return frame_objects_; }

  void reset_stats();
  /// The backend's and the animator's statistics as rates and shares over
  /// `seconds` of wall time and `threads` render threads.
  [[nodiscard]] std::vector<StatFigure> stat_figures(double seconds) const;
  /// The shared scene, copied (quiescent: no frame or animator running).
  [[nodiscard]] SceneState snapshot() const;
  /// The shared rays-traced counter (the --counters shared/commute modes).
  [[nodiscard]] std::uint64_t shared_rays() const;

  // User input (the demo window) as real writes through the backend: each
  // call is one unit on the rig's input worker, so a drag that overlaps a
  // frame conflicts with the renderers exactly as the animator does. One
  // thread at a time may call these; never while end_frame() or snapshot()
  // runs (they read the cells without a unit).
  void set_camera(const Camera& camera);
  /// Moves object `index` (< object_count()) so its centre is `center`.
  void move_object(std::size_t index, Vec3 center);
  [[nodiscard]] std::size_t object_count() const;

  /// The latency probe's work (issue 19, latency_probe.h), on the rig's own
  /// probe worker under one Session, until `stop` is set or `max_ops` are
  /// done: one unit per operation, which reads the camera (the short unit)
  /// and then does a one-byte round trip on a pipe through the backend's
  /// io(), the write and the read each their own io() as Python's os.write
  /// and os.read are. Appends each operation's time (ns) to `out`. One
  /// thread at a time; throws std::runtime_error if the pipe fails. The
  /// probe pauses while end_frame() runs (no unit may run then), and that
  /// pause is not counted in an operation's time: it is the harness's, not
  /// the backend's.
  void probe_round_trips(int write_fd, int read_fd, std::size_t max_ops, const std::atomic<bool>& stop,
                         std::vector<std::uint64_t>& out);

  // Conflict attribution. Quiescent or not: the tables are read with
  // relaxed atomics, so a report may be taken while frames render.
  /// Names the material cells ("material 'glass'"): SceneDescription::material_names.
  void name_materials(const std::vector<std::string>& names);
  /// Every attributed abort or wait since reset_stats(), named and ranked
  /// by time lost (most first).
  [[nodiscard]] std::vector<sync::ConflictSource> conflicts() const;
  /// Switches attribution on or off from now on (for measuring its cost).
  void set_attribution(bool on);

  /// What the backend knows of its state (concurrency/backend_state.hpp),
  /// as lines that name the rig's workers ("render thread 0", "input
  /// writer") and cells ("counter rays_traced"): the watchdog's message
  /// (watchdog.h). From any thread, at any moment, frames running or stuck.
  [[nodiscard]] std::vector<std::string> describe_state() const;
  /// Test hook for the watchdog's tests: starts a unit on the rig's input
  /// worker that holds whatever a unit can hold on this backend (the GIL,
  /// the inevitable token, itm's serial-irrevocable mode, the unit mutex,
  /// the rays_traced counter's lock or writer flag: inevitable(), then an
  /// update of the counter that does not return) until the rig is
  /// destroyed. Returns once the unit holds it. Frames that need what it
  /// holds stop, as a deadlocked program's would. Call it between frames,
  /// after end_frame() (RigOptions::test_hang_at_frame does): snapshot's
  /// publish() refuses while a unit runs, so a hang begun before a frame
  /// boundary would stop there with an error, not hang.
  void hang_for_test();

 private:
  template <class B>
  struct Parts;
  using Variant = std::variant<std::unique_ptr<Parts<sync::GilBackend>>, std::unique_ptr<Parts<sync::FineBackend>>,
                               std::unique_ptr<Parts<sync::StmBackend>>, std::unique_ptr<Parts<sync::SnapshotBackend>>,
                               std::unique_ptr<Parts<sync::MutexBackend>>, std::unique_ptr<Parts<sync::RwLockSpinBackend>>,
                               std::unique_ptr<Parts<sync::RwLockQueuingBackend>>,
                               std::unique_ptr<Parts<sync::RwLockStdBackend>>, std::unique_ptr<Parts<sync::RcuBackend>>
#if defined(TXRAY_HAVE_ITM)
                               ,
                               std::unique_ptr<Parts<sync::ItmBackend>>
#endif
                               >;
  void animator_loop(double hz);

  const Choreography& choreography_;
  RigOptions options_;
  Bvh bvh_;
  FrameBvhScratch bvh_scratch_;
  std::vector<Aabb> walls_;  // what the running animator's steps bounce off
  std::vector<Object> frame_objects_;  // as end_frame() found them
  Variant parts_;
  std::size_t animator_worker_, main_worker_;
  std::size_t input_worker_ = main_worker_ + 1;  // set_camera, move_object
  std::size_t probe_worker_ = main_worker_ + 2;  // probe_round_trips

  // The animator thread and the frame boundary take turns on this mutex.
  std::mutex animator_mutex_;
  std::condition_variable animator_wake_;
  bool animator_stop_ = false;
  bool animator_running_ = false;
  // What made the animator thread stop (a unit threw): rethrown by the next
  // end_frame(), so the frame loop stops with it instead of the exception
  // leaving the thread and terminating the process. Guarded by animator_mutex_.
  std::exception_ptr animator_error_;
  std::thread animator_thread_;
  // The latency probe's operations and the frame boundary take turns on
  // this one (taken after animator_mutex_ in end_frame()).
  std::mutex probe_mutex_;
  std::atomic<std::uint64_t> steps_{0}, collisions_{0};
  // hang_for_test(): its thread, released by the destructor.
  std::mutex hang_mutex_;
  std::condition_variable hang_wake_;
  bool hang_holding_ = false, hang_release_ = false;
  std::thread hang_thread_;
  int frames_ended_ = 0;  // end_frame() calls, for test_hang_at_frame
};

}  // namespace txray::bench
