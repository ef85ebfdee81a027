#include "renderer/interp/scene_json.h"

#include <cstdio>

namespace txray::interp {
namespace {

std::string num(float f) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(f));
  return buf;
}
std::string vec(Vec3 v) {
  // One snprintf rather than "[" + ...: GCC 12 at -O3 warns (-Wrestrict,
  // a false positive) on operator+ with a leading literal.
  char buf[128];
  std::snprintf(buf, sizeof buf, "[%.17g, %.17g, %.17g]", static_cast<double>(v.x), static_cast<double>(v.y),
                static_cast<double>(v.z));
  return buf;
}

}  // namespace

std::string kernel_scene_json(const SceneState& s, const Bvh& bvh, int width, int height) {
  std::string out = "{\n";
  out += "\"width\": " + std::to_string(width) + ", \"height\": " + std::to_string(height) + ",\n";
  out += "\"camera\": {\"position\": " + vec(s.camera.position) + ", \"look_at\": " + vec(s.camera.look_at) +
         ", \"up\": " + vec(s.camera.up) + ", \"vfov_degrees\": " + num(s.camera.vfov_degrees) + "},\n";
  out += "\"background\": " + vec(s.background) + ", \"max_depth\": " + std::to_string(s.max_depth) + ",\n";
  out += "\"objects\": [";
  for (std::size_t i = 0; i < s.objects.size(); ++i) {
    const Object& o = s.objects[i];
    out += std::string(i ? ",\n  " : "\n  ") + "{\"kind\": " + std::to_string(static_cast<int>(o.kind)) +
           ", \"material\": " + std::to_string(o.material) + ", \"center\": " + vec(o.center) +
           ", \"radius\": " + num(o.radius) + ", \"half_size\": " + vec(o.half_size) + ", \"normal\": " + vec(o.normal) + "}";
  }
  out += "],\n\"materials\": [";
  for (std::size_t i = 0; i < s.materials.size(); ++i) {
    const Material& m = s.materials[i];
    out += std::string(i ? ",\n  " : "\n  ") + "{\"color\": " + vec(m.color) + ", \"checker_color\": " + vec(m.checker_color) +
           ", \"checker_size\": " + num(m.checker_size) + ", \"ambient\": " + num(m.ambient) + ", \"diffuse\": " + num(m.diffuse) +
           ", \"specular\": " + num(m.specular) + ", \"shininess\": " + num(m.shininess) +
           ", \"reflectivity\": " + num(m.reflectivity) + ", \"transparency\": " + num(m.transparency) + ", \"ior\": " + num(m.ior) + "}";
  }
  out += "],\n\"lights\": [";
  for (std::size_t i = 0; i < s.lights.size(); ++i)
    out += std::string(i ? ", " : "") + "{\"position\": " + vec(s.lights[i].position) + ", \"color\": " + vec(s.lights[i].color) + "}";
  out += "],\n\"nodes\": [";
  for (std::size_t i = 0; i < bvh.nodes.size(); ++i) {
    const BvhNode& n = bvh.nodes[i];
    out += std::string(i ? ",\n  " : "\n  ") + num(n.bounds.lo.x) + ", " + num(n.bounds.lo.y) + ", " + num(n.bounds.lo.z) + ", " +
           num(n.bounds.hi.x) + ", " + num(n.bounds.hi.y) + ", " + num(n.bounds.hi.z) + ", " + std::to_string(n.first_or_second) +
           ", " + std::to_string(n.count) + ", " + std::to_string(n.axis);
  }
  out += "],\n\"indices\": [";
  for (std::size_t i = 0; i < bvh.indices.size(); ++i) out += (i ? ", " : "") + std::to_string(bvh.indices[i]);
  out += "],\n\"unbounded\": [";
  for (std::size_t i = 0; i < bvh.unbounded.size(); ++i) out += (i ? ", " : "") + std::to_string(bvh.unbounded[i]);
  out += "]\n}\n";
  return out;
}

}  // namespace txray::interp
