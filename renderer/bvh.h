#pragma once
/// A bounding volume hierarchy over the scene's bounded objects (binned SAH,
/// flattened depth-first), plus the list of unbounded ones (planes) that
/// every ray tests. The BVH is frame-private derived data: it is built from
/// object bounds and holds indices, never copies of objects; the traversal
/// reads each object it tests through the scene accessor.
#include <bit>
#include <cstdint>
#include <span>
#include <vector>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "concurrency/dcheck.hpp"
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

/// A node of the 4-wide BVH the kernel traverses: the binary tree above,
/// collapsed so that one node holds up to four children whose boxes are
/// tested together (one SSE slab test for four boxes instead of four scalar
/// ones, and half the depth). Boxes are stored as structure of arrays,
/// `bounds[side][axis][child]`, side 0 = lo, 1 = hi, so that the ray can
/// pick each axis's near plane by its direction's sign once per ray; an
/// empty slot has lo = +inf, hi = -inf and is then missed whatever the sign.
struct alignas(64) WideNode {
  float bounds[2][3][4];
  /// WideRef per child: an inner node, a leaf range or kWideEmpty.
  std::uint32_t child[4];
};

/// A wide child reference. Inner: the node's index. Leaf: kWideLeaf |
/// (count - 1) << kWideCountShift | first entry in Bvh::indices. Leaves are
/// 1..kWideMaxLeaf objects (the builder makes at most 4).
inline constexpr std::uint32_t kWideLeaf = 0x80000000u;
inline constexpr std::uint32_t kWideCountShift = 24;
inline constexpr std::uint32_t kWideMaxLeaf = 128;
inline constexpr std::uint32_t kWideFirstMask = (1u << kWideCountShift) - 1;
inline constexpr std::uint32_t kWideEmpty = 0xffffffffu;

/// The deepest a tree build_bvh makes can be (the root is depth 0): every
/// traversal stack is sized from it, as Embree sizes its stacks from its
/// tree's depth. The builder splits by SAH down to kBvhSahDepth; SAH splits
/// can be lopsided on adversarial input, so below that it halves by
/// position. A subtree holds at most kWideFirstMask objects (rebuild_bvh
/// refuses more), so halving reaches a leaf within kBvhHalvingLevels.
inline constexpr int kMaxBvhDepth = 64;
inline constexpr int kBvhHalvingLevels = std::bit_width(kWideFirstMask);
inline constexpr int kBvhSahDepth = kMaxBvhDepth - kBvhHalvingLevels;
static_assert(kBvhSahDepth > 0 && kBvhSahDepth + kBvhHalvingLevels <= kMaxBvhDepth);

struct Bvh {
  std::vector<BvhNode> nodes;             ///< nodes[0] is the root (absent when no bounded object)
  std::vector<std::uint32_t> indices;     ///< object indices referenced by leaves
  std::vector<std::uint32_t> unbounded;   ///< objects outside the tree (planes)
  /// The same tree, 4 wide (wide[0] is the root; empty exactly when `nodes`
  /// is). Derived from `nodes` and sharing `indices`.
  std::vector<WideNode> wide;
};

/// Builds over `bounds[i]`, one box per object; `bounded[i]` false keeps
/// object i out of the tree (tested on every ray instead). Deterministic.
/// `leaf_block`: how many of a leaf's objects one test takes at once (1, 2
/// or 4): the surface area heuristic counts a leaf's cost in such tests, so
/// that a mesh's leaves (whose triangles are tested four at a time,
/// TriangleBlock) are made as full as the heuristic allows.
[[nodiscard]] Bvh build_bvh(std::span<const Aabb> bounds, std::span<const bool> bounded,
                            std::uint32_t leaf_block = 1);

/// Convenience: bounds taken from the objects themselves.
[[nodiscard]] Bvh build_bvh(std::span<const Object> objects);

/// Working memory of a build, kept between builds so that rebuilding the
/// tree every frame allocates nothing once sizes have settled.
struct BvhBuildScratch {
  std::vector<Vec3> centroids;
  std::vector<std::uint32_t> partition;
};

/// build_bvh into an existing tree: `out`'s vectors are cleared and refilled,
/// keeping their capacity. Same tree as build_bvh.
void rebuild_bvh(Bvh& out, std::span<const Aabb> bounds, std::span<const bool> bounded, BvhBuildScratch& scratch,
                 std::uint32_t leaf_block = 1);

/// Nearest hit in (t_min, t_max) by the binary tree, one box per visit: the
/// first traversal, kept as the baseline the wide one is measured against
/// (bench/micro/kernel_bench.cpp) and as a second opinion in tests.
/// `Access` is a scene accessor (scene_access.h).
template <class Access>
Hit closest_hit_binary(Access& scene, const Bvh& bvh, const Ray& ray, float t_min, float t_max) {
  Hit hit{t_max, kNoObject};
  auto test = [&](std::uint32_t i) __attribute__((always_inline)) {
    MeshPoint at;
    const float t = intersect(ray, scene.object(i), t_min, hit.t, &at);
    if (t < hit.t) hit = {t, i, at};
  };
  for (std::uint32_t i : bvh.unbounded) test(i);
  if (bvh.nodes.empty()) return hit;
  const Vec3 inv = reciprocal(ray.direction);
  const bool negative[3] = {ray.direction.x < 0.0f, ray.direction.y < 0.0f, ray.direction.z < 0.0f};
  // One entry per inner ancestor of the node being visited.
  std::uint32_t stack[kMaxBvhDepth];
  int top = 0;
  std::uint32_t node_index = 0;
  for (;;) {
    const BvhNode& node = bvh.nodes[node_index];
    if (intersect_slabs(ray.origin, inv, node.bounds.lo, node.bounds.hi, t_min, hit.t) != kInfinity) {
      if (node.is_leaf()) {
        for (std::uint32_t k = 0; k < node.count; ++k) test(bvh.indices[node.first_or_second + k]);
      } else {
        // Visit the child on the ray's side of the split first.
        std::uint32_t near_child = node_index + 1, far_child = node.first_or_second;
        if (negative[node.axis]) std::swap(near_child, far_child);
        TXRAY_DCHECK(top < kMaxBvhDepth, "binary traversal deeper than kMaxBvhDepth");
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

/// True when anything lies in (t_min, t_max) along the ray, by the binary tree.
template <class Access>
bool occluded_binary(Access& scene, const Bvh& bvh, const Ray& ray, float t_min, float t_max) {
  for (std::uint32_t i : bvh.unbounded)
    if (intersect(ray, scene.object(i), t_min, t_max) != kInfinity) return true;
  if (bvh.nodes.empty()) return false;
  const Vec3 inv = reciprocal(ray.direction);
  std::uint32_t stack[kMaxBvhDepth];  // as in closest_hit_binary
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
        TXRAY_DCHECK(top < kMaxBvhDepth, "binary traversal deeper than kMaxBvhDepth");
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

/// A ray prepared for wide node tests: origin and reciprocal direction in
/// every lane, and for each axis which side (lo or hi) the ray meets first.
struct WideRay {
#if defined(__SSE__)
  __m128 origin[3], inv[3];
#else
  float origin[3], inv[3];
#endif
  int near_side[3];

  TXRAY_HOT_INLINE explicit WideRay(const Ray& ray) {
    const Vec3 inv_dir = reciprocal(ray.direction);
    for (int a = 0; a < 3; ++a) {
#if defined(__SSE__)
      origin[a] = _mm_set1_ps(ray.origin[a]);
      inv[a] = _mm_set1_ps(inv_dir[a]);
#else
      origin[a] = ray.origin[a];
      inv[a] = inv_dir[a];
#endif
      near_side[a] = inv_dir[a] < 0.0f ? 1 : 0;
    }
  }
};

/// Slab test of one ray against a wide node's four boxes. Returns a bit per
/// child hit within [t_min, t_max] and each child's entry distance. Per
/// plane the arithmetic is the scalar test's, (plane - origin) * inv, so a
/// box is hit here exactly when intersect_slabs says so (except for NaN
/// from a ray starting on an axis-parallel plane of its box, which both
/// resolve conservatively enough for sphere leaves).
TXRAY_HOT_INLINE unsigned wide_box_test(const WideNode& node, const WideRay& r, float t_min, float t_max, float enter_out[4]) {
#if defined(__SSE__)
  const int sx = r.near_side[0], sy = r.near_side[1], sz = r.near_side[2];
  const __m128 nx = _mm_mul_ps(_mm_sub_ps(_mm_load_ps(node.bounds[sx][0]), r.origin[0]), r.inv[0]);
  const __m128 ny = _mm_mul_ps(_mm_sub_ps(_mm_load_ps(node.bounds[sy][1]), r.origin[1]), r.inv[1]);
  const __m128 nz = _mm_mul_ps(_mm_sub_ps(_mm_load_ps(node.bounds[sz][2]), r.origin[2]), r.inv[2]);
  const __m128 fx = _mm_mul_ps(_mm_sub_ps(_mm_load_ps(node.bounds[1 - sx][0]), r.origin[0]), r.inv[0]);
  const __m128 fy = _mm_mul_ps(_mm_sub_ps(_mm_load_ps(node.bounds[1 - sy][1]), r.origin[1]), r.inv[1]);
  const __m128 fz = _mm_mul_ps(_mm_sub_ps(_mm_load_ps(node.bounds[1 - sz][2]), r.origin[2]), r.inv[2]);
  const __m128 enter = _mm_max_ps(_mm_max_ps(nx, ny), _mm_max_ps(nz, _mm_set1_ps(t_min)));
  const __m128 leave = _mm_min_ps(_mm_min_ps(fx, fy), _mm_min_ps(fz, _mm_set1_ps(t_max)));
  _mm_storeu_ps(enter_out, enter);
  return static_cast<unsigned>(_mm_movemask_ps(_mm_cmple_ps(enter, leave)));
#else
  unsigned mask = 0;
  for (int c = 0; c < 4; ++c) {
    float enter = t_min, leave = t_max;
    for (int a = 0; a < 3; ++a) {
      const float n = (node.bounds[r.near_side[a]][a][c] - r.origin[a]) * r.inv[a];
      const float f = (node.bounds[1 - r.near_side[a]][a][c] - r.origin[a]) * r.inv[a];
      enter = std::max(enter, n);
      leave = std::min(leave, f);
    }
    enter_out[c] = enter;
    if (enter <= leave) mask |= 1u << c;
  }
  return mask;
#endif
}

/// Deep enough for any tree build_bvh makes. The wide tree is no deeper
/// than the binary one (each wide level opens at least one binary level).
/// Visiting a wide node at depth D < kMaxBvhDepth finds at most 3 entries
/// per ancestor level on the stack, 3 * D, and adds at most 3 more (the
/// nearest-first traversals always store three) or 4 before popping one
/// (the any-hit ones): 3 * kMaxBvhDepth + 1 at most, so + 4 (a whole
/// node's children) covers both.
inline constexpr int kWideStackSize = 3 * kMaxBvhDepth + 4;
static_assert(kWideStackSize >= 3 * (kMaxBvhDepth - 1) + 4);

/// The nearest-first walk of a wide tree, written once for the scene's tree
/// (closest_hit) and each mesh's (closest_hit_mesh, mesh.cpp): nearest
/// child first, skipping popped subtrees that start beyond `best`.
/// `leaf(first, count)` tests the leaf's entries first .. first + count - 1
/// and lowers `best`, the nearest hit so far, which bounds every box test.
/// The tree must not be empty.
template <class Leaf>
TXRAY_HOT_INLINE void walk_nearest_first(const Bvh& bvh, const WideRay& wray, float t_min, const float& best,
                                         Leaf&& leaf) {
  struct Entry {
    std::uint32_t ref;
    float enter;
  };
  Entry stack[kWideStackSize];
  int top = 0;
  std::uint32_t ref = 0;
  for (;;) {
    if (ref & kWideLeaf) {
      leaf(ref & kWideFirstMask, ((ref & ~kWideLeaf) >> kWideCountShift) + 1);
    } else {
      const WideNode& node = bvh.wide[ref];
      float enter[4];
      unsigned mask = wide_box_test(node, wray, t_min, best, enter);
      if (mask != 0) {
        const int first_child = __builtin_ctz(mask);
        mask &= mask - 1;
        if (mask == 0) {  // one child hit, the common case: nothing to push
          ref = node.child[first_child];
          continue;
        }
        // Several: sorted nearest last; it is taken now, the rest pushed
        // farthest first. Ties keep child order, so traversal is deterministic.
        Entry hits[4] = {{node.child[first_child], enter[first_child]}, {}, {}, {}};
        int n = 1;
        while (mask) {
          const int c = __builtin_ctz(mask);
          mask &= mask - 1;
          const Entry e{node.child[c], enter[c]};
          int j = n++;
          while (j > 0 && hits[j - 1].enter < e.enter) {
            hits[j] = hits[j - 1];
            --j;
          }
          hits[j] = e;
        }
        // Three fixed copies rather than a loop, which compilers turn into
        // a memcpy (rep movs) that costs more than the whole node test.
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
      if (e.enter <= best) {
        ref = e.ref;
        break;
      }
    }
  }
}

/// Nearest hit in (t_min, t_max): the kernel's traversal, over the wide
/// tree (walk_nearest_first). Every object tested is read through `scene`;
/// an instance's hit names its triangle (Hit::mesh).
///
/// `nearest`, when given, receives the copy of the nearest object read
/// during the test, so that shading need not read it a second time (each
/// read is a barrier under a synchronisation backend).
template <class Access>
Hit closest_hit(Access& scene, const Bvh& bvh, const Ray& ray, float t_min, float t_max, Object* nearest = nullptr) {
  Hit hit{t_max, kNoObject};
  auto test = [&](std::uint32_t i) __attribute__((always_inline)) {
    const Object o = scene.object(i);
    MeshPoint at;
    const float t = intersect(ray, o, t_min, hit.t, &at);
    if (t < hit.t) {
      hit = {t, i, at};
      if (nearest) *nearest = o;
    }
  };
  for (std::uint32_t i : bvh.unbounded) test(i);
  if (bvh.wide.empty()) return hit;
  walk_nearest_first(bvh, WideRay(ray), t_min, hit.t,
                     [&](std::uint32_t first, std::uint32_t count) __attribute__((always_inline)) {
                       for (std::uint32_t k = 0; k < count; ++k) test(bvh.indices[first + k]);
                     });
  if (hit.object == kNoObject) hit.t = kInfinity;
  return hit;
}

/// The any-hit walk of a wide tree, written once for the scene's tree
/// (occluded) and each mesh's (occluded_mesh, mesh.cpp): every child the
/// ray meets within [t_min, t_max], in no particular order, until
/// `leaf(first, count)` returns true (something in its entries blocks the
/// ray). Returns whether one did. The tree must not be empty.
template <class Leaf>
TXRAY_HOT_INLINE bool walk_any(const Bvh& bvh, const WideRay& wray, float t_min, float t_max, Leaf&& leaf) {
  std::uint32_t stack[kWideStackSize];
  int top = 0;
  std::uint32_t ref = 0;
  for (;;) {
    if (ref & kWideLeaf) {
      if (leaf(ref & kWideFirstMask, ((ref & ~kWideLeaf) >> kWideCountShift) + 1)) return true;
    } else {
      float enter[4];
      unsigned mask = wide_box_test(bvh.wide[ref], wray, t_min, t_max, enter);
      const WideNode& node = bvh.wide[ref];
      while (mask) {
        const int c = __builtin_ctz(mask);
        mask &= mask - 1;
        TXRAY_DCHECK(top < kWideStackSize, "wide traversal deeper than kMaxBvhDepth");
        stack[top++] = node.child[c];
      }
    }
    if (top == 0) return false;
    ref = stack[--top];
  }
}

/// True when anything lies in (t_min, t_max) along the ray (shadow rays),
/// over the wide tree (walk_any), stopping at the first object found.
template <class Access>
bool occluded(Access& scene, const Bvh& bvh, const Ray& ray, float t_min, float t_max) {
  for (std::uint32_t i : bvh.unbounded)
    if (occludes(ray, scene.object(i), t_min, t_max)) return true;
  if (bvh.wide.empty()) return false;
  return walk_any(bvh, WideRay(ray), t_min, t_max,
                  [&](std::uint32_t first, std::uint32_t count) __attribute__((always_inline)) {
                    for (std::uint32_t k = 0; k < count; ++k)
                      if (occludes(ray, scene.object(bvh.indices[first + k]), t_min, t_max)) return true;
                    return false;
                  });
}

}  // namespace txray
