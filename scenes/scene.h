#pragma once
/// A scene as txray knows it: the renderable state at time 0, how each
/// object moves (a pure function of time), and names for people.
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "renderer/scene_state.h"

namespace txray {

/// How one object moves. Positions are a pure function of time, so any frame
/// of the animation can be rendered on its own and reproduced exactly.
struct Motion {
  enum class Kind { none, orbit, bounce } kind = Kind::none;
  Vec3 pivot{0.0f};      ///< orbit: centre of the circle (its y is ignored; the object keeps its height)
  float speed = 0.0f;    ///< orbit: radians per second; bounce: bounces per second
  float height = 0.0f;   ///< bounce: peak height above the rest position
  float phase = 0.0f;    ///< radians (orbit) or fraction of a bounce (bounce)
};

struct SceneDescription {
  std::string name;
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

/// Names of the built-in scenes, in display order.
[[nodiscard]] std::vector<std::string> builtin_scene_names();

/// A built-in scene, or nullopt when `name` is not one.
[[nodiscard]] std::optional<SceneDescription> builtin_scene(std::string_view name);

/// Parses scene JSON; `source` names the input in error messages.
[[nodiscard]] SceneDescription parse_scene(std::string_view json_text, std::string_view source);

/// Reads and parses a scene file. Throws SceneError.
[[nodiscard]] SceneDescription load_scene_file(const std::filesystem::path& path);

/// A built-in name, or else a path to a scene file. Throws SceneError.
[[nodiscard]] SceneDescription resolve_scene(std::string_view name_or_path);

}  // namespace txray
