#pragma once
/// The renderable state of a scene: what render units read (through an
/// accessor, see scene_access.h) and what writers (animator, user input)
/// change. Every type here is trivially copyable so that it can live in a
/// synchronisation backend's cell and be copied out whole.
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include <glm/vec3.hpp>

namespace txray {

using Vec3 = glm::vec3;

enum class ShapeKind : std::uint32_t { sphere = 0, plane = 1, box = 2, instance = 3 };

struct Mesh;  // renderer/mesh.h: a triangle mesh and its BVH, immutable once built

/// One object. Which fields matter depends on `kind`; the others keep their
/// defaults (but for the storage shared below) so that objects compare and
/// hash by value.
///
/// At most 64 bytes, one cache line (static_assert below): every test of an
/// object copies it out of its cell, and the sphere scenes lost 5-14 % when
/// meshes grew it to 80. So a box's or instance's half extents and a plane's
/// normal share their storage (no kind has both), which leaves room for the
/// instance's mesh and yaw.
struct Object {
  ShapeKind kind = ShapeKind::sphere;
  std::uint32_t material = 0;  ///< index into SceneState::materials
  Vec3 center{0.0f};           ///< sphere, box: centre; plane: a point on it; instance: where the mesh's centre goes
  float radius = 1.0f;         ///< sphere: radius; instance: uniform scale
  union {
    /// box: half extents along x, y, z (axis-aligned); instance: half
    /// extents of its world box, derived from mesh, scale and yaw
    /// (make_instance)
    Vec3 half_size{0.0f};
    Vec3 normal;  ///< plane only: unit normal (the same storage as half_size)
  };
  /// Written and read by the animator (scenes/animator.h) only; kept in the
  /// object so that a collision updates two objects, two cells, at once.
  Vec3 velocity{0.0f};
  /// Instance only: its mesh (owned by SceneState::meshes, never written
  /// after loading, so it is no cell: only the instance's own fields are)
  /// and its rotation about the y axis, in degrees.
  const Mesh* mesh = nullptr;
  float yaw_degrees = 0.0f;
};

/// Whitted-style surface description. Weights are linear and need not sum to 1.
struct Material {
  Vec3 color{0.8f};          ///< diffuse albedo, linear RGB
  Vec3 checker_color{0.0f};  ///< second colour of a checkerboard
  float checker_size = 0.0f; ///< > 0: checkerboard with squares of this size (plane tangent space)
  float ambient = 0.1f;      ///< constant term, times colour
  float diffuse = 0.9f;      ///< Lambert weight
  float specular = 0.0f;     ///< Blinn-Phong highlight weight
  float shininess = 32.0f;   ///< Blinn-Phong exponent
  float reflectivity = 0.0f; ///< mirror weight (ignored when transparent)
  float transparency = 0.0f; ///< > 0: dielectric; Fresnel (Schlick) splits reflect/refract
  float ior = 1.5f;          ///< index of refraction when transparent
};

struct Light {
  Vec3 position{0.0f};
  Vec3 color{1.0f};  ///< intensity folded in
};

/// Pinhole camera; the aspect ratio comes from the image size.
struct Camera {
  Vec3 position{0.0f, 0.0f, 5.0f};
  Vec3 look_at{0.0f};
  Vec3 up{0.0f, 1.0f, 0.0f};
  float vfov_degrees = 45.0f;
};

struct SceneState {
  Camera camera;
  std::vector<Object> objects;
  std::vector<Material> materials;
  std::vector<Light> lights;
  /// The meshes instances point at: frame constants shared by every copy
  /// of the state (a copy shares them, nothing ever writes them).
  std::vector<std::shared_ptr<const Mesh>> meshes;
  Vec3 background{0.0f};
  int max_depth = 5;  ///< reflection/refraction bounces after the primary hit
};

static_assert(std::is_trivially_copyable_v<Object>);
static_assert(sizeof(Object) <= 64, "an object is copied out of its cell on every test: keep it one cache line");
static_assert(std::is_standard_layout_v<Object>);  // reading `normal` where `half_size` was written is defined (same type)
static_assert(std::is_trivially_copyable_v<Material>);
static_assert(std::is_trivially_copyable_v<Light>);
static_assert(std::is_trivially_copyable_v<Camera>);

}  // namespace txray
