#pragma once
/// A scene as txray knows it: the renderable state at time 0, how each
/// object moves (a pure function of time), and names for people.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "renderer/mesh.h"
#include "renderer/scene_state.h"

namespace txray {

/// How one object moves. Positions are a pure function of time, so any frame
/// of the animation can be rendered on its own and reproduced exactly.
struct Motion {
  enum class Kind { none, orbit, bounce } kind = Kind::none;
  Vec3 pivot{0.0f};      ///< orbit: centre of the circle (its y is ignored; the object keeps its height)
  float speed = 0.0f;    ///< orbit: radians per second; bounce: bounces per second
  float height = 0.0f;   ///< bounce: peak height above the rest position
  float phase = 0.0f;    ///< bounce: fraction of a bounce already done at time 0 (orbit: unused, see below)

  // Both motions are displacements from the time-0 position, so at(0) gives
  // back `initial` bit for bit. An orbit therefore starts wherever the object
  // is at time 0 and needs no phase; a bounce with phase p starts p of the way
  // through its arc, i.e. its floor is below the time-0 position.
  friend bool operator==(const Motion&, const Motion&) = default;
};

struct SceneDescription {
  std::string name;
  std::string description;                  ///< one line for people (`txray info`)
  SceneState initial;                       ///< the state at time 0
  std::vector<Motion> motions;              ///< one per object, same order
  std::vector<std::string> material_names;  ///< one per material, same order
  int width = 640;                          ///< suggested image size
  int height = 360;

  /// The state at time `seconds`: objects moved by their motions.
  [[nodiscard]] SceneState at(double seconds) const;
};

/// A scene file or scene name that txray refuses. what() reads
/// "<source>: <location>: <problem>", e.g.
/// "bad.json: /objects/3/radius: radius must be a positive finite number".
class SceneError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Limits a scene file may not exceed; checked before anything is allocated.
inline constexpr std::size_t kMaxSceneFileBytes = 16u << 20;
inline constexpr std::size_t kMaxSceneObjects = 100000;
inline constexpr std::size_t kMaxSceneMaterials = 4096;
inline constexpr std::size_t kMaxSceneLights = 64;
inline constexpr int kMaxImageDimension = 16384;
/// Every number in a scene file lies within ±this: float keeps 1/16 of a unit
/// of precision out there, and squares of lengths (sphere tests) stay finite.
inline constexpr double kMaxSceneMagnitude = 1e6;
/// Bounces after the primary hit; the kernel recurses once per bounce.
inline constexpr int kMaxSceneDepth = 32;
/// Mesh files: size, triangles per mesh (after polygons are fanned), and
/// distinct mesh files per scene (instances of one file share its mesh).
inline constexpr std::size_t kMaxMeshFileBytes = 64u << 20;
inline constexpr std::size_t kMaxMeshTriangles = 2'000'000;
inline constexpr std::size_t kMaxSceneMeshes = 64;

/// Names of the built-in scenes, in display order.
[[nodiscard]] std::vector<std::string> builtin_scene_names();

/// A built-in scene, or nullopt when `name` is not one.
[[nodiscard]] std::optional<SceneDescription> builtin_scene(std::string_view name);

/// Parses scene JSON; `source` names the input in error messages. Mesh
/// objects' files are read relative to `base_dir` (the scene file's folder);
/// without one, a scene with meshes is refused.
[[nodiscard]] SceneDescription parse_scene(std::string_view json_text, std::string_view source,
                                           const std::optional<std::filesystem::path>& base_dir = std::nullopt);

/// Parses Wavefront OBJ text (v, vn, vt, f; polygons fanned into
/// triangles), refusing with "<source>: line N: <problem>": malformed
/// faces, indices out of range, coordinates that are not finite numbers
/// within the scene range, unknown statements, the limits above.
[[nodiscard]] MeshData parse_obj(std::string_view text, std::string_view source);

/// Reads and parses an OBJ file (refused before reading when over the size
/// limit); `source` names it in messages.
[[nodiscard]] MeshData load_obj_file(const std::filesystem::path& path, std::string_view source);

/// Reads and parses a scene file. Throws SceneError.
[[nodiscard]] SceneDescription load_scene_file(const std::filesystem::path& path);

/// A built-in name, or else a path to a scene file. Throws SceneError.
[[nodiscard]] SceneDescription resolve_scene(std::string_view name_or_path);

/// The scene in the file format parse_scene reads (assets/scenes/README.md).
/// Floats are written in their shortest exact form, so parse_scene gives the
/// same scene back bit for bit; that is how assets/scenes/ is generated.
[[nodiscard]] std::string scene_to_json(const SceneDescription& scene);

/// Where an object with this motion is at `seconds`, given its time-0 centre.
[[nodiscard]] Vec3 moved_center(const Motion& motion, Vec3 center, double seconds);

}  // namespace txray
