#pragma once
/// The scene's shared, mutable state kept in a synchronisation backend's
/// cells, and the accessor through which a render unit reads it. This is
/// where "a ray's read of a sphere goes through the backend": the kernel
/// (whitted.h, bvh.h) calls BackendSceneAccess::object(i), which is one
/// `unit.read(cell)`, a read barrier that inlines.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "concurrency/backends.hpp"
#include "renderer/scene_access.h"
#include "renderer/scene_state.h"

namespace txray {

template <class Backend>
class SharedScene {
 public:
  template <class T>
  using Cell = typename Backend::template Cell<T>;

  /// Quiescent: no unit may run while the scene is built.
  explicit SharedScene(const SceneState& state)
      : object_count_(state.objects.size()),
        material_count_(state.materials.size()),
        light_count_(state.lights.size()),
        objects_(std::make_unique<Cell<Object>[]>(object_count_)),
        materials_(std::make_unique<Cell<Material>[]>(material_count_)),
        lights_(std::make_unique<Cell<Light>[]>(light_count_)),
        meshes_(state.meshes),
        background_(state.background),
        max_depth_(state.max_depth) {
    for (std::size_t i = 0; i < object_count_; ++i) objects_[i].unsafe_store(state.objects[i]);
    for (std::size_t i = 0; i < material_count_; ++i) materials_[i].unsafe_store(state.materials[i]);
    for (std::size_t i = 0; i < light_count_; ++i) lights_[i].unsafe_store(state.lights[i]);
    camera_.unsafe_store(state.camera);
    rays_traced_.unsafe_store(0);
    name_cells(state);
  }

  /// Names of the cells for conflict reports ("sphere 17", "counter
  /// rays_traced"): the backend knows cells only by address.
  [[nodiscard]] const sync::ConflictNames& conflict_names() const { return names_; }
  /// Material names (the scene description has them; SceneState does not).
  void name_materials(const std::vector<std::string>& names) {
    for (std::size_t i = 0; i < material_count_ && i < names.size(); ++i)
      if (!names[i].empty()) names_.rename(&materials_[i], "material '" + names[i] + "'");
  }

  [[nodiscard]] std::size_t object_count() const { return object_count_; }
  [[nodiscard]] std::uint32_t light_count() const { return static_cast<std::uint32_t>(light_count_); }
  Cell<Object>& object(std::size_t i) { return objects_[i]; }
  Cell<Material>& material(std::size_t i) { return materials_[i]; }
  Cell<Light>& light(std::size_t i) { return lights_[i]; }
  Cell<Camera>& camera() { return camera_; }
  /// The naive program's statistic: one counter every render unit updates.
  Cell<std::uint64_t>& rays_traced() { return rays_traced_; }
  const Cell<std::uint64_t>& rays_traced() const { return rays_traced_; }

  /// Quiescent only: a plain copy of the current state.
  [[nodiscard]] SceneState unsafe_snapshot() const {
    SceneState s;
    s.camera = camera_.unsafe_load();
    s.background = background_;
    s.max_depth = max_depth_;
    s.meshes = meshes_;
    for (std::size_t i = 0; i < object_count_; ++i) s.objects.push_back(objects_[i].unsafe_load());
    for (std::size_t i = 0; i < material_count_; ++i) s.materials.push_back(materials_[i].unsafe_load());
    for (std::size_t i = 0; i < light_count_; ++i) s.lights.push_back(lights_[i].unsafe_load());
    return s;
  }

  [[nodiscard]] Vec3 background() const { return background_; }
  [[nodiscard]] int max_depth() const { return max_depth_; }

 private:
  std::size_t object_count_, material_count_, light_count_;
  std::unique_ptr<Cell<Object>[]> objects_;
  std::unique_ptr<Cell<Material>[]> materials_;
  std::unique_ptr<Cell<Light>[]> lights_;
  /// The meshes the instances point at: frame constants, never cells (an
  /// instance, its transform and material, is the cell).
  std::vector<std::shared_ptr<const Mesh>> meshes_;
  Cell<Camera> camera_;
  Cell<std::uint64_t> rays_traced_;
  // Frame constants: not shared mutable state.
  Vec3 background_;
  int max_depth_;
  sync::ConflictNames names_;

  void name_cells(const SceneState& state) {
    for (std::size_t i = 0; i < object_count_; ++i) {
      const ShapeKind kind = state.objects[i].kind;
      const char* shape = kind == ShapeKind::sphere     ? "sphere "
                          : kind == ShapeKind::box      ? "box "
                          : kind == ShapeKind::instance ? "instance "
                                                        : "plane ";
      names_.add(&objects_[i], shape + std::to_string(i), "object", static_cast<int>(i));
    }
    for (std::size_t i = 0; i < material_count_; ++i)
      names_.add(&materials_[i], "material " + std::to_string(i), "material", static_cast<int>(i));
    for (std::size_t i = 0; i < light_count_; ++i)
      names_.add(&lights_[i], "light " + std::to_string(i), "light", static_cast<int>(i));
    names_.add(&camera_, "camera", "camera");
    names_.add(&rays_traced_, "counter rays_traced", "counter");
  }
};

/// Reads the shared scene inside one unit of work of `Backend`.
template <class Backend>
class BackendSceneAccess {
 public:
  BackendSceneAccess(typename Backend::Unit& unit, SharedScene<Backend>& scene) : unit_(unit), scene_(scene) {}
  // always_inline: GCC otherwise keeps these out of line in the shading
  // loop, and a call then copies the whole value through the stack where
  // the inline barrier hands the caller its words in registers (issue 14).
  [[nodiscard, gnu::always_inline]] Object object(std::uint32_t i) { return unit_.read(scene_.object(i)); }
  [[nodiscard, gnu::always_inline]] Material material(std::uint32_t i) { return unit_.read(scene_.material(i)); }
  [[nodiscard, gnu::always_inline]] Light light(std::uint32_t i) { return unit_.read(scene_.light(i)); }
  [[nodiscard]] std::uint32_t light_count() const { return scene_.light_count(); }
  [[nodiscard, gnu::always_inline]] Camera camera() { return unit_.read(scene_.camera()); }
  /// An engine's periodic check: under `gil` it hands the lock over if
  /// asked (CPython's policy) or, once the work counted passes the check
  /// interval, if anyone waits (PyPy's); a no-op for the other backends.
  /// `ticks`: the work done since the last check, in PyPy's ticks
  /// (sync::kTicksPerBytecode per interpreted bytecode); only gil counts it.
  void eval_breaker(std::uint64_t ticks = sync::kTicksPerBytecode) {
    if constexpr (requires { unit_.check_eval_breaker(ticks); })
      unit_.check_eval_breaker(ticks);
    else
      unit_.check_eval_breaker();
  }

 private:
  typename Backend::Unit& unit_;
  SharedScene<Backend>& scene_;
};

static_assert(SceneAccess<BackendSceneAccess<sync::StmBackend>>);

}  // namespace txray
