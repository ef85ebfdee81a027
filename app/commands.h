#pragma once
/// The `txray` subcommands; each returns the process exit status and throws
/// cli::UsageError (status 2) or SceneError (status 1) for bad input.
namespace txray {
/// `txray render` (render_command.cpp).
int render_command(int argc, char** argv);
int bench_command(int argc, char** argv);
/// `txray bench compare` and `txray bench merge` (bench_compare.cpp).
int bench_compare_command(int argc, char** argv);
int bench_merge_command(int argc, char** argv);
}  // namespace txray
