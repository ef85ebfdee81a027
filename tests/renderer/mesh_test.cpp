// Triangles and meshes: the watertight test's edge cases, the mesh BVH
// against brute force, and instances against their triangles moved by hand.
#include <cmath>
#include <cstring>
#include <vector>

#include <glm/geometric.hpp>
#include <gtest/gtest.h>

#include "renderer/mesh.h"
#include "renderer/packet.h"
#include "renderer/random.h"
#include "scenes/scene.h"

namespace txray {
namespace {

bool hits(const Ray& ray, Vec3 a, Vec3 b, Vec3 c, TriangleHit* out = nullptr, float t_min = 0.0f,
          float t_max = kInfinity) {
  TriangleHit h;
  const bool hit = intersect_triangle(WatertightRay(ray), a, b, c, t_min, t_max, h);
  if (out) *out = h;
  return hit;
}

TEST(Triangle, HitsInsideMissesOutside) {
  const Vec3 a(0, 0, 0), b(1, 0, 0), c(0, 1, 0);
  TriangleHit h;
  ASSERT_TRUE(hits({Vec3(0.25f, 0.25f, 2.0f), Vec3(0, 0, -1)}, a, b, c, &h));
  EXPECT_FLOAT_EQ(h.t, 2.0f);
  EXPECT_FLOAT_EQ(h.u, 0.25f);  // weight of b
  EXPECT_FLOAT_EQ(h.v, 0.25f);  // weight of c
  // Both faces count: from below as from above.
  EXPECT_TRUE(hits({Vec3(0.25f, 0.25f, -2.0f), Vec3(0, 0, 1)}, a, b, c));
  EXPECT_FALSE(hits({Vec3(0.75f, 0.75f, 2.0f), Vec3(0, 0, -1)}, a, b, c));
  EXPECT_FALSE(hits({Vec3(-0.01f, 0.5f, 2.0f), Vec3(0, 0, -1)}, a, b, c));
}

TEST(Triangle, RespectsTheOpenInterval) {
  const Vec3 a(0, 0, 0), b(1, 0, 0), c(0, 1, 0);
  const Ray ray{Vec3(0.2f, 0.2f, 2.0f), Vec3(0, 0, -1)};
  EXPECT_FALSE(hits(ray, a, b, c, nullptr, 0.0f, 2.0f));  // t_max is excluded
  EXPECT_FALSE(hits(ray, a, b, c, nullptr, 2.0f, 5.0f));  // so is t_min
  EXPECT_TRUE(hits(ray, a, b, c, nullptr, 1.999f, 2.001f));
  // Behind the origin.
  EXPECT_FALSE(hits({Vec3(0.2f, 0.2f, 2.0f), Vec3(0, 0, 1)}, a, b, c));
}

TEST(Triangle, DegenerateAndParallelNeverHit) {
  // Collinear corners and a repeated corner: no area, no hit, even dead on.
  EXPECT_FALSE(hits({Vec3(0.5f, 0.0f, 1.0f), Vec3(0, 0, -1)}, Vec3(0, 0, 0), Vec3(1, 0, 0), Vec3(2, 0, 0)));
  EXPECT_FALSE(hits({Vec3(0.0f, 0.0f, 1.0f), Vec3(0, 0, -1)}, Vec3(0, 0, 0), Vec3(0, 0, 0), Vec3(0, 1, 0)));
  // A ray in the triangle's plane, through its middle.
  EXPECT_FALSE(hits({Vec3(-1.0f, 0.25f, 0.0f), Vec3(1, 0, 0)}, Vec3(0, 0, 0), Vec3(1, 0, 0), Vec3(0, 1, 0)));
}

TEST(Triangle, EdgesAndCornersBelongToTheTriangle) {
  const Vec3 a(0, 0, 0), b(1, 0, 0), c(0, 1, 0);
  EXPECT_TRUE(hits({Vec3(0.5f, 0.0f, 1.0f), Vec3(0, 0, -1)}, a, b, c));   // on edge ab
  EXPECT_TRUE(hits({Vec3(0.5f, 0.5f, 1.0f), Vec3(0, 0, -1)}, a, b, c));   // on edge bc
  TriangleHit h;
  ASSERT_TRUE(hits({Vec3(1.0f, 0.0f, 1.0f), Vec3(0, 0, -1)}, a, b, c, &h));  // corner b
  EXPECT_EQ(h.u, 1.0f);
  EXPECT_EQ(h.v, 0.0f);
}

Vec3 unit(Vec3 v) { return glm::normalize(v); }

// A point of a tilted plane, so that no coordinate is trivially exact.
Vec3 on_plane(float x, float y) {
  const Vec3 origin(0.31f, -0.17f, 0.23f), e1(0.8f, 0.36f, -0.48f), e2(-0.28f, 0.96f, 0.0f);
  return origin + x * e1 + y * e2;
}

// Rays from random places aimed at random points of the shared diagonal of
// a convex planar quad: each must hit one of the two triangles, however the
// rounding falls (none slips through a crack). The quad is planar and convex so that the diagonal is inside it
// from every side (a folded quad's diagonal can be its silhouette).
TEST(Triangle, NoRayFallsThroughASharedEdge) {
  const Vec3 p0 = on_plane(-0.3f, 0.1f), p1 = on_plane(1.7f, 0.3f), p2 = on_plane(1.1f, 1.9f), p3 = on_plane(0.1f, 1.3f);
  Pcg32 rng(15);
  int through = 0;
  for (int k = 0; k < 20000; ++k) {
    const float s = rng.uniform(0.0f, 1.0f);
    const Vec3 target = p0 + s * (p2 - p0);  // on the diagonal p0-p2
    const Vec3 normal = glm::normalize(glm::cross(p1 - p0, p2 - p0));
    const Vec3 origin = target + Vec3(rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(-3, 3)) +
                        (k % 2 ? 2.0f : -2.0f) * normal;
    const Ray ray{origin, unit(target - origin)};
    if (!hits(ray, p0, p1, p2) && !hits(ray, p0, p2, p3)) ++through;
  }
  EXPECT_EQ(through, 0);
}

// The same at a vertex shared by a closed fan of six triangles.
TEST(Triangle, NoRayFallsThroughASharedVertex) {
  const Vec3 centre = on_plane(0.37f, -0.21f);
  Vec3 rim[6];
  for (int k = 0; k < 6; ++k) {
    const float a = static_cast<float>(k) * 1.0471976f;
    rim[k] = on_plane(0.37f + std::cos(a), -0.21f + std::sin(a));
  }
  const Vec3 normal = glm::normalize(glm::cross(rim[0] - centre, rim[1] - centre));
  Pcg32 rng(16);
  int through = 0;
  for (int k = 0; k < 20000; ++k) {
    const Vec3 origin = centre + Vec3(rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(-3, 3)) +
                        (k % 2 ? 2.0f : -2.0f) * normal;
    const Ray ray{origin, unit(centre - origin)};
    bool any = false;
    for (int j = 0; j < 6; ++j) any = any || hits(ray, centre, rim[j], rim[(j + 1) % 6]);
    if (!any) ++through;
  }
  EXPECT_EQ(through, 0);
}

std::shared_ptr<const Mesh> coarse_bunny() {
  static const std::shared_ptr<const Mesh> mesh =
      build_mesh(load_obj_file(TXRAY_SOURCE_DIR "/assets/models/bunny.obj", "bunny.obj"));
  return mesh;
}

Vec3 random_direction(Pcg32& rng) {
  for (;;) {
    const Vec3 v(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1));
    const float l2 = glm::dot(v, v);
    if (l2 > 1e-4f && l2 <= 1.0f) return v / std::sqrt(l2);
  }
}

// The four-lane test is the scalar one in lane order, bit for bit: the same
// hit or miss, t, barycentrics and lane, on triangles sharing a vertex,
// degenerate ones, and blocks of one to four lanes.
TEST(TriangleBlock, IsTheScalarTestInLaneOrder) {
  Pcg32 rng(99);
  auto point = [&](float r) { return Vec3(rng.uniform(-r, r), rng.uniform(-r, r), rng.uniform(-r, r)); };
  int hit_count = 0, vertex_hits = 0;
  for (int k = 0; k < 40000; ++k) {
    const Vec3 shared = point(1.0f);
    Vec3 tri[4][3];
    TriangleBlock block{};
    for (unsigned lane = 0; lane < 4; ++lane) {
      tri[lane][0] = lane % 2 == 0 ? shared : point(1.0f);
      tri[lane][1] = point(1.0f);
      tri[lane][2] = lane == 3 && k % 3 == 0 ? tri[lane][1] : point(1.0f);  // sometimes no area
      block.triangle[lane] = lane;
      for (int c = 0; c < 3; ++c)
        for (int a = 0; a < 3; ++a) block.corner[c][a][lane] = tri[lane][c][a];
    }
    // Every fourth ray runs down the z axis through the shared vertex, where
    // the edge functions are exactly zero (the fallback) and lanes 0 and 2
    // tie; the others are aimed at it from anywhere, or at random.
    const Vec3 origin = k % 4 == 0 ? shared + Vec3(0.0f, 0.0f, 2.0f) : point(3.0f);
    const Vec3 target = k % 2 == 0 ? shared : point(1.0f);
    const Ray ray{origin, k % 4 == 0 ? Vec3(0.0f, 0.0f, -1.0f) : glm::normalize(target - origin)};
    const WatertightRay wt(ray);
    const unsigned lanes = 1 + static_cast<unsigned>(k / 8) % 4;
    const float t_max = k % 5 == 0 ? glm::length(target - origin) : kInfinity;
    TriangleHit want;
    unsigned want_lane = 0;
    bool want_found = false;
    float best = t_max;
    for (unsigned lane = 0; lane < lanes; ++lane) {
      TriangleHit h;
      if (intersect_triangle(wt, tri[lane][0], tri[lane][1], tri[lane][2], 0.0f, best, h)) {
        best = h.t;
        want = h;
        want_lane = lane;
        want_found = true;
      }
    }
    TriangleHit got;
    unsigned got_lane = 0;
    const bool got_found = intersect_triangles(wt, block, lanes, 0.0f, t_max, got, got_lane);
    ASSERT_EQ(got_found, want_found) << "ray " << k;
    if (!want_found) continue;
    ++hit_count;
    if (k % 4 == 0) ++vertex_hits;
    ASSERT_EQ(got_lane, want_lane) << "ray " << k;
    ASSERT_EQ(std::memcmp(&got.t, &want.t, sizeof got.t), 0) << "ray " << k;
    ASSERT_EQ(std::memcmp(&got.u, &want.u, sizeof got.u), 0) << "ray " << k;
    ASSERT_EQ(std::memcmp(&got.v, &want.v, sizeof got.v), 0) << "ray " << k;
  }
  EXPECT_GT(hit_count, 5000);  // the test means something only if rays hit
  EXPECT_GT(vertex_hits, 2000);  // and rays down the axis hit the shared vertex
}

// The mesh BVH finds exactly what testing every triangle finds: the same t
// bit for bit, and the same triangle with the same barycentrics unless
// another one is hit at that t too (a shared edge).
TEST(MeshBvh, MatchesBruteForce) {
  const Mesh& mesh = *coarse_bunny();
  ASSERT_EQ(mesh.triangles.size() + mesh.dropped_degenerate, 3674u);
  Pcg32 rng(2024);
  int hit_count = 0, mismatches = 0;
  for (int k = 0; k < 4000; ++k) {
    const Vec3 origin(rng.uniform(mesh.bounds.lo.x, mesh.bounds.hi.x), rng.uniform(mesh.bounds.lo.y, mesh.bounds.hi.y),
                      rng.uniform(mesh.bounds.lo.z, mesh.bounds.hi.z));
    const Ray ray{origin * 1.5f, random_direction(rng)};
    const WatertightRay wt(ray);
    float best = kInfinity;
    TriangleHit nearest;
    std::uint32_t nearest_triangle = 0;
    for (std::uint32_t i = 0; i < mesh.triangles.size(); ++i) {
      const auto& t = mesh.triangles[i];
      TriangleHit h;
      if (intersect_triangle(wt, mesh.positions[t[0]], mesh.positions[t[1]], mesh.positions[t[2]], 0.0f, best, h)) {
        best = h.t;
        nearest = h;
        nearest_triangle = i;
      }
    }
    MeshPoint got;
    const float t = closest_hit_mesh(mesh, ray, 0.0f, kInfinity, got);
    if (best != kInfinity) ++hit_count;
    if (std::memcmp(&t, &best, sizeof t) != 0) ++mismatches;
    // The any-hit walk: something in (0, limit) exactly when the nearest
    // hit is nearer than the limit (limits either side of it, and at it).
    for (const float limit : {best * 0.5f, best, best * 2.0f, kInfinity})
      if (occluded_mesh(mesh, ray, 0.0f, limit) != (best < limit)) ++mismatches;
    if (best == kInfinity || t != best) continue;
    if (got.triangle == nearest_triangle) {
      if (std::memcmp(&got.u, &nearest.u, sizeof(float)) != 0 || std::memcmp(&got.v, &nearest.v, sizeof(float)) != 0)
        ++mismatches;
    } else {
      // A tie: the triangle named must be hit at that same t.
      const auto& c = mesh.triangles[got.triangle];
      TriangleHit h;
      if (!intersect_triangle(wt, mesh.positions[c[0]], mesh.positions[c[1]], mesh.positions[c[2]], 0.0f, kInfinity,
                              h) ||
          h.t != t)
        ++mismatches;
    }
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(hit_count, 500);  // the test means something only if rays hit
}

TEST(MeshBvh, DropsDegenerateTrianglesAndCountsThem) {
  MeshData d;
  d.file = "t.obj";
  d.positions = {Vec3(0, 0, 0), Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(2, 0, 0)};
  d.triangles = {{0, 1, 2}, {0, 1, 3}, {2, 2, 1}};
  const auto mesh = build_mesh(d);
  EXPECT_EQ(mesh->triangles.size(), 1u);
  EXPECT_EQ(mesh->dropped_degenerate, 2u);
  // Recentred: the box is symmetric about the origin.
  EXPECT_EQ(mesh->bounds.lo, -mesh->bounds.hi);
}

// An instance turned, scaled and moved hits where its triangles, moved by
// hand into the world, are hit; its box holds every corner.
TEST(Instance, MatchesItsTrianglesMovedIntoTheWorld) {
  const Mesh& mesh = *coarse_bunny();
  const Object o = make_instance(mesh, Vec3(3.0f, -1.0f, 2.0f), 0.4f, 35.0f, 0);
  const float yaw = 35.0f * 3.14159265f / 180.0f;
  auto world = [&](Vec3 p) {
    const Vec3 s = p * 0.4f;
    return Vec3(std::cos(yaw) * s.x + std::sin(yaw) * s.z, s.y, -std::sin(yaw) * s.x + std::cos(yaw) * s.z) +
           Vec3(3.0f, -1.0f, 2.0f);
  };
  const Aabb box = object_bounds(o);
  for (const Vec3& p : mesh.positions) {
    const Vec3 w = world(p);
    for (int a = 0; a < 3; ++a) {
      EXPECT_LE(box.lo[a], w[a]);
      EXPECT_GE(box.hi[a], w[a]);
    }
  }
  Pcg32 rng(7);
  int compared = 0;
  for (int k = 0; k < 2000; ++k) {
    const Vec3 origin = o.center + Vec3(rng.uniform(-6, 6), rng.uniform(-6, 6), rng.uniform(-6, 6));
    const Vec3 target = o.center + o.half_size * Vec3(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1));
    const Ray ray{origin, unit(target - origin)};
    const WatertightRay wt(ray);
    float best = kInfinity;
    for (const auto& t : mesh.triangles) {
      TriangleHit h;
      if (intersect_triangle(wt, world(mesh.positions[t[0]]), world(mesh.positions[t[1]]), world(mesh.positions[t[2]]),
                             0.0f, best, h))
        best = h.t;
    }
    MeshPoint at;
    const float got = intersect(ray, o, 0.0f, kInfinity, &at);
    // Different rounding (the ray moves, not the triangles): hits agree to
    // a relative 1e-4, except grazing ones either side may call a miss.
    if (best == kInfinity || got == kInfinity) continue;
    ++compared;
    EXPECT_NEAR(got, best, 1e-4f * best) << "ray " << k;
    Vec3 geometric;
    const Vec3 n = instance_normal(o, at, geometric);
    EXPECT_NEAR(glm::length(n), 1.0f, 1e-5f);
    EXPECT_GT(glm::dot(n, geometric), 0.0f);  // the shading normal on the winding's side
  }
  EXPECT_GT(compared, 500);
}

// An instance's packet test (eight lanes through the mesh's tree together,
// what the AVX2 packets run) gives each lane the single ray's answer bit
// for bit: its nearest t under the lane's own limit and the triangle and
// barycentrics there, or for shadows whether anything is in range.
// Coherent packets (all lanes share the watertight test's axis order, so
// they walk together), packets whose lanes do not (they go one by one),
// packets of few live lanes, and idle lanes (-inf) that must stay
// untouched.
TEST(Instance, PacketLanesMatchSingleRays) {
#if defined(__x86_64__) || defined(__i386__)
  if (detected_packet_isa() != PacketIsa::avx2) GTEST_SKIP() << "no AVX2 on this machine";
  const Mesh& mesh = *coarse_bunny();
  const Object o = make_instance(mesh, Vec3(3.0f, -1.0f, 2.0f), 0.4f, 35.0f, 0);
  Pcg32 rng(31);
  int mismatches = 0, lanes_hit = 0, lanes_blocked = 0;
  for (int p = 0; p < 3000; ++p) {
    const bool coherent = p % 3 != 0;
    const bool any_hit = p % 2 == 1;
    const Vec3 origin = o.center + Vec3(rng.uniform(-6, 6), rng.uniform(-6, 6), rng.uniform(-6, 6));
    const Vec3 aim = o.center + o.half_size * Vec3(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1));
    // Every fourth packet has only three live lanes.
    const bool few = p % 4 == 3;
    RayPacket rays;
    float best[8], expected[8];
    MeshPoint expected_at[8];
    for (int l = 0; l < 8; ++l) {
      const Vec3 target = coherent ? aim + 0.02f * Vec3(l % 4, l / 4, 0) : aim + Vec3(rng.uniform(-4, 4), 0, 0);
      const Vec3 from = coherent ? origin : o.center + Vec3(rng.uniform(-6, 6), rng.uniform(-6, 6), rng.uniform(-6, 6));
      rays.set(l, Ray{from, unit(target - from)});
      // Some lanes idle, some with a limit that cuts the mesh.
      const bool idle = l == 5 || (few && l > 2);
      best[l] = idle ? -kInfinity : (l % 3 == 0 ? rng.uniform(0.5f, 8.0f) : kInfinity);
      const float t = best[l] == -kInfinity ? kInfinity : intersect(rays.ray(l), o, 0.0f, best[l], &expected_at[l]);
      expected[l] = t == kInfinity ? best[l] : (any_hit ? -kInfinity : t);
    }
    float before[8];
    std::memcpy(before, best, sizeof before);
    MeshPoint at[8];
    const unsigned changed = packet_detail::instance_lanes8_avx2(o, rays, 0.0f, best, any_hit ? nullptr : at);
    for (int l = 0; l < 8; ++l) {
      if (std::memcmp(&best[l], &expected[l], sizeof(float)) != 0) ++mismatches;
      if (!any_hit && ((changed >> l) & 1u) && std::memcmp(&at[l], &expected_at[l], sizeof(MeshPoint)) != 0)
        ++mismatches;
      // A lane's bit says whether its value changed, and an idle lane's never does.
      const bool bit = (changed >> l) & 1u;
      if (bit != (best[l] != before[l]) || (l == 5 && bit)) ++mismatches;
      (any_hit ? lanes_blocked : lanes_hit) += bit;
    }
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(lanes_hit, 1000);      // the test means something only if rays hit
  EXPECT_GT(lanes_blocked, 1000);
#else
  GTEST_SKIP() << "the packet entry is x86's";
#endif
}

}  // namespace
}  // namespace txray
