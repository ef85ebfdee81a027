#pragma once
/// txray's CPython-like virtual machine: executes a compiled Program with
/// boxed, reference-counted values, attribute lookup by interned name, and
/// one call frame per Python call on a per-VM data stack. One Vm per worker
/// thread; the Program it runs is shared and immutable.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "renderer/bvh.h"
#include "renderer/film.h"
#include "renderer/interp/bytecode.h"
#include "renderer/scene_state.h"
#include "renderer/tile_scheduler.h"

namespace txray::interp {

/// A Python exception that reached the host: "file:line: Kind: message".
class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The scene as the kernel's `scene` object sees it: a scene accessor with
/// its type erased (so one interpreter serves every backend), plus the
/// frame's constants. Every attribute load of an object, material, light or
/// camera proxy calls one of these, i.e. one backend read.
struct HostScene {
  void* access = nullptr;
  Object (*object)(void*, std::uint32_t) = nullptr;
  Material (*material)(void*, std::uint32_t) = nullptr;
  Light (*light)(void*, std::uint32_t) = nullptr;
  Camera (*camera)(void*) = nullptr;
  /// The backend's eval-breaker check (GIL drop requests); may be null.
  void (*eval_breaker)(void*) = nullptr;
  std::uint32_t light_count = 0;
  std::uint32_t object_count = 0;
  std::uint32_t material_count = 0xffffffffu;  ///< unknown: object.material is trusted
  const Bvh* bvh = nullptr;
  Vec3 background{0.0f};
  int max_depth = 0;
};

/// Stands for the `scene` object in Vm::call_repr arguments.
struct SceneArg {};
using Arg = std::variant<std::int64_t, double, SceneArg>;

/// Counters a VM keeps about its own work (per VM, never shared).
struct VmCounters {
  std::uint64_t instructions = 0;
  std::uint64_t calls = 0;
  std::uint64_t host_reads = 0;  ///< attribute loads that went through the accessor
};

class Vm {
 public:
  /// Creates the VM's state and runs the module body (defining its
  /// functions and globals). Throws RuntimeError.
  explicit Vm(std::shared_ptr<const Program> program);
  ~Vm();
  Vm(const Vm&) = delete;
  Vm& operator=(const Vm&) = delete;

  /// Calls module-level `function` and returns the repr() of its result;
  /// for tests and tools. `scene` backs SceneArg arguments.
  std::string call_repr(std::string_view function, const std::vector<Arg>& args, const HostScene* scene = nullptr);

  /// Renders pixels [begin, end) of `tile` (row-major inside it) by calling
  /// the kernel's make_camera once and trace_pixel per pixel; returns the
  /// kernel's ray_count. The scene is read only through `scene`.
  std::uint64_t render_span(const HostScene& scene, const Tile& tile, int begin, int end, Film& film);

  [[nodiscard]] const VmCounters& counters() const { return counters_; }

  // ---- the per-VM state, used by the eval loop (vm_host.h, vm.cpp) ----
  struct Impl;

 private:
  friend struct Impl;
  std::shared_ptr<const Program> program_;
  std::unique_ptr<Impl> impl_;
  VmCounters counters_;
};

/// Heap objects alive on this thread (allocations minus frees): a leak
/// check for tests; every VM object counts, immortal ones do not.
[[nodiscard]] std::int64_t live_objects();

}  // namespace txray::interp
