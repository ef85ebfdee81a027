#pragma once
// Field-by-field comparison of scenes with a message naming the first
// difference ("objects[17].center"), because "scenes differ" helps nobody.
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "scenes/scene.h"

namespace txray::testing_support {

inline std::string show(Vec3 v) {
  std::ostringstream s;
  s.precision(9);
  s << '(' << v.x << ", " << v.y << ", " << v.z << ')';
  return s.str();
}
inline std::string show(float v) {
  std::ostringstream s;
  s.precision(9);
  s << v;
  return s.str();
}
inline std::string show(int v) { return std::to_string(v); }
inline std::string show(std::uint32_t v) { return std::to_string(v); }
inline std::string show(const std::string& v) { return '"' + v + '"'; }
inline std::string show(ShapeKind k) { return std::to_string(static_cast<int>(k)); }
inline std::string show(Motion::Kind k) { return std::to_string(static_cast<int>(k)); }

class SceneComparer {
 public:
  template <class T>
  void same(const std::string& where, const T& a, const T& b) {
    if (!first_.empty() || a == b) return;
    first_ = where + ": " + show(a) + " vs " + show(b);
  }
  [[nodiscard]] const std::string& first_difference() const { return first_; }

 private:
  std::string first_;
};

inline ::testing::AssertionResult same_state(const SceneState& a, const SceneState& b) {
  SceneComparer c;
  c.same("camera.position", a.camera.position, b.camera.position);
  c.same("camera.look_at", a.camera.look_at, b.camera.look_at);
  c.same("camera.up", a.camera.up, b.camera.up);
  c.same("camera.vfov_degrees", a.camera.vfov_degrees, b.camera.vfov_degrees);
  c.same("background", a.background, b.background);
  c.same("max_depth", a.max_depth, b.max_depth);
  c.same("objects.size", static_cast<int>(a.objects.size()), static_cast<int>(b.objects.size()));
  for (std::size_t i = 0; i < a.objects.size() && i < b.objects.size(); ++i) {
    const std::string at = "objects[" + std::to_string(i) + "].";
    const Object& x = a.objects[i];
    const Object& y = b.objects[i];
    c.same(at + "kind", x.kind, y.kind);
    c.same(at + "material", x.material, y.material);
    c.same(at + "center", x.center, y.center);
    c.same(at + "radius", x.radius, y.radius);
    c.same(at + "half_size", x.half_size, y.half_size);
    c.same(at + "normal", x.normal, y.normal);
    c.same(at + "yaw_degrees", x.yaw_degrees, y.yaw_degrees);
    c.same(at + "mesh", x.mesh != nullptr ? x.mesh->file : std::string(), y.mesh != nullptr ? y.mesh->file : std::string());
  }
  c.same("materials.size", static_cast<int>(a.materials.size()), static_cast<int>(b.materials.size()));
  for (std::size_t i = 0; i < a.materials.size() && i < b.materials.size(); ++i) {
    const std::string at = "materials[" + std::to_string(i) + "].";
    const Material& x = a.materials[i];
    const Material& y = b.materials[i];
    c.same(at + "color", x.color, y.color);
    c.same(at + "checker_color", x.checker_color, y.checker_color);
    c.same(at + "checker_size", x.checker_size, y.checker_size);
    c.same(at + "ambient", x.ambient, y.ambient);
    c.same(at + "diffuse", x.diffuse, y.diffuse);
    c.same(at + "specular", x.specular, y.specular);
    c.same(at + "shininess", x.shininess, y.shininess);
    c.same(at + "reflectivity", x.reflectivity, y.reflectivity);
    c.same(at + "transparency", x.transparency, y.transparency);
    c.same(at + "ior", x.ior, y.ior);
  }
  c.same("lights.size", static_cast<int>(a.lights.size()), static_cast<int>(b.lights.size()));
  for (std::size_t i = 0; i < a.lights.size() && i < b.lights.size(); ++i) {
    const std::string at = "lights[" + std::to_string(i) + "].";
    c.same(at + "position", a.lights[i].position, b.lights[i].position);
    c.same(at + "color", a.lights[i].color, b.lights[i].color);
  }
  if (c.first_difference().empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "first difference at " << c.first_difference();
}

inline ::testing::AssertionResult same_scene(const SceneDescription& a, const SceneDescription& b) {
  SceneComparer c;
  c.same("name", a.name, b.name);
  c.same("description", a.description, b.description);
  c.same("width", a.width, b.width);
  c.same("height", a.height, b.height);
  c.same("material_names.size", static_cast<int>(a.material_names.size()), static_cast<int>(b.material_names.size()));
  for (std::size_t i = 0; i < a.material_names.size() && i < b.material_names.size(); ++i) {
    c.same("material_names[" + std::to_string(i) + "]", a.material_names[i], b.material_names[i]);
  }
  c.same("motions.size", static_cast<int>(a.motions.size()), static_cast<int>(b.motions.size()));
  for (std::size_t i = 0; i < a.motions.size() && i < b.motions.size(); ++i) {
    const std::string at = "motions[" + std::to_string(i) + "].";
    c.same(at + "kind", a.motions[i].kind, b.motions[i].kind);
    c.same(at + "pivot", a.motions[i].pivot, b.motions[i].pivot);
    c.same(at + "speed", a.motions[i].speed, b.motions[i].speed);
    c.same(at + "height", a.motions[i].height, b.motions[i].height);
    c.same(at + "phase", a.motions[i].phase, b.motions[i].phase);
  }
  if (!c.first_difference().empty()) return ::testing::AssertionFailure() << "first difference at " << c.first_difference();
  return same_state(a.initial, b.initial);
}

}  // namespace txray::testing_support
