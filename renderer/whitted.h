#pragma once
/// Whitted-style shading: point lights with hard shadows, Lambert plus
/// Blinn-Phong, mirror reflection, and dielectrics with Schlick's Fresnel
/// and total internal reflection, to a maximum depth.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

#include <glm/geometric.hpp>

#include "renderer/bvh.h"
#include "renderer/mesh.h"
#include "renderer/packet.h"
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

/// The checkerboard's colour at `p`: in the plane's own 2-D coordinates for
/// planes, else in 3-D. Out of line: few materials have one.
[[gnu::noinline]] inline Vec3 checker_color(const Material& m, const Object& o, Vec3 p) {
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

/// The material's colour at `p`. Inline on the shading path: as a call it
/// cost a spill and reload of the lane's live values around it.
TXRAY_HOT_INLINE Vec3 surface_color(const Material& m, const Object& o, Vec3 p) {
  if (m.checker_size <= 0.0f) return m.color;
  return checker_color(m, o, p);
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

/// Where a ray meets its nearest object, as shading sees it (without the
/// object: WhittedTracer::SurfacePoint adds it).
struct Surface {
  Vec3 p, n;  ///< the hit point; the normal facing the incoming ray
  bool entering = false;
  float offset = 0.0f;
  Vec3 above;  ///< where reflected and shadow rays start
};

/// The packet shading's arithmetic on a packet's lanes, written once like
/// packet.h's tests, generic over the vector width, and compiled twice:
/// eight lanes with AVX2 (shading_lanes::Avx2) and two 4-lane SSE halves
/// for every other x86-64 CPU (shading_lanes::Portable), chosen by the same
/// PacketIsa as the packets. Each lane does the scalar code's IEEE
/// operations in the scalar code's order (glm's dot is (x*x + y*y) + z*z,
/// its length sqrt(dot), its normalize v * (1 / sqrt(dot)), its abs
/// x >= 0 ? x : -x, and std::max(a, b) is a < b ? b : a), with
/// -ffp-contract=off, so each lane's result is the scalar one bit for bit.
namespace shading_lanes {

/// A packet's surface points, structure of arrays ([axis][lane]).
struct alignas(32) PointLanes {
  float p[3][kPacketSize], n[3][kPacketSize], above[3][kPacketSize], offset[kPacketSize];
  unsigned entering = 0;  ///< a bit per lane

  [[nodiscard]] Surface surface(int l) const {
    Surface s;
    s.p = Vec3(p[0][l], p[1][l], p[2][l]);
    s.n = Vec3(n[0][l], n[1][l], n[2][l]);
    s.entering = (entering >> l) & 1u;
    s.offset = offset[l];
    s.above = Vec3(above[0][l], above[1][l], above[2][l]);
    return s;
  }
};

/// pow(max(n.h, 0), shininess), lit()'s highlight, without the call where
/// the answer is known: pow(+0, y) is +0 for every y > 0.
inline float highlight_power(float n_dot_h, float shininess) {
  const float c = std::max(n_dot_h, 0.0f);
  if (std::bit_cast<std::uint32_t>(c) == 0 && shininess > 0.0f) return 0.0f;
  return std::pow(c, shininess);
}

// Helpers are macros or take vectors by reference, as in packet.h: a
// 32-byte vector passed or returned by value has a different ABI with and
// without AVX (-Wpsabi).
#define TXRAY_LOAD(dst, src) std::memcpy(&(dst), (src), sizeof(dst))
#define TXRAY_STORE(dst, src) std::memcpy((dst), &(src), sizeof(src))
#define TXRAY_DOT(a, b) (((a)[0] * (b)[0] + (a)[1] * (b)[1]) + (a)[2] * (b)[2])

// Lanes h .. h + W - 1 of a bit per lane, as a 0 / -1 mask.
template <class I>
[[gnu::always_inline]] inline void lanes_of(unsigned bits, int h, I& mask) {
  constexpr int W = sizeof(I) / sizeof(std::int32_t);
  I bit{};
  for (int k = 0; k < W; ++k) bit[k] = 1 << k;
  mask = (bit & static_cast<std::int32_t>(bits >> h)) != 0;
}

// WhittedTracer::complete() for the lanes in `found`: spheres' normals on
// the lanes, other kinds' per lane (surface_normal, instance_normal).
template <class F, class I>
[[gnu::always_inline]] inline void points(const RayPacket& rays, const HitPacket& hits, unsigned found,
                                          PointLanes& s) {
  constexpr int W = sizeof(F) / sizeof(float);
  // Lanes that are no sphere's get centre 0 and radius 1 (a finite normal,
  // replaced below) and so do lanes that hit nothing (ignored).
  alignas(32) float center[3][kPacketSize] = {}, radius[kPacketSize];
  unsigned other = 0;
  for (int l = 0; l < kPacketSize; ++l) {
    radius[l] = 1.0f;
    if (!((found >> l) & 1u)) continue;
    const Object& o = hits.copy[l];
    if (o.kind != ShapeKind::sphere) {
      other |= 1u << l;
      continue;
    }
    for (int a = 0; a < 3; ++a) center[a][l] = o.center[a];
    radius[l] = o.radius;
  }
  for (int h = 0; h < kPacketSize; h += W) {
    F t, r, o, d, c;
    TXRAY_LOAD(t, hits.t + h);
    TXRAY_LOAD(r, radius + h);
    for (int a = 0; a < 3; ++a) {
      TXRAY_LOAD(o, rays.origin[a] + h);
      TXRAY_LOAD(d, rays.direction[a] + h);
      TXRAY_LOAD(c, center[a] + h);
      const F p = o + t * d;
      const F n = (p - c) / r;
      TXRAY_STORE(s.p[a] + h, p);
      TXRAY_STORE(s.n[a] + h, n);
    }
  }
  // An instance's side comes from its triangle's flat normal, not from the
  // (possibly interpolated) shading normal.
  unsigned instances = 0, instance_entering = 0;
  for (; other != 0; other &= other - 1) {
    const int l = std::countr_zero(other);
    const Object& o = hits.copy[l];
    Vec3 outward;
    if (o.kind == ShapeKind::instance) {
      Vec3 geometric;
      outward = instance_normal(o, hits.mesh[l], geometric);
      instances |= 1u << l;
      if (glm::dot(rays.ray(l).direction, geometric) < 0.0f) instance_entering |= 1u << l;
    } else {
      outward = surface_normal(o, Vec3(s.p[0][l], s.p[1][l], s.p[2][l]));
    }
    for (int a = 0; a < 3; ++a) s.n[a][l] = outward[a];
  }
  s.entering = 0;
  for (int h = 0; h < kPacketSize; h += W) {
    F d[3], n[3], p[3], abs_p[3];
    for (int a = 0; a < 3; ++a) {
      TXRAY_LOAD(d[a], rays.direction[a] + h);
      TXRAY_LOAD(n[a], s.n[a] + h);
      TXRAY_LOAD(p[a], s.p[a] + h);
      abs_p[a] = p[a] >= 0.0f ? p[a] : -p[a];
    }
    I is_instance, instance_enters;
    lanes_of(instances, h, is_instance);
    lanes_of(instance_entering, h, instance_enters);
    const I entering = is_instance ? instance_enters : TXRAY_DOT(d, n) < 0.0f;
    s.entering |= packet_detail::lane_bits(entering) << h;
    const F largest = abs_p[0] < (abs_p[1] < abs_p[2] ? abs_p[2] : abs_p[1])
                          ? (abs_p[1] < abs_p[2] ? abs_p[2] : abs_p[1])
                          : abs_p[0];
    const F offset = 1e-4f * (1.0f + largest);
    TXRAY_STORE(s.offset + h, offset);
    for (int a = 0; a < 3; ++a) {
      const F facing = entering ? n[a] : -n[a];
      const F above = p[a] + offset * facing;
      TXRAY_STORE(s.n[a] + h, facing);
      TXRAY_STORE(s.above[a] + h, above);
    }
  }
}

// WhittedTracer::shadow_ray() on every lane: the unit direction towards
// the light, its distance and n.l; returns the lanes that cast one.
template <class F, class I>
[[gnu::always_inline]] inline unsigned shadow_rays(const PointLanes& s, Vec3 light,
                                                   float (&direction)[3][kPacketSize],
                                                   float (&distance)[kPacketSize], float (&n_dot_l)[kPacketSize]) {
  constexpr int W = sizeof(F) / sizeof(float);
  unsigned cast = 0;
  for (int h = 0; h < kPacketSize; h += W) {
    F to_light[3], l[3], n[3], above;
    for (int a = 0; a < 3; ++a) {
      TXRAY_LOAD(above, s.above[a] + h);
      to_light[a] = light[a] - above;
    }
    F dist{};  // every lane is written by sqrt_lanes; the braces keep -Wmaybe-uninitialized quiet
    packet_detail::sqrt_lanes(TXRAY_DOT(to_light, to_light), dist);
    for (int a = 0; a < 3; ++a) {
      l[a] = to_light[a] / dist;
      TXRAY_LOAD(n[a], s.n[a] + h);
      TXRAY_STORE(direction[a] + h, l[a]);
    }
    const F cos_l = TXRAY_DOT(n, l);
    TXRAY_STORE(distance + h, dist);
    TXRAY_STORE(n_dot_l + h, cos_l);
    const I casts = (dist > 0.0f) & ~(cos_l <= 0.0f);
    cast |= packet_detail::lane_bits(casts) << h;
  }
  return cast;
}

// lit()'s n.h on every lane, h the unit half vector of the light's
// direction `l` and the reversed ray direction `d`.
template <class F>
[[gnu::always_inline]] inline void half_vectors(const PointLanes& s, const float (&d)[3][kPacketSize],
                                                const float (&l)[3][kPacketSize], float (&n_dot_h)[kPacketSize]) {
  constexpr int W = sizeof(F) / sizeof(float);
  for (int k = 0; k < kPacketSize; k += W) {
    F h[3], n[3], from_light, from_ray;
    for (int a = 0; a < 3; ++a) {
      TXRAY_LOAD(from_light, l[a] + k);
      TXRAY_LOAD(from_ray, d[a] + k);
      h[a] = from_light - from_ray;
    }
    F length{};  // every lane is written by sqrt_lanes; the braces keep -Wmaybe-uninitialized quiet
    packet_detail::sqrt_lanes(TXRAY_DOT(h, h), length);
    const F inverse_length = 1.0f / length;
    for (int a = 0; a < 3; ++a) {
      h[a] = h[a] * inverse_length;
      TXRAY_LOAD(n[a], s.n[a] + k);
    }
    const F cos_h = TXRAY_DOT(n, h);
    TXRAY_STORE(n_dot_h + k, cos_h);
  }
}

// lit() on the lanes in `unblocked`, added to `color`: its diffuse term,
// on the lanes in `shiny` its highlight (specular times `power`, from
// highlight_power), times the light's colour.
template <class F, class I>
[[gnu::always_inline]] inline void lit(unsigned unblocked, unsigned shiny, const float (&diffuse)[kPacketSize],
                                       const float (&n_dot_l)[kPacketSize], const float (&base)[3][kPacketSize],
                                       const float (&specular)[kPacketSize], const float (&power)[kPacketSize],
                                       Vec3 light_color, float (&color)[3][kPacketSize]) {
  constexpr int W = sizeof(F) / sizeof(float);
  for (int h = 0; h < kPacketSize; h += W) {
    I on, highlight;
    lanes_of(unblocked, h, on);
    lanes_of(shiny, h, highlight);
    F kd, cos_l, ks, pw, b, c;
    TXRAY_LOAD(kd, diffuse + h);
    TXRAY_LOAD(cos_l, n_dot_l + h);
    TXRAY_LOAD(ks, specular + h);
    TXRAY_LOAD(pw, power + h);
    const F weight = kd * cos_l;
    const F glint = ks * pw;
    for (int a = 0; a < 3; ++a) {
      TXRAY_LOAD(b, base[a] + h);
      TXRAY_LOAD(c, color[a] + h);
      F contribution = weight * b;
      contribution = highlight ? contribution + glint : contribution;
      const F sum = on ? c + light_color[a] * contribution : c;
      TXRAY_STORE(color[a] + h, sum);
    }
  }
}

// The mirror directions secondary_rays() casts, on every lane: `d`
// reflected about the lane's normal, normalised.
template <class F>
[[gnu::always_inline]] inline void reflections(const PointLanes& s, const float (&d)[3][kPacketSize],
                                               float (&reflected)[3][kPacketSize]) {
  constexpr int W = sizeof(F) / sizeof(float);
  for (int h = 0; h < kPacketSize; h += W) {
    F in[3], n[3], r[3];
    for (int a = 0; a < 3; ++a) {
      TXRAY_LOAD(in[a], d[a] + h);
      TXRAY_LOAD(n[a], s.n[a] + h);
    }
    const F twice_cos = 2.0f * TXRAY_DOT(in, n);
    for (int a = 0; a < 3; ++a) r[a] = in[a] - twice_cos * n[a];
    F length{};  // every lane is written by sqrt_lanes; the braces keep -Wmaybe-uninitialized quiet
    packet_detail::sqrt_lanes(TXRAY_DOT(r, r), length);
    const F inverse_length = 1.0f / length;
    for (int a = 0; a < 3; ++a) {
      const F unit = r[a] * inverse_length;
      TXRAY_STORE(reflected[a] + h, unit);
    }
  }
}
#undef TXRAY_LOAD
#undef TXRAY_STORE
#undef TXRAY_DOT

// The helpers above for one ISA: Lanes = Portable or Avx2, each a set of
// entry points that WhittedTracer::shade_lanes calls.
#define TXRAY_SHADING_ENTRIES(ATTRIBUTES, F, I)                                                                  \
  ATTRIBUTES static void points(const RayPacket& rays, const HitPacket& hits, unsigned found, PointLanes& s) {     \
    shading_lanes::points<F, I>(rays, hits, found, s);                                                             \
  }                                                                                                                \
  ATTRIBUTES static unsigned shadow_rays(const PointLanes& s, Vec3 light, float (&direction)[3][kPacketSize],      \
                                         float (&distance)[kPacketSize], float (&n_dot_l)[kPacketSize]) {          \
    return shading_lanes::shadow_rays<F, I>(s, light, direction, distance, n_dot_l);                               \
  }                                                                                                                \
  ATTRIBUTES static void half_vectors(const PointLanes& s, const float (&d)[3][kPacketSize],                       \
                                      const float (&l)[3][kPacketSize], float (&n_dot_h)[kPacketSize]) {           \
    shading_lanes::half_vectors<F>(s, d, l, n_dot_h);                                                              \
  }                                                                                                                \
  ATTRIBUTES static void lit(unsigned unblocked, unsigned shiny, const float (&diffuse)[kPacketSize],               \
                             const float (&n_dot_l)[kPacketSize], const float (&base)[3][kPacketSize],             \
                             const float (&specular)[kPacketSize], const float (&power)[kPacketSize],              \
                             Vec3 light_color, float (&color)[3][kPacketSize]) {                                   \
    shading_lanes::lit<F, I>(unblocked, shiny, diffuse, n_dot_l, base, specular, power, light_color, color);       \
  }                                                                                                                \
  ATTRIBUTES static void reflections(const PointLanes& s, const float (&d)[3][kPacketSize],                        \
                                     float (&reflected)[3][kPacketSize]) {                                         \
    shading_lanes::reflections<F>(s, d, reflected);                                                                \
  }

/// Two 4-lane SSE halves per packet: the x86-64-v2 baseline.
struct Portable {
  TXRAY_SHADING_ENTRIES(__attribute__((always_inline)), packet_detail::F4, packet_detail::I4)
};
#if defined(__x86_64__) || defined(__i386__)
/// Eight lanes per AVX2 instruction, on CPUs that have it.
struct Avx2 {
  TXRAY_SHADING_ENTRIES(__attribute__((target("avx2,fma"))), packet_detail::F8, packet_detail::I8)
};
#endif
#undef TXRAY_SHADING_ENTRIES

}  // namespace shading_lanes

/// One tracer per render unit: it counts every ray it casts.
template <class Access>
class WhittedTracer {
 public:
  /// Reads the lights once, here: a unit's shading points all use them, and
  /// reading them per point was two barriers per hit. (A unit sees one
  /// consistent scene under every backend that has atomic units; under
  /// `fine` this is one read per light per unit instead of per use.)
  /// `isa`: the packets' and the packet shading's; tests force the portable one.
  WhittedTracer(Access& scene, const TraceSetup& setup, PacketIsa isa = detected_packet_isa())
      : scene_(scene), setup_(setup), light_count_(scene.light_count()), isa_(isa) {
    for (std::uint32_t i = 0; i < std::min(light_count_, kCachedLights); ++i) lights_[i] = scene_.light(i);
  }

  Vec3 trace(const Ray& ray, int depth) {
    ++rays_;
    SurfacePoint s;
    const Hit hit = closest_hit(scene_, *setup_.bvh, ray, 0.0f, kInfinity, &s.object);
    if (!hit.found()) return setup_.background;
    complete(s, ray, hit);
    return shade_at(ray, s, depth);
  }

  [[nodiscard]] std::uint32_t light_count() const { return light_count_; }
  /// Light i, from the unit's copy when it has one.
  Light light(std::uint32_t i) { return i < kCachedLights ? lights_[i] : scene_.light(i); }

  /// A Surface and the object it is on.
  struct SurfacePoint : Surface {
    Object object;
  };

  /// Reads the hit object (through the accessor) and works out the point.
  SurfacePoint surface_point(const Ray& ray, const Hit& hit) {
    SurfacePoint s;
    s.object = scene_.object(hit.object);
    complete(s, ray, hit);
    return s;
  }

  /// Fills in everything but s.object.
  static void complete(SurfacePoint& s, const Ray& ray, const Hit& hit) {
    s.p = ray.origin + hit.t * ray.direction;
    if (s.object.kind == ShapeKind::instance) {
      // The triangle's winding says which side the ray came from; the
      // (possibly interpolated) shading normal is turned to match it.
      Vec3 geometric;
      const Vec3 outward = instance_normal(s.object, hit.mesh, geometric);
      s.entering = glm::dot(ray.direction, geometric) < 0.0f;
      s.n = s.entering ? outward : -outward;
    } else {
      const Vec3 outward = surface_normal(s.object, s.p);
      s.entering = glm::dot(ray.direction, outward) < 0.0f;
      s.n = s.entering ? outward : -outward;  // faces the incoming ray
    }
    s.offset = surface_offset(s.p);
    s.above = s.p + s.offset * s.n;
  }

  /// The shadow ray from `s` towards `light`, when shading casts one (the
  /// light is at a distance and in front of the surface).
  static bool shadow_ray(const SurfacePoint& s, const Light& light, Ray& ray, float& distance, float& n_dot_l) {
    const Vec3 to_light = light.position - s.above;
    distance = glm::length(to_light);
    if (!(distance > 0.0f)) return false;
    const Vec3 l = to_light / distance;
    n_dot_l = glm::dot(s.n, l);
    if (n_dot_l <= 0.0f) return false;
    ray = Ray{s.above, l};
    return true;
  }

  /// The colour of `ray` given its nearest hit (traced by the caller, e.g.
  /// as part of a packet, and counted: shade counts only the rays it casts).
  Vec3 shade(const Ray& ray, const Hit& hit, int depth) {
    if (!hit.found()) return setup_.background;
    return shade_at(ray, surface_point(ray, hit), depth);
  }

  /// What `light` adds at `s` when nothing blocks it: Lambert plus
  /// Blinn-Phong. `l` and `n_dot_l` are shadow_ray's, `base` the surface's
  /// colour there (surface_color).
  static Vec3 lit(const Ray& ray, const SurfacePoint& s, const Material& material, Vec3 base, const Light& light, Vec3 l,
                  float n_dot_l) {
    Vec3 contribution = material.diffuse * n_dot_l * base;
    if (material.specular > 0.0f) {
      const Vec3 h = glm::normalize(l - ray.direction);
      contribution += Vec3(material.specular * std::pow(std::max(glm::dot(s.n, h), 0.0f), material.shininess));
    }
    return light.color * contribution;
  }

  /// Ambient plus each light's lit() term at `s`, with hard shadows: one
  /// ray at a time (shade_packet does the same per lane, its shadow rays
  /// as packets).
  Vec3 direct(const Ray& ray, const SurfacePoint& s, const Material& material) {
    const Vec3 base = surface_color(material, s.object, s.p);
    Vec3 color = material.ambient * base;
    for (std::uint32_t i = 0; i < light_count_; ++i) {
      const Light light = this->light(i);
      Ray to_light;
      float distance = 0.0f, n_dot_l = 0.0f;
      if (!shadow_ray(s, light, to_light, distance, n_dot_l)) continue;
      ++rays_;
      if (occluded(scene_, *setup_.bvh, to_light, 0.0f, distance)) continue;
      color += lit(ray, s, material, base, light, to_light.direction, n_dot_l);
    }
    return color;
  }

  /// The mirror and refracted rays a surface spawns (none past max_depth).
  struct Secondary {
    Ray reflect, refract;
    float fresnel = 1.0f;
    bool has_reflect = false, has_refract = false;
  };
  Secondary secondary_rays(const Ray& ray, const Surface& s, const Material& material, int depth) const {
    Secondary out;
    if (depth >= setup_.max_depth) return out;
    const Vec3 n = s.n;
    const Vec3 reflected = ray.direction - 2.0f * glm::dot(ray.direction, n) * n;
    if (material.transparency > 0.0f) {
      out.fresnel = refraction(ray.direction, s, material, out.refract);
      out.reflect = Ray{s.above, glm::normalize(reflected)};
      out.has_reflect = true;
      out.has_refract = out.fresnel < 1.0f;
    } else if (material.reflectivity > 0.0f) {
      out.reflect = Ray{s.above, glm::normalize(reflected)};
      out.has_reflect = true;
    }
    return out;
  }
  /// Glass at `s` met along `direction`: Schlick's reflectance, returned,
  /// and unless it is 1 (total internal reflection) the refracted ray.
  static float refraction(Vec3 direction, const Surface& s, const Material& material, Ray& refract) {
    const Vec3 n = s.n;
    const float eta = s.entering ? 1.0f / material.ior : material.ior;
    const float cos_i = -glm::dot(direction, n);
    const float fresnel = schlick_reflectance(cos_i, eta, material.ior);
    if (fresnel < 1.0f) {
      const float k = 1.0f - eta * eta * (1.0f - cos_i * cos_i);
      const Vec3 refracted = glm::normalize(eta * direction + (eta * cos_i - std::sqrt(k)) * n);
      refract = Ray{s.p - s.offset * n, refracted};
    }
    return fresnel;
  }
  /// The colour from the direct part and what the secondary rays brought,
  /// when the surface cast a mirror ray (`fresnel` and `refracted` count
  /// for glass only, the latter when `has_refract`).
  static Vec3 combine(const Material& material, Vec3 color, float fresnel, bool has_refract, Vec3 reflected,
                      Vec3 refracted) {
    if (material.transparency > 0.0f) {
      Vec3 glass = fresnel * reflected;
      if (has_refract) glass += (1.0f - fresnel) * refracted;
      return (1.0f - material.transparency) * color + material.transparency * glass;
    }
    return color + material.reflectivity * reflected;
  }

  /// Shading at a known surface point, one ray at a time below it.
  Vec3 shade_at(const Ray& ray, const SurfacePoint& s, int depth) {
    const Material material = scene_.material(s.object.material);
    const Vec3 color = direct(ray, s, material);
    const Secondary sec = secondary_rays(ray, s, material, depth);
    if (!sec.has_reflect) return color;
    const Vec3 reflected = trace(sec.reflect, depth + 1);
    const Vec3 refracted = sec.has_refract ? trace(sec.refract, depth + 1) : Vec3(0.0f);
    return combine(material, color, sec.fresnel, sec.has_refract, reflected, refracted);
  }

  /// The colours of rays.count rays whose nearest hits are known (traced as
  /// a packet, and counted by the caller), shaded together: their shadow
  /// rays go out as one packet per light, and their mirror and refracted
  /// rays as packets too, shaded the same way one level down. A lone ray
  /// goes the single-ray way, which is cheaper for it. The arithmetic of
  /// complete(), shadow_ray(), lit() and the mirror directions of
  /// secondary_rays() runs on all eight lanes at once with AVX2, else as
  /// two 4-lane SSE halves (shading_lanes, on the packets' PacketIsa),
  /// each lane doing shade_at's operations in its order (direct()'s terms
  /// light by light, each shadow ray worked out once, for the packet and
  /// for lit()); what depends on a lane's object or material kind (normals
  /// of planes, boxes and instances, checkers, pow, glass) stays scalar,
  /// per lane. The packets' answers are bit-identical to the single-ray
  /// traversals', so the colours are too.
  void shade_packet(const RayPacket& rays, const HitPacket& hits, int depth, Vec3* colors) {
#if defined(__x86_64__) || defined(__i386__)
    if (isa_ == PacketIsa::avx2) return shade_lanes<shading_lanes::Avx2>(rays, hits, depth, colors);
#endif
    shade_lanes<shading_lanes::Portable>(rays, hits, depth, colors);
  }

  [[nodiscard]] std::uint64_t rays() const { return rays_; }
  /// For rays traced outside trace(), such as a packet of primary rays.
  void count_rays(std::uint64_t n) { rays_ += n; }

 private:
  // shade_packet with the lane arithmetic of one ISA (shading_lanes).
  template <class Lanes>
  void shade_lanes(const RayPacket& rays, const HitPacket& hits, int depth, Vec3* colors) {
    namespace lanes = shading_lanes;
    unsigned found = 0;
    for (int l = 0; l < rays.count; ++l) {
      if (hits.object[l] != kNoObject)
        found |= 1u << l;
      else
        colors[l] = setup_.background;
    }
    if (found == 0) return;
    lanes::PointLanes s;
    Lanes::points(rays, hits, found, s);
    // Neighbouring lanes mostly hit the same object: a lane whose material
    // is the previous hit lane's takes that lane's copy instead of reading
    // the cell again (each read is a barrier under a backend; one unit's
    // reads of a cell agree wherever reads are consistent, and elsewhere
    // one read is as current as two).
    Material materials[kPacketSize];
    alignas(32) float base[3][kPacketSize] = {}, color[3][kPacketSize] = {};
    alignas(32) float diffuse[kPacketSize] = {}, specular[kPacketSize] = {};
    unsigned shiny = 0;            // lanes whose material has a highlight
    unsigned glass = 0, mirror = 0;  // lanes of transparent, of (only) reflective materials
    int previous = -1;
    for (int l = 0; l < rays.count; ++l) {
      if (!((found >> l) & 1u)) continue;
      const std::uint32_t m = hits.copy[l].material;
      materials[l] = previous >= 0 && hits.copy[previous].material == m ? materials[previous] : scene_.material(m);
      previous = l;
      const Material& material = materials[l];
      const Vec3 b = surface_color(material, hits.copy[l], Vec3(s.p[0][l], s.p[1][l], s.p[2][l]));
      const Vec3 ambient = material.ambient * b;
      for (int a = 0; a < 3; ++a) {
        base[a][l] = b[a];
        color[a][l] = ambient[a];
      }
      diffuse[l] = material.diffuse;
      specular[l] = material.specular;
      if (material.specular > 0.0f) shiny |= 1u << l;
      if (material.transparency > 0.0f)
        glass |= 1u << l;
      else if (material.reflectivity > 0.0f)
        mirror |= 1u << l;
    }
    RayPacket shadows;
    shadows.count = rays.count;
    std::memcpy(shadows.origin, s.above, sizeof shadows.origin);  // every light's shadow rays start there
    for (std::uint32_t i = 0; i < light_count_; ++i) {
      const Light light = this->light(i);
      alignas(32) float t_max[kPacketSize], n_dot_l[kPacketSize];
      const unsigned cast = found & Lanes::shadow_rays(s, light.position, shadows.direction, t_max, n_dot_l);
      if (cast == 0) continue;
      rays_ += static_cast<std::uint64_t>(std::popcount(cast));
      const unsigned unblocked = cast & ~occluded_packet(scene_, *setup_.bvh, shadows, 0.0f, t_max, cast, isa_);
      if (unblocked == 0) continue;
      // lit()'s highlight: its half vector and n.h on the lanes, pow per lane.
      alignas(32) float highlight[kPacketSize] = {};
      unsigned highlit = unblocked & shiny;
      if (highlit != 0) {
        alignas(32) float n_dot_h[kPacketSize];
        Lanes::half_vectors(s, rays.direction, shadows.direction, n_dot_h);
        for (; highlit != 0; highlit &= highlit - 1) {
          const int l = std::countr_zero(highlit);
          highlight[l] = lanes::highlight_power(n_dot_h[l], materials[l].shininess);
        }
      }
      Lanes::lit(unblocked, unblocked & shiny, diffuse, n_dot_l, base, specular, highlight, light.color, color);
    }
    // secondary_rays() on the lanes: every mirror direction at once, glass's
    // refraction lane by lane; then each kind as one packet (trace_lanes).
    const unsigned reflecting = depth < setup_.max_depth ? glass | mirror : 0u;
    unsigned refracting = 0;
    Vec3 reflected[kPacketSize], refracted[kPacketSize];
    float fresnel[kPacketSize] = {};
    if (reflecting != 0) {
      RayPacket mirrors, refracts;
      for (unsigned left = reflecting & glass; left != 0; left &= left - 1) {
        const int l = std::countr_zero(left);
        Ray refract{};  // set when fresnel < 1; the braces keep -Wmaybe-uninitialized quiet
        fresnel[l] = refraction(rays.ray(l).direction, s.surface(l), materials[l], refract);
        if (fresnel[l] < 1.0f) {
          refracts.set(l, refract);
          refracting |= 1u << l;
        }
      }
      std::memcpy(mirrors.origin, s.above, sizeof mirrors.origin);
      Lanes::reflections(s, rays.direction, mirrors.direction);
      trace_lanes(mirrors, reflecting, depth + 1, reflected);
      if (refracting != 0) trace_lanes(refracts, refracting, depth + 1, refracted);
    }
    for (int l = 0; l < rays.count; ++l) {
      if (!((found >> l) & 1u)) continue;
      const Vec3 c(color[0][l], color[1][l], color[2][l]);
      colors[l] = (reflecting >> l) & 1u ? combine(materials[l], c, fresnel[l], (refracting >> l) & 1u, reflected[l],
                                                   refracted[l])
                                         : c;
    }
  }

  // Traces the rays of `from`'s lanes in `which`, packed densely into one
  // packet (a lone one as a single ray), and shades them: colors[l] is lane
  // l's colour.
  void trace_lanes(const RayPacket& from, unsigned which, int depth, Vec3* colors) {
    int lanes[kPacketSize];
    int m = 0;
    for (; which != 0; which &= which - 1) lanes[m++] = std::countr_zero(which);
    if (m == 1) {
      colors[lanes[0]] = trace(from.ray(lanes[0]), depth);
      return;
    }
    RayPacket packet;
    packet.count = m;
    for (int j = 0; j < m; ++j) packet.set(j, from.ray(lanes[j]));
    HitPacket hits;
    closest_hit_packet(scene_, *setup_.bvh, packet, 0.0f, hits, isa_);
    rays_ += static_cast<std::uint64_t>(m);
    Vec3 shaded[kPacketSize];
    shade_packet(packet, hits, depth, shaded);
    for (int j = 0; j < m; ++j) colors[lanes[j]] = shaded[j];
  }

  static constexpr std::uint32_t kCachedLights = 8;
  Access& scene_;
  const TraceSetup& setup_;
  std::uint64_t rays_ = 0;
  std::uint32_t light_count_;
  Light lights_[kCachedLights];
  PacketIsa isa_;
};

}  // namespace txray
