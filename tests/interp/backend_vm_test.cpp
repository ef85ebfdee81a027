// The interpreter inside a backend's unit, where the backend interrupts it:
// an STM abort thrown from a scene read in the middle of the eval loop must
// unwind every Python frame, give every object back (reference counts) and
// let the retry render the same pixels; under the GIL, the VM's eval breaker
// must hand the lock over in the middle of a unit.
//
// The interruptions are forced by handshakes, never by timing: a wrapper
// around the scene accessor restarts the unit (or lets another thread
// commit) at a chosen read of the first attempt.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "concurrency/backends.hpp"
#include "image_compare.h"
#include "renderer/interp/compiler.h"
#include "renderer/interp/interp_render.h"
#include "renderer/interp/kernel.h"
#include "renderer/interp/vm.h"
#include "renderer/shared_scene.h"

namespace txray {
namespace {

using Stm = sync::StmBackend;

constexpr int kWidth = 32, kHeight = 24;

/// A scene accessor that calls `at_read` once, on the `trigger`-th object
/// read, then reads through the backend as usual.
template <class Access>
struct Sabotaged {
  Access& inner;
  int trigger;
  std::function<void()> at_read;
  int reads = 0;

  Object object(std::uint32_t i) {
    if (++reads == trigger && at_read) at_read();
    return inner.object(i);
  }
  Material material(std::uint32_t i) { return inner.material(i); }
  Light light(std::uint32_t i) { return inner.light(i); }
  [[nodiscard]] std::uint32_t light_count() const { return inner.light_count(); }
  Camera camera() { return inner.camera(); }
  void eval_breaker() { inner.eval_breaker(); }
};

/// The whole image, one unit per tile, on this thread. `sabotage(tile,
/// attempt, unit)` returns what to do at the tile's 40th object read (or an
/// empty function for nothing). Counts attempts.
template <class F>
Film render_units(Stm& backend, SharedScene<Stm>& shared, const SceneState& state, int& attempts, F&& sabotage) {
  Film film(kWidth, kHeight);
  const Bvh bvh = build_bvh(state.objects);
  const TraceSetup setup{&bvh, state.background, state.max_depth};
  const TileGrid grid(kWidth, kHeight, 16);
  for (int t = 0; t < grid.count(); ++t) {
    const Tile tile = grid.tile(t);
    int attempt = 0;
    backend.run(0, [&](Stm::Unit& unit) {
      ++attempts;
      BackendSceneAccess<Stm> access(unit, shared);
      Sabotaged<BackendSceneAccess<Stm>> sabotaged{access, 40, sabotage(t, attempt++, unit)};
      (void)InterpKernel::render(sabotaged, setup, tile, 0, tile.pixels(), film);
      EXPECT_GE(sabotaged.reads, 40) << "the tile should read the scene more than 40 times";
    });
  }
  return film;
}

// unit.restart() thrown from a scene read, deep in the kernel's recursion:
// every tile restarts once, the VM gives back every object it made on the
// aborted attempt, and the retries render the image of plain reads.
TEST(InterpUnderStm, AnAbortInTheMiddleOfTheEvalLoopUnwindsCleanly) {
  const SceneState state = builtin_scene("whitted")->at(0.0);
  const auto plain = interp_test::render_interp_plain(state, kWidth, kHeight).to_rgba8();
  Stm backend(1);
  SharedScene<Stm> shared(state);
  (void)interp::kernel_vm();  // the VM and its immortal objects exist before counting
  const std::int64_t before = interp::live_objects();
  int attempts = 0;
  const Film film = render_units(backend, shared, state, attempts, [](int, int attempt, Stm::Unit& unit) {
    return attempt == 0 ? std::function<void()>([&unit] { unit.restart(); }) : std::function<void()>();
  });
  const int tiles = TileGrid(kWidth, kHeight, 16).count();
  EXPECT_EQ(attempts, 2 * tiles);
  EXPECT_EQ(backend.stats().aborts_explicit, static_cast<std::uint64_t>(tiles));
  EXPECT_EQ(interp::live_objects(), before) << "objects of the aborted attempts leaked (or were freed twice)";
  EXPECT_EQ(film.to_rgba8(), plain);
}

// A real conflict: on the first attempt of each tile, at its 40th read,
// another thread commits a write of every object (the same values, new
// versions) while this unit waits. The unit's next read of a written cell
// cannot extend its snapshot past the write to a cell it has read, and
// aborts; the retry reads the new versions and renders the same pixels.
TEST(InterpUnderStm, AConflictingCommitAbortsTheUnitAndTheRetryRendersTheSameImage) {
  const SceneState state = builtin_scene("whitted")->at(0.0);
  const auto plain = interp_test::render_interp_plain(state, kWidth, kHeight).to_rgba8();
  Stm backend(2);
  SharedScene<Stm> shared(state);
  (void)interp::kernel_vm();
  const std::int64_t before = interp::live_objects();

  std::mutex m;
  std::condition_variable cv;
  int requested = 0, committed = 0;
  bool done = false;
  std::thread writer([&] {
    std::unique_lock lock(m);
    for (;;) {
      cv.wait(lock, [&] { return done || requested > committed; });
      if (requested == committed) return;
      lock.unlock();
      backend.run(1, [&](Stm::Unit& unit) {
        for (std::size_t i = 0; i < shared.object_count(); ++i) unit.write(shared.object(i), state.objects[i]);
      });
      lock.lock();
      ++committed;
      cv.notify_all();
    }
  });
  int attempts = 0;
  const Film film = render_units(backend, shared, state, attempts, [&](int, int attempt, Stm::Unit&) {
    if (attempt > 0) return std::function<void()>();
    return std::function<void()>([&] {
      std::unique_lock lock(m);
      const int ticket = ++requested;
      cv.notify_all();
      cv.wait(lock, [&] { return committed >= ticket; });
    });
  });
  {
    std::lock_guard lock(m);
    done = true;
  }
  cv.notify_all();
  writer.join();

  const int tiles = TileGrid(kWidth, kHeight, 16).count();
  const auto s = backend.stats();
  const std::uint64_t aborts = s.aborts_validate_read + s.aborts_locked_on_read + s.aborts_validate_commit;
  EXPECT_EQ(attempts, 2 * tiles) << "every tile should abort once, then commit";
  EXPECT_EQ(aborts, static_cast<std::uint64_t>(tiles));
  EXPECT_EQ(s.aborts_explicit, 0u);
  EXPECT_EQ(interp::live_objects(), before) << "objects of the aborted attempts leaked (or were freed twice)";
  EXPECT_EQ(film.to_rgba8(), plain);
}

// Under the GIL, a unit running Python code that waits for another worker's
// unit to have run can only finish if the VM's eval breaker hands the GIL
// over in the middle of the unit: worker 0 holds the GIL and loops in
// Python until worker 1's unit sets a flag. The loop's scene read (the
// host) never yields itself; only the eval loop's periodic check does. A
// 60 s cap turns a VM that never checks into a failure instead of a hang.
TEST(InterpUnderGil, TheEvalBreakerHandsTheGilOverInTheMiddleOfAUnit) {
  sync::GilBackend backend(2, sync::GilOptions{std::chrono::microseconds(100)});
  std::atomic<bool> other_ran{false}, gave_up{false};
  const auto start = std::chrono::steady_clock::now();

  struct Host {
    sync::GilBackend::Unit* unit;
    std::atomic<bool>* other_ran;
    std::atomic<bool>* gave_up;
    std::chrono::steady_clock::time_point start;
  };
  std::atomic<bool> in_unit{false};
  std::string result;
  std::thread worker0([&] {
    // A VM belongs to the thread that made it (its objects come from that
    // thread's free lists), as each render worker has its own.
    interp::Vm vm(interp::compile("def spin(scene):\n"
                                  "    n = 0\n"
                                  "    while scene.objects[0].radius > 0.0:\n"
                                  "        n = n + 1\n"
                                  "    return n > 0\n",
                                  "spin.py"));
    backend.run(0, [&](sync::GilBackend::Unit& unit) {
      Host h{&unit, &other_ran, &gave_up, start};
      interp::HostScene host;
      host.access = &h;
      host.object = [](void* a, std::uint32_t) {
        auto* self = static_cast<Host*>(a);
        Object o;
        o.radius = self->other_ran->load() ? -1.0f : 1.0f;
        if (std::chrono::steady_clock::now() - self->start > std::chrono::seconds(60)) {
          self->gave_up->store(true);
          o.radius = -1.0f;
        }
        return o;
      };
      host.material = [](void*, std::uint32_t) { return Material{}; };
      host.light = [](void*, std::uint32_t) { return Light{}; };
      host.camera = [](void*) { return Camera{}; };
      host.eval_breaker = [](void* a) { static_cast<Host*>(a)->unit->check_eval_breaker(); };
      host.object_count = 1;
      in_unit = true;
      result = vm.call_repr("spin", {interp::SceneArg{}}, &host);
    });
    backend.release(0);
  });
  // Worker 1 asks for the GIL only once worker 0 is inside its unit.
  while (!in_unit) std::this_thread::yield();
  backend.run(1, [&](sync::GilBackend::Unit&) { other_ran = true; });
  backend.release(1);
  worker0.join();
  EXPECT_FALSE(gave_up) << "the VM never handed the GIL over";
  EXPECT_EQ(result, "True");
  EXPECT_GE(backend.stats().switches, 1u);
}

}  // namespace
}  // namespace txray
