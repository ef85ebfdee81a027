#pragma once
/// The coherent path: eight rays traced together through the wide BVH, one
/// box test for all eight per child, one accessor read per object per packet
/// (not per ray), and the sphere, plane and box tests done on eight lanes at
/// once.
///
/// Written once with GCC/Clang vector extensions, generic over the vector
/// width, and compiled twice: 8 lanes inlined into an entry point marked
/// target("avx2,fma") (one 256-bit instruction per operation), and 4 lanes,
/// each packet as two halves, into a default one (the -march=x86-64-v2
/// baseline, SSE). The AVX2 entry is chosen at run time with
/// __builtin_cpu_supports, never at build time. No FMA is formed (-ffp-contract=off) and every lane does the scalar
/// test's operations in the scalar test's order, with IEEE sqrt and divide,
/// so each lane's hit is bit-identical to closest_hit's on the same ray.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#elif defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "renderer/bvh.h"

namespace txray {

inline constexpr int kPacketSize = 8;

/// Eight rays, structure of arrays. Lanes past `count` are ignored.
struct alignas(32) RayPacket {
  float origin[3][kPacketSize];
  float direction[3][kPacketSize];  ///< unit length
  int count = kPacketSize;

  void set(int lane, const Ray& ray) {
    for (int a = 0; a < 3; ++a) {
      origin[a][lane] = ray.origin[a];
      direction[a][lane] = ray.direction[a];
    }
  }
  [[nodiscard]] Ray ray(int lane) const {
    return {Vec3(origin[0][lane], origin[1][lane], origin[2][lane]),
            Vec3(direction[0][lane], direction[1][lane], direction[2][lane])};
  }
};

struct alignas(32) HitPacket {
  float t[kPacketSize];
  std::uint32_t object[kPacketSize];
  /// For lanes that hit: the copy of the nearest object read during the
  /// test, so that shading need not read it again.
  Object copy[kPacketSize];
  /// For lanes whose nearest object is an instance: the triangle hit (Hit::mesh).
  MeshPoint mesh[kPacketSize];
  [[nodiscard]] Hit hit(int lane) const { return {t[lane], object[lane], mesh[lane]}; }
};

namespace packet_detail {

typedef float F8 __attribute__((vector_size(32)));
typedef std::int32_t I8 __attribute__((vector_size(32)));
typedef std::uint64_t Q4 __attribute__((vector_size(32)));
// The portable entry works on 4-lane vectors, two halves of a packet one
// after the other: without AVX, GCC splits 8-lane arithmetic into SSE pairs
// but turns 8-lane comparisons and selects into scalar code (measured 3.5x
// slower than AVX2), while 4-lane ones map onto SSE directly.
typedef float F4 __attribute__((vector_size(16)));
typedef std::int32_t I4 __attribute__((vector_size(16)));
typedef std::uint64_t Q2 __attribute__((vector_size(16)));

// Any lane of a 0 / -1 mask set. By reference: a vector passed by value has
// a different ABI with and without AVX (-Wpsabi).
[[gnu::always_inline]] inline bool any_lane(const I8& m) {
  const Q4 q = reinterpret_cast<Q4>(m);
  return ((q[0] | q[1]) | (q[2] | q[3])) != 0;
}
[[gnu::always_inline]] inline bool any_lane(const I4& m) {
  const Q2 q = reinterpret_cast<Q2>(m);
  return (q[0] | q[1]) != 0;
}

// A bit per lane of a 0 / -1 mask: one movemask. The 8-lane one is not
// always_inline: GCC will not force an AVX intrinsic into an always_inline
// template without a target of its own (mesh.cpp's packet test) before it
// reaches the AVX2 entry point; there it is inlined as any small function.
#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx"))) inline unsigned lane_bits(const I8& m) {
  return static_cast<unsigned>(_mm256_movemask_ps(reinterpret_cast<__m256>(m)));
}
#endif
[[gnu::always_inline]] inline unsigned lane_bits(const I4& m) {
#if defined(__SSE__)
  return static_cast<unsigned>(_mm_movemask_ps(reinterpret_cast<__m128>(m)));
#else
  unsigned bits = 0;
  for (int k = 0; k < 4; ++k) bits |= static_cast<unsigned>(m[k] != 0) << k;
  return bits;
#endif
}

// The IEEE square root of each lane, std::sqrt's result bit for bit (the
// packet tests and the packet shading, whitted.h). Out-parameter: a 32-byte
// vector returned by value has a different ABI with and without AVX.
template <class F>
[[gnu::always_inline]] inline void sqrt_lanes(const F& x, F& root) {
  constexpr int W = sizeof(F) / sizeof(float);
#if defined(__SSE__)
  for (int h = 0; h < W / 4; ++h) {
    __m128 v;
    std::memcpy(&v, reinterpret_cast<const char*>(&x) + 16 * h, 16);
    v = _mm_sqrt_ps(v);
    std::memcpy(reinterpret_cast<char*>(&root) + 16 * h, &v, 16);
  }
#else
  for (int k = 0; k < W; ++k) root[k] = std::sqrt(x[k]);
#endif
}

// Helpers are macros, not functions: a function taking a 32-byte vector by
// value has a different ABI with and without AVX (-Wpsabi), and the body
// below must compile into both entry points.
#define TXRAY_F8_LOAD(dst, src) std::memcpy(&(dst), (src), sizeof(dst))
#define TXRAY_F8_SPLAT(x) (F{} + (x))
#define TXRAY_MIN(a, b) ((b) < (a) ? (b) : (a))
#define TXRAY_MAX(a, b) ((a) < (b) ? (b) : (a))
#define TXRAY_ANY(m) any_lane(m)

// The scalar intersect_sphere on eight lanes, same operations in the same
// order: t is the nearest root in (t_min, t_max) per lane, or +inf; false
// when no lane's ray meets the sphere at all. Vectors by reference: a
// 32-byte vector passed by value has a different ABI with and without AVX.
template <class F, class I>
[[gnu::always_inline]] inline bool sphere_lanes(const F (&o)[3], const F (&d)[3], Vec3 center, float radius,
                                                const F& tmin, const F& tmax, F& t, I& has_root) {
  const F inf = TXRAY_F8_SPLAT(kInfinity);
  const F fx = o[0] - center.x, fy = o[1] - center.y, fz = o[2] - center.z;
  const F b = (fx * d[0] + fy * d[1]) + fz * d[2];
  const F px = fx - b * d[0], py = fy - b * d[1], pz = fz - b * d[2];
  const float r2 = radius * radius;
  const F disc = r2 - ((px * px + py * py) + pz * pz);
  has_root = disc >= 0.0f;
  if (!TXRAY_ANY(has_root)) return false;
  const F c = ((fx * fx + fy * fy) + fz * fz) - r2;
  F root{};  // every lane is written by sqrt_lanes; the braces keep -Wmaybe-uninitialized quiet
  sqrt_lanes(TXRAY_MAX(disc, TXRAY_F8_SPLAT(0.0f)), root);
  // copysign(root, b): root is >= 0, so or in b's sign bit.
  const I sign = reinterpret_cast<I>(b) & static_cast<std::int32_t>(0x80000000u);
  const F signed_root = reinterpret_cast<F>(reinterpret_cast<I>(root) | sign);
  const F q = -b - signed_root;
  const I q_nonzero = q != 0.0f;
  const F ratio = c / (q_nonzero ? q : TXRAY_F8_SPLAT(1.0f));
  const F t0 = q_nonzero ? ratio : TXRAY_F8_SPLAT(0.0f);
  const F t1 = q;
  const I swap = t0 > t1;
  const F near = swap ? t1 : t0, far = swap ? t0 : t1;
  const I near_ok = (near > tmin) & (near < tmax);
  const I far_ok = (far > tmin) & (far < tmax);
  t = has_root ? (near_ok ? near : (far_ok ? far : inf)) : inf;
  return true;
}

// The scalar intersect_plane on W lanes, same operations in the same
// order: t per lane in (tmin, tmax), or +inf (a lane parallel to the plane
// never hits).
template <class F, class I>
[[gnu::always_inline]] inline void plane_lanes(const F (&o)[3], const F (&d)[3], Vec3 point, Vec3 normal, const F& tmin,
                                               const F& tmax, F& t) {
  const F denom = (d[0] * normal.x + d[1] * normal.y) + d[2] * normal.z;
  const F num = ((point.x - o[0]) * normal.x + (point.y - o[1]) * normal.y) + (point.z - o[2]) * normal.z;
  const I parallel = denom == 0.0f;
  const F q = num / (parallel ? TXRAY_F8_SPLAT(1.0f) : denom);
  t = (~parallel & (q > tmin) & (q < tmax)) ? q : TXRAY_F8_SPLAT(kInfinity);
}

// The scalar intersect_box on W lanes, same operations in the same order
// (its reciprocal direction is the walk's `inv`, the same IEEE divide):
// the first crossing of the box's surface in (tmin, tmax) per lane, entry
// or exit, or +inf.
template <class F, class I>
[[gnu::always_inline]] inline void box_lanes(const F (&o)[3], const F (&inv)[3], Vec3 center, Vec3 half, const F& tmin,
                                             const F& tmax, F& t) {
  const Vec3 lo = center - half, hi = center + half;
  F t_near[3], t_far[3];
  for (int a = 0; a < 3; ++a) {
    const F t_lo = (lo[a] - o[a]) * inv[a];
    const F t_hi = (hi[a] - o[a]) * inv[a];
    t_near[a] = TXRAY_MIN(t_lo, t_hi);
    t_far[a] = TXRAY_MAX(t_lo, t_hi);
  }
  const F enter = TXRAY_MAX(TXRAY_MAX(t_near[0], t_near[1]), t_near[2]);
  const F leave = TXRAY_MIN(TXRAY_MIN(t_far[0], t_far[1]), t_far[2]);
  const F inf = TXRAY_F8_SPLAT(kInfinity);
  const I enter_ok = (enter > tmin) & (enter < tmax);
  const I leave_ok = (leave > tmin) & (leave < tmax);
  t = enter > leave ? inf : (enter_ok ? enter : (leave_ok ? leave : inf));
}

// Child c of a wide node against every lane: whether each lane's ray meets
// its box within (tmin, tmax) (`hit`), and where it enters. Both packet
// walks below. (Out-parameters: returning an 8-wide vector from a function
// changes the ABI where the translation unit is not built for AVX.)
template <class F, class I>
[[gnu::always_inline]] inline void lanes_enter_child(const WideNode& node, int c, const F (&o)[3], const F (&inv)[3],
                                                     const F& tmin, const F& tmax, F& enter, I& hit) {
  enter = tmin;
  F leave = tmax;
  for (int a = 0; a < 3; ++a) {
    const F t_lo = (node.bounds[0][a][c] - o[a]) * inv[a];
    const F t_hi = (node.bounds[1][a][c] - o[a]) * inv[a];
    enter = TXRAY_MAX(enter, TXRAY_MIN(t_lo, t_hi));
    leave = TXRAY_MIN(leave, TXRAY_MAX(t_lo, t_hi));
  }
  hit = enter <= leave;
}

// The nearest-first walk of W lanes through a wide tree, written once for
// the scene's tree (closest_hit_packet_impl) and each mesh's (an instance's
// packet test, mesh.cpp): per node, a slab test of every child against all
// lanes, each lane within (tmin, its best); the children hit visited
// nearest first by their nearest lane's entry; a popped subtree skipped when
// it starts beyond every lane's best. `leaf(first, count)` tests a leaf's
// entries and lowers lanes of `best`. The tree must not be empty.
template <class F, class I, class Leaf>
[[gnu::always_inline]] inline void walk_packet_nearest_first(const Bvh& bvh, const F (&o)[3], const F (&inv)[3],
                                                           const F& tmin, const F& best, Leaf&& leaf) {
  constexpr int W = sizeof(F) / sizeof(float);
  const F inf = TXRAY_F8_SPLAT(kInfinity);
  struct Entry {
    std::uint32_t ref;
    float enter;  // the nearest lane's entry: popped subtrees past every lane's hit are skipped
  };
  Entry stack[kWideStackSize];
  int top = 0;
  std::uint32_t ref = 0;
  float farthest = kInfinity;  // max over lanes of best
  for (;;) {
    if (ref & kWideLeaf) {
      leaf(ref & kWideFirstMask, ((ref & ~kWideLeaf) >> kWideCountShift) + 1);
      farthest = best[0];
      for (int k = 1; k < W; ++k) farthest = std::max(farthest, best[k]);
    } else {
      const WideNode& node = bvh.wide[ref];
      Entry hits[4] = {};
      int n = 0;
      for (int c = 0; c < 4; ++c) {
        if (node.child[c] == kWideEmpty) continue;
        F enter;
        I lane_hit;
        lanes_enter_child<F, I>(node, c, o, inv, tmin, best, enter, lane_hit);
        if (!TXRAY_ANY(lane_hit)) continue;
        const F entered = lane_hit ? enter : inf;
        float nearest = entered[0];
        for (int k = 1; k < W; ++k) nearest = std::min(nearest, entered[k]);
        // Insert keeping hits sorted farthest first.
        Entry e{node.child[c], nearest};
        int j = n++;
        while (j > 0 && hits[j - 1].enter < e.enter) {
          hits[j] = hits[j - 1];
          --j;
        }
        hits[j] = e;
      }
      if (n > 0) {
        // Fixed copies: a loop here becomes a slow rep movs (see bvh.h).
        TXRAY_DCHECK(top + 3 <= kWideStackSize, "wide traversal deeper than kMaxBvhDepth");
        stack[top] = hits[0];
        stack[top + 1] = hits[1];
        stack[top + 2] = hits[2];
        top += n - 1;
        ref = hits[n - 1].ref;
        continue;
      }
    }
    for (;;) {
      if (top == 0) return;
      const Entry e = stack[--top];
      if (e.enter <= farthest) {
        ref = e.ref;
        break;
      }
    }
  }
}

// The any-hit walk of W lanes through a wide tree, for the scene's tree
// (occluded_packet_impl) and each mesh's: every child that some lane's ray
// meets within (tmin, its tmax) is visited, in no particular order.
// `leaf(first, count)` tests a leaf's entries, may lower lanes of `tmax`
// (a blocked lane's to -inf, so that it leaves the walk) and returns true
// to end the walk.
template <class F, class I, class Leaf>
[[gnu::always_inline]] inline void walk_packet_any(const Bvh& bvh, const F (&o)[3], const F (&inv)[3], const F& tmin,
                                                   const F& tmax, Leaf&& leaf) {
  std::uint32_t stack[kWideStackSize];
  int top = 0;
  std::uint32_t ref = 0;
  for (;;) {
    if (ref & kWideLeaf) {
      if (leaf(ref & kWideFirstMask, ((ref & ~kWideLeaf) >> kWideCountShift) + 1)) return;
    } else {
      const WideNode& node = bvh.wide[ref];
      for (int c = 0; c < 4; ++c) {
        if (node.child[c] == kWideEmpty) continue;
        F enter;
        I lane_hit;
        lanes_enter_child<F, I>(node, c, o, inv, tmin, tmax, enter, lane_hit);
        if (TXRAY_ANY(lane_hit)) {
          TXRAY_DCHECK(top < kWideStackSize, "wide traversal deeper than kMaxBvhDepth");
          stack[top++] = node.child[c];
        }
      }
    }
    if (top == 0) return;
    ref = stack[--top];
  }
}

// An instance against W lanes, lane0 .. lane0 + W - 1. Lanes with best =
// -inf take no part. Closest hit (`at` given): each lane's best is lowered
// to its nearest hit in (t_min, best), the t intersect_instance gives, bit
// for bit, and at[k] (k from 0) receives lane k's triangle. Any hit (`at`
// null): a lane that meets a triangle in (t_min, best) gets best = -inf.
// Returns the bits of the lanes whose best changed.
//
// With AVX2 the eight lanes are moved into the instance's frame once and
// walk the mesh's tree together (instance_lanes8_avx2, renderer/mesh.cpp).
// The portable path tests an instance lane by lane (instance_lanes_one_by_one):
// as two 4-lane walks the mesh cost more instructions than the single
// rays (bunnies at 320x180: 193.6 M against 189.9 M). Out of line, taking
// plain arrays: vectors passed between functions compiled for different
// ISAs change ABI (-Wpsabi).
#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2,fma"))) unsigned instance_lanes8_avx2(const Object& instance, const RayPacket& rays,
                                                                   float t_min, float (&best)[8], MeshPoint* at);
#endif
unsigned instance_lanes_one_by_one(const Object& instance, const RayPacket& rays, int lane0, int lanes, float t_min,
                                   float* best, MeshPoint* at);

template <class F>
[[gnu::always_inline]] inline unsigned instance_lanes(const Object& instance, const RayPacket& rays, int lane0,
                                                      float t_min, F& best, MeshPoint* at) {
  constexpr int W = sizeof(F) / sizeof(float);
  float b[W];
  std::memcpy(b, &best, sizeof b);
  unsigned changed;
#if defined(__x86_64__) || defined(__i386__)
  if constexpr (W == 8)
    changed = instance_lanes8_avx2(instance, rays, t_min, b, at);
  else
#endif
    changed = instance_lanes_one_by_one(instance, rays, lane0, W, t_min, b, at);
  if (changed) std::memcpy(&best, b, sizeof b);
  return changed;
}

// Lanes [lane0, lane0 + W) of the packet, W = the vector width.
template <class F, class I, class Access>
[[gnu::always_inline]] inline void closest_hit_packet_impl(Access& scene, const Bvh& bvh, const RayPacket& rays, int lane0,
                                                         float t_min, HitPacket& out) {
  constexpr int W = sizeof(F) / sizeof(float);
  F o[3], d[3], inv[3];
  for (int a = 0; a < 3; ++a) {
    TXRAY_F8_LOAD(o[a], rays.origin[a] + lane0);
    TXRAY_F8_LOAD(d[a], rays.direction[a] + lane0);
    inv[a] = TXRAY_F8_SPLAT(1.0f) / d[a];
  }
  const F tmin = TXRAY_F8_SPLAT(t_min);
  // Lanes past count start with t = -inf: no box or object is ever in range.
  F best_t;
  I best_obj = I{} + static_cast<std::int32_t>(kNoObject);
  for (int k = 0; k < W; ++k) best_t[k] = lane0 + k < rays.count ? kInfinity : -kInfinity;

  // One object against all lanes. Spheres, planes and boxes: the scalar
  // test, lane-wise; instances: the packet through the mesh
  // (instance_lanes). Always inlined, so that it is compiled for the entry
  // point's ISA.
  auto test_object = [&](std::uint32_t index) __attribute__((always_inline)) {
    const Object obj = scene.object(index);
    F t;
    I better;
    if (obj.kind == ShapeKind::sphere) [[likely]] {
      I has_root;
      if (!sphere_lanes(o, d, obj.center, obj.radius, tmin, best_t, t, has_root)) return;
      better = has_root & (t < best_t);
    } else if (obj.kind == ShapeKind::instance) {
      MeshPoint at[W];
      const unsigned changed = instance_lanes(obj, rays, lane0, t_min, best_t, at);
      for (int k = 0; k < W; ++k)
        if ((changed >> k) & 1u) {
          out.mesh[lane0 + k] = at[k];
          best_obj[k] = static_cast<std::int32_t>(index);
          out.copy[lane0 + k] = obj;
        }
      return;
    } else {
      if (obj.kind == ShapeKind::plane)
        plane_lanes<F, I>(o, d, obj.center, obj.normal, tmin, best_t, t);
      else
        box_lanes<F, I>(o, inv, obj.center, obj.half_size, tmin, best_t, t);
      better = t < best_t;
    }
    if (!TXRAY_ANY(better)) return;
    best_t = better ? t : best_t;
    best_obj = better ? (I{} + static_cast<std::int32_t>(index)) : best_obj;
    for (int k = 0; k < W; ++k)
      if (better[k]) out.copy[lane0 + k] = obj;
  };

  for (std::uint32_t i : bvh.unbounded) test_object(i);
  if (!bvh.wide.empty())
    walk_packet_nearest_first<F, I>(bvh, o, inv, tmin, best_t,
                                    [&](std::uint32_t first, std::uint32_t count) __attribute__((always_inline)) {
                                      for (std::uint32_t k = 0; k < count; ++k) test_object(bvh.indices[first + k]);
                                    });
  for (int k = 0; k < W; ++k) {
    const bool found = best_obj[k] != static_cast<std::int32_t>(kNoObject);
    out.t[lane0 + k] = found ? best_t[k] : kInfinity;
    out.object[lane0 + k] = static_cast<std::uint32_t>(best_obj[k]);
  }
}


// Any-hit for eight shadow rays, each with its own t_max; a lane leaves the
// traversal as soon as something blocks it. Returns the blocked lanes' bits.
template <class F, class I, class Access>
[[gnu::always_inline]] inline unsigned occluded_packet_impl(Access& scene, const Bvh& bvh, const RayPacket& rays, int lane0,
                                                           float t_min, const float* t_max, unsigned active) {
  constexpr int W = sizeof(F) / sizeof(float);
  active = (active >> lane0) & ((1u << W) - 1u);  // this call's lanes, from bit 0
  F o[3], d[3], inv[3];
  for (int a = 0; a < 3; ++a) {
    TXRAY_F8_LOAD(o[a], rays.origin[a] + lane0);
    TXRAY_F8_LOAD(d[a], rays.direction[a] + lane0);
    inv[a] = TXRAY_F8_SPLAT(1.0f) / d[a];
  }
  const F tmin = TXRAY_F8_SPLAT(t_min);
  // Inactive lanes (and lanes already blocked) get t_max = -inf: in range of nothing.
  F tmax;
  for (int k = 0; k < W; ++k) tmax[k] = (active >> k) & 1u ? t_max[lane0 + k] : -kInfinity;
  unsigned blocked = 0;
  const F minus_inf = TXRAY_F8_SPLAT(-kInfinity);

  // Tests one object; true when every active lane is now blocked.
  auto test_object = [&](std::uint32_t index) __attribute__((always_inline)) {
    const Object obj = scene.object(index);
    // Lanes inactive or already blocked have tmax = -inf: no test hits them.
    F t;
    if (obj.kind == ShapeKind::sphere) [[likely]] {
      I has_root;
      if (!sphere_lanes(o, d, obj.center, obj.radius, tmin, tmax, t, has_root)) return false;
    } else if (obj.kind == ShapeKind::instance) {
      // instance_lanes sets the lanes it blocks to -inf itself.
      blocked |= instance_lanes(obj, rays, lane0, t_min, tmax, nullptr);
      return (active & ~blocked) == 0;
    } else if (obj.kind == ShapeKind::plane) {
      plane_lanes<F, I>(o, d, obj.center, obj.normal, tmin, tmax, t);
    } else {
      box_lanes<F, I>(o, inv, obj.center, obj.half_size, tmin, tmax, t);
    }
    const I hit_lanes = t != TXRAY_F8_SPLAT(kInfinity);
    if (!TXRAY_ANY(hit_lanes)) return false;
    tmax = hit_lanes ? minus_inf : tmax;
    for (int k = 0; k < W; ++k)
      if (hit_lanes[k]) blocked |= 1u << k;
    return (active & ~blocked) == 0;
  };

  if (active == 0) return 0;
  for (std::uint32_t i : bvh.unbounded)
    if (test_object(i)) return blocked << lane0;
  if (bvh.wide.empty()) return blocked << lane0;
  walk_packet_any<F, I>(bvh, o, inv, tmin, tmax,
                        [&](std::uint32_t first, std::uint32_t count) __attribute__((always_inline)) {
                          for (std::uint32_t k = 0; k < count; ++k)
                            if (test_object(bvh.indices[first + k])) return true;
                          return false;
                        });
  return blocked << lane0;
}
#undef TXRAY_F8_LOAD
#undef TXRAY_F8_SPLAT
#undef TXRAY_MIN
#undef TXRAY_MAX
#undef TXRAY_ANY

#if defined(__x86_64__) || defined(__i386__)
template <class Access>
__attribute__((target("avx2,fma"))) void closest_hit_packet_avx2(Access& scene, const Bvh& bvh, const RayPacket& rays,
                                                                  float t_min, HitPacket& out) {
  closest_hit_packet_impl<F8, I8>(scene, bvh, rays, 0, t_min, out);
}

template <class Access>
__attribute__((target("avx2,fma"))) unsigned occluded_packet_avx2(Access& scene, const Bvh& bvh, const RayPacket& rays,
                                                                   float t_min, const float* t_max, unsigned active) {
  return occluded_packet_impl<F8, I8>(scene, bvh, rays, 0, t_min, t_max, active);
}
#endif

template <class Access>
unsigned occluded_packet_portable(Access& scene, const Bvh& bvh, const RayPacket& rays, float t_min, const float* t_max,
                                  unsigned active) {
  return occluded_packet_impl<F4, I4>(scene, bvh, rays, 0, t_min, t_max, active) |
         occluded_packet_impl<F4, I4>(scene, bvh, rays, 4, t_min, t_max, active);
}

template <class Access>
void closest_hit_packet_portable(Access& scene, const Bvh& bvh, const RayPacket& rays, float t_min, HitPacket& out) {
  closest_hit_packet_impl<F4, I4>(scene, bvh, rays, 0, t_min, out);
  closest_hit_packet_impl<F4, I4>(scene, bvh, rays, 4, t_min, out);
}

}  // namespace packet_detail

/// Which instruction set the packet path runs with on this machine.
enum class PacketIsa { portable, avx2 };

/// TXRAY_PACKET_ISA=portable in the environment forces the portable path
/// (to check on an AVX2 machine that it renders the same bytes).
inline PacketIsa detected_packet_isa() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && [] {
    const char* forced = std::getenv("TXRAY_PACKET_ISA");
    return forced == nullptr || std::string_view(forced) != "portable";
  }();
  return avx2 ? PacketIsa::avx2 : PacketIsa::portable;
#else
  return PacketIsa::portable;
#endif
}

inline const char* packet_isa_name(PacketIsa isa) { return isa == PacketIsa::avx2 ? "avx2" : "portable"; }

/// Nearest hit in (t_min, inf) of each of the packet's rays; lanes past
/// rays.count come back as misses. `isa` lets tests and benchmarks force
/// the portable path; by default the best one the CPU has.
template <class Access>
void closest_hit_packet(Access& scene, const Bvh& bvh, const RayPacket& rays, float t_min, HitPacket& out,
                        PacketIsa isa = detected_packet_isa()) {
  TXRAY_DCHECK(rays.count >= 0 && rays.count <= kPacketSize, "packet of %d rays", rays.count);
#if defined(__x86_64__) || defined(__i386__)
  if (isa == PacketIsa::avx2) return packet_detail::closest_hit_packet_avx2(scene, bvh, rays, t_min, out);
#else
  (void)isa;
#endif
  packet_detail::closest_hit_packet_portable(scene, bvh, rays, t_min, out);
}

/// For each lane set in `active`: is anything in (t_min, t_max[lane]) along
/// the lane's ray (shadow rays)? Returns those lanes' bits. The same answer,
/// lane by lane, as occluded().
template <class Access>
unsigned occluded_packet(Access& scene, const Bvh& bvh, const RayPacket& rays, float t_min, const float* t_max,
                         unsigned active, PacketIsa isa = detected_packet_isa()) {
  // A lane mask names lanes of this packet only: a bit at or past
  // rays.count would trace a ray nobody set.
  TXRAY_DCHECK(rays.count >= 0 && rays.count <= kPacketSize, "packet of %d rays", rays.count);
  TXRAY_DCHECK((active >> rays.count) == 0, "lane mask %#x for %d rays", active, rays.count);
  unsigned blocked;
#if defined(__x86_64__) || defined(__i386__)
  if (isa == PacketIsa::avx2)
    blocked = packet_detail::occluded_packet_avx2(scene, bvh, rays, t_min, t_max, active);
  else
#else
  (void)isa;
#endif
    blocked = packet_detail::occluded_packet_portable(scene, bvh, rays, t_min, t_max, active);
  TXRAY_DCHECK((blocked & ~active) == 0, "blocked lanes %#x outside the active ones %#x", blocked, active);
  return blocked;
}

}  // namespace txray
