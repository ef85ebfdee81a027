#pragma once
/// The one narrow door through which the kernel reads shared scene state.
/// Every object, material and light a render unit looks at is copied out
/// through an accessor; the synchronisation backends (concurrency/) supply
/// accessors whose reads are barriers, and this file supplies the plain one.
#include <concepts>
#include <cstdint>

#include "renderer/scene_state.h"

namespace txray {

template <class A>
concept SceneAccess = requires(A& a, std::uint32_t i) {
  { a.object(i) } -> std::same_as<Object>;
  { a.material(i) } -> std::same_as<Material>;
  { a.light(i) } -> std::same_as<Light>;
  { a.light_count() } -> std::convertible_to<std::uint32_t>;
  { a.camera() } -> std::same_as<Camera>;
};

/// Reads straight from a SceneState that nobody writes during the frame.
class PlainSceneAccess {
 public:
  explicit PlainSceneAccess(const SceneState& state) : state_(&state) {}
  [[nodiscard]] Object object(std::uint32_t i) const { return state_->objects[i]; }
  [[nodiscard]] Material material(std::uint32_t i) const { return state_->materials[i]; }
  [[nodiscard]] Light light(std::uint32_t i) const { return state_->lights[i]; }
  [[nodiscard]] std::uint32_t light_count() const { return static_cast<std::uint32_t>(state_->lights.size()); }
  [[nodiscard]] Camera camera() const { return state_->camera; }
  void eval_breaker() const {}  // nobody to hand over to

 private:
  const SceneState* state_;
};

static_assert(SceneAccess<PlainSceneAccess>);

}  // namespace txray
