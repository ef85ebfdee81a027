// The built-in scenes. Each is also stored in assets/scenes/<name>.json
// (generated from here by export_builtin_scenes); tests/scenes checks that
// the two agree bit for bit. Sources of every value are in scenes/README.md.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include <glm/geometric.hpp>

#include "renderer/random.h"
#include "scenes/scene.h"

namespace txray {

namespace {

std::shared_ptr<const Mesh> shipped_model(const std::string& model);

/// Appends materials, objects and lights to a SceneDescription, keeping the
/// motions and material names in step with the objects and materials.
class SceneBuilder {
 public:
  SceneBuilder(std::string name, std::string description, int width, int height) {
    scene_.name = std::move(name);
    scene_.description = std::move(description);
    scene_.width = width;
    scene_.height = height;
  }

  SceneBuilder& camera(Vec3 position, Vec3 look_at, float vfov_degrees) {
    scene_.initial.camera = Camera{position, look_at, Vec3(0.0f, 1.0f, 0.0f), vfov_degrees};
    return *this;
  }
  SceneBuilder& background(Vec3 color) {
    scene_.initial.background = color;
    return *this;
  }
  SceneBuilder& max_depth(int depth) {
    scene_.initial.max_depth = depth;
    return *this;
  }
  std::uint32_t material(std::string name, const Material& m) {
    scene_.initial.materials.push_back(m);
    scene_.material_names.push_back(std::move(name));
    return static_cast<std::uint32_t>(scene_.initial.materials.size() - 1);
  }
  void sphere(std::uint32_t material, Vec3 center, float radius, const Motion& motion = {}) {
    Object o;
    o.kind = ShapeKind::sphere;
    o.material = material;
    o.center = center;
    o.radius = radius;
    add(o, motion);
  }
  void plane(std::uint32_t material, Vec3 point, Vec3 normal) {
    Object o;
    o.kind = ShapeKind::plane;
    o.material = material;
    o.center = point;
    o.normal = normal;
    add(o, {});
  }
  void box(std::uint32_t material, Vec3 center, Vec3 half_size) {
    Object o;
    o.kind = ShapeKind::box;
    o.material = material;
    o.center = center;
    o.half_size = half_size;
    add(o, {});
  }
  /// A model shipped in assets/models/, named as a scene file in
  /// assets/scenes/ names it, so that the exported JSON loads the same mesh.
  const Mesh& mesh(const std::string& model) {
    std::shared_ptr<const Mesh> m = shipped_model(model);
    scene_.initial.meshes.push_back(m);
    return *m;
  }
  void instance(const Mesh& mesh, std::uint32_t material, Vec3 position, float scale, float yaw_degrees,
                const Motion& motion = {}) {
    add(make_instance(mesh, position, scale, yaw_degrees, material), motion);
  }
  void light(Vec3 position, Vec3 color) { scene_.initial.lights.push_back(Light{position, color}); }

  SceneDescription take() { return std::move(scene_); }

 private:
  void add(const Object& o, const Motion& motion) {
    scene_.initial.objects.push_back(o);
    scene_.motions.push_back(motion);
  }
  SceneDescription scene_;
};

/// Loads and builds a model of assets/models/ once per process: the meshes
/// are immutable, so every built-in scene made after the first shares them
/// (tests make the same scene many times).
std::shared_ptr<const Mesh> shipped_model(const std::string& model) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const Mesh>> cache;
  const std::lock_guard lock(mutex);
  std::shared_ptr<const Mesh>& slot = cache[model];
  if (!slot) {
    const std::string file = "../models/" + model;
    slot = build_mesh(load_obj_file(std::filesystem::path(TXRAY_MODELS_DIR) / model, file));
  }
  return slot;
}

Motion orbit(Vec3 pivot, float radians_per_second) {
  Motion m;
  m.kind = Motion::Kind::orbit;
  m.pivot = pivot;
  m.speed = radians_per_second;
  return m;
}

Motion bounce(float height, float bounces_per_second, float phase = 0.0f) {
  Motion m;
  m.kind = Motion::Kind::bounce;
  m.height = height;
  m.speed = bounces_per_second;
  m.phase = phase;
  return m;
}

Material diffuse(Vec3 color, float ambient, float diffuse_weight) {
  Material m;
  m.color = color;
  m.ambient = ambient;
  m.diffuse = diffuse_weight;
  return m;
}

Material glass(float ior) {
  Material m;
  m.color = Vec3(1.0f);
  m.ambient = 0.0f;
  m.diffuse = 0.0f;
  m.specular = 0.0f;
  m.transparency = 1.0f;
  m.ior = ior;
  return m;
}

// pyperformance bm_raytrace (run_benchmark.py, "toy raytracer" by Callum and
// Tony Garnock-Jones, 2008).
SceneDescription make_pyraytrace() {
  // The benchmark's 45 degrees is the horizontal field of view of a 4:3
  // viewport (halfHeight = 0.75 * halfWidth); 4:3 at this vertical angle
  // frames the same view without the benchmark's stretch to its 100x100
  // canvas.
  const float vfov = static_cast<float>(2.0 * std::atan(0.75 * std::tan(22.5 * 3.14159265358979323846 / 180.0)) *
                                        180.0 / 3.14159265358979323846);
  SceneBuilder b("pyraytrace",
                 "pyperformance bm_raytrace: 7 spheres over a checkerboard half-space, 2 lights; the cross-language "
                 "reference",
                 320, 240);
  b.camera(Vec3(0.0f, 1.8f, 10.0f), Vec3(0.0f, 3.0f, 0.0f), vfov).background(Vec3(0.0f)).max_depth(3);
  // SimpleSurface: specularCoefficient 0.2 is in fact the weight of the
  // mirror ray, lambertCoefficient 0.6, ambient = 1 - 0.2 - 0.6. The
  // benchmark sums n.l over the visible lights and caps the sum at 1; our
  // kernel does not cap, so where both lights reach, it is brighter.
  auto surface = [](Vec3 color) {
    Material m = diffuse(color, 0.2f, 0.6f);
    m.reflectivity = 0.2f;
    return m;
  };
  const std::uint32_t yellow = b.material("yellow", surface(Vec3(1.0f, 1.0f, 0.0f)));
  b.sphere(yellow, Vec3(1.0f, 3.0f, -10.0f), 2.0f);
  for (int y = 0; y < 6; ++y) {
    const float t = static_cast<float>(y) / 6.0f;
    const std::uint32_t m = b.material("small" + std::to_string(y), surface(Vec3(t, 1.0f - t, 0.5f)));
    // A travelling wave along the row, each sphere a sixth of a cycle on;
    // time 0 is the benchmark's picture, the spheres mid-arc.
    b.sphere(m, Vec3(-3.0f - static_cast<float>(y) * 0.4f, 2.3f, -5.0f), 0.4f, bounce(0.6f, 0.5f, t));
  }
  Material checker = surface(Vec3(1.0f));
  checker.checker_color = Vec3(0.0f);
  checker.checker_size = 1.0f;
  const std::uint32_t board = b.material("checkerboard", checker);
  b.plane(board, Vec3(0.0f), Vec3(0.0f, 1.0f, 0.0f));
  b.light(Vec3(30.0f, 30.0f, 10.0f), Vec3(1.0f));
  b.light(Vec3(-10.0f, 100.0f, 30.0f), Vec3(1.0f));
  return b.take();
}

// Ray Tracing in One Weekend, final scene (raytracing.github.io,
// src/InOneWeekend/main.cc, random_scene), regenerated with Pcg32.
SceneDescription make_spheres() {
  SceneBuilder b("spheres",
                 "Ray Tracing in One Weekend final scene: ~480 spheres, many bouncing; the demo and scaling scene", 1280,
                 720);
  b.camera(Vec3(13.0f, 2.0f, 3.0f), Vec3(0.0f), 20.0f).background(Vec3(0.7f, 0.8f, 1.0f)).max_depth(5);
  // The book's materials scatter rays (path tracing); here diffuse is
  // Lambert from two point lights, metal is a mirror tinted by its albedo's
  // highlight, and fuzz lowers the mirror weight instead of blurring it.
  auto metal = [](Vec3 albedo, float fuzz) {
    Material m = diffuse(albedo, 0.05f, 0.3f);
    m.specular = 0.6f;
    m.shininess = 200.0f;
    m.reflectivity = 0.8f - 0.5f * fuzz;
    return m;
  };
  const std::uint32_t ground = b.material("ground", diffuse(Vec3(0.5f), 0.1f, 0.9f));
  const std::uint32_t glass_material = b.material("glass", glass(1.5f));
  b.sphere(ground, Vec3(0.0f, -1000.0f, 0.0f), 1000.0f);

  // Layout and motion draw from separate streams, so the motions can change
  // without moving a single sphere.
  Pcg32 layout(2016);
  Pcg32 motion(2016, 7);
  int count = 0;
  for (int a = -11; a < 11; ++a) {
    for (int c = -11; c < 11; ++c) {
      // Same order of draws as the book: material choice, then centre.
      const float choose = layout.next_float();
      const Vec3 center(static_cast<float>(a) + 0.9f * layout.next_float(), 0.2f,
                        static_cast<float>(c) + 0.9f * layout.next_float());
      if (glm::length(center - Vec3(4.0f, 0.2f, 0.0f)) <= 0.9f) continue;
      std::uint32_t m = glass_material;
      const std::string name = "small" + std::to_string(count++);
      if (choose < 0.8f) {
        Vec3 albedo;
        for (int k = 0; k < 3; ++k) albedo[k] = layout.next_float() * layout.next_float();
        m = b.material(name, diffuse(albedo, 0.1f, 0.9f));
      } else if (choose < 0.95f) {
        Vec3 albedo;
        for (int k = 0; k < 3; ++k) albedo[k] = 0.5f * (1.0f + layout.next_float());
        m = b.material(name, metal(albedo, 0.5f * layout.next_float()));
      }
      // Every small sphere bounces, from the ground at time 0, each at its
      // own rate, so they fall out of step at once and the BVH is refitted
      // every frame.
      const float height = motion.uniform(0.3f, 1.2f);
      const float rate = motion.uniform(0.4f, 1.2f);
      b.sphere(m, center, 0.2f, bounce(height, rate));
    }
  }
  b.sphere(glass_material, Vec3(0.0f, 1.0f, 0.0f), 1.0f);
  b.sphere(b.material("brown", diffuse(Vec3(0.4f, 0.2f, 0.1f), 0.1f, 0.9f)), Vec3(-4.0f, 1.0f, 0.0f), 1.0f);
  b.sphere(b.material("bronze", metal(Vec3(0.7f, 0.6f, 0.5f), 0.0f)), Vec3(4.0f, 1.0f, 0.0f), 1.0f);
  // The book lights the scene with its sky; Whitted shading needs points:
  // a warm key light high behind the camera and a cool, dim fill opposite.
  b.light(Vec3(10.0f, 20.0f, 10.0f), Vec3(0.9f, 0.85f, 0.75f));
  b.light(Vec3(-12.0f, 8.0f, -6.0f), Vec3(0.25f, 0.3f, 0.4f));
  return b.take();
}

// tinyraytracer (ssloy/tinyraytracer, tinyraytracer.cpp). Its colour is
// diffuse * albedo[0] + specular * albedo[1] + reflected * albedo[2] +
// refracted * albedo[3]; the materials below carry those weights over.
SceneDescription make_whitted() {
  SceneBuilder b("whitted",
                 "tinyraytracer: ivory, glass, rubber and mirror spheres over a checkerboard, 3 lights; uneven "
                 "per-pixel cost",
                 1024, 768);
  // Camera at the origin looking down -z, vertical field of view pi/3.
  b.camera(Vec3(0.0f), Vec3(0.0f, 0.0f, -1.0f), 60.0f).background(Vec3(0.2f, 0.7f, 0.8f)).max_depth(4);
  auto phong = [](Vec3 color, float diffuse_weight, float specular, float shininess, float reflectivity) {
    Material m = diffuse(color, 0.0f, diffuse_weight);
    m.specular = specular;
    m.shininess = shininess;
    m.reflectivity = reflectivity;
    return m;
  };
  const std::uint32_t ivory = b.material("ivory", phong(Vec3(0.4f, 0.4f, 0.3f), 0.6f, 0.3f, 50.0f, 0.1f));
  // Glass: refracted weight 0.8. Our kernel scales the local terms by
  // (1 - transparency) = 0.2, so specular 2.5 gives tinyraytracer's 0.5; the
  // Fresnel split replaces its fixed reflected weight of 0.1.
  Material glass_material = phong(Vec3(0.6f, 0.7f, 0.8f), 0.0f, 2.5f, 125.0f, 0.0f);
  glass_material.transparency = 0.8f;
  glass_material.ior = 1.5f;
  const std::uint32_t glass_id = b.material("glass", glass_material);
  const std::uint32_t rubber = b.material("red_rubber", phong(Vec3(0.3f, 0.1f, 0.1f), 0.9f, 0.1f, 10.0f, 0.0f));
  const std::uint32_t mirror = b.material("mirror", phong(Vec3(1.0f), 0.0f, 10.0f, 1425.0f, 0.8f));
  // tinyraytracer's board: diffuse weight 1, squares 2 units wide, colours
  // (.3,.3,.3) and (.3,.2,.1), on y = -4. It is bounded to |x| < 10,
  // -30 < z < -10; ours is an infinite plane.
  Material checker = diffuse(Vec3(0.3f), 0.0f, 1.0f);
  checker.checker_color = Vec3(0.3f, 0.2f, 0.1f);
  checker.checker_size = 2.0f;
  const std::uint32_t board = b.material("checkerboard", checker);

  b.sphere(ivory, Vec3(-3.0f, 0.0f, -16.0f), 2.0f, orbit(Vec3(-1.0f, 0.0f, -16.0f), 0.8f));
  b.sphere(glass_id, Vec3(-1.0f, -1.5f, -12.0f), 2.0f, bounce(2.0f, 0.5f));
  b.sphere(rubber, Vec3(1.5f, -0.5f, -18.0f), 3.0f);
  b.sphere(mirror, Vec3(7.0f, 5.0f, -18.0f), 4.0f);
  b.plane(board, Vec3(0.0f, -4.0f, 0.0f), Vec3(0.0f, 1.0f, 0.0f));
  // Intensities 1.5, 1.8, 1.7, white.
  b.light(Vec3(-20.0f, 20.0f, 20.0f), Vec3(1.5f));
  b.light(Vec3(30.0f, 50.0f, -25.0f), Vec3(1.8f));
  b.light(Vec3(30.0f, 20.0f, 30.0f), Vec3(1.7f));
  return b.take();
}

// A Cornell box of axis-aligned boxes (after smallpt's, which uses huge
// spheres): most pixels are one diffuse hit, the mirror and glass spheres
// cost many bounces, so the work per tile is very uneven.
SceneDescription make_cornell() {
  SceneBuilder b("cornell", "Cornell box with a tall block, a mirror and a glass sphere; strong load imbalance", 512,
                 512);
  // The box spans x, z in [-1, 1] and y in [0, 2], open towards +z.
  b.camera(Vec3(0.0f, 1.0f, 3.5f), Vec3(0.0f, 1.0f, 0.0f), 45.0f).background(Vec3(0.0f)).max_depth(8);
  const std::uint32_t white = b.material("white", diffuse(Vec3(0.73f), 0.1f, 0.9f));
  const std::uint32_t red = b.material("red", diffuse(Vec3(0.65f, 0.05f, 0.05f), 0.1f, 0.9f));
  const std::uint32_t green = b.material("green", diffuse(Vec3(0.12f, 0.45f, 0.15f), 0.1f, 0.9f));
  Material mirror_material = diffuse(Vec3(1.0f), 0.0f, 0.0f);
  mirror_material.specular = 0.5f;
  mirror_material.shininess = 500.0f;
  mirror_material.reflectivity = 0.9f;
  const std::uint32_t mirror = b.material("mirror", mirror_material);
  const std::uint32_t glass_id = b.material("glass", glass(1.5f));

  // Walls 0.1 thick, overlapping at the edges so no crack shows.
  b.box(white, Vec3(0.0f, -0.05f, 0.0f), Vec3(1.1f, 0.05f, 1.1f));  // floor
  b.box(white, Vec3(0.0f, 2.05f, 0.0f), Vec3(1.1f, 0.05f, 1.1f));   // ceiling
  b.box(white, Vec3(0.0f, 1.0f, -1.05f), Vec3(1.1f, 1.1f, 0.05f));  // back
  b.box(red, Vec3(-1.05f, 1.0f, 0.0f), Vec3(0.05f, 1.1f, 1.1f));    // left
  b.box(green, Vec3(1.05f, 1.0f, 0.0f), Vec3(0.05f, 1.1f, 1.1f));   // right
  b.box(white, Vec3(-0.5f, 0.6f, -0.45f), Vec3(0.25f, 0.6f, 0.25f));  // tall block
  b.sphere(mirror, Vec3(0.5f, 0.3f, -0.5f), 0.3f, bounce(0.5f, 0.5f));
  // A circle of radius 0.2 that clears the block and the mirror sphere.
  b.sphere(glass_id, Vec3(0.0f, 0.3f, 0.45f), 0.3f, orbit(Vec3(0.0f, 0.0f, 0.25f), 0.6f));
  b.light(Vec3(0.0f, 1.9f, 0.0f), Vec3(1.0f, 0.95f, 0.85f));
  return b.take();
}

// PyPy's multithreaded raytrace benchmark (pypy/benchmarks,
// multithread/raytrace/raytrace.py), the one the PyPy-STM work measured.
SceneDescription make_stmbench() {
  SceneBuilder b("stmbench",
                 "PyPy-STM raytrace benchmark: 3 spheres and a plane, one light; one primary and one shadow ray per "
                 "pixel",
                 256, 256);
  // The benchmark aims from (0,0,20) through (x/50-5, y/50-5, 0): at 500x500
  // a 10x10 window centred on the axis, 20 away, so 2*atan(5/20) vertically.
  const float vfov = static_cast<float>(2.0 * std::atan(0.25) * 180.0 / 3.14159265358979323846);
  b.camera(Vec3(0.0f, 0.0f, 20.0f), Vec3(0.0f), vfov).background(Vec3(0.1f)).max_depth(0);
  // It prints grey, the mean of the channels: each sphere's single 255
  // channel averages to 1/3, the white plane to 1. AMBIENT = 0.1 there too.
  const std::uint32_t sphere_grey = b.material("sphere_grey", diffuse(Vec3(1.0f / 3.0f), 0.1f, 0.9f));
  const std::uint32_t plane_grey = b.material("plane_white", diffuse(Vec3(1.0f), 0.1f, 0.9f));
  b.sphere(sphere_grey, Vec3(-2.0f, 0.0f, -10.0f), 2.0f, orbit(Vec3(-2.0f, 0.0f, -8.0f), 0.8f));  // was green
  b.sphere(sphere_grey, Vec3(2.0f, 0.0f, -10.0f), 3.5f);                                         // was red
  b.sphere(sphere_grey, Vec3(0.0f, -4.0f, -10.0f), 3.0f, bounce(1.5f, 0.5f));                    // was blue
  b.plane(plane_grey, Vec3(0.0f, 0.0f, -12.0f), Vec3(0.0f, 0.0f, 1.0f));
  b.light(Vec3(0.0f, 10.0f, 0.0f), Vec3(1.0f));
  return b.take();
}

// Our own: the Stanford bunny (assets/models/, see assets/README.md) at the
// centre, 58,784 triangles after two steps of Loop subdivision, and a ring of
// 16 instances of the 3,674-triangle original orbiting it: over 117,000
// triangles in view, of which only two meshes are stored.
SceneDescription make_bunnies() {
  SceneBuilder b("bunnies",
                 "Stanford bunnies: a 58,784-triangle bunny ringed by 16 orbiting instances of the 3,674-triangle one, "
                 "a mirror and a glass sphere; the mesh scene",
                 640, 360);
  b.camera(Vec3(0.0f, 9.0f, 21.0f), Vec3(0.0f, 2.0f, 0.0f), 40.0f).background(Vec3(0.55f, 0.7f, 0.9f)).max_depth(4);
  Material floor_material = diffuse(Vec3(0.8f), 0.1f, 0.8f);
  floor_material.checker_color = Vec3(0.35f, 0.4f, 0.45f);
  floor_material.checker_size = 2.0f;
  const std::uint32_t floor = b.material("floor", floor_material);
  Material porcelain = diffuse(Vec3(0.9f, 0.88f, 0.82f), 0.1f, 0.8f);
  porcelain.specular = 0.4f;
  porcelain.shininess = 60.0f;
  const std::uint32_t big = b.material("porcelain", porcelain);
  const Vec3 colours[4] = {Vec3(0.8f, 0.3f, 0.25f), Vec3(0.3f, 0.6f, 0.3f), Vec3(0.25f, 0.4f, 0.8f),
                           Vec3(0.85f, 0.7f, 0.3f)};
  std::uint32_t small[4];
  for (int k = 0; k < 4; ++k) small[k] = b.material("bunny" + std::to_string(k), diffuse(colours[k], 0.1f, 0.85f));
  Material mirror_material = diffuse(Vec3(1.0f), 0.0f, 0.1f);
  mirror_material.specular = 0.5f;
  mirror_material.shininess = 300.0f;
  mirror_material.reflectivity = 0.85f;
  const std::uint32_t mirror = b.material("mirror", mirror_material);
  const std::uint32_t glass_id = b.material("glass", glass(1.5f));

  b.plane(floor, Vec3(0.0f), Vec3(0.0f, 1.0f, 0.0f));
  // The model stands on y = 0 and is 9.65 tall; its box is centred on the
  // instance's position, so a bunny of scale s stands at y = 4.83 s.
  const Mesh& dense = b.mesh("bunny-dense.obj");
  const Mesh& coarse = b.mesh("bunny.obj");
  const float model_half_height = dense.bounds.hi.y;
  b.instance(dense, big, Vec3(0.0f, model_half_height * 0.6f, 0.0f), 0.6f, 20.0f);
  constexpr int kRing = 16;
  constexpr float kPi = 3.14159265358979323846f;
  for (int k = 0; k < kRing; ++k) {
    const float a = 2.0f * kPi * static_cast<float>(k) / kRing;
    // Each faces along the ring (yaw), and the ring turns slowly.
    b.instance(coarse, small[k % 4], Vec3(9.0f * std::cos(a), coarse.bounds.hi.y * 0.25f, 9.0f * std::sin(a)), 0.25f,
               -a * 180.0f / kPi, orbit(Vec3(0.0f), 0.25f));
  }
  b.sphere(mirror, Vec3(5.0f, 1.2f, 3.0f), 1.2f);
  b.sphere(glass_id, Vec3(-4.5f, 1.0f, 4.0f), 1.0f, bounce(1.0f, 0.5f));
  b.light(Vec3(10.0f, 20.0f, 15.0f), Vec3(0.9f, 0.85f, 0.8f));
  b.light(Vec3(-15.0f, 10.0f, 5.0f), Vec3(0.25f, 0.3f, 0.4f));
  return b.take();
}

struct Builtin {
  const char* name;
  SceneDescription (*make)();
};

constexpr Builtin kBuiltins[] = {
    {"spheres", make_spheres},   {"pyraytrace", make_pyraytrace}, {"stmbench", make_stmbench},
    {"whitted", make_whitted},   {"cornell", make_cornell},       {"bunnies", make_bunnies},
};

}  // namespace

std::vector<std::string> builtin_scene_names() {
  std::vector<std::string> names;
  for (const Builtin& b : kBuiltins) names.emplace_back(b.name);
  return names;
}

std::optional<SceneDescription> builtin_scene(std::string_view name) {
  for (const Builtin& b : kBuiltins) {
    if (name == b.name) return b.make();
  }
  return std::nullopt;
}

}  // namespace txray
