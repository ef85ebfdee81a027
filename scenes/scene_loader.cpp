// The scene-file loader: JSON text -> SceneDescription, refusing anything
// it cannot vouch for with "<source>: <location>: <problem>". The format is
// documented in assets/scenes/README.md; keep the two in step.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <glm/geometric.hpp>
#include <nlohmann/json.hpp>

#include "scenes/scene.h"

namespace txray {

namespace {

using Json = nlohmann::json;

/// Our format never nests deeper than 5 (root, objects, object, motion,
/// pivot); refusing depth early bounds the work done on hostile input.
constexpr std::size_t kMaxNesting = 10;

/// Longest user string quoted back in an error message.
constexpr std::size_t kMaxQuoted = 64;

[[noreturn]] void fail(std::string_view source, std::string_view location, std::string_view problem) {
  std::string message;
  message.reserve(source.size() + location.size() + problem.size() + 4);
  message.append(source).append(": ").append(location.empty() ? "(root)" : location).append(": ").append(problem);
  throw SceneError(message);
}

/// A JSON pointer reference token (RFC 6901): '~' and '/' are escaped.
std::string pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

/// A user-supplied string, quoted for a message: printable ASCII kept, the
/// rest escaped, long strings cut, so a hostile file cannot garble a log.
std::string quote_for_message(std::string_view s) {
  std::string out = "\"";
  std::size_t n = 0;
  for (unsigned char c : s) {
    if (n++ == kMaxQuoted) {
      out += "...";
      break;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  out += '"';
  return out;
}

std::string format_number(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string type_name(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    case Json::value_t::number_float: return "a number";
    case Json::value_t::string: return "a string";
    case Json::value_t::array: return "an array";
    case Json::value_t::object: return "an object";
    default: return "an unsupported value";
  }
}

std::string join(std::initializer_list<std::string_view> names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Parsing: nlohmann's parser drives our own SAX handler, which builds the
// document and, on the way, refuses duplicate keys (nlohmann's DOM would keep
// the last silently), absurd nesting and over-long top-level arrays before
// their elements are built, and gives every syntax error a line and column.

struct ArrayLimit {
  std::string_view key;
  std::size_t limit;
  std::string_view noun;
};

constexpr ArrayLimit kArrayLimits[] = {
    {"objects", kMaxSceneObjects, "objects"},
    {"materials", kMaxSceneMaterials, "materials"},
    {"lights", kMaxSceneLights, "lights"},
};

std::string too_many(const ArrayLimit& l, std::size_t n) {
  return std::to_string(n) + " " + std::string(l.noun) + " exceed the limit of " + std::to_string(l.limit);
}

/// "line L, column C" of a byte offset; columns count bytes, from 1.
std::string line_and_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(offset - line_start + 1);
}

/// nlohmann's message without its "[json.exception...]" tag and "parse error
/// at line .., column ..:" prefix (we give our own location), printable.
std::string parse_problem(const Json::exception& e) {
  std::string_view what = e.what();
  if (const auto tag = what.find("] "); what.starts_with("[json.exception.") && tag != std::string_view::npos) {
    what.remove_prefix(tag + 2);
  }
  if (what.starts_with("parse error")) {
    if (const auto colon = what.find(": "); colon != std::string_view::npos) what.remove_prefix(colon + 2);
  }
  std::string out;
  for (unsigned char c : what.substr(0, 200)) out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  if (what.size() > 200) out += "...";
  return out;
}

/// nlohmann SAX interface (see nlohmann::json_sax): builds the document.
class DocumentBuilder {
 public:
  DocumentBuilder(std::string_view source, std::string_view text, Json& root)
      : source_(source), text_(text), root_(root) {}

  bool null() { return place(Json(nullptr)) != nullptr; }
  bool boolean(bool v) { return place(Json(v)) != nullptr; }
  bool number_integer(Json::number_integer_t v) { return place(Json(v)) != nullptr; }
  bool number_unsigned(Json::number_unsigned_t v) { return place(Json(v)) != nullptr; }
  bool number_float(Json::number_float_t v, const Json::string_t& /*text*/) { return place(Json(v)) != nullptr; }
  bool string(Json::string_t& v) { return place(Json(std::move(v))) != nullptr; }
  bool binary(Json::binary_t& v) { return place(Json::binary(std::move(v))) != nullptr; }
  bool start_object(std::size_t /*elements*/) { return open(Json::object()); }
  bool start_array(std::size_t /*elements*/) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(Json::string_t& key) {
    Frame& f = frames_.back();
    if (!f.keys.insert(key).second) {
      fail(source_, pointer() + "/" + pointer_token(key), "duplicate key " + quote_for_message(key));
    }
    f.key = key;
    return true;
  }

  bool parse_error(std::size_t position, const std::string& /*last_token*/, const Json::exception& e) {
    // `position` counts bytes from 1 and points at the last one read, the
    // one that made no sense (or one past the end when the input stops short).
    const std::string where = line_and_column(text_, position > 0 ? position - 1 : 0);
    const bool syntax = dynamic_cast<const Json::parse_error*>(&e) != nullptr;
    fail(source_, where, (syntax ? "malformed JSON: " : "") + parse_problem(e));
  }

 private:
  struct Frame {
    Json* value = nullptr;
    std::size_t count = 0;
    std::string key;  ///< object: the key whose value comes next
    std::unordered_set<std::string> keys;
    std::string token;  ///< this container's own reference token
  };

  /// Puts a value where the parse is, returning it and its reference token.
  Json* place(Json&& v, std::string* token = nullptr) {
    if (frames_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Frame& f = frames_.back();
    if (f.value->is_object()) {
      if (token) *token = pointer_token(f.key);
      return &((*f.value)[f.key] = std::move(v));
    }
    const std::size_t index = f.count++;
    if (frames_.size() == 2 && frames_[0].value->is_object()) {
      for (const ArrayLimit& l : kArrayLimits) {
        if (f.token == l.key && f.count > l.limit) fail(source_, pointer(), too_many(l, f.count) + " (or more)");
      }
    }
    if (token) *token = std::to_string(index);
    f.value->push_back(std::move(v));
    return &f.value->back();
  }

  bool open(Json&& container) {
    std::string token;
    Json* value = place(std::move(container), &token);
    frames_.push_back(Frame{value, 0, {}, {}, std::move(token)});
    if (frames_.size() > kMaxNesting) {
      fail(source_, pointer(), "nested more than " + std::to_string(kMaxNesting) + " levels deep");
    }
    return true;
  }

  bool close() {
    frames_.pop_back();
    return true;
  }

  std::string pointer() const {
    std::string p;
    for (std::size_t i = 1; i < frames_.size(); ++i) p += "/" + frames_[i].token;
    return p;
  }

  std::string_view source_;
  std::string_view text_;
  Json& root_;
  std::vector<Frame> frames_;
};

Json parse_document(std::string_view text, std::string_view source) {
  Json root;
  DocumentBuilder builder(source, text, root);
  // Strict: the whole input is one JSON value. Comments are not JSON.
  Json::sax_parse(text.begin(), text.end(), &builder, Json::input_format_t::json, /*strict=*/true,
                  /*ignore_comments=*/false);
  return root;
}

// ---------------------------------------------------------------------------
// Reading the document: every accessor knows the JSON pointer of its value.

struct Node {
  const Json* value;
  std::string pointer;

  [[nodiscard]] Node child(std::string_view key) const {
    return {&(*value)[std::string(key)], pointer + "/" + pointer_token(key)};
  }
  [[nodiscard]] Node element(std::size_t i) const { return {&(*value)[i], pointer + "/" + std::to_string(i)}; }
};

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  [[noreturn]] void fail_at(const Node& n, std::string_view problem) const { fail(source_, n.pointer, problem); }
  [[noreturn]] void fail_at(const std::string& pointer, std::string_view problem) const {
    fail(source_, pointer, problem);
  }

  void expect_object(const Node& n) const {
    if (!n.value->is_object()) fail_at(n, "expected an object, got " + type_name(*n.value));
  }

  void expect_array(const Node& n) const {
    if (!n.value->is_array()) fail_at(n, "expected an array, got " + type_name(*n.value));
  }

  /// Refuses the first field not in `allowed`, naming it and what is allowed.
  void allow_only(const Node& n, std::initializer_list<std::string_view> allowed, std::string_view what) const {
    for (const auto& [key, value] : n.value->items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        fail_at(n.pointer + "/" + pointer_token(key),
                "unknown field " + quote_for_message(key) + " in " + std::string(what) + " (allowed: " + join(allowed) + ")");
      }
    }
  }

  [[nodiscard]] std::optional<Node> optional(const Node& n, std::string_view key) const {
    if (!n.value->contains(std::string(key))) return std::nullopt;
    return n.child(key);
  }

  [[nodiscard]] Node required(const Node& n, std::string_view key, std::string_view what) const {
    if (!n.value->contains(std::string(key))) {
      fail_at(n.pointer + "/" + pointer_token(key), "missing required field " + quote_for_message(key) + " of " + std::string(what));
    }
    return n.child(key);
  }

  [[nodiscard]] std::string string(const Node& n) const {
    if (!n.value->is_string()) fail_at(n, "expected a string, got " + type_name(*n.value));
    return n.value->get<std::string>();
  }

  /// A finite number within the scene range (which a float holds).
  [[nodiscard]] float number(const Node& n) const {
    if (!n.value->is_number()) fail_at(n, "expected a number, got " + type_name(*n.value));
    const double d = n.value->get<double>();
    // JSON has no NaN or infinity, but a literal like 1e999 overflows to one.
    if (!std::isfinite(d)) fail_at(n, "number is not finite");
    if (std::fabs(d) > kMaxSceneMagnitude) {
      fail_at(n, "number " + format_number(d) + " is out of range (scene numbers lie within -1e6..1e6)");
    }
    return static_cast<float>(d);
  }

  [[nodiscard]] float positive(const Node& n, std::string_view what) const {
    const float v = number(n);
    if (!(v > 0.0f)) fail_at(n, std::string(what) + " must be a positive finite number, got " + format_number(v));
    return v;
  }

  [[nodiscard]] float non_negative(const Node& n, std::string_view what) const {
    const float v = number(n);
    if (!(v >= 0.0f)) fail_at(n, std::string(what) + " must not be negative, got " + format_number(v));
    return v;
  }

  [[nodiscard]] float unit_interval(const Node& n, std::string_view what) const {
    const float v = number(n);
    if (!(v >= 0.0f && v <= 1.0f)) fail_at(n, std::string(what) + " must be between 0 and 1, got " + format_number(v));
    return v;
  }

  [[nodiscard]] int integer(const Node& n, std::string_view what, int lo, int hi) const {
    const Json& v = *n.value;
    if (!v.is_number_integer()) fail_at(n, "expected an integer, got " + type_name(v));
    // Non-negative literals arrive as unsigned, negative ones as signed.
    const bool in_range = v.is_number_unsigned()
                              ? (lo <= 0 || v.get<std::uint64_t>() >= static_cast<std::uint64_t>(lo)) &&
                                    v.get<std::uint64_t>() <= static_cast<std::uint64_t>(hi)
                              : (v.get<std::int64_t>() >= lo && v.get<std::int64_t>() <= hi);
    if (!in_range) {
      const std::string got = v.is_number_unsigned() ? std::to_string(v.get<std::uint64_t>())
                                                     : std::to_string(v.get<std::int64_t>());
      fail_at(n, std::string(what) + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                     ", got " + got);
    }
    return static_cast<int>(v.get<std::int64_t>());
  }

  [[nodiscard]] Vec3 vec3(const Node& n) const {
    const Json& v = *n.value;
    if (!v.is_array() || v.size() != 3) {
      fail_at(n, "expected an array of 3 numbers, got " +
                     (v.is_array() ? "an array of " + std::to_string(v.size()) : type_name(v)));
    }
    return Vec3(number(n.element(0)), number(n.element(1)), number(n.element(2)));
  }

  /// An RGB colour (or light intensity): three numbers, none negative.
  [[nodiscard]] Vec3 color(const Node& n) const {
    const Vec3 c = vec3(n);
    for (int i = 0; i < 3; ++i) {
      if (c[i] < 0.0f) fail_at(n.element(static_cast<std::size_t>(i)), "colour components must not be negative");
    }
    return c;
  }

  /// Checks an array's length against a limit before anything is reserved.
  [[nodiscard]] std::size_t counted_array(const Node& n, const ArrayLimit& l) const {
    expect_array(n);
    const std::size_t size = n.value->size();
    if (size > l.limit) fail_at(n, too_many(l, size));
    return size;
  }

 private:
  std::string_view source_;
};

const ArrayLimit& array_limit(std::string_view key) {
  for (const ArrayLimit& l : kArrayLimits) {
    if (l.key == key) return l;
  }
  return kArrayLimits[0];
}

// ---------------------------------------------------------------------------

Camera read_camera(const Reader& r, const Node& n) {
  r.expect_object(n);
  r.allow_only(n, {"position", "look_at", "up", "vfov_degrees"}, "the camera");
  Camera c;
  c.position = r.vec3(r.required(n, "position", "the camera"));
  const Node look_at = r.required(n, "look_at", "the camera");
  c.look_at = r.vec3(look_at);
  if (auto up = r.optional(n, "up")) c.up = r.vec3(*up);
  if (auto fov = r.optional(n, "vfov_degrees")) {
    c.vfov_degrees = r.number(*fov);
    if (!(c.vfov_degrees > 0.0f && c.vfov_degrees < 180.0f)) {
      r.fail_at(*fov, "vfov_degrees must be between 0 and 180 (exclusive), got " + format_number(c.vfov_degrees));
    }
  }
  // Work in double: float differences of huge coordinates could overflow.
  const glm::dvec3 view = glm::dvec3(c.look_at) - glm::dvec3(c.position);
  if (glm::length(view) == 0.0) r.fail_at(look_at, "look_at equals position, so the camera has no direction");
  const glm::dvec3 up(c.up);
  if (glm::length(up) == 0.0) r.fail_at(n.pointer + "/up", "up must not be the zero vector");
  if (glm::length(glm::cross(glm::normalize(view), glm::normalize(up))) < 1e-6) {
    r.fail_at(n.pointer + "/up", "up is parallel to the viewing direction");
  }
  return c;
}

Material read_material(const Reader& r, const Node& n, std::string& name) {
  r.expect_object(n);
  r.allow_only(n,
               {"name", "color", "checker_color", "checker_size", "ambient", "diffuse", "specular", "shininess",
                "reflectivity", "transparency", "ior"},
               "a material");
  const Node name_node = r.required(n, "name", "a material");
  name = r.string(name_node);
  if (name.empty()) r.fail_at(name_node, "material name must not be empty");
  // Fields left out keep Material's defaults (renderer/scene_state.h).
  Material m;
  if (auto v = r.optional(n, "color")) m.color = r.color(*v);
  if (auto v = r.optional(n, "checker_color")) m.checker_color = r.color(*v);
  if (auto v = r.optional(n, "checker_size")) m.checker_size = r.non_negative(*v, "checker_size");
  if (auto v = r.optional(n, "ambient")) m.ambient = r.non_negative(*v, "ambient");
  if (auto v = r.optional(n, "diffuse")) m.diffuse = r.non_negative(*v, "diffuse");
  if (auto v = r.optional(n, "specular")) m.specular = r.non_negative(*v, "specular");
  if (auto v = r.optional(n, "shininess")) m.shininess = r.non_negative(*v, "shininess");
  if (auto v = r.optional(n, "reflectivity")) m.reflectivity = r.unit_interval(*v, "reflectivity");
  if (auto v = r.optional(n, "transparency")) m.transparency = r.unit_interval(*v, "transparency");
  if (auto v = r.optional(n, "ior")) m.ior = r.positive(*v, "ior");
  return m;
}

Motion read_motion(const Reader& r, const Node& n) {
  r.expect_object(n);
  const Node kind_node = r.required(n, "kind", "a motion");
  const std::string kind = r.string(kind_node);
  Motion m;
  if (kind == "none") {
    r.allow_only(n, {"kind"}, "a motion of kind \"none\"");
  } else if (kind == "orbit") {
    // No phase: an orbit starts where the object is at time 0 (scene.h).
    r.allow_only(n, {"kind", "pivot", "speed"}, "an orbit");
    m.kind = Motion::Kind::orbit;
    m.pivot = r.vec3(r.required(n, "pivot", "an orbit"));
    m.speed = r.number(r.required(n, "speed", "an orbit"));
  } else if (kind == "bounce") {
    r.allow_only(n, {"kind", "height", "speed", "phase"}, "a bounce");
    m.kind = Motion::Kind::bounce;
    m.height = r.non_negative(r.required(n, "height", "a bounce"), "height");
    m.speed = r.number(r.required(n, "speed", "a bounce"));
    if (auto v = r.optional(n, "phase")) m.phase = r.number(*v);
  } else {
    r.fail_at(kind_node, "unknown motion kind " + quote_for_message(kind) + " (known: none, orbit, bounce)");
  }
  return m;
}

std::string material_list(const std::vector<std::string>& names) {
  if (names.empty()) return "the scene defines no materials";
  std::string out = "defined: ";
  const std::size_t shown = std::min<std::size_t>(names.size(), 8);
  for (std::size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + quote_for_message(names[i]);
  if (shown < names.size()) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out;
}

/// A mesh object as read, before its mesh is built: the instance is made
/// once every mesh file is loaded and built (build_meshes, in parallel).
struct PendingInstance {
  std::size_t object = 0;
  std::size_t mesh = 0;  ///< index into MeshFiles::files
  float scale = 1.0f;
  float yaw_degrees = 0.0f;
};

/// The distinct mesh files a scene names, each loaded once however many
/// objects instance it.
struct MeshFiles {
  std::vector<std::string> files;    ///< as the scene names them
  std::vector<std::string> pointer;  ///< where each was first named, for messages
  std::unordered_map<std::string, std::size_t> index;
};

Object read_object(const Reader& r, const Node& n, const std::unordered_map<std::string, std::uint32_t>& materials,
                   const std::vector<std::string>& material_names, Motion& motion, MeshFiles& meshes,
                   PendingInstance& instance, bool& is_instance) {
  r.expect_object(n);
  const Node shape_node = r.required(n, "shape", "an object");
  const std::string shape = r.string(shape_node);
  Object o;
  is_instance = false;
  if (shape == "mesh") {
    r.allow_only(n, {"shape", "material", "file", "position", "scale", "yaw_degrees", "motion"}, "a mesh");
    o.kind = ShapeKind::instance;
    const Node file_node = r.required(n, "file", "a mesh");
    const std::string file = r.string(file_node);
    if (file.empty()) r.fail_at(file_node, "file must not be empty");
    o.center = r.vec3(r.required(n, "position", "a mesh"));
    if (auto v = r.optional(n, "scale")) instance.scale = r.positive(*v, "scale");
    if (auto v = r.optional(n, "yaw_degrees")) instance.yaw_degrees = r.number(*v);
    const auto [it, fresh] = meshes.index.emplace(file, meshes.files.size());
    if (fresh) {
      if (meshes.files.size() == kMaxSceneMeshes) {
        r.fail_at(file_node, "the scene names more than " + std::to_string(kMaxSceneMeshes) + " mesh files, over the limit");
      }
      meshes.files.push_back(file);
      meshes.pointer.push_back(file_node.pointer);
    }
    instance.mesh = it->second;
    is_instance = true;
  } else if (shape == "sphere") {
    r.allow_only(n, {"shape", "material", "center", "radius", "motion"}, "a sphere");
    o.kind = ShapeKind::sphere;
    o.center = r.vec3(r.required(n, "center", "a sphere"));
    o.radius = r.positive(r.required(n, "radius", "a sphere"), "radius");
  } else if (shape == "plane") {
    r.allow_only(n, {"shape", "material", "point", "normal", "motion"}, "a plane");
    o.kind = ShapeKind::plane;
    o.center = r.vec3(r.required(n, "point", "a plane"));
    const Node normal = r.required(n, "normal", "a plane");
    const glm::dvec3 d(r.vec3(normal));
    const double length = glm::length(d);
    if (!(length > 0.0)) r.fail_at(normal, "normal must not be the zero vector");
    // Normalised only when it is not unit length already, so unit normals
    // (all the built-ins') come back bit for bit.
    o.normal = std::fabs(length - 1.0) > 1e-6 ? Vec3(d / length) : Vec3(d);
  } else if (shape == "box") {
    r.allow_only(n, {"shape", "material", "center", "half_size", "motion"}, "a box");
    o.kind = ShapeKind::box;
    o.center = r.vec3(r.required(n, "center", "a box"));
    const Node half = r.required(n, "half_size", "a box");
    o.half_size = r.vec3(half);
    for (std::size_t i = 0; i < 3; ++i) {
      if (!(o.half_size[static_cast<int>(i)] > 0.0f)) {
        r.fail_at(half.element(i), "half_size components must be positive, got " +
                                       format_number(o.half_size[static_cast<int>(i)]));
      }
    }
  } else {
    r.fail_at(shape_node, "unknown shape " + quote_for_message(shape) + " (known: sphere, plane, box, mesh)");
  }
  const Node material_node = r.required(n, "material", "an object");
  const std::string material = r.string(material_node);
  const auto it = materials.find(material);
  if (it == materials.end()) {
    r.fail_at(material_node, "unknown material " + quote_for_message(material) + " (" + material_list(material_names) + ")");
  }
  o.material = it->second;
  motion = Motion{};
  if (auto v = r.optional(n, "motion")) motion = read_motion(r, *v);
  return o;
}

SceneDescription read_scene(const Json& document, std::string_view source,
                            const std::optional<std::filesystem::path>& base_dir) {
  const Reader r(source);
  const Node root{&document, ""};
  r.expect_object(root);
  r.allow_only(root,
               {"name", "description", "size", "camera", "background", "max_depth", "materials", "objects", "lights"},
               "the scene");

  // Sizes first: nothing below allocates before every count is known good.
  const Node materials_node = r.required(root, "materials", "the scene");
  const Node objects_node = r.required(root, "objects", "the scene");
  const std::optional<Node> lights_node = r.optional(root, "lights");
  const std::size_t material_count = r.counted_array(materials_node, array_limit("materials"));
  const std::size_t object_count = r.counted_array(objects_node, array_limit("objects"));
  const std::size_t light_count = lights_node ? r.counted_array(*lights_node, array_limit("lights")) : 0;

  SceneDescription scene;
  if (auto v = r.optional(root, "name")) {
    scene.name = r.string(*v);
  } else {
    scene.name = std::filesystem::path(source).stem().string();
  }
  if (auto v = r.optional(root, "description")) scene.description = r.string(*v);
  if (auto size = r.optional(root, "size")) {
    r.expect_object(*size);
    r.allow_only(*size, {"width", "height"}, "the image size");
    scene.width = r.integer(r.required(*size, "width", "the image size"), "width", 1, kMaxImageDimension);
    scene.height = r.integer(r.required(*size, "height", "the image size"), "height", 1, kMaxImageDimension);
  }
  SceneState& state = scene.initial;
  state.camera = read_camera(r, r.required(root, "camera", "the scene"));
  if (auto v = r.optional(root, "background")) state.background = r.color(*v);
  if (auto v = r.optional(root, "max_depth")) state.max_depth = r.integer(*v, "max_depth", 0, kMaxSceneDepth);

  std::unordered_map<std::string, std::uint32_t> by_name;
  by_name.reserve(material_count);
  state.materials.reserve(material_count);
  scene.material_names.reserve(material_count);
  for (std::size_t i = 0; i < material_count; ++i) {
    const Node m = materials_node.element(i);
    std::string name;
    state.materials.push_back(read_material(r, m, name));
    const auto [it, fresh] = by_name.emplace(name, static_cast<std::uint32_t>(i));
    if (!fresh) {
      r.fail_at(m.pointer + "/name", "duplicate material name " + quote_for_message(name) + " (first defined at " +
                                         materials_node.pointer + "/" + std::to_string(it->second) + ")");
    }
    scene.material_names.push_back(std::move(name));
  }

  state.objects.reserve(object_count);
  scene.motions.reserve(object_count);
  MeshFiles mesh_files;
  std::vector<PendingInstance> instances;
  for (std::size_t i = 0; i < object_count; ++i) {
    Motion motion;
    PendingInstance instance;
    bool is_instance = false;
    state.objects.push_back(read_object(r, objects_node.element(i), by_name, scene.material_names, motion, mesh_files,
                                        instance, is_instance));
    scene.motions.push_back(motion);
    if (is_instance) {
      instance.object = i;
      instances.push_back(instance);
    }
  }
  if (!mesh_files.files.empty()) {
    if (!base_dir) {
      r.fail_at(mesh_files.pointer.front(), "mesh files are read relative to the scene file, and this scene comes from no file");
    }
    std::vector<MeshData> data;
    data.reserve(mesh_files.files.size());
    for (std::size_t k = 0; k < mesh_files.files.size(); ++k) {
      try {
        data.push_back(load_obj_file(*base_dir / mesh_files.files[k], mesh_files.files[k]));
      } catch (const SceneError& e) {
        r.fail_at(mesh_files.pointer[k], e.what());
      }
    }
    state.meshes = build_meshes(std::move(data));
    for (const PendingInstance& p : instances) {
      Object& o = state.objects[p.object];
      o = make_instance(*state.meshes[p.mesh], o.center, p.scale, p.yaw_degrees, o.material);
    }
  }

  state.lights.reserve(light_count);
  for (std::size_t i = 0; i < light_count; ++i) {
    const Node l = lights_node->element(i);
    r.expect_object(l);
    r.allow_only(l, {"position", "color"}, "a light");
    Light light;
    light.position = r.vec3(r.required(l, "position", "a light"));
    if (auto c = r.optional(l, "color")) light.color = r.color(*c);
    state.lights.push_back(light);
  }
  return scene;
}

}  // namespace

SceneDescription parse_scene(std::string_view json_text, std::string_view source,
                             const std::optional<std::filesystem::path>& base_dir) {
  if (json_text.size() > kMaxSceneFileBytes) {
    fail(source, "(file)",
         "scene is " + std::to_string(json_text.size()) + " bytes, over the limit of " +
             std::to_string(kMaxSceneFileBytes));
  }
  const Json document = parse_document(json_text, source);
  return read_scene(document, source, base_dir);
}

SceneDescription load_scene_file(const std::filesystem::path& path) {
  const std::string source = path.string();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) fail(source, "(file)", "cannot read the scene file: no such file");
  if (std::filesystem::is_directory(status)) fail(source, "(file)", "is a directory, not a scene file");
  // Refuse an oversized file before reading a byte of it. Pipes and the like
  // have no size; the capped read below covers them.
  if (std::filesystem::is_regular_file(status)) {
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > kMaxSceneFileBytes) {
      fail(source, "(file)",
           "file is " + std::to_string(size) + " bytes, over the limit of " + std::to_string(kMaxSceneFileBytes));
    }
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail(source, "(file)",
         std::string("cannot open the scene file: ") + (errno ? std::strerror(errno) : "unknown error"));
  }
  std::string text;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxSceneFileBytes) {
      fail(source, "(file)", "file is over the limit of " + std::to_string(kMaxSceneFileBytes) + " bytes");
    }
  }
  if (in.bad()) fail(source, "(file)", "error while reading the scene file");
  return parse_scene(text, source, path.parent_path());
}

SceneDescription resolve_scene(std::string_view name_or_path) {
  if (auto builtin = builtin_scene(name_or_path)) return std::move(*builtin);
  const std::filesystem::path path{std::string(name_or_path)};
  std::error_code ec;
  const bool looks_like_path = name_or_path.find('/') != std::string_view::npos ||
                               path.extension() == ".json" || std::filesystem::exists(path, ec);
  if (looks_like_path) return load_scene_file(path);
  std::string names;
  for (const std::string& n : builtin_scene_names()) names += (names.empty() ? "" : ", ") + n;
  fail(name_or_path, "(scene)", "not a built-in scene (" + names + ") and no file of that name");
}

}  // namespace txray
