#pragma once
/// Rays, bounding boxes and the ray–shape intersection tests. Pure functions
/// of trivially copyable values: the kernel copies an object out of the
/// scene (through its accessor) and tests the copy.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include <glm/geometric.hpp>
#include <glm/vec3.hpp>

#include "renderer/scene_state.h"

namespace txray {

/// For the few helpers on the traversal's hot path: in a large program GCC's
/// inliner gives up on them (measured: the box and sphere tests were calls,
/// a quarter of a frame), and a call costs as much as the test.
#define TXRAY_HOT_INLINE inline __attribute__((always_inline))

inline constexpr float kInfinity = std::numeric_limits<float>::infinity();
inline constexpr std::uint32_t kNoObject = 0xffffffffu;

struct Ray {
  Vec3 origin;
  Vec3 direction;  ///< unit length
};

/// Where a ray meets a mesh: the triangle (an index into Mesh::triangles)
/// and the barycentric weights of its corners b and c (a's is 1 - u - v).
struct MeshPoint {
  std::uint32_t triangle = 0;
  float u = 0.0f, v = 0.0f;
};

struct Hit {
  float t = kInfinity;
  std::uint32_t object = kNoObject;
  /// When the object is an instance: the triangle hit and where on it, so
  /// that shading finds its normal without tracing the mesh again.
  MeshPoint mesh{};
  [[nodiscard]] bool found() const { return object != kNoObject; }
};

struct Aabb {
  Vec3 lo{kInfinity};
  Vec3 hi{-kInfinity};

  void grow(const Aabb& b) {
    lo = glm::min(lo, b.lo);
    hi = glm::max(hi, b.hi);
  }
  void grow(Vec3 p) {
    lo = glm::min(lo, p);
    hi = glm::max(hi, p);
  }
  [[nodiscard]] Vec3 center() const { return (lo + hi) * 0.5f; }
  [[nodiscard]] float surface_area() const {
    Vec3 e = glm::max(hi - lo, Vec3(0.0f));
    return 2.0f * (e.x * e.y + e.y * e.z + e.z * e.x);
  }
  [[nodiscard]] bool empty() const { return lo.x > hi.x; }
};

/// Nearest t in (t_min, t_max) where the ray meets the sphere, or kInfinity.
/// Numerically careful (Haines et al., "Precision Improvements for Ray /
/// Sphere Intersection", Ray Tracing Gems ch. 7): the discriminant comes from
/// the perpendicular distance and the near root from c/q, so a radius-1000
/// ground sphere seen from 15 units away has no acne in float.
TXRAY_HOT_INLINE float intersect_sphere(const Ray& ray, Vec3 center, float radius, float t_min, float t_max) {
  const Vec3 f = ray.origin - center;
  const float b = glm::dot(f, ray.direction);
  const Vec3 perp = f - b * ray.direction;
  const float r2 = radius * radius;
  const float disc = r2 - glm::dot(perp, perp);
  if (disc < 0.0f) return kInfinity;
  const float c = glm::dot(f, f) - r2;
  const float q = -b - std::copysign(std::sqrt(disc), b);
  float t0 = q != 0.0f ? c / q : 0.0f;
  float t1 = q;
  if (t0 > t1) std::swap(t0, t1);
  if (t0 > t_min && t0 < t_max) return t0;
  if (t1 > t_min && t1 < t_max) return t1;
  return kInfinity;
}

/// Plane through `point` with unit `normal`; parallel rays never hit.
TXRAY_HOT_INLINE float intersect_plane(const Ray& ray, Vec3 point, Vec3 normal, float t_min, float t_max) {
  const float denom = glm::dot(ray.direction, normal);
  if (denom == 0.0f) return kInfinity;
  const float t = glm::dot(point - ray.origin, normal) / denom;
  return (t > t_min && t < t_max) ? t : kInfinity;
}

/// Slab test against [lo, hi] given the reciprocal direction. Returns the
/// entry distance, or kInfinity when the box is missed within (t_min, t_max).
TXRAY_HOT_INLINE float intersect_slabs(Vec3 origin, Vec3 inv_dir, Vec3 lo, Vec3 hi, float t_min, float t_max) {
  const Vec3 t_lo = (lo - origin) * inv_dir;
  const Vec3 t_hi = (hi - origin) * inv_dir;
  const Vec3 t_near = glm::min(t_lo, t_hi);
  const Vec3 t_far = glm::max(t_lo, t_hi);
  const float enter = std::max(std::max(t_near.x, t_near.y), std::max(t_near.z, t_min));
  const float leave = std::min(std::min(t_far.x, t_far.y), std::min(t_far.z, t_max));
  return enter <= leave ? enter : kInfinity;
}

TXRAY_HOT_INLINE Vec3 reciprocal(Vec3 d) { return Vec3(1.0f / d.x, 1.0f / d.y, 1.0f / d.z); }

/// Solid axis-aligned box: the first crossing of its surface after t_min,
/// from outside (entry) or from inside (exit), so glass boxes refract.
TXRAY_HOT_INLINE float intersect_box(const Ray& ray, Vec3 center, Vec3 half, float t_min, float t_max) {
  const Vec3 inv = reciprocal(ray.direction);
  const Vec3 t_lo = (center - half - ray.origin) * inv;
  const Vec3 t_hi = (center + half - ray.origin) * inv;
  const Vec3 t_near = glm::min(t_lo, t_hi);
  const Vec3 t_far = glm::max(t_lo, t_hi);
  const float enter = std::max(std::max(t_near.x, t_near.y), t_near.z);
  const float leave = std::min(std::min(t_far.x, t_far.y), t_far.z);
  if (enter > leave) return kInfinity;
  if (enter > t_min && enter < t_max) return enter;
  if (leave > t_min && leave < t_max) return leave;
  return kInfinity;
}

/// Nearest t in (t_min, t_max) where the ray meets a mesh instance, or
/// kInfinity (renderer/mesh.cpp: a BVH traversal, too big to inline).
/// `at`, when given, receives the triangle hit and where on it.
float intersect_instance(const Ray& ray, const Object& instance, float t_min, float t_max, MeshPoint* at = nullptr);

/// Every kind but the sphere: the packets' per-lane path, which has
/// already tested the kind for a sphere. `at`: as intersect_instance's.
TXRAY_HOT_INLINE float intersect_non_sphere(const Ray& ray, const Object& o, float t_min, float t_max,
                                            MeshPoint* at = nullptr) {
  switch (o.kind) {
    case ShapeKind::plane: return intersect_plane(ray, o.center, o.normal, t_min, t_max);
    case ShapeKind::box: return intersect_box(ray, o.center, o.half_size, t_min, t_max);
    case ShapeKind::instance: return intersect_instance(ray, o, t_min, t_max, at);
    case ShapeKind::sphere: break;
  }
  return kInfinity;
}

/// Spheres are tested first and alone on the hot path, the other kinds
/// behind one predicted-not-taken branch, and the instance (a whole mesh
/// traversal) is a call, so that meshes cost the sphere scenes nothing.
/// `at`, when given, receives an instance's triangle (intersect_instance);
/// other kinds leave it alone.
TXRAY_HOT_INLINE float intersect(const Ray& ray, const Object& o, float t_min, float t_max, MeshPoint* at = nullptr) {
  if (o.kind == ShapeKind::sphere) [[likely]]
    return intersect_sphere(ray, o.center, o.radius, t_min, t_max);
  return intersect_non_sphere(ray, o, t_min, t_max, at);
}

/// Whether anything of a mesh instance lies in (t_min, t_max) along the
/// ray: the first triangle found ends the walk (renderer/mesh.cpp). The
/// same answer as intersect_instance(...) != kInfinity.
bool occluded_by_instance(const Ray& ray, const Object& instance, float t_min, float t_max);

/// Whether `o` lies in (t_min, t_max) along the ray (shadow rays): the
/// answer of intersect(...) != kInfinity, an instance's without looking
/// for its nearest triangle.
TXRAY_HOT_INLINE bool occludes(const Ray& ray, const Object& o, float t_min, float t_max) {
  if (o.kind == ShapeKind::sphere) [[likely]]
    return intersect_sphere(ray, o.center, o.radius, t_min, t_max) != kInfinity;
  if (o.kind == ShapeKind::instance) return occluded_by_instance(ray, o, t_min, t_max);
  return intersect_non_sphere(ray, o, t_min, t_max) != kInfinity;
}

/// Outward unit normal of `o` at a point `p` on its surface (not for
/// instances, whose normal depends on the triangle hit: instance_normal).
/// Inline on the shading path, where a call spilled the lane's live values.
TXRAY_HOT_INLINE Vec3 surface_normal(const Object& o, Vec3 p) {
  switch (o.kind) {
    case ShapeKind::sphere: return (p - o.center) / o.radius;
    case ShapeKind::plane: return o.normal;
    case ShapeKind::box: {
      // The face whose slab the point is closest to, relative to the box size.
      const Vec3 d = (p - o.center) / glm::max(o.half_size, Vec3(1e-20f));
      const Vec3 a = glm::abs(d);
      if (a.x >= a.y && a.x >= a.z) return Vec3(std::copysign(1.0f, d.x), 0.0f, 0.0f);
      if (a.y >= a.z) return Vec3(0.0f, std::copysign(1.0f, d.y), 0.0f);
      return Vec3(0.0f, 0.0f, std::copysign(1.0f, d.z));
    }
    case ShapeKind::instance: break;
  }
  return Vec3(0.0f, 1.0f, 0.0f);
}

/// Planes have no bounds: they are kept out of the BVH.
inline bool is_bounded(const Object& o) { return o.kind != ShapeKind::plane; }

inline Aabb object_bounds(const Object& o) {
  switch (o.kind) {
    case ShapeKind::sphere: return {o.center - Vec3(o.radius), o.center + Vec3(o.radius)};
    case ShapeKind::box:
    case ShapeKind::instance: return {o.center - o.half_size, o.center + o.half_size};
    case ShapeKind::plane: break;
  }
  return {Vec3(-kInfinity), Vec3(kInfinity)};
}

}  // namespace txray
