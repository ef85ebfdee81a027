// The scene-file loader: what it accepts, and one test per refusal, each
// checking that the message names the file, the location and the problem.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "scenes/scene.h"

namespace txray {
namespace {

using Json = nlohmann::json;

// gtest without gmock (Debian's libgtest-dev does not bring libgmock-dev).
#define EXPECT_STARTS_WITH(text, prefix) \
  EXPECT_TRUE(std::string_view(text).starts_with(prefix)) << "message: " << (text)
#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string_view(text).find(part), std::string_view::npos) << "message: " << (text)

/// The smallest scene the loader accepts with every required field; tests
/// break one thing in it at a time.
Json minimal() {
  return Json::parse(R"({
    "camera": {"position": [0, 0, 5], "look_at": [0, 0, 0]},
    "materials": [{"name": "red", "color": [1, 0, 0]}],
    "objects": [{"shape": "sphere", "material": "red", "center": [0, 0, 0], "radius": 1}],
    "lights": [{"position": [5, 5, 5]}]
  })");
}

/// The message parse_scene refuses `text` with, or a test failure.
std::string refusal(std::string_view text, std::string_view source = "bad.json") {
  try {
    (void)parse_scene(text, source);
  } catch (const SceneError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << text.substr(0, 200);
  return {};
}

std::string refused(const Json& j) { return refusal(j.dump()); }

std::string file_refusal(const std::filesystem::path& path) {
  try {
    (void)load_scene_file(path);
  } catch (const SceneError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted " << path;
  return {};
}

/// A scratch directory per test, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("txray_scenes_test_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] std::filesystem::path write(const std::string& name, std::string_view text) const {
    const auto p = path_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// --- what it accepts -----------------------------------------------------------

TEST(SceneLoader, MinimalSceneGetsTheDocumentedDefaults) {
  const SceneDescription s = parse_scene(minimal().dump(), "dir/tiny.json");
  EXPECT_EQ(s.name, "tiny");  // the file's stem
  EXPECT_EQ(s.width, 640);
  EXPECT_EQ(s.height, 360);
  EXPECT_EQ(s.initial.max_depth, 5);
  EXPECT_EQ(s.initial.background, Vec3(0.0f));
  EXPECT_EQ(s.initial.camera.up, Vec3(0.0f, 1.0f, 0.0f));
  EXPECT_EQ(s.initial.camera.vfov_degrees, 45.0f);
  ASSERT_EQ(s.initial.materials.size(), 1u);
  const Material& m = s.initial.materials[0];
  const Material d;
  EXPECT_EQ(m.color, Vec3(1.0f, 0.0f, 0.0f));
  EXPECT_EQ(m.ambient, d.ambient);
  EXPECT_EQ(m.diffuse, d.diffuse);
  EXPECT_EQ(m.shininess, d.shininess);
  EXPECT_EQ(m.ior, d.ior);
  ASSERT_EQ(s.initial.lights.size(), 1u);
  EXPECT_EQ(s.initial.lights[0].color, Vec3(1.0f));
  ASSERT_EQ(s.motions.size(), 1u);
  EXPECT_EQ(s.motions[0].kind, Motion::Kind::none);
}

TEST(SceneLoader, ReadsEveryShapeAndMotion) {
  Json j = minimal();
  j["objects"] = Json::parse(R"([
    {"shape": "sphere", "material": "red", "center": [1, 2, 3], "radius": 0.5,
     "motion": {"kind": "orbit", "pivot": [0, 0, 0], "speed": 1.5}},
    {"shape": "plane", "material": "red", "point": [0, -1, 0], "normal": [0, 3, 0]},
    {"shape": "box", "material": "red", "center": [0, 1, 0], "half_size": [1, 0.5, 2],
     "motion": {"kind": "bounce", "height": 2, "speed": 0.5, "phase": 0.25}},
    {"shape": "sphere", "material": "red", "center": [0, 0, 0], "radius": 1, "motion": {"kind": "none"}}
  ])");
  const SceneDescription s = parse_scene(j.dump(), "ok.json");
  ASSERT_EQ(s.initial.objects.size(), 4u);
  EXPECT_EQ(s.initial.objects[0].kind, ShapeKind::sphere);
  EXPECT_EQ(s.initial.objects[0].radius, 0.5f);
  EXPECT_EQ(s.motions[0].kind, Motion::Kind::orbit);
  EXPECT_EQ(s.motions[0].speed, 1.5f);
  EXPECT_EQ(s.initial.objects[1].kind, ShapeKind::plane);
  EXPECT_EQ(s.initial.objects[1].normal, Vec3(0.0f, 1.0f, 0.0f));  // normalised
  EXPECT_EQ(s.initial.objects[2].kind, ShapeKind::box);
  EXPECT_EQ(s.initial.objects[2].half_size, Vec3(1.0f, 0.5f, 2.0f));
  EXPECT_EQ(s.motions[2].kind, Motion::Kind::bounce);
  EXPECT_EQ(s.motions[2].phase, 0.25f);
  EXPECT_EQ(s.motions[3].kind, Motion::Kind::none);
}

TEST(SceneLoader, SceneWithoutObjectsOrLightsIsAllowed) {
  Json j = minimal();
  j["objects"] = Json::array();
  j["materials"] = Json::array();
  j.erase("lights");
  const SceneDescription s = parse_scene(j.dump(), "empty.json");
  EXPECT_TRUE(s.initial.objects.empty());
  EXPECT_TRUE(s.initial.lights.empty());
}

// --- malformed JSON: line and column -------------------------------------------

TEST(SceneLoaderRefuses, MalformedJsonWithLineAndColumn) {
  const std::string text = "{\n  \"camera\": {\n    \"position\": [0, 0, 5],\n    \"look_at\": [0, 0, O]\n";
  const std::string message = refusal(text, "scenes/typo.json");
  // The 'O' (a letter, not a zero) is on line 4, column 23.
  EXPECT_STARTS_WITH(message, "scenes/typo.json: line 4, column 23: malformed JSON: ");
  EXPECT_CONTAINS(message, "invalid literal");
}

TEST(SceneLoaderRefuses, TruncatedJson) {
  const std::string message = refusal("{\"camera\": {\"position\": [0, 0", "cut.json");
  EXPECT_STARTS_WITH(message, "cut.json: line 1, column ");
  EXPECT_CONTAINS(message, "malformed JSON");
  EXPECT_CONTAINS(message, "end of input");
}

TEST(SceneLoaderRefuses, EmptyInput) {
  EXPECT_STARTS_WITH(refusal("", "empty.json"), "empty.json: line 1, column 1: malformed JSON: ");
}

TEST(SceneLoaderRefuses, TrailingGarbage) {
  EXPECT_STARTS_WITH(refusal(minimal().dump() + "\n}", "extra.json"), "extra.json: line 2, column 1: malformed JSON");
}

TEST(SceneLoaderRefuses, NaNLiteral) {
  // JSON has no NaN; a file that tries is malformed, not a NaN radius.
  std::string text = minimal().dump();
  text.replace(text.find("\"radius\":1"), 10, "\"radius\":NaN");
  const std::string message = refusal(text);
  EXPECT_STARTS_WITH(message, "bad.json: line 1, column ");
  EXPECT_CONTAINS(message, "malformed JSON");
}

TEST(SceneLoaderRefuses, Comments) {
  EXPECT_STARTS_WITH(refusal("// a scene\n" + minimal().dump()), "bad.json: line 1, column 1: malformed JSON");
}

// --- structure -----------------------------------------------------------------

TEST(SceneLoaderRefuses, RootThatIsNotAnObject) {
  EXPECT_EQ(refusal("[1, 2]"), "bad.json: (root): expected an object, got an array");
}

TEST(SceneLoaderRefuses, WrongTypeOfNumber) {
  Json j = minimal();
  j["objects"][0]["radius"] = "1";
  EXPECT_EQ(refused(j), "bad.json: /objects/0/radius: expected a number, got a string");
}

TEST(SceneLoaderRefuses, WrongTypeOfVector) {
  Json j = minimal();
  j["objects"][0]["center"] = {1, 2};
  EXPECT_EQ(refused(j), "bad.json: /objects/0/center: expected an array of 3 numbers, got an array of 2");
  j["objects"][0]["center"] = {1, true, 2};
  EXPECT_EQ(refused(j), "bad.json: /objects/0/center/1: expected a number, got a boolean");
}

TEST(SceneLoaderRefuses, WrongTypeOfString) {
  Json j = minimal();
  j["objects"][0]["material"] = 3;
  EXPECT_EQ(refused(j), "bad.json: /objects/0/material: expected a string, got an integer");
}

TEST(SceneLoaderRefuses, WrongTypeOfArray) {
  Json j = minimal();
  j["objects"] = Json::object();
  EXPECT_EQ(refused(j), "bad.json: /objects: expected an array, got an object");
}

TEST(SceneLoaderRefuses, WrongTypeOfObject) {
  Json j = minimal();
  j["camera"] = "front";
  EXPECT_EQ(refused(j), "bad.json: /camera: expected an object, got a string");
}

TEST(SceneLoaderRefuses, MissingRequiredTopLevelField) {
  Json j = minimal();
  j.erase("camera");
  EXPECT_EQ(refused(j), "bad.json: /camera: missing required field \"camera\" of the scene");
}

TEST(SceneLoaderRefuses, MissingRequiredObjectField) {
  Json j = minimal();
  j["objects"][0].erase("radius");
  EXPECT_EQ(refused(j), "bad.json: /objects/0/radius: missing required field \"radius\" of a sphere");
}

TEST(SceneLoaderRefuses, MissingShape) {
  Json j = minimal();
  j["objects"][0].erase("shape");
  EXPECT_EQ(refused(j), "bad.json: /objects/0/shape: missing required field \"shape\" of an object");
}

TEST(SceneLoaderRefuses, UnknownTopLevelField) {
  Json j = minimal();
  j["colour"] = 1;
  EXPECT_EQ(refused(j),
            "bad.json: /colour: unknown field \"colour\" in the scene (allowed: name, description, size, camera, "
            "background, max_depth, materials, objects, lights)");
}

TEST(SceneLoaderRefuses, UnknownObjectField) {
  Json j = minimal();
  j["objects"][0]["radus"] = 1;
  EXPECT_STARTS_WITH(refused(j), "bad.json: /objects/0/radus: unknown field \"radus\" in a sphere (allowed: ");
}

TEST(SceneLoaderRefuses, FieldOfAnotherShape) {
  Json j = minimal();
  j["objects"][0] = Json::parse(R"({"shape": "plane", "material": "red", "point": [0,0,0], "normal": [0,1,0],
                                    "radius": 2})");
  EXPECT_STARTS_WITH(refused(j), "bad.json: /objects/0/radius: unknown field \"radius\" in a plane");
}

TEST(SceneLoaderRefuses, UnknownFieldNameIsEscapedInThePointer) {
  Json j = minimal();
  j["materials"][0]["a/b~c"] = 1;
  EXPECT_STARTS_WITH(refused(j), "bad.json: /materials/0/a~1b~0c: unknown field \"a/b~c\" in a material");
}

TEST(SceneLoaderRefuses, DuplicateKey) {
  const std::string text = R"({"camera": {"position": [0,0,5], "look_at": [0,0,0], "position": [1,1,1]},
                               "materials": [], "objects": []})";
  EXPECT_EQ(refusal(text), "bad.json: /camera/position: duplicate key \"position\"");
}

TEST(SceneLoaderRefuses, UnknownShape) {
  Json j = minimal();
  j["objects"][0]["shape"] = "torus";
  EXPECT_EQ(refused(j), "bad.json: /objects/0/shape: unknown shape \"torus\" (known: sphere, plane, box, mesh)");
}

TEST(SceneLoaderRefuses, UnknownMotionKind) {
  Json j = minimal();
  j["objects"][0]["motion"] = {{"kind", "spin"}};
  EXPECT_EQ(refused(j), "bad.json: /objects/0/motion/kind: unknown motion kind \"spin\" (known: none, orbit, bounce)");
}

TEST(SceneLoaderRefuses, PhaseOnAnOrbit) {
  Json j = minimal();
  j["objects"][0]["motion"] = {{"kind", "orbit"}, {"pivot", {0, 0, 0}}, {"speed", 1}, {"phase", 0.5}};
  EXPECT_STARTS_WITH(refused(j), "bad.json: /objects/0/motion/phase: unknown field \"phase\" in an orbit");
}

TEST(SceneLoaderRefuses, NestingTooDeep) {
  Json j = minimal();
  j["description"] = Json::parse("[[[[[[[[[[[[1]]]]]]]]]]]]");
  EXPECT_EQ(refused(j), "bad.json: /description/0/0/0/0/0/0/0/0/0: nested more than 10 levels deep");
}

// --- values --------------------------------------------------------------------

TEST(SceneLoaderRefuses, NegativeRadius) {
  Json j = minimal();
  j["objects"][0]["radius"] = -1;
  EXPECT_EQ(refused(j), "bad.json: /objects/0/radius: radius must be a positive finite number, got -1");
}

TEST(SceneLoaderRefuses, ZeroRadius) {
  Json j = minimal();
  j["objects"][0]["radius"] = 0;
  EXPECT_EQ(refused(j), "bad.json: /objects/0/radius: radius must be a positive finite number, got 0");
}

TEST(SceneLoaderRefuses, InfiniteNumber) {
  // 1e999 is valid JSON syntax that overflows a double to infinity.
  const std::string text = R"({"camera": {"position": [0, 0, 5], "look_at": [0, 0, 1e999]}, "materials": [], "objects": []})";
  EXPECT_EQ(refusal(text), "bad.json: line 1, column 58: number overflow parsing '1e999'");
}

TEST(SceneLoaderRefuses, NumberBeyondTheSceneRange) {
  Json j = minimal();
  j["lights"][0]["position"] = {0, 1e39, 0};  // beyond float, too
  EXPECT_EQ(refused(j), "bad.json: /lights/0/position/1: number 1e+39 is out of range (scene numbers lie within -1e6..1e6)");
  j["lights"][0]["position"] = {0, 0, -2e6};
  EXPECT_EQ(refused(j), "bad.json: /lights/0/position/2: number -2e+06 is out of range (scene numbers lie within -1e6..1e6)");
}

TEST(SceneLoaderRefuses, NegativeColour) {
  Json j = minimal();
  j["materials"][0]["color"] = {1, -0.5, 0};
  EXPECT_EQ(refused(j), "bad.json: /materials/0/color/1: colour components must not be negative");
}

TEST(SceneLoaderRefuses, ReflectivityAboveOne) {
  Json j = minimal();
  j["materials"][0]["reflectivity"] = 1.5;
  EXPECT_EQ(refused(j), "bad.json: /materials/0/reflectivity: reflectivity must be between 0 and 1, got 1.5");
}

TEST(SceneLoaderRefuses, NonPositiveIor) {
  Json j = minimal();
  j["materials"][0]["ior"] = 0;
  EXPECT_EQ(refused(j), "bad.json: /materials/0/ior: ior must be a positive finite number, got 0");
}

TEST(SceneLoaderRefuses, FlatBox) {
  Json j = minimal();
  j["objects"][0] = {{"shape", "box"}, {"material", "red"}, {"center", {0, 0, 0}}, {"half_size", {1, 0, 1}}};
  EXPECT_EQ(refused(j), "bad.json: /objects/0/half_size/1: half_size components must be positive, got 0");
}

TEST(SceneLoaderRefuses, ZeroPlaneNormal) {
  Json j = minimal();
  j["objects"][0] = {{"shape", "plane"}, {"material", "red"}, {"point", {0, 0, 0}}, {"normal", {0, 0, 0}}};
  EXPECT_EQ(refused(j), "bad.json: /objects/0/normal: normal must not be the zero vector");
}

TEST(SceneLoaderRefuses, CameraLookingAtItself) {
  Json j = minimal();
  j["camera"]["look_at"] = {0, 0, 5};
  EXPECT_EQ(refused(j), "bad.json: /camera/look_at: look_at equals position, so the camera has no direction");
}

TEST(SceneLoaderRefuses, CameraUpAlongTheView) {
  Json j = minimal();
  j["camera"]["up"] = {0, 0, -2};
  EXPECT_EQ(refused(j), "bad.json: /camera/up: up is parallel to the viewing direction");
}

TEST(SceneLoaderRefuses, FieldOfViewOutOfRange) {
  Json j = minimal();
  j["camera"]["vfov_degrees"] = 180;
  EXPECT_EQ(refused(j), "bad.json: /camera/vfov_degrees: vfov_degrees must be between 0 and 180 (exclusive), got 180");
}

TEST(SceneLoaderRefuses, UnknownMaterial) {
  Json j = minimal();
  j["objects"][0]["material"] = "blue";
  EXPECT_EQ(refused(j), "bad.json: /objects/0/material: unknown material \"blue\" (defined: \"red\")");
}

TEST(SceneLoaderRefuses, DuplicateMaterialName) {
  Json j = minimal();
  j["materials"].push_back({{"name", "red"}});
  EXPECT_EQ(refused(j), "bad.json: /materials/1/name: duplicate material name \"red\" (first defined at /materials/0)");
}

TEST(SceneLoaderRefuses, EmptyMaterialName) {
  Json j = minimal();
  j["materials"][0]["name"] = "";
  EXPECT_EQ(refused(j), "bad.json: /materials/0/name: material name must not be empty");
}

TEST(SceneLoaderRefuses, MaxDepthOutOfRange) {
  Json j = minimal();
  j["max_depth"] = -1;
  EXPECT_EQ(refused(j), "bad.json: /max_depth: max_depth must be between 0 and 32, got -1");
}

// --- limits: refused before anything is allocated ----------------------------

TEST(SceneLoaderRefuses, ImageTooWide) {
  Json j = minimal();
  j["size"] = {{"width", kMaxImageDimension + 1}, {"height", 100}};
  EXPECT_EQ(refused(j), "bad.json: /size/width: width must be between 1 and 16384, got 16385");
}

TEST(SceneLoaderRefuses, ImageHeightZero) {
  Json j = minimal();
  j["size"] = {{"width", 100}, {"height", 0}};
  EXPECT_EQ(refused(j), "bad.json: /size/height: height must be between 1 and 16384, got 0");
}

TEST(SceneLoaderRefuses, ImageSizeThatIsNotAnInteger) {
  Json j = minimal();
  j["size"] = {{"width", 100.5}, {"height", 100}};
  EXPECT_EQ(refused(j), "bad.json: /size/width: expected an integer, got a number");
}

TEST(SceneLoaderRefuses, HugeImageSizeBeyondInt) {
  std::string text = minimal().dump();
  text.insert(1, R"("size": {"width": 18446744073709551615, "height": 10},)");
  EXPECT_EQ(refusal(text), "bad.json: /size/width: width must be between 1 and 16384, got 18446744073709551615");
}

/// `count` copies of `element` as a JSON array, built as text so the test
/// does not itself allocate a document of that size.
std::string array_of(std::size_t count, std::string_view element) {
  std::string out = "[";
  for (std::size_t i = 0; i < count; ++i) {
    if (i) out += ',';
    out += element;
  }
  return out + "]";
}

TEST(SceneLoaderRefuses, TooManyObjects) {
  // The elements are empty objects: were they read, "missing shape" would be
  // the complaint. The count is refused first, while parsing.
  const std::string text = R"({"camera": {"position": [0,0,5], "look_at": [0,0,0]}, "materials": [], "objects": )" +
                           array_of(kMaxSceneObjects + 1, "{}") + "}";
  EXPECT_EQ(refusal(text), "bad.json: /objects: 100001 objects exceed the limit of 100000 (or more)");
}

TEST(SceneLoaderRefuses, TooManyMaterials) {
  const std::string text = R"({"camera": {"position": [0,0,5], "look_at": [0,0,0]}, "objects": [], "materials": )" +
                           array_of(kMaxSceneMaterials + 1, "{}") + "}";
  EXPECT_EQ(refusal(text), "bad.json: /materials: 4097 materials exceed the limit of 4096 (or more)");
}

TEST(SceneLoaderRefuses, TooManyLights) {
  Json j = minimal();
  j["lights"] = Json::array();
  for (std::size_t i = 0; i <= kMaxSceneLights; ++i) j["lights"].push_back({{"position", {0, 1, 0}}});
  EXPECT_EQ(refused(j), "bad.json: /lights: 65 lights exceed the limit of 64 (or more)");
}

TEST(SceneLoaderRefuses, TextLargerThanTheFileLimit) {
  const std::string text(kMaxSceneFileBytes + 1, ' ');
  EXPECT_EQ(refusal(text, "big.json"), "big.json: (file): scene is 16777217 bytes, over the limit of 16777216");
}

// --- files ---------------------------------------------------------------------

TEST(SceneLoaderRefuses, MissingFile) {
  const ScratchDir dir;
  const auto path = dir.path() / "absent.json";
  EXPECT_EQ(file_refusal(path), path.string() + ": (file): cannot read the scene file: no such file");
}

TEST(SceneLoaderRefuses, Directory) {
  const ScratchDir dir;
  EXPECT_EQ(file_refusal(dir.path()), dir.path().string() + ": (file): is a directory, not a scene file");
}

TEST(SceneLoaderRefuses, FileLargerThanTheLimitBeforeReadingIt) {
  const ScratchDir dir;
  const auto path = dir.write("huge.json", "");
  // Sparse: the size is what counts, and it is checked before any read.
  std::filesystem::resize_file(path, kMaxSceneFileBytes + 1);
  EXPECT_EQ(file_refusal(path),
            path.string() + ": (file): file is 16777217 bytes, over the limit of 16777216");
}

// A file that opens but whose read() fails (EIO): /proc/self/mem is a
// regular file that anyone, root included, may open, and reading its
// offset 0 (never mapped) fails. The loader must say so, not parse the
// bytes it got (none) as an empty document.
TEST(SceneLoaderRefuses, FileWhoseReadFails) {
  const std::filesystem::path path = "/proc/self/mem";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no /proc";
  EXPECT_EQ(file_refusal(path), path.string() + ": (file): error while reading the scene file");
}

// A path through a regular file (ENOTDIR): refused as unreadable, as root too.
TEST(SceneLoaderRefuses, PathThroughAFile) {
  const ScratchDir dir;
  const auto file = dir.write("plain.json", minimal().dump());
  const auto path = file / "scene.json";
  EXPECT_EQ(file_refusal(path), path.string() + ": (file): cannot read the scene file: no such file");
}

// Permissions only stop other users: root reads any file, so this one runs
// only when the suite does not run as root (the two above do).
TEST(SceneLoaderRefuses, UnreadableFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file (FileWhoseReadFails covers a read error as root)";
  const ScratchDir dir;
  const auto path = dir.write("locked.json", minimal().dump());
  std::filesystem::permissions(path, std::filesystem::perms::none);
  EXPECT_EQ(file_refusal(path), path.string() + ": (file): cannot open the scene file: Permission denied");
}

TEST(SceneLoaderRefuses, ErrorsInAFileNameTheFile) {
  const ScratchDir dir;
  Json j = minimal();
  j["objects"][0]["radius"] = -2;
  const auto path = dir.write("neg.json", j.dump());
  EXPECT_EQ(file_refusal(path),
            path.string() + ": /objects/0/radius: radius must be a positive finite number, got -2");
}

TEST(SceneLoader, LoadsAFile) {
  const ScratchDir dir;
  const auto path = dir.write("ok.json", minimal().dump());
  EXPECT_EQ(load_scene_file(path).initial.objects.size(), 1u);
  EXPECT_EQ(resolve_scene(path.string()).name, "ok");
}

TEST(SceneLoaderRefuses, UnknownSceneName) {
  try {
    (void)resolve_scene("spherez");
    ADD_FAILURE() << "accepted";
  } catch (const SceneError& e) {
    EXPECT_EQ(std::string(e.what()),
              "spherez: (scene): not a built-in scene (spheres, pyraytrace, stmbench, whitted, cornell, bunnies) and no file of "
              "that name");
  }
}


// --- meshes --------------------------------------------------------------------

constexpr std::string_view kQuad = "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf 1 2 3 4\n";

/// A scene in `dir` with one mesh object naming `file`.
std::filesystem::path mesh_scene(const ScratchDir& dir, const std::string& file) {
  Json j = minimal();
  j["objects"].push_back({{"shape", "mesh"}, {"material", "red"}, {"file", file}, {"position", {1, 2, 3}},
                          {"scale", 2}, {"yaw_degrees", 90}});
  return dir.write("scene.json", j.dump());
}

std::string obj_refusal(std::string_view text) {
  try {
    (void)parse_obj(text, "m.obj");
  } catch (const SceneError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << text.substr(0, 200);
  return {};
}

TEST(MeshLoader, ReadsAMeshObjectRelativeToTheSceneFile) {
  const ScratchDir dir;
  std::filesystem::create_directories(dir.path() / "models");
  (void)dir.write("models/quad.obj", kQuad);
  const SceneDescription s = load_scene_file(mesh_scene(dir, "models/quad.obj"));
  ASSERT_EQ(s.initial.objects.size(), 2u);
  const Object& o = s.initial.objects[1];
  EXPECT_EQ(o.kind, ShapeKind::instance);
  ASSERT_NE(o.mesh, nullptr);
  EXPECT_EQ(o.mesh->file, "models/quad.obj");
  EXPECT_EQ(o.mesh->triangles.size(), 2u);  // the quad, fanned
  EXPECT_EQ(o.center, Vec3(1, 2, 3));
  EXPECT_EQ(o.radius, 2.0f);
  EXPECT_EQ(o.yaw_degrees, 90.0f);
  ASSERT_EQ(s.initial.meshes.size(), 1u);
  // The writer names the same file, and reading that back gives the same
  // instance bit for bit (its box is derived, not written).
  const std::string json = scene_to_json(s);
  EXPECT_CONTAINS(json, "\"file\": \"models/quad.obj\"");
  const SceneDescription again = parse_scene(json, "again.json", dir.path());
  const Object& p = again.initial.objects[1];
  EXPECT_EQ(std::memcmp(&p.half_size, &o.half_size, sizeof(Vec3)), 0);
  EXPECT_EQ(p.center, o.center);
  EXPECT_EQ(scene_to_json(again), json);
}

TEST(MeshLoader, InstancesOfOneFileShareItsMesh) {
  const ScratchDir dir;
  (void)dir.write("quad.obj", kQuad);
  Json j = minimal();
  for (int k = 0; k < 3; ++k)
    j["objects"].push_back({{"shape", "mesh"}, {"material", "red"}, {"file", "quad.obj"}, {"position", {k, 0, 0}}});
  const SceneDescription s = load_scene_file(dir.write("s.json", j.dump()));
  EXPECT_EQ(s.initial.meshes.size(), 1u);
  EXPECT_EQ(s.initial.objects[1].mesh, s.initial.objects[3].mesh);
}

TEST(MeshLoader, ReadsNormalsAndDropsDegenerateTrianglesWithACount) {
  const MeshData d = parse_obj("v 0 0 0\nv 1 0 0\nv 0 1 0\nv 2 0 0\nvn 0 0 1\nf 1//1 2//1 3//1\nf 1 2 4\n", "m.obj");
  ASSERT_EQ(d.triangles.size(), 2u);
  ASSERT_EQ(d.normal_indices.size(), 2u);
  EXPECT_EQ(d.normal_indices[0][0], 0u);
  EXPECT_EQ(d.normal_indices[1][0], kNoNormal);
  const auto mesh = build_mesh(d);
  EXPECT_EQ(mesh->triangles.size(), 1u);
  EXPECT_EQ(mesh->dropped_degenerate, 1u);
}

TEST(MeshLoaderRefuses, MissingMeshFileWithTheJsonPointer) {
  const ScratchDir dir;
  const std::string m = file_refusal(mesh_scene(dir, "nowhere.obj"));
  EXPECT_CONTAINS(m, "scene.json: /objects/1/file: nowhere.obj: cannot read the mesh file: no such file");
}

TEST(MeshLoaderRefuses, MeshesInASceneThatComesFromNoFile) {
  Json j = minimal();
  j["objects"].push_back({{"shape", "mesh"}, {"material", "red"}, {"file", "a.obj"}, {"position", {0, 0, 0}}});
  EXPECT_EQ(refused(j), "bad.json: /objects/1/file: mesh files are read relative to the scene file, and this scene "
                        "comes from no file");
}

TEST(MeshLoaderRefuses, BadObjWithTheSceneLocationAndTheObjLine) {
  const ScratchDir dir;
  (void)dir.write("bad.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 7\n");
  EXPECT_EQ(file_refusal(mesh_scene(dir, "bad.obj")),
            (dir.path() / "scene.json").string() +
                ": /objects/1/file: bad.obj: line 4: vertex index 7 is out of range (3 vertices declared before this line)");
}

TEST(MeshLoaderRefuses, MalformedFaces) {
  EXPECT_EQ(obj_refusal("v 0 0 0\nv 1 0 0\nf 1 2\n"), "m.obj: line 3: malformed face: it needs at least 3 vertices, got 2");
  EXPECT_EQ(obj_refusal("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 x 3\n"), "m.obj: line 4: malformed face: \"x\" is not an index");
  EXPECT_EQ(obj_refusal("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2/ 3\n"),
            "m.obj: line 4: malformed face: \"2/\" has an empty texture index");
  EXPECT_EQ(obj_refusal("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2// 3\n"),
            "m.obj: line 4: malformed face: \"2//\" is not v, v/vt, v//vn or v/vt/vn");
}

TEST(MeshLoaderRefuses, IndicesOutOfRange) {
  EXPECT_EQ(obj_refusal("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 0 1 2\n"),
            "m.obj: line 4: vertex index 0 is out of range (3 vertices declared before this line)");
  EXPECT_EQ(obj_refusal("v 0 0 0\nv 1 0 0\nv 0 1 0\nf -4 1 2\n"),
            "m.obj: line 4: vertex index -4 is out of range (3 vertices declared before this line)");
  EXPECT_EQ(obj_refusal("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1//1 2//1 3//1\n"),
            "m.obj: line 4: normal index 1 is out of range (0 normals declared before this line)");
  // Indices refer backwards: a face may not name a vertex declared later.
  EXPECT_EQ(obj_refusal("v 0 0 0\nv 1 0 0\nf 1 2 3\nv 0 1 0\n"),
            "m.obj: line 3: vertex index 3 is out of range (2 vertices declared before this line)");
}

TEST(MeshLoaderRefuses, CoordinatesThatAreNotFiniteNumbers) {
  EXPECT_EQ(obj_refusal("v 0 nan 0\n"), "m.obj: line 1: coordinate \"nan\" is not finite");
  EXPECT_EQ(obj_refusal("v 0 0 inf\n"), "m.obj: line 1: coordinate \"inf\" is not finite");
  EXPECT_EQ(obj_refusal("v 0 0 1e999\n"), "m.obj: line 1: number \"1e999\" is out of range");
  EXPECT_EQ(obj_refusal("v 0 0 2e6\n"), "m.obj: line 1: coordinate \"2e6\" is out of range (within -1e6..1e6)");
  EXPECT_EQ(obj_refusal("v 0 abc 0\n"), "m.obj: line 1: expected a number, got \"abc\"");
  EXPECT_EQ(obj_refusal("# two\n\nv 0 0\n"), "m.obj: line 3: a vertex needs 3 numbers (or 4, or 6 with a colour), got 2");
  EXPECT_EQ(obj_refusal("vn 0 nan 1\n"), "m.obj: line 1: coordinate \"nan\" is not finite");
}

TEST(MeshLoaderRefuses, UnknownStatementsAndEmptyMeshes) {
  EXPECT_EQ(obj_refusal("v 0 0 0\nbogus 1\n"),
            "m.obj: line 2: unknown statement \"bogus\" (known: v, vt, vn, f, o, g, s, l, p, mtllib, usemtl)");
  EXPECT_EQ(obj_refusal("v 0 0 0\n"), "m.obj: the file has no faces");
  EXPECT_EQ(obj_refusal(std::string_view("v 0 0 0\0", 8)), "m.obj: line 1: the file is not text (NUL byte)");
}

TEST(MeshLoaderRefuses, MoreTrianglesThanTheLimit) {
  // Polygons of 255 corners, 253 triangles each, until past the limit.
  std::string text;
  for (int k = 0; k < 255; ++k) text += "v " + std::to_string(k) + " " + std::to_string(k % 7) + " 0\n";
  std::string face = "f";
  for (int k = 1; k <= 255; ++k) face += " " + std::to_string(k);
  face += '\n';
  const std::size_t lines = kMaxMeshTriangles / 253 + 1;
  for (std::size_t k = 0; k < lines; ++k) text += face;
  EXPECT_EQ(obj_refusal(text), "m.obj: line " + std::to_string(255 + lines) + ": the mesh has more than " +
                                   std::to_string(kMaxMeshTriangles) + " triangles, over the limit");
}

TEST(MeshLoaderRefuses, MeshFileOverTheSizeLimitBeforeReadingIt) {
  const ScratchDir dir;
  const auto big = dir.write("big.obj", "");
  std::filesystem::resize_file(big, kMaxMeshFileBytes + 1);  // sparse: nothing is written
  EXPECT_EQ(file_refusal(mesh_scene(dir, "big.obj")),
            (dir.path() / "scene.json").string() + ": /objects/1/file: big.obj: mesh file is " +
                std::to_string(kMaxMeshFileBytes + 1) + " bytes, over the limit of " + std::to_string(kMaxMeshFileBytes));
}

TEST(MeshLoaderRefuses, AFaceWithMoreThan255Corners) {
  // 255 corners is the most a face may have (tinyobjloader keeps the count
  // in a byte); one more is refused with the line, the count and the limit.
  std::string text;
  for (int k = 0; k < 256; ++k) text += "v " + std::to_string(k) + " " + std::to_string(k % 5) + " 0\n";
  std::string face = "f";
  for (int k = 1; k <= 255; ++k) face += " " + std::to_string(k);
  EXPECT_EQ(parse_obj(text + face + "\n", "m.obj").triangles.size(), 253u);  // fanned: 255 corners are 253 triangles
  EXPECT_EQ(obj_refusal(text + face + " 256\n"), "m.obj: line 257: a face has 256 corners, over the limit of 255");
}

TEST(MeshLoaderRefuses, AMeshPathThatIsNotARegularFile) {
  const ScratchDir dir;
  const std::string scene = (dir.path() / "scene.json").string();
  std::filesystem::create_directories(dir.path() / "models");
  EXPECT_EQ(file_refusal(mesh_scene(dir, "models")), scene + ": /objects/1/file: models: is not a regular file");
  // A FIFO with no writer would block an open() for reading forever: it
  // must be refused from its status, never opened.
  ASSERT_EQ(::mkfifo((dir.path() / "pipe.obj").c_str(), 0600), 0) << std::strerror(errno);
  EXPECT_EQ(file_refusal(mesh_scene(dir, "pipe.obj")), scene + ": /objects/1/file: pipe.obj: is not a regular file");
}

TEST(MeshLoaderRefuses, MoreThan64MeshFilesInOneScene) {
  const ScratchDir dir;
  Json j = minimal();
  for (std::size_t k = 0; k < kMaxSceneMeshes; ++k) {
    const std::string file = "m" + std::to_string(k) + ".obj";
    (void)dir.write(file, kQuad);
    j["objects"].push_back({{"shape", "mesh"}, {"material", "red"}, {"file", file}, {"position", {k, 0, 0}}});
  }
  // 64 files load; instances of one of them do not count again.
  j["objects"].push_back({{"shape", "mesh"}, {"material", "red"}, {"file", "m0.obj"}, {"position", {0, 1, 0}}});
  EXPECT_EQ(load_scene_file(dir.write("ok.json", j.dump())).initial.meshes.size(), kMaxSceneMeshes);
  // A 65th file is refused where it is named, before any file is read.
  j["objects"].push_back({{"shape", "mesh"}, {"material", "red"}, {"file", "never-read.obj"}, {"position", {0, 2, 0}}});
  EXPECT_EQ(file_refusal(dir.write("many.json", j.dump())),
            (dir.path() / "many.json").string() + ": /objects/" + std::to_string(kMaxSceneMeshes + 2) +
                "/file: the scene names more than " + std::to_string(kMaxSceneMeshes) + " mesh files, over the limit");
}

TEST(MeshLoaderRefuses, BadMeshFields) {
  const ScratchDir dir;
  (void)dir.write("quad.obj", kQuad);
  Json j = minimal();
  j["objects"].push_back({{"shape", "mesh"}, {"material", "red"}, {"file", "quad.obj"}, {"position", {0, 0, 0}},
                          {"scale", 0}});
  EXPECT_CONTAINS(file_refusal(dir.write("s.json", j.dump())), "/objects/1/scale: scale must be a positive finite number");
  j["objects"][1].erase("scale");
  j["objects"][1]["rotation"] = 3;
  EXPECT_CONTAINS(file_refusal(dir.write("s.json", j.dump())), "/objects/1/rotation: unknown field \"rotation\" in a mesh");
  j["objects"][1].erase("rotation");
  j["objects"][1].erase("position");
  EXPECT_CONTAINS(file_refusal(dir.write("s.json", j.dump())), "/objects/1/position: missing required field");
}

}  // namespace
}  // namespace txray
