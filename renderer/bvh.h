#pragma once
/// A bounding volume hierarchy over the scene's bounded objects (binned SAH,
/// flattened depth-first), plus the list of unbounded ones (planes) that
/// every ray tests. The BVH is frame-private derived data: it is built from
/// object bounds and holds indices, never copies of objects; the traversal
/// reads each object it tests through the scene accessor.
#include <cstdint>
#include <span>
#include <vector>

#include "renderer/geometry.h"

namespace txray {

struct BvhNode {
  Aabb bounds;
  /// Leaf: index of the first entry in Bvh::indices. Inner: index of the
  /// second child (the first child is the next node).
  std::uint32_t first_or_second = 0;
  std::uint16_t count = 0;  ///< > 0 for a leaf
  std::uint16_t axis = 0;   ///< inner: split axis, to visit the near child first
  [[nodiscard]] bool is_leaf() const { return count > 0; }
};

struct Bvh {
  std::vector<BvhNode> nodes;             ///< nodes[0] is the root (absent when no bounded object)
  std::vector<std::uint32_t> indices;     ///< object indices referenced by leaves
  std::vector<std::uint32_t> unbounded;   ///< objects outside the tree (planes)
};

/// Builds over `bounds[i]`, one box per object; `bounded[i]` false keeps
/// object i out of the tree (tested on every ray instead). Deterministic.
[[nodiscard]] Bvh build_bvh(std::span<const Aabb> bounds, std::span<const bool> bounded);

/// Convenience: bounds taken from the objects themselves.
[[nodiscard]] Bvh build_bvh(std::span<const Object> objects);

/// Nearest hit in (t_min, t_max). `Access` is a scene accessor (scene_access.h).
template <class Access>
Hit closest_hit(Access& scene, const Bvh& bvh, const Ray& ray, float t_min, float t_max) {
  Hit hit{t_max, kNoObject};
  for (std::uint32_t i : bvh.unbounded) {
    const float t = intersect(ray, scene.object(i), t_min, hit.t);
    if (t < hit.t) hit = {t, i};
  }
  if (bvh.nodes.empty()) return hit;
  const Vec3 inv = reciprocal(ray.direction);
  const bool negative[3] = {ray.direction.x < 0.0f, ray.direction.y < 0.0f, ray.direction.z < 0.0f};
  std::uint32_t stack[64];
  int top = 0;
  std::uint32_t node_index = 0;
  for (;;) {
    const BvhNode& node = bvh.nodes[node_index];
    if (intersect_slabs(ray.origin, inv, node.bounds.lo, node.bounds.hi, t_min, hit.t) != kInfinity) {
      if (node.is_leaf()) {
        for (std::uint32_t k = 0; k < node.count; ++k) {
          const std::uint32_t i = bvh.indices[node.first_or_second + k];
          const float t = intersect(ray, scene.object(i), t_min, hit.t);
          if (t < hit.t) hit = {t, i};
        }
      } else {
        // Visit the child on the ray's side of the split first.
        std::uint32_t near_child = node_index + 1, far_child = node.first_or_second;
        if (negative[node.axis]) std::swap(near_child, far_child);
        stack[top++] = far_child;
        node_index = near_child;
        continue;
      }
    }
    if (top == 0) break;
    node_index = stack[--top];
  }
  if (hit.object == kNoObject) hit.t = kInfinity;
  return hit;
}

/// True when anything lies in (t_min, t_max) along the ray (shadow rays).
template <class Access>
bool occluded(Access& scene, const Bvh& bvh, const Ray& ray, float t_min, float t_max) {
  for (std::uint32_t i : bvh.unbounded)
    if (intersect(ray, scene.object(i), t_min, t_max) != kInfinity) return true;
  if (bvh.nodes.empty()) return false;
  const Vec3 inv = reciprocal(ray.direction);
  std::uint32_t stack[64];
  int top = 0;
  std::uint32_t node_index = 0;
  for (;;) {
    const BvhNode& node = bvh.nodes[node_index];
    if (intersect_slabs(ray.origin, inv, node.bounds.lo, node.bounds.hi, t_min, t_max) != kInfinity) {
      if (node.is_leaf()) {
        for (std::uint32_t k = 0; k < node.count; ++k) {
          const std::uint32_t i = bvh.indices[node.first_or_second + k];
          if (intersect(ray, scene.object(i), t_min, t_max) != kInfinity) return true;
        }
      } else {
        stack[top++] = node.first_or_second;
        node_index = node_index + 1;
        continue;
      }
    }
    if (top == 0) break;
    node_index = stack[--top];
  }
  return false;
}

}  // namespace txray
