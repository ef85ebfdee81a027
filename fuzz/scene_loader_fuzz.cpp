// libFuzzer target for the scene loader. Any input must either load or be
// refused with SceneError; anything else escaping (another exception, a
// crash, a sanitizer report) is a bug. Loaded scenes must also survive the
// writer: parse -> scene_to_json -> parse must give back the same scene,
// compared field by field with floats bit for bit (scene.h promises "the
// same scene back bit for bit"), and writing that again the same text.
//
// The mesh path: an input may carry an OBJ file after a line "#obj". That
// part goes to parse_obj on its own, and is also written to m.obj in a
// scratch folder the scene is read relative to, so mesh objects naming
// "m.obj" load it (and any other name is a missing file). A mesh that
// loads is built (BVH and all) and every instance is traced through.
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

#include <glm/geometric.hpp>

#include "scenes/scene.h"

namespace {

using txray::Vec3;

// Field by field, floats by their bits (so -0 and 0 differ, as a lossy
// writer would make them). Returns the first difference, or "".
class Diff {
 public:
  void f(const std::string& at, float a, float b) {
    if (first.empty() && std::bit_cast<std::uint32_t>(a) != std::bit_cast<std::uint32_t>(b)) first = at;
  }
  void v(const std::string& at, Vec3 a, Vec3 b) {
    f(at + ".x", a.x, b.x);
    f(at + ".y", a.y, b.y);
    f(at + ".z", a.z, b.z);
  }
  template <class T>
  void eq(const std::string& at, const T& a, const T& b) {
    if (first.empty() && !(a == b)) first = at;
  }
  std::string first;
};

std::string difference(const txray::SceneDescription& a, const txray::SceneDescription& b) {
  Diff d;
  d.eq("name", a.name, b.name);
  d.eq("description", a.description, b.description);
  d.eq("width", a.width, b.width);
  d.eq("height", a.height, b.height);
  d.eq("material_names", a.material_names, b.material_names);
  d.eq("motions.size", a.motions.size(), b.motions.size());
  for (std::size_t i = 0; i < a.motions.size() && i < b.motions.size(); ++i) {
    const std::string at = "motions[" + std::to_string(i) + "].";
    d.eq(at + "kind", a.motions[i].kind, b.motions[i].kind);
    d.v(at + "pivot", a.motions[i].pivot, b.motions[i].pivot);
    d.f(at + "speed", a.motions[i].speed, b.motions[i].speed);
    d.f(at + "height", a.motions[i].height, b.motions[i].height);
    d.f(at + "phase", a.motions[i].phase, b.motions[i].phase);
  }
  const txray::SceneState& x = a.initial;
  const txray::SceneState& y = b.initial;
  d.v("camera.position", x.camera.position, y.camera.position);
  d.v("camera.look_at", x.camera.look_at, y.camera.look_at);
  d.v("camera.up", x.camera.up, y.camera.up);
  d.f("camera.vfov_degrees", x.camera.vfov_degrees, y.camera.vfov_degrees);
  d.v("background", x.background, y.background);
  d.eq("max_depth", x.max_depth, y.max_depth);
  d.eq("objects.size", x.objects.size(), y.objects.size());
  for (std::size_t i = 0; i < x.objects.size() && i < y.objects.size(); ++i) {
    const std::string at = "objects[" + std::to_string(i) + "].";
    const txray::Object& p = x.objects[i];
    const txray::Object& q = y.objects[i];
    d.eq(at + "kind", p.kind, q.kind);
    d.eq(at + "material", p.material, q.material);
    d.v(at + "center", p.center, q.center);
    d.f(at + "radius", p.radius, q.radius);
    d.v(at + "half_size", p.half_size, q.half_size);
    d.v(at + "normal", p.normal, q.normal);
    d.v(at + "velocity", p.velocity, q.velocity);
    d.f(at + "yaw_degrees", p.yaw_degrees, q.yaw_degrees);
    d.eq(at + "mesh", p.mesh != nullptr ? p.mesh->file : std::string(), q.mesh != nullptr ? q.mesh->file : std::string());
  }
  d.eq("materials.size", x.materials.size(), y.materials.size());
  for (std::size_t i = 0; i < x.materials.size() && i < y.materials.size(); ++i) {
    const std::string at = "materials[" + std::to_string(i) + "].";
    const txray::Material& p = x.materials[i];
    const txray::Material& q = y.materials[i];
    d.v(at + "color", p.color, q.color);
    d.v(at + "checker_color", p.checker_color, q.checker_color);
    d.f(at + "checker_size", p.checker_size, q.checker_size);
    d.f(at + "ambient", p.ambient, q.ambient);
    d.f(at + "diffuse", p.diffuse, q.diffuse);
    d.f(at + "specular", p.specular, q.specular);
    d.f(at + "shininess", p.shininess, q.shininess);
    d.f(at + "reflectivity", p.reflectivity, q.reflectivity);
    d.f(at + "transparency", p.transparency, q.transparency);
    d.f(at + "ior", p.ior, q.ior);
  }
  d.eq("lights.size", x.lights.size(), y.lights.size());
  for (std::size_t i = 0; i < x.lights.size() && i < y.lights.size(); ++i) {
    const std::string at = "lights[" + std::to_string(i) + "].";
    d.v(at + "position", x.lights[i].position, y.lights[i].position);
    d.v(at + "color", x.lights[i].color, y.lights[i].color);
  }
  return d.first;
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "scene_loader_fuzz: %s\n", what);
    std::abort();
  }
}

// One scratch folder per process, for m.obj.
const std::filesystem::path& scratch() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("txray_scene_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

void check_mesh(const txray::MeshData& data) {
  const auto mesh = txray::build_mesh(data);
  check(mesh->triangles.size() + mesh->dropped_degenerate == data.triangles.size(), "every triangle kept or counted");
  // Rays from outside at the box's centre: whatever they hit lies in (0, inf).
  const txray::Object o = txray::make_instance(*mesh, Vec3(0.0f), 1.0f, 30.0f, 0);
  for (const Vec3 from : {Vec3(0, 0, 10), Vec3(7, 3, -2), Vec3(-1, -9, 4)}) {
    const txray::Vec3 origin = from * (1.0f + glm::length(o.half_size));
    const txray::Ray ray{origin, glm::normalize(-origin)};
    const float t = txray::intersect(ray, o, 0.0f, txray::kInfinity);
    check(t == txray::kInfinity || (t > 0.0f && std::isfinite(t)), "a hit lies in (0, inf)");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kObjMark = "\n#obj\n";
  const std::size_t mark = input.find(kObjMark);
  const std::string_view text = input.substr(0, mark);
  const std::filesystem::path obj_path = scratch() / "m.obj";
  std::filesystem::remove(obj_path);
  if (mark != std::string_view::npos) {
    const std::string_view obj = input.substr(mark + kObjMark.size());
    std::ofstream(obj_path, std::ios::binary) << obj;
    try {
      check_mesh(txray::parse_obj(obj, "m.obj"));
    } catch (const txray::SceneError&) {
    }
  }
  txray::SceneDescription scene;
  try {
    scene = txray::parse_scene(text, "fuzz.json", scratch());
  } catch (const txray::SceneError&) {
    return 0;
  }
  check(scene.motions.size() == scene.initial.objects.size(), "one motion per object");
  check(scene.material_names.size() == scene.initial.materials.size(), "one name per material");
  for (const txray::Object& o : scene.initial.objects) {
    check(o.material < scene.initial.materials.size(), "material index in range");
  }
  (void)scene.at(1.25);

  // parse -> write -> parse: the scene read back is the scene written.
  const std::string written = txray::scene_to_json(scene);
  txray::SceneDescription again;
  try {
    again = txray::parse_scene(written, "fuzz.json", scratch());
  } catch (const txray::SceneError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    check(false, "the writer produced a file the loader refuses");
  }
  if (const std::string where = difference(scene, again); !where.empty()) {
    std::fprintf(stderr, "scene_loader_fuzz: first difference at %s\n", where.c_str());
    check(false, "parse -> write -> parse gives a different scene");
  }
  check(txray::scene_to_json(again) == written, "write -> parse -> write is not stable");
  return 0;
}
