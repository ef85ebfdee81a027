// txray's native traversal beside Embree 3 on the same scene and the same
// rays. Rays are generated once, before any timing; every kernel writes the
// nearest hit of every ray into its own array, and the hits are compared
// (same nearest object, t within tolerance) so that the figures are for
// equal work. Kernels alternate within each round, and the ratio is taken
// per round, so that load from other processes on a shared machine hits
// both sides of a ratio alike.
#include <embree3/rtcore.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "renderer/bvh.h"
#include "renderer/camera.h"
#include "renderer/mesh.h"
#include "renderer/packet.h"
#include "renderer/random.h"
#include "renderer/render.h"
#include "renderer/scene_access.h"
#include "renderer/whitted.h"
#include "scenes/scene.h"

namespace {

using namespace txray;

struct Options {
  std::string scene = "spheres";
  std::string mesh;  ///< an OBJ file: compare on its triangles instead of the scene's spheres
  int width = 1280, height = 720;
  int rounds = 5;
  std::vector<int> threads;
  std::string json;
};

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

// Primary rays in 8x8 tiles (row-major tiles), each tile as eight 4x2
// blocks: ray 8k..8k+7 is one block, the packet both coherent paths trace.
std::vector<Ray> primary_rays(const Camera& camera, int width, int height) {
  const CameraRays cam(camera, width, height);
  std::vector<Ray> rays;
  rays.reserve(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
  for (int ty = 0; ty < height; ty += 8)
    for (int tx = 0; tx < width; tx += 8)
      for (int by = 0; by < 8; by += 2)
        for (int bx = 0; bx < 8; bx += 4)
          for (int y = ty + by; y < ty + by + 2; ++y)
            for (int x = tx + bx; x < tx + bx + 4; ++x) rays.push_back(cam.primary(x, y));
  return rays;
}

// One cosine-weighted diffuse bounce from each primary hit, in the same
// order (misses make no ray), from just above the surface.
std::vector<Ray> diffuse_rays(const SceneState& state, const std::vector<Ray>& primary, const std::vector<Hit>& hits) {
  std::vector<Ray> rays;
  Pcg32 rng(2024);
  for (std::size_t k = 0; k < primary.size(); ++k) {
    if (!hits[k].found()) continue;
    const Ray& r = primary[k];
    const Object& o = state.objects[hits[k].object];
    const Vec3 p = r.origin + hits[k].t * r.direction;
    Vec3 n;
    if (o.kind == ShapeKind::instance) {
      (void)instance_normal(o, hits[k].mesh, n);  // the triangle's own normal
    } else {
      n = surface_normal(o, p);
    }
    if (glm::dot(n, r.direction) > 0.0f) n = -n;
    const Vec3 a = std::abs(n.x) > 0.9f ? Vec3(0.0f, 1.0f, 0.0f) : Vec3(1.0f, 0.0f, 0.0f);
    const Vec3 t = glm::normalize(glm::cross(a, n)), b = glm::cross(n, t);
    const float u1 = rng.next_float(), u2 = rng.next_float();
    const float radius = std::sqrt(u1), phi = 6.28318530718f * u2;
    const Vec3 d = glm::normalize(radius * std::cos(phi) * t + radius * std::sin(phi) * b +
                                  std::sqrt(std::max(0.0f, 1.0f - u1)) * n);
    rays.push_back({p + surface_offset(p) * n, d});
  }
  return rays;
}

// A kernel traces rays [begin, end) (a multiple of 8 apart, except at the
// very end) into hits[begin, end).
using Kernel = std::function<void(const std::vector<Ray>&, std::size_t, std::size_t, std::vector<Hit>&)>;

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

struct Throughput {
  double wall = 0.0;  ///< Mrays per wall-clock second, all threads
  double cpu = 0.0;   ///< Mrays per CPU second, summed over the threads: what load from other processes inflates least
};

Throughput run_kernel(const Kernel& kernel, const std::vector<Ray>& rays, std::vector<Hit>& hits, int threads) {
  constexpr std::size_t kChunk = 512;  // rays per grab: 64 packets, 8 tiles' worth of blocks
  std::atomic<std::size_t> next{0};
  std::vector<double> cpu(static_cast<std::size_t>(threads), 0.0);
  auto worker = [&](std::size_t w) {
    FlushDenormals ftz;
    const double c0 = thread_cpu_seconds();
    for (;;) {
      const std::size_t begin = next.fetch_add(kChunk, std::memory_order_relaxed);
      if (begin >= rays.size()) break;
      kernel(rays, begin, std::min(rays.size(), begin + kChunk), hits);
    }
    cpu[w] = thread_cpu_seconds() - c0;
  };
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int k = 1; k < threads; ++k) pool.emplace_back(worker, static_cast<std::size_t>(k));
  worker(0);
  for (std::thread& t : pool) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu_total = 0.0;
  for (double c : cpu) cpu_total += c;
  const double n = static_cast<double>(rays.size()) * 1e-6;
  return {n / seconds, n / std::max(cpu_total, 1e-9)};
}

struct Agreement {
  std::size_t same = 0, total = 0;
  float worst_dt = 0.0f;
};

Agreement compare(const std::vector<Hit>& a, const std::vector<Hit>& b) {
  Agreement g;
  g.total = a.size();
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].object != b[k].object) continue;
    if (!a[k].found()) {
      ++g.same;
      continue;
    }
    const float dt = std::abs(a[k].t - b[k].t) / std::max(1.0f, a[k].t);
    g.worst_dt = std::max(g.worst_dt, dt);
    if (dt <= 1e-3f) ++g.same;
  }
  return g;
}

// A whole number in [1, max] for `flag`, or a one-line refusal and exit 2.
int positive_int(const std::string& flag, std::string_view text, int max) {
  int v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1 || v > max) {
    std::fprintf(stderr, "embree_compare: %s '%.*s': expected a whole number from 1 to %d\n", flag.c_str(),
                 static_cast<int>(text.size()), text.data(), max);
    std::exit(2);
  }
  return v;
}

std::vector<int> parse_list(const std::string& flag, std::string_view s) {
  std::vector<int> out;
  while (true) {
    const std::size_t comma = s.find(',');
    out.push_back(positive_int(flag, s.substr(0, comma), 1024));
    if (comma == std::string_view::npos) return out;
    s.remove_prefix(comma + 1);
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0.0 : (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--scene") opt.scene = value();
    else if (a == "--mesh") opt.mesh = value();
    else if (a == "--size") {
      const std::string_view v = value();
      const std::size_t x = v.find('x');
      if (x == std::string_view::npos) {
        std::fprintf(stderr, "embree_compare: --size '%s': expected WxH\n", argv[i]);
        return 2;
      }
      opt.width = positive_int(a, v.substr(0, x), 16384);
      opt.height = positive_int(a, v.substr(x + 1), 16384);
    } else if (a == "--rounds") opt.rounds = positive_int(a, value(), 1000);
    else if (a == "--threads") opt.threads = parse_list(a, value());
    else if (a == "--json") opt.json = value();
    else {
      std::printf(
          "usage: embree_compare [--scene spheres | --mesh FILE.obj] [--size 1280x720] [--rounds 5] [--threads 1,2] "
          "[--json FILE]\n");
      return a == "--help" ? 0 : 2;
    }
  }
  if (opt.threads.empty()) opt.threads = {1, static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))};
  if (opt.width % 8 || opt.height % 8) {
    std::fprintf(stderr, "--size must be a multiple of 8 both ways (8x8 tiles)\n");
    return 2;
  }

  // Spheres: a scene of them. Triangles: one mesh, as one instance with no
  // transformation (the mesh's own frame is the world), seen from a
  // three-quarter view that frames its box.
  SceneState state;
  std::string what;
  double txray_build_ms = 0.0;
  if (opt.mesh.empty()) {
    state = resolve_scene(opt.scene).at(0.0);
    for (const Object& o : state.objects)
      if (o.kind != ShapeKind::sphere) {
        std::fprintf(stderr, "scene %s has non-sphere objects; Embree's SPHERE_POINT cannot hold them (--mesh compares "
                     "triangles)\n", opt.scene.c_str());
        return 2;
      }
    what = "scene " + opt.scene + " (" + std::to_string(state.objects.size()) + " spheres)";
  } else {
    try {
      MeshData data = load_obj_file(opt.mesh, opt.mesh);
      const auto t0 = std::chrono::steady_clock::now();
      state.meshes.push_back(build_mesh(std::move(data)));
      txray_build_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    } catch (const SceneError& e) {
      std::fprintf(stderr, "embree_compare: %s\n", e.what());
      return 2;
    }
    const Mesh& mesh = *state.meshes.front();
    state.objects.push_back(make_instance(mesh, Vec3(0.0f), 1.0f, 0.0f, 0));
    state.materials.emplace_back();
    const float reach = glm::length(mesh.bounds.hi);
    state.camera.position = Vec3(0.8f, 0.45f, 1.4f) * (2.2f * reach);
    state.camera.look_at = Vec3(0.0f);
    state.camera.vfov_degrees = 35.0f;
    what = "mesh " + opt.mesh + " (" + std::to_string(mesh.triangles.size()) + " triangles)";
  }
  const bool triangles = !opt.mesh.empty();
  const Bvh bvh = build_bvh(state.objects);
  PlainSceneAccess access(state);

  // Embree: the spheres as one SPHERE_POINT geometry, primID = object
  // index; or the mesh as one TRIANGLE geometry (its hits map to object 0).
  RTCDevice device = rtcNewDevice("threads=1");
  RTCScene scene = rtcNewScene(device);
  rtcSetSceneBuildQuality(scene, RTC_BUILD_QUALITY_HIGH);
  const auto embree_t0 = std::chrono::steady_clock::now();
  if (!triangles) {
    RTCGeometry geometry = rtcNewGeometry(device, RTC_GEOMETRY_TYPE_SPHERE_POINT);
    auto* xyzr = static_cast<float*>(rtcSetNewGeometryBuffer(geometry, RTC_BUFFER_TYPE_VERTEX, 0, RTC_FORMAT_FLOAT4,
                                                             4 * sizeof(float), state.objects.size()));
    for (std::size_t i = 0; i < state.objects.size(); ++i) {
      xyzr[4 * i + 0] = state.objects[i].center.x;
      xyzr[4 * i + 1] = state.objects[i].center.y;
      xyzr[4 * i + 2] = state.objects[i].center.z;
      xyzr[4 * i + 3] = state.objects[i].radius;
    }
    rtcCommitGeometry(geometry);
    rtcAttachGeometry(scene, geometry);
    rtcReleaseGeometry(geometry);
  } else {
    const Mesh& mesh = *state.meshes.front();
    RTCGeometry geometry = rtcNewGeometry(device, RTC_GEOMETRY_TYPE_TRIANGLE);
    rtcSetGeometryBuildQuality(geometry, RTC_BUILD_QUALITY_HIGH);
    auto* v = static_cast<float*>(rtcSetNewGeometryBuffer(geometry, RTC_BUFFER_TYPE_VERTEX, 0, RTC_FORMAT_FLOAT3,
                                                          3 * sizeof(float), mesh.positions.size()));
    for (std::size_t i = 0; i < mesh.positions.size(); ++i)
      for (int a = 0; a < 3; ++a) v[3 * i + static_cast<std::size_t>(a)] = mesh.positions[i][a];
    auto* index = static_cast<unsigned*>(rtcSetNewGeometryBuffer(geometry, RTC_BUFFER_TYPE_INDEX, 0, RTC_FORMAT_UINT3,
                                                                 3 * sizeof(unsigned), mesh.triangles.size()));
    for (std::size_t i = 0; i < mesh.triangles.size(); ++i)
      for (int c = 0; c < 3; ++c) index[3 * i + static_cast<std::size_t>(c)] = mesh.triangles[i][static_cast<std::size_t>(c)];
    rtcCommitGeometry(geometry);
    rtcAttachGeometry(scene, geometry);
    rtcReleaseGeometry(geometry);
  }
  rtcCommitScene(scene);
  const double embree_build_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - embree_t0).count();
  // Embree's primID is the sphere's object index, or a triangle of object 0.
  auto object_of = [triangles](unsigned prim) { return triangles ? 0u : prim; };

  const Kernel embree1 = [&](const std::vector<Ray>& rays, std::size_t begin, std::size_t end, std::vector<Hit>& hits) {
    RTCIntersectContext context;
    rtcInitIntersectContext(&context);
    for (std::size_t k = begin; k < end; ++k) {
      RTCRayHit rh;
      rh.ray.org_x = rays[k].origin.x;
      rh.ray.org_y = rays[k].origin.y;
      rh.ray.org_z = rays[k].origin.z;
      rh.ray.dir_x = rays[k].direction.x;
      rh.ray.dir_y = rays[k].direction.y;
      rh.ray.dir_z = rays[k].direction.z;
      rh.ray.tnear = 0.0f;
      rh.ray.tfar = kInfinity;
      rh.ray.time = 0.0f;
      rh.ray.mask = 0xffffffffu;
      rh.ray.id = 0;
      rh.ray.flags = 0;
      rh.hit.geomID = RTC_INVALID_GEOMETRY_ID;
      rh.hit.instID[0] = RTC_INVALID_GEOMETRY_ID;
      rtcIntersect1(scene, &context, &rh);
      hits[k] = rh.hit.geomID == RTC_INVALID_GEOMETRY_ID ? Hit{} : Hit{rh.ray.tfar, object_of(rh.hit.primID)};
    }
  };
  const Kernel embree8 = [&](const std::vector<Ray>& rays, std::size_t begin, std::size_t end, std::vector<Hit>& hits) {
    RTCIntersectContext context;
    rtcInitIntersectContext(&context);
    context.flags = RTC_INTERSECT_CONTEXT_FLAG_COHERENT;
    alignas(32) RTCRayHit8 rh;
    alignas(32) int valid[8];
    for (std::size_t k0 = begin; k0 < end; k0 += 8) {
      for (int l = 0; l < 8; ++l) {
        const std::size_t k = k0 + static_cast<std::size_t>(l);
        valid[l] = k < end ? -1 : 0;
        const Ray& r = rays[std::min(k, end - 1)];
        rh.ray.org_x[l] = r.origin.x;
        rh.ray.org_y[l] = r.origin.y;
        rh.ray.org_z[l] = r.origin.z;
        rh.ray.dir_x[l] = r.direction.x;
        rh.ray.dir_y[l] = r.direction.y;
        rh.ray.dir_z[l] = r.direction.z;
        rh.ray.tnear[l] = 0.0f;
        rh.ray.tfar[l] = kInfinity;
        rh.ray.time[l] = 0.0f;
        rh.ray.mask[l] = 0xffffffffu;
        rh.ray.id[l] = 0;
        rh.ray.flags[l] = 0;
        rh.hit.geomID[l] = RTC_INVALID_GEOMETRY_ID;
        rh.hit.instID[0][l] = RTC_INVALID_GEOMETRY_ID;
      }
      rtcIntersect8(valid, scene, &context, &rh);
      for (int l = 0; l < 8 && k0 + static_cast<std::size_t>(l) < end; ++l)
        hits[k0 + static_cast<std::size_t>(l)] =
            rh.hit.geomID[l] == RTC_INVALID_GEOMETRY_ID ? Hit{} : Hit{rh.ray.tfar[l], object_of(rh.hit.primID[l])};
    }
  };
  const Kernel txray_wide = [&](const std::vector<Ray>& rays, std::size_t begin, std::size_t end, std::vector<Hit>& hits) {
    for (std::size_t k = begin; k < end; ++k) hits[k] = closest_hit(access, bvh, rays[k], 0.0f, kInfinity);
  };
  // The mesh's own traversal, without the instance above it: what the
  // top level and the ray's transformation cost.
  const Kernel txray_mesh = [&](const std::vector<Ray>& rays, std::size_t begin, std::size_t end, std::vector<Hit>& hits) {
    const Mesh& mesh = *state.meshes.front();
    for (std::size_t k = begin; k < end; ++k) {
      MeshPoint at;
      const float t = closest_hit_mesh(mesh, rays[k], 0.0f, kInfinity, at);
      hits[k] = t == kInfinity ? Hit{} : Hit{t, 0, at};
    }
  };
  const Kernel txray_binary = [&](const std::vector<Ray>& rays, std::size_t begin, std::size_t end, std::vector<Hit>& hits) {
    for (std::size_t k = begin; k < end; ++k) hits[k] = closest_hit_binary(access, bvh, rays[k], 0.0f, kInfinity);
  };
  auto packet_kernel = [&](PacketIsa isa) -> Kernel {
    return [&, isa](const std::vector<Ray>& rays, std::size_t begin, std::size_t end, std::vector<Hit>& hits) {
      RayPacket packet;
      HitPacket out;
      for (std::size_t k0 = begin; k0 < end; k0 += kPacketSize) {
        packet.count = static_cast<int>(std::min<std::size_t>(kPacketSize, end - k0));
        for (int l = 0; l < packet.count; ++l) packet.set(l, rays[k0 + static_cast<std::size_t>(l)]);
        closest_hit_packet(access, bvh, packet, 0.0f, out, isa);
        for (int l = 0; l < packet.count; ++l) hits[k0 + static_cast<std::size_t>(l)] = out.hit(l);
      }
    };
  };

  const PacketIsa isa = detected_packet_isa();
  struct Entry {
    const char* name;
    Kernel kernel;
    const char* against;  // the Embree kernel its ratio is taken against
  };
  std::vector<Entry> primary_kernels = {
      {"embree rtcIntersect1", embree1, nullptr},
      {"txray closest_hit (wide BVH4, SSE)", txray_wide, "embree rtcIntersect1"},
      {"embree rtcIntersect8 coherent", embree8, nullptr},
      {isa == PacketIsa::avx2 ? "txray closest_hit_packet (8 rays, avx2)" : "txray closest_hit_packet (8 rays, portable)",
       packet_kernel(isa), "embree rtcIntersect8 coherent"},
      {"txray closest_hit_packet (8 rays, portable)", packet_kernel(PacketIsa::portable), "embree rtcIntersect8 coherent"},
      {"txray closest_hit_binary (baseline)", txray_binary, "embree rtcIntersect1"},
  };
  if (isa != PacketIsa::avx2) primary_kernels.erase(primary_kernels.begin() + 4);
  if (triangles) {
    // The binary tree has one object above the mesh: no baseline there.
    primary_kernels.back() = {"txray closest_hit_mesh (the mesh's BVH4, no instance)", txray_mesh,
                              "embree rtcIntersect1"};
  }
  std::vector<Entry> diffuse_kernels = {primary_kernels[0], primary_kernels[1], primary_kernels.back()};

  const std::vector<Ray> primary = primary_rays(state.camera, opt.width, opt.height);
  std::vector<Hit> reference(primary.size());
  run_kernel(txray_wide, primary, reference, 1);
  const std::vector<Ray> diffuse = diffuse_rays(state, primary, reference);
  std::vector<Hit> diffuse_reference(diffuse.size());
  run_kernel(txray_wide, diffuse, diffuse_reference, 1);

  const std::string load_before = load_average();
  std::printf("embree_compare: %s, %dx%d, %zu primary and %zu diffuse rays, %d rounds, "
              "embree %d.%d.%d, packet isa %s\n",
              what.c_str(), opt.width, opt.height, primary.size(), diffuse.size(),
              opt.rounds, RTC_VERSION_MAJOR, RTC_VERSION_MINOR, RTC_VERSION_PATCH, packet_isa_name(isa));
  if (triangles) {
    std::printf("build: txray mesh BVH %.1f ms (oneTBB, this machine's threads), embree (quality high, threads=1) "
                "%.1f ms\n", txray_build_ms, embree_build_ms);
  }
  std::printf("load average before: %s\n", load_before.c_str());

  struct Row {
    std::string set, kernel, against;
    int threads;
    std::vector<double> mrays, ratios, cpu_mrays, cpu_ratios;
    Agreement agreement;
  };
  std::vector<Row> rows;
  for (int round = 0; round < opt.rounds; ++round) {
    std::size_t row = 0;
    for (const char* set : {"primary", "diffuse"}) {
      const bool is_primary = std::string(set) == "primary";
      const std::vector<Ray>& rays = is_primary ? primary : diffuse;
      const std::vector<Hit>& ref = is_primary ? reference : diffuse_reference;
      const std::vector<Entry>& kernels = is_primary ? primary_kernels : diffuse_kernels;
      std::vector<Hit> hits(rays.size());
      for (int threads : opt.threads) {
        std::map<std::string, Throughput> this_round;
        for (const Entry& e : kernels) {
          if (round == 0) rows.push_back({set, e.name, e.against ? e.against : "", threads, {}, {}, {}, {}, {}});
          Row& r = rows[row++];
          const Throughput got = run_kernel(e.kernel, rays, hits, threads);
          r.mrays.push_back(got.wall);
          r.cpu_mrays.push_back(got.cpu);
          this_round[e.name] = got;
          if (e.against) {
            r.ratios.push_back(got.wall / this_round[e.against].wall);
            r.cpu_ratios.push_back(got.cpu / this_round[e.against].cpu);
          }
          if (round == 0) r.agreement = compare(ref, hits);
        }
      }
    }
  }
  const std::string load_after = load_average();

  std::printf("\nMrays/s: medians over rounds of wall-clock throughput (all threads) and of rays per CPU-second\n"
              "(summed over threads; less sensitive to other processes' load). Ratios: per round, then the median.\n");
  std::printf("\n| ray set | threads | kernel | Mrays/s wall | min..max | Mrays/CPU-s | ratio vs | wall ratio | CPU ratio | agree with txray |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Row& r : rows) {
    const auto [lo, hi] = std::minmax_element(r.mrays.begin(), r.mrays.end());
    char ratio[64] = "", cpu_ratio[64] = "";
    if (!r.ratios.empty()) std::snprintf(ratio, sizeof ratio, "%.2fx", median(r.ratios));
    if (!r.cpu_ratios.empty()) std::snprintf(cpu_ratio, sizeof cpu_ratio, "%.2fx", median(r.cpu_ratios));
    std::printf("| %s | %d | %s | %.2f | %.2f..%.2f | %.2f | %s | %s | %s | %.4f%% (worst dt %.1e) |\n", r.set.c_str(),
                r.threads, r.kernel.c_str(), median(r.mrays), *lo, *hi, median(r.cpu_mrays), r.against.c_str(), ratio,
                cpu_ratio,
                100.0 * static_cast<double>(r.agreement.same) / static_cast<double>(std::max<std::size_t>(1, r.agreement.total)),
                static_cast<double>(r.agreement.worst_dt));
  }
  std::printf("\nload average after: %s\n", load_after.c_str());

  if (!opt.json.empty()) {
    std::ofstream f(opt.json);
    f << "{\n  \"scene\": \"" << (triangles ? opt.mesh : opt.scene) << "\", \"width\": " << opt.width << ", \"height\": " << opt.height
      << ", \"rounds\": " << opt.rounds << ",\n  \"load_before\": \"" << load_before << "\", \"load_after\": \""
      << load_after << "\",\n  \"packet_isa\": \"" << packet_isa_name(isa) << "\",\n  \"rows\": [\n";
    for (std::size_t k = 0; k < rows.size(); ++k) {
      const Row& r = rows[k];
      f << "    {\"set\": \"" << r.set << "\", \"threads\": " << r.threads << ", \"kernel\": \"" << r.kernel
        << "\", \"mrays_median\": " << median(r.mrays) << ", \"mrays_per_cpu_second_median\": " << median(r.cpu_mrays)
        << ", \"against\": \"" << r.against << "\", \"ratio_median\": " << median(r.ratios)
        << ", \"cpu_ratio_median\": " << median(r.cpu_ratios) << ", \"agree\": "
        << static_cast<double>(r.agreement.same) / static_cast<double>(std::max<std::size_t>(1, r.agreement.total)) << "}"
        << (k + 1 < rows.size() ? ",\n" : "\n");
    }
    f << "  ]\n}\n";
  }
  rtcReleaseScene(scene);
  rtcReleaseDevice(device);
  return 0;
}
