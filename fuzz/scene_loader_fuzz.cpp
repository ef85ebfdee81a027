// libFuzzer target for the scene loader. Any input must either load or be
// refused with SceneError; anything else escaping (another exception, a
// crash, a sanitizer report) is a bug. Loaded scenes must also survive the
// writer: scene_to_json and back must give the same scene, and the same text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "scenes/scene.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "scene_loader_fuzz: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  txray::SceneDescription scene;
  try {
    scene = txray::parse_scene(text, "fuzz.json");
  } catch (const txray::SceneError&) {
    return 0;
  }
  check(scene.motions.size() == scene.initial.objects.size(), "one motion per object");
  check(scene.material_names.size() == scene.initial.materials.size(), "one name per material");
  for (const txray::Object& o : scene.initial.objects) {
    check(o.material < scene.initial.materials.size(), "material index in range");
  }
  (void)scene.at(1.25);

  const std::string written = txray::scene_to_json(scene);
  txray::SceneDescription again;
  try {
    again = txray::parse_scene(written, "fuzz-rewritten.json");
  } catch (const txray::SceneError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    check(false, "the writer produced a file the loader refuses");
  }
  check(txray::scene_to_json(again) == written, "write -> parse -> write is not stable");
  return 0;
}
