// The built-in scenes: their files in assets/scenes/ say exactly what the
// code says, the random scene is the same on every run, and the animation is
// a pure function of time.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include <glm/geometric.hpp>
#include <gtest/gtest.h>

#include "scene_compare.h"
#include "scenes/scene.h"

namespace txray {
namespace {

using testing_support::same_scene;
using testing_support::same_state;

const std::filesystem::path kAssets = TXRAY_SCENE_ASSETS;
constexpr double kPi = 3.14159265358979323846;

SceneDescription builtin(const std::string& name) {
  auto scene = builtin_scene(name);
  if (!scene) throw std::runtime_error("no built-in scene " + name);
  return std::move(*scene);
}

TEST(BuiltinScenes, NamesAreTheFiveOfIssueTwoAndTheMeshScene) {
  const auto names = builtin_scene_names();
  const std::set<std::string> got(names.begin(), names.end());
  EXPECT_EQ(got, (std::set<std::string>{"pyraytrace", "spheres", "whitted", "cornell", "stmbench", "bunnies"}));
  EXPECT_EQ(got.size(), names.size()) << "a name is listed twice";
}

TEST(BuiltinScenes, UnknownNameIsNullopt) {
  EXPECT_FALSE(builtin_scene("nope").has_value());
  EXPECT_FALSE(builtin_scene("").has_value());
}

TEST(BuiltinScenes, EveryBuiltinIsWellFormed) {
  for (const std::string& name : builtin_scene_names()) {
    SCOPED_TRACE(name);
    const SceneDescription s = builtin(name);
    EXPECT_EQ(s.name, name);
    EXPECT_FALSE(s.description.empty());
    EXPECT_EQ(s.motions.size(), s.initial.objects.size());
    EXPECT_EQ(s.material_names.size(), s.initial.materials.size());
    EXPECT_GE(s.width, 1);
    EXPECT_LE(s.width, kMaxImageDimension);
    EXPECT_GE(s.height, 1);
    EXPECT_LE(s.height, kMaxImageDimension);
    EXPECT_FALSE(s.initial.lights.empty());
    EXPECT_GE(s.initial.max_depth, 0);
    EXPECT_LE(s.initial.max_depth, kMaxSceneDepth);
    for (const Object& o : s.initial.objects) EXPECT_LT(o.material, s.initial.materials.size());
    const bool moves = std::any_of(s.motions.begin(), s.motions.end(),
                                   [](const Motion& m) { return m.kind != Motion::Kind::none; });
    EXPECT_TRUE(moves) << "every scene has an animation";
  }
}

// The file is what people edit and what `--scene FILE` loads; the built-in is
// what runs without files. They must never drift apart.
TEST(BuiltinScenes, AssetFileLoadsToExactlyTheBuiltin) {
  for (const std::string& name : builtin_scene_names()) {
    SCOPED_TRACE(name);
    const std::filesystem::path file = kAssets / (name + ".json");
    const SceneDescription loaded = load_scene_file(file);
    EXPECT_TRUE(same_scene(loaded, builtin(name)))
        << file << " is stale; regenerate it with export_builtin_scenes (scenes/README.md)";
  }
}

TEST(BuiltinScenes, WrittenJsonParsesBackExactly) {
  for (const std::string& name : builtin_scene_names()) {
    SCOPED_TRACE(name);
    const SceneDescription s = builtin(name);
    const std::string text = scene_to_json(s);
    // Mesh files are named as from assets/scenes/.
    EXPECT_TRUE(same_scene(parse_scene(text, name + ".json", kAssets), s));
    // And the writer is a function: the same scene gives the same bytes.
    EXPECT_EQ(scene_to_json(parse_scene(text, name + ".json", kAssets)), text);
  }
}

TEST(BuiltinScenes, ResolveFindsBuiltinsByName) {
  for (const std::string& name : builtin_scene_names()) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(same_scene(resolve_scene(name), builtin(name)));
  }
}

TEST(BuiltinScenes, ResolveLoadsAFilePath) {
  const std::filesystem::path file = kAssets / "cornell.json";
  EXPECT_TRUE(same_scene(resolve_scene(file.string()), builtin("cornell")));
}

// The example in the format's documentation must be a scene the loader takes.
TEST(SceneFormatReadme, ExampleLoads) {
  std::ifstream in(kAssets / "README.md");
  const std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto start = readme.find("```json\n");
  ASSERT_NE(start, std::string::npos);
  const auto end = readme.find("```", start + 8);
  ASSERT_NE(end, std::string::npos);
  const SceneDescription s = parse_scene(readme.substr(start + 8, end - start - 8), "README.md");
  EXPECT_EQ(s.name, "two-spheres");
  EXPECT_EQ(s.initial.objects.size(), 3u);
}

TEST(SpheresScene, HasAboutFourHundredEightyObjects) {
  const SceneDescription s = builtin("spheres");
  // 1 ground + 22x22 grid less those near (4, 0.2, 0) + 3 large spheres.
  EXPECT_GE(s.initial.objects.size(), 460u);
  EXPECT_LE(s.initial.objects.size(), 488u);
  int small = 0;
  for (const Object& o : s.initial.objects) {
    EXPECT_EQ(o.kind, ShapeKind::sphere);
    if (o.radius == 0.2f) {
      ++small;
      EXPECT_EQ(o.center.y, 0.2f);
      EXPECT_GE(o.center.x, -11.0f);
      EXPECT_LT(o.center.x, 11.0f);
    }
  }
  EXPECT_EQ(small, static_cast<int>(s.initial.objects.size()) - 4);
}

TEST(SpheresScene, IsTheSameEveryTime) {
  const SceneDescription a = builtin("spheres");
  const SceneDescription b = builtin("spheres");
  EXPECT_TRUE(same_scene(a, b));
}

TEST(SpheresScene, MixesDiffuseMetalAndGlassRoughlyAsTheBook) {
  const SceneDescription s = builtin("spheres");
  int diffuse = 0, metal = 0, glass = 0;
  for (const Object& o : s.initial.objects) {
    if (o.radius != 0.2f) continue;
    const Material& m = s.initial.materials[o.material];
    if (m.transparency > 0.0f) {
      ++glass;
    } else if (m.reflectivity > 0.0f) {
      ++metal;
    } else {
      ++diffuse;
    }
  }
  const double n = diffuse + metal + glass;
  // 80 / 15 / 5 per cent, with room for a 470-sample draw.
  EXPECT_NEAR(diffuse / n, 0.80, 0.06);
  EXPECT_NEAR(metal / n, 0.15, 0.05);
  EXPECT_NEAR(glass / n, 0.05, 0.03);
}

TEST(SpheresScene, ManySmallSpheresMove) {
  const SceneDescription s = builtin("spheres");
  const SceneState later = s.at(0.7);
  int moved = 0;
  for (std::size_t i = 0; i < s.initial.objects.size(); ++i) {
    if (later.objects[i].center != s.initial.objects[i].center) ++moved;
  }
  EXPECT_GT(moved, 400);
}

TEST(StmbenchScene, IsOneShadowRayPerPixel) {
  const SceneDescription s = builtin("stmbench");
  EXPECT_EQ(s.initial.max_depth, 0);
  ASSERT_EQ(s.initial.lights.size(), 1u);
  EXPECT_EQ(s.initial.lights[0].position, Vec3(0.0f, 10.0f, 0.0f));
  EXPECT_EQ(s.initial.camera.position, Vec3(0.0f, 0.0f, 20.0f));
  ASSERT_EQ(s.initial.objects.size(), 4u);
  EXPECT_EQ(s.initial.objects[3].kind, ShapeKind::plane);
  EXPECT_EQ(s.initial.objects[3].center.z, -12.0f);
  for (const Material& m : s.initial.materials) {
    EXPECT_EQ(m.reflectivity, 0.0f);
    EXPECT_EQ(m.transparency, 0.0f);
    EXPECT_EQ(m.color.r, m.color.g);  // grey
    EXPECT_EQ(m.color.g, m.color.b);
  }
}

TEST(PyraytraceScene, MatchesTheBenchmark) {
  const SceneDescription s = builtin("pyraytrace");
  EXPECT_EQ(s.initial.objects.size(), 8u);  // 7 spheres and the half-space
  EXPECT_EQ(s.initial.lights.size(), 2u);
  EXPECT_EQ(s.initial.camera.position, Vec3(0.0f, 1.8f, 10.0f));
  EXPECT_EQ(s.initial.camera.look_at, Vec3(0.0f, 3.0f, 0.0f));
  // Horizontal FOV 45 on a 4:3 image.
  const double aspect = static_cast<double>(s.width) / s.height;
  const double hfov = 2.0 * std::atan(aspect * std::tan(s.initial.camera.vfov_degrees * kPi / 360.0)) * 180.0 / kPi;
  EXPECT_NEAR(hfov, 45.0, 1e-4);
  EXPECT_EQ(s.initial.max_depth, 3);
  for (const Material& m : s.initial.materials) {
    EXPECT_EQ(m.reflectivity, 0.2f);
    EXPECT_EQ(m.diffuse, 0.6f);
    EXPECT_EQ(m.ambient, 0.2f);
    EXPECT_EQ(m.specular, 0.0f);
  }
}

// The mesh scene's promises (issue 15): one mesh of at least 50k triangles
// on its own, and at least 100k triangles in view through instancing.
TEST(BuiltinScenes, BunniesHasADenseMeshAndOver100kTrianglesInView) {
  const SceneDescription s = builtin("bunnies");
  std::size_t largest = 0, in_view = 0, instances = 0;
  const Camera& c = s.initial.camera;
  const Vec3 forward = glm::normalize(c.look_at - c.position);
  const float half_v = std::tan(c.vfov_degrees * 3.14159265f / 360.0f);
  const float half_h = half_v * static_cast<float>(s.width) / static_cast<float>(s.height);
  const Vec3 right = glm::normalize(glm::cross(forward, c.up)), up = glm::cross(right, forward);
  for (const Object& o : s.initial.objects) {
    if (o.kind != ShapeKind::instance) continue;
    ++instances;
    largest = std::max(largest, o.mesh->triangles.size());
    // In view: the instance's centre projects inside the image.
    const Vec3 d = o.center - c.position;
    const float z = glm::dot(d, forward);
    if (z > 0.0f && std::abs(glm::dot(d, right)) < z * half_h && std::abs(glm::dot(d, up)) < z * half_v)
      in_view += o.mesh->triangles.size();
  }
  EXPECT_GE(largest, 50000u);
  EXPECT_GE(in_view, 100000u);
  EXPECT_GT(instances, 10u);
  EXPECT_EQ(s.initial.meshes.size(), 2u) << "instances share their meshes";
}

// --- animation --------------------------------------------------------------

TEST(SceneAnimation, TimeZeroIsTheInitialState) {
  for (const std::string& name : builtin_scene_names()) {
    SCOPED_TRACE(name);
    const SceneDescription s = builtin(name);
    EXPECT_TRUE(same_state(s.at(0.0), s.initial));
  }
}

TEST(SceneAnimation, SameTimeGivesTheSameState) {
  for (const std::string& name : builtin_scene_names()) {
    SCOPED_TRACE(name);
    const SceneDescription s = builtin(name);
    for (double t : {0.25, 1.0, 3.7, 1000.5}) {
      const SceneState first = s.at(t);
      (void)s.at(t * 2.0 + 1.0);  // no hidden state carried between calls
      EXPECT_TRUE(same_state(s.at(t), first)) << "t = " << t;
    }
  }
}

TEST(SceneAnimation, OnlyObjectsWithAMotionMoveAndOnlyTheirCentres) {
  for (const std::string& name : builtin_scene_names()) {
    SCOPED_TRACE(name);
    const SceneDescription s = builtin(name);
    const SceneState later = s.at(1.3);
    bool any_moved = false;
    for (std::size_t i = 0; i < s.initial.objects.size(); ++i) {
      const Object& a = s.initial.objects[i];
      const Object& b = later.objects[i];
      if (s.motions[i].kind == Motion::Kind::none) {
        EXPECT_EQ(a.center, b.center) << "object " << i;
      }
      any_moved = any_moved || a.center != b.center;
      EXPECT_EQ(a.radius, b.radius);
      EXPECT_EQ(a.material, b.material);
      EXPECT_EQ(a.half_size, b.half_size);
      EXPECT_EQ(a.normal, b.normal);
    }
    EXPECT_TRUE(any_moved);
    // Everything that is not an object is untouched.
    SceneState only_objects = later;
    only_objects.objects = s.initial.objects;
    EXPECT_TRUE(same_state(only_objects, s.initial));
  }
}

TEST(SceneAnimation, NonFiniteTimeIsTimeZero) {
  const SceneDescription s = builtin("whitted");
  EXPECT_TRUE(same_state(s.at(std::nan("")), s.initial));
  EXPECT_TRUE(same_state(s.at(INFINITY), s.initial));
}

}  // namespace
}  // namespace txray
