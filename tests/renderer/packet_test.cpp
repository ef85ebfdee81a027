// The coherent path (8-ray packets, AVX2 or portable) and the wide tree
// against the scalar traversals: on every built-in scene, 100k rays, the
// packet's hit must be the single ray's hit bit for bit (same object, same
// t), since the renderer's images depend on it; so must each lane's colour
// when a packet is shaded together. Also: rendering a tile allocates
// nothing.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <vector>

#include <gtest/gtest.h>

#include "renderer/bvh.h"
#include "renderer/camera.h"
#include "renderer/packet.h"
#include "renderer/random.h"
#include "renderer/render.h"
#include "renderer/scene_access.h"
#include "renderer/whitted.h"
#include "scenes/scene.h"

// Counts every allocation in this test program; tests look at the
// difference across the code they measure.
namespace {
std::atomic<std::uint64_t> g_allocations{0};
}
// GCC 12 flags free() on memory from any operator new, even this one that
// returns malloc's memory (-Wmismatched-new-delete); the pairing is right.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
// Out of line, so that GCC does not see free() meet operator new's pointer
// (-Wmismatched-new-delete, which assumes the library's operator new).
[[gnu::noinline]] static void release(void* p) noexcept { std::free(p); }
void operator delete(void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
// Every form that frees with free() must pair with one that allocates with
// malloc(): the library's temporary buffers (stable_sort, stable_partition)
// use the nothrow form, and AddressSanitizer checks the pairing.
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return ::operator new(n, t); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }

namespace txray {
namespace {

Vec3 random_direction(Pcg32& rng) {
  for (;;) {
    const Vec3 v(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1));
    const float l2 = glm::dot(v, v);
    if (l2 > 1e-4f && l2 <= 1.0f) return v / std::sqrt(l2);
  }
}

// Half the rays from the scene's camera (coherent packets, as rendered),
// half random rays inside the scene's bounds (incoherent packets).
std::vector<Ray> test_rays(const SceneState& state, int count, std::uint64_t seed) {
  std::vector<Ray> rays;
  const CameraRays camera(state.camera, 320, 180);
  for (int k = 0; k < count / 2; ++k) rays.push_back(camera.primary(k % 320, (k / 320) % 180));
  Aabb box;
  for (const Object& o : state.objects)
    if (is_bounded(o)) box.grow(object_bounds(o));
  const Vec3 lo = glm::max(box.lo, Vec3(-30.0f)), hi = glm::min(box.hi, Vec3(30.0f));
  Pcg32 rng(seed);
  while (static_cast<int>(rays.size()) < count)
    rays.push_back({Vec3(rng.uniform(lo.x, hi.x), rng.uniform(lo.y, hi.y), rng.uniform(lo.z, hi.z)),
                    random_direction(rng)});
  return rays;
}

class PacketOnBuiltinScene : public ::testing::TestWithParam<std::string> {};

TEST_P(PacketOnBuiltinScene, PacketHitsEqualSingleRayHitsBitForBit) {
  const auto scene = builtin_scene(GetParam());
  ASSERT_TRUE(scene.has_value());
  const SceneState state = scene->at(0.0);
  const Bvh bvh = build_bvh(state.objects);
  PlainSceneAccess access(state);
  const std::vector<Ray> rays = test_rays(state, 100000, 11);
  std::vector<PacketIsa> isas = {PacketIsa::portable};
  if (detected_packet_isa() == PacketIsa::avx2) isas.push_back(PacketIsa::avx2);
  for (PacketIsa isa : isas) {
    int mismatches = 0, hits = 0, ties = 0;
    RayPacket packet;
    HitPacket out;
    // A ragged last packet too: 100000 is a multiple of 8, so start at 3.
    for (std::size_t k0 = 3; k0 < rays.size(); k0 += kPacketSize) {
      packet.count = static_cast<int>(std::min<std::size_t>(kPacketSize, rays.size() - k0));
      for (int l = 0; l < packet.count; ++l) packet.set(l, rays[k0 + static_cast<std::size_t>(l)]);
      closest_hit_packet(access, bvh, packet, 0.0f, out, isa);
      for (int l = 0; l < packet.count; ++l) {
        const Hit expected = closest_hit(access, bvh, rays[k0 + static_cast<std::size_t>(l)], 0.0f, kInfinity);
        hits += expected.found();
        // Bit-identical t; the object too, except on an exact tie between
        // coincident surfaces (overlapping boxes), where either is nearest.
        const bool same_t = std::memcmp(&out.t[l], &expected.t, sizeof(float)) == 0;
        if (!same_t) ++mismatches;
        if (same_t && out.object[l] != expected.object) ++ties;
        // An instance's hit names its triangle and barycentrics, the single
        // ray's bit for bit; another triangle at the same t (a shared edge)
        // is a tie.
        if (same_t && expected.found() && out.object[l] == expected.object &&
            state.objects[expected.object].kind == ShapeKind::instance) {
          const MeshPoint got = out.hit(l).mesh;
          if (got.triangle != expected.mesh.triangle) ++ties;
          else if (std::memcmp(&got.u, &expected.mesh.u, sizeof(float)) != 0 ||
                   std::memcmp(&got.v, &expected.mesh.v, sizeof(float)) != 0)
            ++mismatches;
        }
      }
    }
    EXPECT_EQ(mismatches, 0) << packet_isa_name(isa);
    EXPECT_LE(ties, 100) << packet_isa_name(isa) << ": only coincident surfaces may tie";
    EXPECT_GT(hits, 1000) << "the test rays should hit something";
  }
}

// Shading a packet's lanes together (WhittedTracer::shade_packet: the
// lanes' arithmetic, their shadow, mirror and refracted packets) gives each
// lane the colour its ray gets shaded alone (WhittedTracer::shade, single
// rays all the way down), bit for bit, and casts the same rays: camera
// rays, and random rays from inside the scene, which also meet surfaces
// from behind and from inside glass; with the portable lanes and, where
// the CPU has AVX2, the AVX2 ones.
TEST_P(PacketOnBuiltinScene, PacketShadingEqualsSingleRayShadingBitForBit) {
  const auto scene = builtin_scene(GetParam());
  ASSERT_TRUE(scene.has_value());
  const SceneState state = scene->at(0.0);
  const Bvh bvh = build_bvh(state.objects);
  const TraceSetup setup{&bvh, state.background, state.max_depth};
  PlainSceneAccess access(state);
  const std::vector<Ray> rays = test_rays(state, 20000, 13);
  std::vector<PacketIsa> isas = {PacketIsa::portable};
  if (detected_packet_isa() == PacketIsa::avx2) isas.push_back(PacketIsa::avx2);
  int hits = 0;
  for (PacketIsa isa : isas) {
    WhittedTracer<PlainSceneAccess> packed(access, setup, isa), single(access, setup);
    int mismatches = 0;
    RayPacket packet;
    HitPacket out;
    hits = 0;
    // A ragged last packet too, as above.
    for (std::size_t k0 = 3; k0 < rays.size(); k0 += kPacketSize) {
      packet.count = static_cast<int>(std::min<std::size_t>(kPacketSize, rays.size() - k0));
      for (int l = 0; l < packet.count; ++l) packet.set(l, rays[k0 + static_cast<std::size_t>(l)]);
      closest_hit_packet(access, bvh, packet, 0.0f, out, isa);
      Vec3 colors[kPacketSize];
      packed.shade_packet(packet, out, 0, colors);
      for (int l = 0; l < packet.count; ++l) {
        // The packet's hit (bit for bit the single ray's, above), so that a
        // tie between coincident surfaces shades the same object.
        const Vec3 expected = single.shade(rays[k0 + static_cast<std::size_t>(l)], out.hit(l), 0);
        hits += out.hit(l).found();
        if (std::memcmp(&colors[l], &expected, sizeof expected) != 0) ++mismatches;
      }
    }
    EXPECT_EQ(mismatches, 0) << packet_isa_name(isa);
    EXPECT_EQ(packed.rays(), single.rays()) << packet_isa_name(isa);
  }
  EXPECT_GT(hits, 1000) << "the test rays should hit something";
}

TEST_P(PacketOnBuiltinScene, PacketOcclusionEqualsSingleRayOcclusion) {
  const auto scene = builtin_scene(GetParam());
  ASSERT_TRUE(scene.has_value());
  const SceneState state = scene->at(0.0);
  const Bvh bvh = build_bvh(state.objects);
  PlainSceneAccess access(state);
  const std::vector<Ray> rays = test_rays(state, 100000, 13);
  Pcg32 rng(5);
  std::vector<PacketIsa> isas = {PacketIsa::portable};
  if (detected_packet_isa() == PacketIsa::avx2) isas.push_back(PacketIsa::avx2);
  for (PacketIsa isa : isas) {
    int mismatches = 0, blocked_lanes = 0;
    RayPacket packet;
    for (std::size_t k0 = 0; k0 + kPacketSize <= rays.size(); k0 += kPacketSize) {
      float t_max[kPacketSize];
      unsigned active = 0;
      for (int l = 0; l < kPacketSize; ++l) {
        packet.set(l, rays[k0 + static_cast<std::size_t>(l)]);
        t_max[l] = rng.uniform(0.1f, 30.0f);
        if (rng.next_float() < 0.8f) active |= 1u << l;  // some lanes idle, as in shading
      }
      const unsigned got = occluded_packet(access, bvh, packet, 0.0f, t_max, active, isa);
      for (int l = 0; l < kPacketSize; ++l) {
        const bool expected = ((active >> l) & 1u) && occluded(access, bvh, packet.ray(l), 0.0f, t_max[l]);
        blocked_lanes += expected;
        if (((got >> l) & 1u) != static_cast<unsigned>(expected)) ++mismatches;
      }
    }
    EXPECT_EQ(mismatches, 0) << packet_isa_name(isa);
    EXPECT_GT(blocked_lanes, 1000) << "the test rays should often be blocked";
  }
}

// The 4-wide traversal and the binary one give the same nearest hit (t bit
// for bit; the object too unless both objects are hit at that t), and the
// same occlusion for a limit drawn from half to one and a half times the
// nearest hit's distance, so that t_max decides about half the answers.
TEST_P(PacketOnBuiltinScene, WideTreeAgreesWithBinaryTree) {
  const auto scene = builtin_scene(GetParam());
  ASSERT_TRUE(scene.has_value());
  const SceneState state = scene->at(0.0);
  const Bvh bvh = build_bvh(state.objects);
  PlainSceneAccess access(state);
  Pcg32 rng(17);
  int mismatches = 0, occlusion_mismatches = 0, hits = 0, blocked = 0, cut_short = 0;
  for (const Ray& ray : test_rays(state, 100000, 12)) {
    const Hit wide = closest_hit(access, bvh, ray, 0.0f, kInfinity);
    const Hit binary = closest_hit_binary(access, bvh, ray, 0.0f, kInfinity);
    hits += binary.found();
    if (std::memcmp(&wide.t, &binary.t, sizeof(float)) != 0) {
      ++mismatches;
    } else if (wide.object != binary.object &&
               (wide.object >= state.objects.size() ||
                intersect(ray, state.objects[wide.object], 0.0f, kInfinity) != wide.t)) {
      ++mismatches;
    }
    const float limit = binary.found() ? binary.t * rng.uniform(0.5f, 1.5f) : rng.uniform(0.1f, 40.0f);
    const bool expected = occluded_binary(access, bvh, ray, 0.0f, limit);
    blocked += expected;
    cut_short += binary.found() && !expected;
    if (occluded(access, bvh, ray, 0.0f, limit) != expected) ++occlusion_mismatches;
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(occlusion_mismatches, 0);
  EXPECT_GT(hits, 1000);
  EXPECT_GT(blocked, hits / 4);
  EXPECT_GT(cut_short, hits / 4) << "limits short of the nearest hit should often leave the ray unblocked";
}

INSTANTIATE_TEST_SUITE_P(AllScenes, PacketOnBuiltinScene, ::testing::ValuesIn(builtin_scene_names()),
                         [](const auto& info) { return info.param; });

// The wide tree is well formed, which its type alone does not say: every
// child reference is an inner node further down, a leaf range inside
// `indices`, or an empty slot (boxes lo = +inf, hi = -inf) after the full
// ones; every inner node has at least two children; every bounded object is
// reached exactly once; and each child's box contains the objects below it.
// It is also smaller than the binary tree it collapses.
TEST(Packet, WideTreeIsWellFormed) {
  for (const std::string& name : {std::string("spheres"), std::string("cornell"), std::string("stmbench")}) {
    SCOPED_TRACE(name);
    const SceneState state = builtin_scene(name)->at(0.0);
    const Bvh bvh = build_bvh(state.objects);
    ASSERT_FALSE(bvh.wide.empty());
    std::vector<int> reached(state.objects.size(), 0);
    std::vector<int> visits(bvh.wide.size(), 0);
    std::size_t bounded = 0;
    for (const Object& o : state.objects) bounded += is_bounded(o);
    // Returns the union of the boxes of the objects below a child reference.
    std::function<Aabb(std::uint32_t)> walk = [&](std::uint32_t ref) -> Aabb {
      Aabb below;
      if (ref & kWideLeaf) {
        const std::uint32_t count = ((ref & ~kWideLeaf) >> kWideCountShift) + 1;
        const std::uint32_t first = ref & kWideFirstMask;
        EXPECT_LE(count, 4u) << "the builder makes leaves of at most four objects";
        EXPECT_LE(first + count, bvh.indices.size());
        for (std::uint32_t k = first; k < first + count && k < bvh.indices.size(); ++k) {
          const std::uint32_t i = bvh.indices[k];
          EXPECT_LT(i, state.objects.size());
          if (i >= state.objects.size()) continue;
          ++reached[i];
          below.grow(object_bounds(state.objects[i]));
        }
        return below;
      }
      EXPECT_LT(ref, bvh.wide.size());
      if (ref >= bvh.wide.size()) return below;
      EXPECT_EQ(visits[ref]++, 0) << "wide node " << ref << " reached twice";
      const WideNode& node = bvh.wide[ref];
      int full = 0;
      for (int c = 0; c < 4; ++c) {
        if (node.child[c] == kWideEmpty) {
          for (int axis = 0; axis < 3; ++axis) {
            EXPECT_EQ(node.bounds[0][axis][c], kInfinity) << "empty slot " << c << " of node " << ref;
            EXPECT_EQ(node.bounds[1][axis][c], -kInfinity) << "empty slot " << c << " of node " << ref;
          }
          continue;
        }
        EXPECT_EQ(full, c) << "node " << ref << ": a full slot after an empty one";
        ++full;
        if (!(node.child[c] & kWideLeaf)) {
          EXPECT_GT(node.child[c], ref) << "children come after their parent";
        }
        const Aabb child = walk(node.child[c]);
        for (int axis = 0; axis < 3; ++axis) {
          EXPECT_LE(node.bounds[0][axis][c], child.lo[axis]) << "node " << ref << " child " << c;
          EXPECT_GE(node.bounds[1][axis][c], child.hi[axis]) << "node " << ref << " child " << c;
        }
        below.grow(child);
      }
      EXPECT_GE(full, ref == 0 && bounded == 1 ? 1 : 2) << "node " << ref;
      return below;
    };
    (void)walk(0);
    for (std::size_t n = 0; n < visits.size(); ++n) EXPECT_EQ(visits[n], 1) << "wide node " << n << " unreachable";
    for (std::size_t i = 0; i < state.objects.size(); ++i)
      EXPECT_EQ(reached[i], is_bounded(state.objects[i]) ? 1 : 0) << "object " << i;
    EXPECT_EQ(bvh.unbounded.size(), state.objects.size() - bounded);
    // Every wide node replaces at least one binary inner node, most three.
    EXPECT_LT(bvh.wide.size() * 2, bvh.nodes.size());
  }
}

// The steady state of rendering allocates nothing per ray or per tile: the
// tracer, the packets and the traversal stacks live on the stack.
TEST(Packet, RenderingATileAllocatesNothing) {
  const SceneState state = builtin_scene("spheres")->at(0.0);
  const Bvh bvh = build_bvh(state.objects);
  const TraceSetup setup{&bvh, state.background, state.max_depth};
  Film film(64, 36);
  PlainSceneAccess access(state);
  const Tile tile{0, 0, 64, 36, 0};
  NativeKernel::render(access, setup, tile, 0, tile.pixels(), film);  // warm: first-use statics (CPU detection)
  const std::uint64_t before = g_allocations.load();
  const std::uint64_t rays = NativeKernel::render(access, setup, tile, 0, tile.pixels(), film);
  EXPECT_EQ(g_allocations.load() - before, 0u) << "allocations while tracing " << rays << " rays";
  EXPECT_GT(rays, 64u * 36u);
}

}  // namespace
}  // namespace txray
