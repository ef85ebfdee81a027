// SceneDescription -> scene-file JSON. Hand-written rather than built with
// nlohmann so the files read well (one material, object or light a line) and
// floats print in their shortest exact form ("0.2", not 0.20000000298...).
#include <charconv>
#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "scenes/scene.h"

namespace txray {

namespace {

void put(std::string& out, float v) {
  // Shortest digits that read back as the same float; parse_scene reads
  // them as double and rounds to float, which gives v again.
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
  // "-0" would read back as the integer 0; "-0.0" keeps the sign bit.
  if (v == 0.0f && std::signbit(v)) out += ".0";
}

void put(std::string& out, Vec3 v) {
  out += '[';
  put(out, v.x);
  out += ", ";
  put(out, v.y);
  out += ", ";
  put(out, v.z);
  out += ']';
}

void put_string(std::string& out, const std::string& s) {
  out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// `"key": value` after a comma (or not, for the first field of an object).
template <class T>
void field(std::string& out, bool& first, const char* key, const T& value) {
  out += first ? "" : ", ";
  first = false;
  out += '"';
  out += key;
  out += "\": ";
  put(out, value);
}

void put_material(std::string& out, const std::string& name, const Material& m) {
  // Only what differs from the defaults, so a material reads as what makes
  // it special; parse_scene restores the defaults.
  const Material d;
  out += "{\"name\": ";
  put_string(out, name);
  bool first = false;
  field(out, first, "color", m.color);
  if (m.checker_color != d.checker_color) field(out, first, "checker_color", m.checker_color);
  if (m.checker_size != d.checker_size) field(out, first, "checker_size", m.checker_size);
  if (m.ambient != d.ambient) field(out, first, "ambient", m.ambient);
  if (m.diffuse != d.diffuse) field(out, first, "diffuse", m.diffuse);
  if (m.specular != d.specular) field(out, first, "specular", m.specular);
  if (m.shininess != d.shininess) field(out, first, "shininess", m.shininess);
  if (m.reflectivity != d.reflectivity) field(out, first, "reflectivity", m.reflectivity);
  if (m.transparency != d.transparency) field(out, first, "transparency", m.transparency);
  if (m.ior != d.ior) field(out, first, "ior", m.ior);
  out += '}';
}

void put_motion(std::string& out, const Motion& m) {
  switch (m.kind) {
    case Motion::Kind::none:
      return;
    case Motion::Kind::orbit: {
      out += ", \"motion\": {\"kind\": \"orbit\"";
      bool first = false;
      field(out, first, "pivot", m.pivot);
      field(out, first, "speed", m.speed);
      out += '}';
      return;
    }
    case Motion::Kind::bounce: {
      out += ", \"motion\": {\"kind\": \"bounce\"";
      bool first = false;
      field(out, first, "height", m.height);
      field(out, first, "speed", m.speed);
      if (m.phase != 0.0f) field(out, first, "phase", m.phase);
      out += '}';
      return;
    }
  }
}

void put_object(std::string& out, const Object& o, const std::string& material, const Motion& motion) {
  bool first = false;
  switch (o.kind) {
    case ShapeKind::sphere:
      out += "{\"shape\": \"sphere\", \"material\": ";
      put_string(out, material);
      field(out, first, "center", o.center);
      field(out, first, "radius", o.radius);
      break;
    case ShapeKind::plane:
      out += "{\"shape\": \"plane\", \"material\": ";
      put_string(out, material);
      field(out, first, "point", o.center);
      field(out, first, "normal", o.normal);
      break;
    case ShapeKind::box:
      out += "{\"shape\": \"box\", \"material\": ";
      put_string(out, material);
      field(out, first, "center", o.center);
      field(out, first, "half_size", o.half_size);
      break;
    case ShapeKind::instance:
      // half_size is derived from the mesh (make_instance), not written.
      out += "{\"shape\": \"mesh\", \"material\": ";
      put_string(out, material);
      out += ", \"file\": ";
      put_string(out, o.mesh != nullptr ? o.mesh->file : std::string());
      field(out, first, "position", o.center);
      if (o.radius != 1.0f) field(out, first, "scale", o.radius);
      // -0 is written too, so that the scene reads back bit for bit.
      if (o.yaw_degrees != 0.0f || std::signbit(o.yaw_degrees)) field(out, first, "yaw_degrees", o.yaw_degrees);
      break;
  }
  put_motion(out, motion);
  out += '}';
}

}  // namespace

std::string scene_to_json(const SceneDescription& scene) {
  const SceneState& s = scene.initial;
  std::string out = "{\n  \"name\": ";
  put_string(out, scene.name);
  if (!scene.description.empty()) {
    out += ",\n  \"description\": ";
    put_string(out, scene.description);
  }
  out += ",\n  \"size\": {\"width\": " + std::to_string(scene.width) + ", \"height\": " +
         std::to_string(scene.height) + "},\n  \"camera\": {";
  bool first = true;
  field(out, first, "position", s.camera.position);
  field(out, first, "look_at", s.camera.look_at);
  field(out, first, "up", s.camera.up);
  field(out, first, "vfov_degrees", s.camera.vfov_degrees);
  out += "},\n  \"background\": ";
  put(out, s.background);
  out += ",\n  \"max_depth\": " + std::to_string(s.max_depth) + ",\n  \"materials\": [";
  for (std::size_t i = 0; i < s.materials.size(); ++i) {
    out += i ? ",\n    " : "\n    ";
    put_material(out, i < scene.material_names.size() ? scene.material_names[i] : "material" + std::to_string(i),
                 s.materials[i]);
  }
  out += "\n  ],\n  \"objects\": [";
  for (std::size_t i = 0; i < s.objects.size(); ++i) {
    out += i ? ",\n    " : "\n    ";
    const std::uint32_t m = s.objects[i].material;
    const std::string material = m < scene.material_names.size() ? scene.material_names[m] : "material" + std::to_string(m);
    put_object(out, s.objects[i], material, i < scene.motions.size() ? scene.motions[i] : Motion{});
  }
  out += "\n  ],\n  \"lights\": [";
  for (std::size_t i = 0; i < s.lights.size(); ++i) {
    out += i ? ",\n    " : "\n    ";
    out += '{';
    bool first_field = true;
    field(out, first_field, "position", s.lights[i].position);
    field(out, first_field, "color", s.lights[i].color);
    out += '}';
  }
  out += "\n  ]\n}\n";
  return out;
}

}  // namespace txray
