// Writes every built-in scene to <dir>/<name>.json: how assets/scenes/ is
// regenerated after a change to scenes/builtin_scenes.cpp (scenes/README.md).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "scenes/scene.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: export_builtin_scenes DIR\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  for (const std::string& name : txray::builtin_scene_names()) {
    const std::filesystem::path path = dir / (name + ".json");
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << txray::scene_to_json(*txray::builtin_scene(name));
    if (!out) {
      std::fprintf(stderr, "export_builtin_scenes: cannot write %s\n", path.c_str());
      return 1;
    }
    std::printf("%s\n", path.c_str());
  }
  return 0;
}
