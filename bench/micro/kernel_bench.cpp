// Micro-benchmarks of the native kernel's pieces (Google Benchmark), on the
// `spheres` scene (RTIOW final scene, 485 spheres), rays generated before
// the timed loop:
//   one sphere test                               BM_SphereTest
//   nearest hit, binary tree (the first traversal) BM_ClosestHit/binary/<rays>
//   nearest hit, wide tree with SSE node tests     BM_ClosestHit/wide/<rays>
//   nearest hit, 8-ray packets, portable / AVX2    BM_ClosestHitPacket/<isa>
//   shadow rays, single and 8-ray packets          BM_Occluded/*, BM_OccludedPacket/<isa>
//   shading one primary hit (two lights, hard shadows, reflections)   BM_Shade
//   the same, eight hits shaded together as the renderer does   BM_ShadePacket
//   a 16x16 tile through the renderer's entry, plain and `snapshot` / `stm` reads   BM_RenderTile/*
// items_per_second is rays per second. JSON kept in bench/results/ (see
// README.md) so that a later change can be compared with compare.py.
#include <benchmark/benchmark.h>

#include <vector>

#include "renderer/bvh.h"
#include "renderer/camera.h"
#include "renderer/packet.h"
#include "renderer/random.h"
#include "renderer/render.h"
#include "renderer/scene_access.h"
#include "renderer/shared_scene.h"
#include "renderer/whitted.h"
#include "scenes/scene.h"

namespace {

using namespace txray;

struct Fixture {
  SceneState state = builtin_scene("spheres")->at(0.0);
  Bvh bvh = build_bvh(state.objects);
  std::vector<Ray> primary, diffuse;
  std::vector<Hit> primary_hits;

  Fixture() {
    // 320x180 primary rays in 4x2 blocks (packet order), then one diffuse
    // bounce from each hit.
    const CameraRays camera(state.camera, 320, 180);
    for (int y0 = 0; y0 < 180; y0 += 2)
      for (int x0 = 0; x0 < 320; x0 += 4)
        for (int y = y0; y < y0 + 2; ++y)
          for (int x = x0; x < x0 + 4; ++x) primary.push_back(camera.primary(x, y));
    PlainSceneAccess access(state);
    Pcg32 rng(9);
    for (const Ray& r : primary) {
      const Hit h = closest_hit(access, bvh, r, 0.0f, kInfinity);
      primary_hits.push_back(h);
      if (!h.found()) continue;
      const Vec3 p = r.origin + h.t * r.direction;
      Vec3 n = surface_normal(state.objects[h.object], p);
      if (glm::dot(n, r.direction) > 0.0f) n = -n;
      Vec3 d;
      do d = Vec3(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1));
      while (glm::dot(d, d) > 1.0f || glm::dot(d, d) < 1e-4f);
      d = glm::normalize(d);
      if (glm::dot(d, n) < 0.0f) d = -d;
      diffuse.push_back({p + surface_offset(p) * n, d});
    }
  }
  static Fixture& get() {
    static Fixture f;
    return f;
  }
};

void BM_SphereTest(benchmark::State& state) {
  Fixture& f = Fixture::get();
  const Object& o = f.state.objects[100];
  std::size_t k = 0;
  for (auto _ : state) {
    const Ray& r = f.primary[k++ % f.primary.size()];
    benchmark::DoNotOptimize(intersect_sphere(r, o.center, o.radius, 0.0f, kInfinity));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_SphereTest);

template <bool Wide>
void BM_ClosestHit(benchmark::State& state) {
  Fixture& f = Fixture::get();
  const std::vector<Ray>& rays = state.range(0) == 0 ? f.primary : f.diffuse;
  PlainSceneAccess access(f.state);
  for (auto _ : state)
    for (const Ray& r : rays) {
      const Hit h = Wide ? closest_hit(access, f.bvh, r, 0.0f, kInfinity) : closest_hit_binary(access, f.bvh, r, 0.0f, kInfinity);
      benchmark::DoNotOptimize(h);
    }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rays.size()));
  state.SetLabel(state.range(0) == 0 ? "primary" : "diffuse");
}
BENCHMARK(BM_ClosestHit<false>)->Name("BM_ClosestHit/binary")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ClosestHit<true>)->Name("BM_ClosestHit/wide")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_ClosestHitPacket(benchmark::State& state) {
  Fixture& f = Fixture::get();
  const auto isa = static_cast<PacketIsa>(state.range(0));
  if (isa == PacketIsa::avx2 && detected_packet_isa() != PacketIsa::avx2) return state.SkipWithError("no AVX2");
  PlainSceneAccess access(f.state);
  RayPacket packet;
  HitPacket out;
  for (auto _ : state)
    for (std::size_t k = 0; k < f.primary.size(); k += kPacketSize) {
      for (int l = 0; l < kPacketSize; ++l) packet.set(l, f.primary[k + static_cast<std::size_t>(l)]);
      closest_hit_packet(access, f.bvh, packet, 0.0f, out, isa);
      benchmark::DoNotOptimize(out);
    }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.primary.size()));
  state.SetLabel(packet_isa_name(isa));
}
BENCHMARK(BM_ClosestHitPacket)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Shadow rays towards the key light from every primary hit.
struct Shadows {
  std::vector<Ray> rays;
  std::vector<float> t_max;
  static Shadows& get() {
    static Shadows s = [] {
      Shadows out;
      Fixture& f = Fixture::get();
      const Vec3 light = f.state.lights[0].position;
      for (std::size_t k = 0; k < f.primary.size(); ++k) {
        const Hit& h = f.primary_hits[k];
        const Vec3 p = h.found() ? f.primary[k].origin + h.t * f.primary[k].direction : Vec3(0.0f, 0.01f, 0.0f);
        const Vec3 from = p + surface_offset(p) * glm::normalize(light - p);
        out.rays.push_back({from, glm::normalize(light - from)});
        out.t_max.push_back(glm::length(light - from));
      }
      return out;
    }();
    return s;
  }
};

void BM_Occluded(benchmark::State& state) {
  Fixture& f = Fixture::get();
  Shadows& s = Shadows::get();
  PlainSceneAccess access(f.state);
  for (auto _ : state)
    for (std::size_t k = 0; k < s.rays.size(); ++k) benchmark::DoNotOptimize(occluded(access, f.bvh, s.rays[k], 0.0f, s.t_max[k]));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.rays.size()));
}
BENCHMARK(BM_Occluded)->Unit(benchmark::kMillisecond);

void BM_OccludedPacket(benchmark::State& state) {
  Fixture& f = Fixture::get();
  Shadows& s = Shadows::get();
  const auto isa = static_cast<PacketIsa>(state.range(0));
  if (isa == PacketIsa::avx2 && detected_packet_isa() != PacketIsa::avx2) return state.SkipWithError("no AVX2");
  PlainSceneAccess access(f.state);
  RayPacket packet;
  for (auto _ : state)
    for (std::size_t k = 0; k < s.rays.size(); k += kPacketSize) {
      for (int l = 0; l < kPacketSize; ++l) packet.set(l, s.rays[k + static_cast<std::size_t>(l)]);
      benchmark::DoNotOptimize(occluded_packet(access, f.bvh, packet, 0.0f, &s.t_max[k], 0xffu, isa));
    }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.rays.size()));
  state.SetLabel(packet_isa_name(isa));
}
BENCHMARK(BM_OccludedPacket)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Shading alone: the hit is known; what remains is the material, the
// lights, their shadow rays and the mirror/glass rays.
void BM_Shade(benchmark::State& state) {
  Fixture& f = Fixture::get();
  PlainSceneAccess access(f.state);
  const TraceSetup setup{&f.bvh, f.state.background, f.state.max_depth};
  std::uint64_t rays = 0;
  for (auto _ : state) {
    WhittedTracer<PlainSceneAccess> tracer(access, setup);
    for (std::size_t k = 0; k < f.primary.size(); ++k) benchmark::DoNotOptimize(tracer.shade(f.primary[k], f.primary_hits[k], 0));
    rays += tracer.rays();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.primary.size()));
  state.counters["rays/hit"] = static_cast<double>(rays) / static_cast<double>(state.iterations() * f.primary.size());
}
BENCHMARK(BM_Shade)->Unit(benchmark::kMillisecond);

// The same hits shaded the renderer's way, eight lanes together
// (WhittedTracer::shade_packet: the lanes' arithmetic, their shadow,
// mirror and glass rays as packets). The hits come from the packet
// traversal, before the timed loop, with the CPU's best ISA.
void BM_ShadePacket(benchmark::State& state) {
  Fixture& f = Fixture::get();
  PlainSceneAccess access(f.state);
  const TraceSetup setup{&f.bvh, f.state.background, f.state.max_depth};
  std::vector<RayPacket> packets(f.primary.size() / kPacketSize);
  std::vector<HitPacket> hits(packets.size());
  for (std::size_t k = 0; k < packets.size(); ++k) {
    for (int l = 0; l < kPacketSize; ++l) packets[k].set(l, f.primary[k * kPacketSize + static_cast<std::size_t>(l)]);
    closest_hit_packet(access, f.bvh, packets[k], 0.0f, hits[k]);
  }
  std::uint64_t rays = 0;
  for (auto _ : state) {
    WhittedTracer<PlainSceneAccess> tracer(access, setup);
    Vec3 colors[kPacketSize];
    for (std::size_t k = 0; k < packets.size(); ++k) {
      tracer.shade_packet(packets[k], hits[k], 0, colors);
      benchmark::DoNotOptimize(colors);
    }
    rays += tracer.rays();
  }
  const auto shaded = static_cast<std::int64_t>(packets.size()) * kPacketSize;
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * shaded);
  state.counters["rays/hit"] = static_cast<double>(rays) / static_cast<double>(state.iterations() * shaded);
}
BENCHMARK(BM_ShadePacket)->Unit(benchmark::kMillisecond);

// One 16x16 tile of the 640x360 frame through the renderer's entry: plain
// reads, then inside a `snapshot` and an `stm` unit (the read barriers).
template <class Backend>
void BM_RenderTileOn(benchmark::State& state) {
  Fixture& f = Fixture::get();
  const TraceSetup setup{&f.bvh, f.state.background, f.state.max_depth};
  Film film(640, 360);
  const Tile tile{320, 176, 336, 192, 0};
  std::uint64_t rays = 0;
  if constexpr (std::is_void_v<Backend>) {
    PlainSceneAccess access(f.state);
    for (auto _ : state) rays += NativeKernel::render(access, setup, tile, 0, tile.pixels(), film);
  } else {
    Backend backend(1);
    SharedScene<Backend> scene(f.state);
    sync::Session<Backend> session(backend, 0);
    for (auto _ : state)
      rays += backend.run(0, [&](typename Backend::Unit& unit) {
        BackendSceneAccess<Backend> access(unit, scene);
        return NativeKernel::render(access, setup, tile, 0, tile.pixels(), film);
      });
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(rays));
}
BENCHMARK(BM_RenderTileOn<void>)->Name("BM_RenderTile/plain")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RenderTileOn<sync::SnapshotBackend>)->Name("BM_RenderTile/snapshot")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RenderTileOn<sync::StmBackend>)->Name("BM_RenderTile/stm")->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
