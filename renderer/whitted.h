#pragma once
/// Whitted-style shading: point lights with hard shadows, Lambert plus
/// Blinn-Phong, mirror reflection, and dielectrics with Schlick's Fresnel
/// and total internal reflection, to a maximum depth.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include <glm/geometric.hpp>

#include "renderer/bvh.h"
#include "renderer/scene_access.h"

namespace txray {

/// Frame-constant inputs of the kernel (not shared mutable state).
struct TraceSetup {
  const Bvh* bvh = nullptr;
  Vec3 background{0.0f};
  int max_depth = 5;
};

/// Distance by which a secondary ray starts off the surface, scaled with
/// the hit point's magnitude so float rounding never re-hits the surface.
inline float surface_offset(Vec3 p) {
  const Vec3 a = glm::abs(p);
  return 1e-4f * (1.0f + std::max(a.x, std::max(a.y, a.z)));
}

/// Checkerboard: in the plane's own 2-D coordinates for planes, else in 3-D.
inline Vec3 surface_color(const Material& m, const Object& o, Vec3 p) {
  if (m.checker_size <= 0.0f) return m.color;
  long long cells = 0;
  const Vec3 q = p / m.checker_size;
  if (o.kind == ShapeKind::plane) {
    const Vec3 a = std::abs(o.normal.x) > 0.9f ? Vec3(0.0f, 1.0f, 0.0f) : Vec3(1.0f, 0.0f, 0.0f);
    const Vec3 t = glm::normalize(glm::cross(a, o.normal));
    const Vec3 b = glm::cross(o.normal, t);
    const Vec3 r = p - o.center;
    cells = static_cast<long long>(std::floor(glm::dot(r, t) / m.checker_size)) +
            static_cast<long long>(std::floor(glm::dot(r, b) / m.checker_size));
  } else {
    cells = static_cast<long long>(std::floor(q.x)) + static_cast<long long>(std::floor(q.y)) +
            static_cast<long long>(std::floor(q.z));
  }
  return (cells & 1) ? m.checker_color : m.color;
}

/// Schlick's approximation of Fresnel reflectance for a dielectric; `eta`
/// is n_incident / n_transmitted. Returns 1 on total internal reflection.
inline float schlick_reflectance(float cos_incident, float eta, float ior) {
  const float sin2_t = eta * eta * (1.0f - cos_incident * cos_incident);
  if (sin2_t > 1.0f) return 1.0f;
  // Leaving the denser medium, Schlick must use the transmitted angle.
  const float cos_term = eta > 1.0f ? std::sqrt(1.0f - sin2_t) : cos_incident;
  float r0 = (1.0f - ior) / (1.0f + ior);
  r0 *= r0;
  const float k = 1.0f - cos_term;
  return r0 + (1.0f - r0) * k * k * k * k * k;
}

/// One tracer per render unit: it counts every ray it casts.
template <class Access>
class WhittedTracer {
 public:
  WhittedTracer(Access& scene, const TraceSetup& setup) : scene_(scene), setup_(setup) {}

  Vec3 trace(const Ray& ray, int depth) {
    ++rays_;
    const Hit hit = closest_hit(scene_, *setup_.bvh, ray, 0.0f, kInfinity);
    return shade(ray, hit, depth);
  }

  /// The colour of `ray` given its nearest hit (traced by the caller, e.g.
  /// as part of a packet, and counted: shade counts only the rays it casts).
  Vec3 shade(const Ray& ray, const Hit& hit, int depth) {
    if (!hit.found()) return setup_.background;

    const Object object = scene_.object(hit.object);
    const Material material = scene_.material(object.material);
    const Vec3 p = ray.origin + hit.t * ray.direction;
    const Vec3 outward = surface_normal(object, p);
    const bool entering = glm::dot(ray.direction, outward) < 0.0f;
    const Vec3 n = entering ? outward : -outward;  // faces the incoming ray
    const float offset = surface_offset(p);
    const Vec3 above = p + offset * n;

    const Vec3 base = surface_color(material, object, p);
    Vec3 color = material.ambient * base;
    const std::uint32_t lights = scene_.light_count();
    for (std::uint32_t i = 0; i < lights; ++i) {
      const Light light = scene_.light(i);
      const Vec3 to_light = light.position - above;
      const float distance = glm::length(to_light);
      if (!(distance > 0.0f)) continue;
      const Vec3 l = to_light / distance;
      const float n_dot_l = glm::dot(n, l);
      if (n_dot_l <= 0.0f) continue;
      ++rays_;
      if (occluded(scene_, *setup_.bvh, Ray{above, l}, 0.0f, distance)) continue;
      Vec3 contribution = material.diffuse * n_dot_l * base;
      if (material.specular > 0.0f) {
        const Vec3 h = glm::normalize(l - ray.direction);
        contribution += Vec3(material.specular * std::pow(std::max(glm::dot(n, h), 0.0f), material.shininess));
      }
      color += light.color * contribution;
    }

    if (depth >= setup_.max_depth) return color;
    const Vec3 reflected = ray.direction - 2.0f * glm::dot(ray.direction, n) * n;
    if (material.transparency > 0.0f) {
      const float eta = entering ? 1.0f / material.ior : material.ior;
      const float cos_i = -glm::dot(ray.direction, n);
      const float fresnel = schlick_reflectance(cos_i, eta, material.ior);
      Vec3 glass = fresnel * trace(Ray{above, glm::normalize(reflected)}, depth + 1);
      if (fresnel < 1.0f) {
        const float k = 1.0f - eta * eta * (1.0f - cos_i * cos_i);
        const Vec3 refracted = glm::normalize(eta * ray.direction + (eta * cos_i - std::sqrt(k)) * n);
        glass += (1.0f - fresnel) * trace(Ray{p - offset * n, refracted}, depth + 1);
      }
      color = (1.0f - material.transparency) * color + material.transparency * glass;
    } else if (material.reflectivity > 0.0f) {
      color += material.reflectivity * trace(Ray{above, glm::normalize(reflected)}, depth + 1);
    }
    return color;
  }

  [[nodiscard]] std::uint64_t rays() const { return rays_; }
  /// For rays traced outside trace(), such as a packet of primary rays.
  void count_rays(std::uint64_t n) { rays_ += n; }

 private:
  Access& scene_;
  const TraceSetup& setup_;
  std::uint64_t rays_ = 0;
};

}  // namespace txray
