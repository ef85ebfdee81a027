#include "renderer/mesh.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <type_traits>
#include <utility>

#include <glm/geometric.hpp>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "renderer/packet.h"

namespace txray {
namespace {

bool degenerate(Vec3 a, Vec3 b, Vec3 c) {
  const Vec3 n = glm::cross(b - a, c - a);
  return !(glm::dot(n, n) > 0.0f);
}

Mesh prepare(MeshData data) {
  Mesh mesh;
  mesh.file = std::move(data.file);
  const std::size_t n = data.triangles.size();
  // Which triangles survive, decided in parallel; kept in file order.
  std::vector<unsigned char> keep(n);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 4096), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) {
      const auto& t = data.triangles[i];
      keep[i] = !degenerate(data.positions[t[0]], data.positions[t[1]], data.positions[t[2]]);
    }
  });
  const bool has_normals = !data.normal_indices.empty();
  for (std::size_t i = 0; i < n; ++i) {
    if (!keep[i]) {
      ++mesh.dropped_degenerate;
      continue;
    }
    mesh.triangles.push_back(data.triangles[i]);
    if (has_normals) mesh.normal_indices.push_back(data.normal_indices[i]);
  }
  Aabb box;
  for (const auto& t : mesh.triangles)
    for (std::uint32_t v : t) box.grow(data.positions[v]);
  const Vec3 centre = box.empty() ? Vec3(0.0f) : box.center();
  mesh.positions = std::move(data.positions);
  for (Vec3& p : mesh.positions) p -= centre;
  mesh.bounds = box.empty() ? Aabb{} : Aabb{box.lo - centre, box.hi - centre};
  mesh.normals = std::move(data.normals);
  for (Vec3& v : mesh.normals) {
    const float length = glm::length(v);
    v = length > 0.0f ? v / length : Vec3(0.0f);  // a zero normal falls back to flat below
  }

  const std::size_t m = mesh.triangles.size();
  std::vector<Aabb> bounds(m);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, m, 4096), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) {
      Aabb b;
      for (std::uint32_t v : mesh.triangles[i]) b.grow(mesh.positions[v]);
      bounds[i] = b;
    }
  });
  const std::vector<char> all(m, 1);
  static_assert(sizeof(bool) == sizeof(char));
  // Leaves are tested a block of four triangles at a time: the SAH counts
  // their cost so.
  mesh.bvh = build_bvh(bounds, std::span<const bool>(reinterpret_cast<const bool*>(all.data()), m),
                       std::extent_v<decltype(TriangleBlock::triangle)>);
  // Each leaf's triangles into blocks of four, the leaf's reference
  // pointed at its first block.
  for (WideNode& node : mesh.bvh.wide) {
    for (std::uint32_t& ref : node.child) {
      if (ref == kWideEmpty || !(ref & kWideLeaf)) continue;
      const std::uint32_t first = ref & kWideFirstMask;
      const std::uint32_t count = ((ref & ~kWideLeaf) >> kWideCountShift) + 1;
      const auto block_index = static_cast<std::uint32_t>(mesh.leaf_blocks.size());
      for (std::uint32_t k = 0; k < count; k += 4) {
        TriangleBlock& block = mesh.leaf_blocks.emplace_back();
        for (std::uint32_t lane = 0; lane < 4; ++lane) {
          // Lanes past the leaf repeat its last triangle: never tested,
          // but defined.
          const std::uint32_t i = mesh.bvh.indices[first + std::min(k + lane, count - 1)];
          block.triangle[lane] = i;
          for (int c = 0; c < 3; ++c)
            for (int a = 0; a < 3; ++a) block.corner[c][a][lane] = mesh.positions[mesh.triangles[i][c]][a];
        }
      }
      ref = (ref & ~kWideFirstMask) | block_index;
    }
  }
  // The binary tree only served to make the wide one, and the blocks name
  // their triangles: the wide tree and the blocks are all the mesh
  // traversal reads.
  mesh.bvh.nodes = {};
  mesh.bvh.indices = {};
  return mesh;
}

// The cross product of the edge vectors, in double when float rounds it to
// zero (the paper's fallback: an exact zero is then really on the edge).
inline void edge_functions(float ax, float ay, float bx, float by, float cx, float cy, float& u, float& v, float& w) {
  u = cx * by - cy * bx;
  v = ax * cy - ay * cx;
  w = bx * ay - by * ax;
  if (u == 0.0f || v == 0.0f || w == 0.0f) {
    u = static_cast<float>(static_cast<double>(cx) * by - static_cast<double>(cy) * bx);
    v = static_cast<float>(static_cast<double>(ax) * cy - static_cast<double>(ay) * cx);
    w = static_cast<float>(static_cast<double>(bx) * ay - static_cast<double>(by) * ax);
  }
}

// The three edge functions for a vector of lanes (four triangles against a
// ray, or one triangle against eight rays), with the double-precision
// fallback above for each lane in `lanes` where float gives an exact 0.
// `bits(mask)` turns a vector mask into lane bits.
template <class V, class Bits>
[[gnu::always_inline]] inline void edge_functions_lanes(const V& ax, const V& ay, const V& bx, const V& by,
                                                        const V& cx, const V& cy, unsigned lanes, Bits&& bits, V& u,
                                                        V& v, V& w) {
  u = cx * by - cy * bx;
  v = ax * cy - ay * cx;
  w = bx * ay - by * ax;
  unsigned zero = bits((u == 0.0f) | (v == 0.0f) | (w == 0.0f)) & lanes;
  while (zero) [[unlikely]] {
    const unsigned l = static_cast<unsigned>(__builtin_ctz(zero));
    zero &= zero - 1;
    float ul, vl, wl;
    edge_functions(ax[l], ay[l], bx[l], by[l], cx[l], cy[l], ul, vl, wl);
    u[l] = ul;
    v[l] = vl;
    w[l] = wl;
  }
}

}  // namespace

std::vector<std::shared_ptr<const Mesh>> build_meshes(std::vector<MeshData> data) {
  std::vector<std::shared_ptr<const Mesh>> out(data.size());
  tbb::parallel_for(std::size_t{0}, data.size(),
                    [&](std::size_t i) { out[i] = std::make_shared<const Mesh>(prepare(std::move(data[i]))); });
  return out;
}

std::shared_ptr<const Mesh> build_mesh(MeshData data) {
  std::vector<MeshData> one;
  one.push_back(std::move(data));
  return build_meshes(std::move(one)).front();
}

Object make_instance(const Mesh& mesh, Vec3 position, float scale, float yaw_degrees, std::uint32_t material) {
  Object o;
  o.kind = ShapeKind::instance;
  o.material = material;
  o.center = position;
  o.radius = scale;
  o.yaw_degrees = yaw_degrees;
  o.mesh = &mesh;
  const float yaw = yaw_degrees * (std::numbers::pi_v<float> / 180.0f);
  const float c = std::fabs(std::cos(yaw)), s = std::fabs(std::sin(yaw));
  const Vec3 h = mesh.bounds.empty() ? Vec3(0.0f) : mesh.bounds.hi;  // the box is centred on the origin
  const Vec3 half(c * h.x + s * h.z, h.y, s * h.x + c * h.z);
  o.half_size = half * scale * 1.0001f + Vec3(1e-6f);
  return o;
}

WatertightRay::WatertightRay(const Ray& ray) : origin(ray.origin) {
  const Vec3 d = ray.direction;
  const Vec3 a = glm::abs(d);
  kz = a.x > a.y ? (a.x > a.z ? 0 : 2) : (a.y > a.z ? 1 : 2);
  kx = (kz + 1) % 3;
  ky = (kx + 1) % 3;
  // Keep the triangle's winding: swap when the dominant component is negative.
  if (d[kz] < 0.0f) std::swap(kx, ky);
  sx = d[kx] / d[kz];
  sy = d[ky] / d[kz];
  sz = 1.0f / d[kz];
}

bool intersect_triangle(const WatertightRay& r, Vec3 a, Vec3 b, Vec3 c, float t_min, float t_max, TriangleHit& hit) {
  const Vec3 A = a - r.origin, B = b - r.origin, C = c - r.origin;
  const float ax = A[r.kx] - r.sx * A[r.kz], ay = A[r.ky] - r.sy * A[r.kz];
  const float bx = B[r.kx] - r.sx * B[r.kz], by = B[r.ky] - r.sy * B[r.kz];
  const float cx = C[r.kx] - r.sx * C[r.kz], cy = C[r.ky] - r.sy * C[r.kz];
  float u, v, w;
  edge_functions(ax, ay, bx, by, cx, cy, u, v, w);
  if ((u < 0.0f || v < 0.0f || w < 0.0f) && (u > 0.0f || v > 0.0f || w > 0.0f)) return false;
  const float det = u + v + w;
  if (det == 0.0f) return false;  // the ray lies in the triangle's plane, or the triangle has no area
  const float t = (u * (r.sz * A[r.kz]) + v * (r.sz * B[r.kz]) + w * (r.sz * C[r.kz])) / det;
  if (!(t > t_min && t < t_max)) return false;
  hit.t = t;
  hit.u = v / det;
  hit.v = w / det;
  return true;
}

namespace {

using packet_detail::F4;
using packet_detail::I4;
using packet_detail::lane_bits;

// intersect_triangles, inlined into the mesh traversal.
TXRAY_HOT_INLINE bool block_test(const WatertightRay& r, const TriangleBlock& block, unsigned lanes, float t_min,
                                 float t_max, TriangleHit& hit, unsigned& lane) {
  // Four lanes of intersect_triangle's arithmetic, operation for operation
  // (no FMA is formed: -ffp-contract=off), so each lane's values are the
  // scalar test's bit for bit.
  const auto load = [&](int corner, int axis) __attribute__((always_inline)) {
    F4 v;
    std::memcpy(&v, block.corner[corner][axis], sizeof v);
    return v;
  };
  const unsigned used = (1u << lanes) - 1;
  const float ox = r.origin[r.kx], oy = r.origin[r.ky], oz = r.origin[r.kz];
  const F4 Az = load(0, r.kz) - oz, Bz = load(1, r.kz) - oz, Cz = load(2, r.kz) - oz;
  const F4 ax = (load(0, r.kx) - ox) - r.sx * Az, ay = (load(0, r.ky) - oy) - r.sy * Az;
  const F4 bx = (load(1, r.kx) - ox) - r.sx * Bz, by = (load(1, r.ky) - oy) - r.sy * Bz;
  const F4 cx = (load(2, r.kx) - ox) - r.sx * Cz, cy = (load(2, r.ky) - oy) - r.sy * Cz;
  F4 u, v, w;
  edge_functions_lanes(ax, ay, bx, by, cx, cy, used,
                       [](const I4& m) __attribute__((always_inline)) { return lane_bits(m); }, u, v, w);
  const I4 outside = ((u < 0.0f) | (v < 0.0f) | (w < 0.0f)) & ((u > 0.0f) | (v > 0.0f) | (w > 0.0f));
  const F4 det = u + v + w;
  const F4 t = (u * (r.sz * Az) + v * (r.sz * Bz) + w * (r.sz * Cz)) / det;
  unsigned ok = lane_bits(~outside & (det != 0.0f) & (t > t_min) & (t < t_max)) & used;
  if (ok == 0) return false;
  // The nearest lane, the first among equal t: what the scalar test finds
  // going through the lanes in order with t_max lowered at each hit.
  lane = static_cast<unsigned>(__builtin_ctz(ok));
  ok &= ok - 1;
  while (ok) {
    const unsigned l = static_cast<unsigned>(__builtin_ctz(ok));
    ok &= ok - 1;
    if (t[l] < t[lane]) lane = l;
  }
  hit.t = t[lane];
  hit.u = v[lane] / det[lane];
  hit.v = w[lane] / det[lane];
  return true;
}

}  // namespace

bool intersect_triangles(const WatertightRay& r, const TriangleBlock& block, unsigned lanes, float t_min,
                         float t_max, TriangleHit& hit, unsigned& lane) {
  return block_test(r, block, lanes, t_min, t_max, hit, lane);
}

float closest_hit_mesh(const Mesh& mesh, const Ray& ray, float t_min, float t_max, MeshPoint& at) {
  if (mesh.bvh.wide.empty()) return kInfinity;
  float best = t_max;
  const WatertightRay wt(ray);
  TriangleHit hit;
  constexpr std::uint32_t kNone = ~0u;  // no triangle hit yet (a mesh holds fewer)
  std::uint32_t triangle = kNone;
  walk_nearest_first(
      mesh.bvh, WideRay(ray), t_min, best,
      [&](std::uint32_t first, std::uint32_t count) __attribute__((always_inline)) {
        for (std::uint32_t k = 0; k < count; k += 4) {
          const TriangleBlock& block = mesh.leaf_blocks[first + k / 4];
          unsigned lane = 0;
          if (block_test(wt, block, std::min(count - k, 4u), t_min, best, hit, lane)) {
            best = hit.t;
            triangle = block.triangle[lane];
          }
        }
      });
  if (triangle == kNone) return kInfinity;
  at = {triangle, hit.u, hit.v};
  return best;
}

bool occluded_mesh(const Mesh& mesh, const Ray& ray, float t_min, float t_max) {
  if (mesh.bvh.wide.empty()) return false;
  const WatertightRay wt(ray);
  TriangleHit hit;
  return walk_any(
      mesh.bvh, WideRay(ray), t_min, t_max,
      [&](std::uint32_t first, std::uint32_t count) __attribute__((always_inline)) {
        for (std::uint32_t k = 0; k < count; k += 4) {
          unsigned lane = 0;
          if (block_test(wt, mesh.leaf_blocks[first + k / 4], std::min(count - k, 4u), t_min, t_max, hit, lane))
            return true;
        }
        return false;
      });
}

namespace {
struct Turn {
  float c, s;
  explicit Turn(float yaw_degrees) {
    const float yaw = yaw_degrees * (std::numbers::pi_v<float> / 180.0f);
    c = std::cos(yaw);
    s = std::sin(yaw);
  }
  // World = R(yaw) * local, R = [c 0 s; 0 1 0; -s 0 c] (a turn about +y).
  [[nodiscard]] Vec3 to_local(Vec3 w) const { return {c * w.x - s * w.z, w.y, s * w.x + c * w.z}; }
  [[nodiscard]] Vec3 to_world(Vec3 l) const { return {c * l.x + s * l.z, l.y, -s * l.x + c * l.z}; }
};
}  // namespace

Ray to_instance_frame(const Ray& ray, const Object& o) {
  const Turn turn(o.yaw_degrees);
  const float inv_scale = 1.0f / o.radius;
  return {turn.to_local(ray.origin - o.center) * inv_scale, turn.to_local(ray.direction) * inv_scale};
}

float intersect_instance(const Ray& ray, const Object& o, float t_min, float t_max, MeshPoint* at) {
  MeshPoint where;
  const float t = closest_hit_mesh(*o.mesh, to_instance_frame(ray, o), t_min, t_max, where);
  if (at != nullptr && t != kInfinity) *at = where;
  return t;
}

bool occluded_by_instance(const Ray& ray, const Object& o, float t_min, float t_max) {
  return occluded_mesh(*o.mesh, to_instance_frame(ray, o), t_min, t_max);
}

namespace {

// packet_detail::instance_lanes8_avx2, written over the vector width.
// Every lane does intersect_instance's arithmetic, operation for
// operation: to_instance_frame's, then block_test's on one triangle at a
// time (lanes are rays here, not triangles), so each lane's t is the
// single ray's bit for bit. The watertight test needs the lanes to share
// the axis their direction is longest along and its sign (they do in a
// coherent packet); when they do not, the lanes go one by one.
template <class F, class I>
TXRAY_HOT_INLINE unsigned instance_lanes_impl(const Object& obj, const RayPacket& rays, int lane0, float t_min,
                                              float* best_io, MeshPoint* at) {
  constexpr int W = sizeof(F) / sizeof(float);
  const Mesh& mesh = *obj.mesh;
  unsigned live = 0;
  for (int k = 0; k < W; ++k)
    if (best_io[k] != -kInfinity) live |= 1u << k;
  if (live == 0 || mesh.bvh.wide.empty()) return 0;

  // to_instance_frame on every lane.
  const Turn turn(obj.yaw_degrees);
  const float inv_scale = 1.0f / obj.radius;
  F o[3], d[3];
  for (int a = 0; a < 3; ++a) {
    std::memcpy(&o[a], rays.origin[a] + lane0, sizeof(F));
    std::memcpy(&d[a], rays.direction[a] + lane0, sizeof(F));
  }
  const F wx = o[0] - obj.center.x, wy = o[1] - obj.center.y, wz = o[2] - obj.center.z;
  const F lo[3] = {(turn.c * wx - turn.s * wz) * inv_scale, wy * inv_scale, (turn.s * wx + turn.c * wz) * inv_scale};
  const F ld[3] = {(turn.c * d[0] - turn.s * d[2]) * inv_scale, d[1] * inv_scale,
                   (turn.s * d[0] + turn.c * d[2]) * inv_scale};

  // WatertightRay's axis order, which every live lane must share.
  int kz = -1;
  bool negative = false, shared = true;
  for (int k = 0; k < W; ++k) {
    if (!((live >> k) & 1u)) continue;
    const float ax = std::fabs(ld[0][k]), ay = std::fabs(ld[1][k]), az = std::fabs(ld[2][k]);
    const int lane_kz = ax > ay ? (ax > az ? 0 : 2) : (ay > az ? 1 : 2);
    const bool lane_negative = ld[lane_kz][k] < 0.0f;
    if (kz < 0) {
      kz = lane_kz;
      negative = lane_negative;
    } else if (lane_kz != kz || lane_negative != negative) {
      shared = false;
      break;
    }
  }
  if (!shared) return packet_detail::instance_lanes_one_by_one(obj, rays, lane0, W, t_min, best_io, at);
  int kx = (kz + 1) % 3, ky = (kx + 1) % 3;
  if (negative) std::swap(kx, ky);
  const F sx = ld[kx] / ld[kz], sy = ld[ky] / ld[kz], sz = (F{} + 1.0f) / ld[kz];
  const F inv[3] = {(F{} + 1.0f) / ld[0], (F{} + 1.0f) / ld[1], (F{} + 1.0f) / ld[2]};
  const F tmin = F{} + t_min;
  unsigned changed = 0;
  F best;
  std::memcpy(&best, best_io, sizeof best);

  // Triangle `j` of a block against every lane: block_test's arithmetic.
  // `hit`: the lanes where it is hit in (t_min, best), with their t; v, w
  // and det give the barycentrics, divided only for a lane kept. (Out
  // through references: a vector returned by value changes ABI, -Wpsabi.)
  const auto triangle = [&](const TriangleBlock& block, unsigned j, F& t, I& hit, F& v, F& w,
                            F& det) __attribute__((always_inline)) {
    const float(&A)[3][4] = block.corner[0];
    const float(&B)[3][4] = block.corner[1];
    const float(&C)[3][4] = block.corner[2];
    const F Az = A[kz][j] - lo[kz], Bz = B[kz][j] - lo[kz], Cz = C[kz][j] - lo[kz];
    const F ax = (A[kx][j] - lo[kx]) - sx * Az, ay = (A[ky][j] - lo[ky]) - sy * Az;
    const F bx = (B[kx][j] - lo[kx]) - sx * Bz, by = (B[ky][j] - lo[ky]) - sy * Bz;
    const F cx = (C[kx][j] - lo[kx]) - sx * Cz, cy = (C[ky][j] - lo[ky]) - sy * Cz;
    F u;
    edge_functions_lanes(ax, ay, bx, by, cx, cy, live,
                         [](const I& m) __attribute__((always_inline)) { return lane_bits(m); }, u, v, w);
    const I outside = ((u < 0.0f) | (v < 0.0f) | (w < 0.0f)) & ((u > 0.0f) | (v > 0.0f) | (w > 0.0f));
    // Most triangles a packet reaches its rays pass by: the distance (a
    // divide) only for one that some lane goes through.
    if ((lane_bits(~outside) & live) == 0) {
      hit = I{};
      return;
    }
    det = u + v + w;
    t = (u * (sz * Az) + v * (sz * Bz) + w * (sz * Cz)) / det;
    hit = ~outside & (det != 0.0f) & (t > tmin) & (t < best);
  };

  // A leaf's triangles, one against all lanes; `on_hit(t, hit, v, w, det,
  // triangle)` is called for each triangle some lane hits and returns true
  // to end the leaf and the walk.
  auto each_triangle = [&](std::uint32_t first, std::uint32_t count, auto&& on_hit) __attribute__((always_inline)) {
    for (std::uint32_t k = 0; k < count; k += 4) {
      const TriangleBlock& block = mesh.leaf_blocks[first + k / 4];
      const unsigned n = std::min(count - k, 4u);
      for (unsigned j = 0; j < n; ++j) {
        F t, v, w, det;
        I hit;
        triangle(block, j, t, hit, v, w, det);
        if (packet_detail::any_lane(hit) && on_hit(t, hit, v, w, det, block.triangle[j])) return true;
      }
    }
    return false;
  };
  if (at != nullptr) {
    // Nearest hit: per lane the triangle and its barycentrics so far.
    I nearest_triangle = I{};
    F nearest_u = F{}, nearest_v = F{};
    packet_detail::walk_packet_nearest_first<F, I>(
        mesh.bvh, lo, inv, tmin, best, [&](std::uint32_t first, std::uint32_t count) __attribute__((always_inline)) {
          each_triangle(first, count,
                        [&](const F& t, const I& hit, const F& v, const F& w, const F& det,
                            std::uint32_t index) __attribute__((always_inline)) {
                          best = hit ? t : best;
                          nearest_u = hit ? v / det : nearest_u;
                          nearest_v = hit ? w / det : nearest_v;
                          nearest_triangle = hit ? I{} + static_cast<std::int32_t>(index) : nearest_triangle;
                          changed |= lane_bits(hit);
                          return false;
                        });
        });
    for (int k = 0; k < W; ++k)
      if ((changed >> k) & 1u) at[k] = {static_cast<std::uint32_t>(nearest_triangle[k]), nearest_u[k], nearest_v[k]};
  } else {
    // Any hit: a lane blocked leaves the walk (best = -inf), and the walk
    // ends when every live lane is.
    const F minus_inf = F{} - kInfinity;
    packet_detail::walk_packet_any<F, I>(
        mesh.bvh, lo, inv, tmin, best, [&](std::uint32_t first, std::uint32_t count) __attribute__((always_inline)) {
          return each_triangle(first, count,
                               [&](const F&, const I& hit, const F&, const F&, const F&,
                                   std::uint32_t) __attribute__((always_inline)) {
                                 best = hit ? minus_inf : best;
                                 changed |= lane_bits(hit);
                                 return (live & ~changed) == 0;
                               });
        });
  }
  std::memcpy(best_io, &best, sizeof best);
  return changed;
}

}  // namespace

namespace packet_detail {

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2,fma"))) unsigned instance_lanes8_avx2(const Object& instance, const RayPacket& rays,
                                                                   float t_min, float (&best)[8], MeshPoint* at) {
  return instance_lanes_impl<F8, I8>(instance, rays, 0, t_min, best, at);
}
#endif

unsigned instance_lanes_one_by_one(const Object& instance, const RayPacket& rays, int lane0, int lanes, float t_min,
                                   float* best, MeshPoint* at) {
  unsigned changed = 0;
  for (int k = 0; k < lanes; ++k) {
    if (best[k] == -kInfinity) continue;
    const Ray ray = rays.ray(lane0 + k);
    if (at == nullptr) {
      if (!occluded_by_instance(ray, instance, t_min, best[k])) continue;
      best[k] = -kInfinity;
    } else {
      const float t = intersect_instance(ray, instance, t_min, best[k], &at[k]);
      if (t == kInfinity) continue;
      best[k] = t;
    }
    changed |= 1u << k;
  }
  return changed;
}

}  // namespace packet_detail

Vec3 instance_normal(const Object& o, const MeshPoint& at, Vec3& geometric) {
  const Mesh& mesh = *o.mesh;
  const Turn turn(o.yaw_degrees);
  const auto& t = mesh.triangles[at.triangle];
  const Vec3 a = mesh.positions[t[0]], b = mesh.positions[t[1]], c = mesh.positions[t[2]];
  const Vec3 flat = glm::normalize(glm::cross(b - a, c - a));
  geometric = turn.to_world(flat);
  if (mesh.normal_indices.empty()) return geometric;
  const auto& ni = mesh.normal_indices[at.triangle];
  if (ni[0] == kNoNormal || ni[1] == kNoNormal || ni[2] == kNoNormal) return geometric;
  Vec3 smooth = (1.0f - at.u - at.v) * mesh.normals[ni[0]] + at.u * mesh.normals[ni[1]] + at.v * mesh.normals[ni[2]];
  const float length = glm::length(smooth);
  if (!(length > 0.0f)) return geometric;
  smooth /= length;
  // The file's normals may face inwards where its winding faces out: the
  // winding decides the side, the vertex normals only the shading.
  if (glm::dot(smooth, flat) < 0.0f) smooth = -smooth;
  return turn.to_world(smooth);
}

}  // namespace txray
