#pragma once
/// The interpreted engine, InterpKernel, with the same entry as NativeKernel
/// (render.h): a span of a tile rendered by this thread's VM running the
/// Python kernel, every scene read going through `Access` — under a
/// backend, through its barrier.
#include <cstdint>

#include "renderer/interp/kernel.h"
#include "renderer/interp/vm.h"
#include "renderer/render.h"
#include "renderer/whitted.h"

namespace txray::interp {

/// Erases the accessor's type so that one interpreter serves every backend
/// (CPython, too, reaches objects through one generic path).
template <class Access>
HostScene host_scene(Access& access, const TraceSetup& setup) {
  HostScene h;
  h.access = &access;
  h.object = [](void* a, std::uint32_t i) { return static_cast<Access*>(a)->object(i); };
  h.material = [](void* a, std::uint32_t i) { return static_cast<Access*>(a)->material(i); };
  h.light = [](void* a, std::uint32_t i) { return static_cast<Access*>(a)->light(i); };
  h.camera = [](void* a) { return static_cast<Access*>(a)->camera(); };
  if constexpr (requires { access.eval_breaker(); })
    h.eval_breaker = [](void* a) { static_cast<Access*>(a)->eval_breaker(); };
  h.light_count = access.light_count();
  h.bvh = setup.bvh;
  // Every object is either in the tree or in the unbounded list, once.
  h.object_count = static_cast<std::uint32_t>(setup.bvh->indices.size() + setup.bvh->unbounded.size());
  h.background = setup.background;
  h.max_depth = setup.max_depth;
  return h;
}

}  // namespace txray::interp

namespace txray {

/// The engine as a type for render_frame_on (backend_render.h).
struct InterpKernel {
  /// Pixels [begin, end) of `tile`, as NativeKernel::render; returns the
  /// rays traced.
  template <class Access>
  static std::uint64_t render(Access& access, const TraceSetup& setup, const Tile& tile, int begin, int end,
                              Film& film) {
    FlushDenormals ftz;  // as the native kernel: same MXCSR for the doubles here
    const interp::HostScene scene = interp::host_scene(access, setup);
    return interp::kernel_vm().render_span(scene, tile, begin, end, film);
  }
};

}  // namespace txray
