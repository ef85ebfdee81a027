// txray: the command-line front end. It parses, calls the libraries and
// prints; nothing here knows how a ray is traced.
#include <cstdio>
#include <iostream>
#include <string>

#include "app/command_line.h"
#include "app/commands.h"
#include "renderer/tile_scheduler.h"
#include "scenes/scene.h"

namespace {

namespace cli = txray::cli;

constexpr const char* kUsage =
    "usage: txray <command> [options]\n"
    "\n"
    "commands:\n"
    "  render   render a scene to PNG and print frame time and Mrays/s\n"
    "  bench    measure FPS for profiles x threads and explain the figures\n"
    "  info     version, cores, build, scenes\n"
    "\n"
    "`txray <command> --help` describes a command's options.\n";

int info_command(int argc, char** argv) {
  const cli::Command command{
      .name = "txray info",
      .synopsis = "usage: txray info\n\nPrints the version, the cores oneTBB sees, the build and the built-in scenes.\n"};
  if (!cli::read(command, argc, argv)) return 0;  // --help
  std::printf("txray %s\n", TXRAY_VERSION);
  std::printf("cores: %d (as oneTBB sees them)\n", txray::hardware_threads());
  std::printf("build: %s, %s, flags: %s\n", TXRAY_BUILD_TYPE, TXRAY_COMPILER, TXRAY_CXX_FLAGS);
  std::printf("scenes:");
  for (const std::string& name : txray::builtin_scene_names()) std::printf(" %s", name.c_str());
  std::printf("\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::string_view command = argv[1];
  try {
    if (command == "render") return txray::render_command(argc - 2, argv + 2);
    if (command == "info") return info_command(argc - 2, argv + 2);
    if (command == "bench") return txray::bench_command(argc - 2, argv + 2);
    std::cerr << "txray: unknown command '" << command << "' (try txray --help)\n";
    return 2;
  } catch (const cli::UsageError& e) {
    std::cerr << "txray " << command << ": " << e.what() << " (see txray " << command << " --help)\n";
    return 2;
  } catch (const txray::SceneError& e) {
    std::cerr << "txray " << command << ": " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "txray " << command << ": " << e.what() << "\n";
    return 1;
  }
}
