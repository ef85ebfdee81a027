#pragma once
/// The `txray` subcommands; each returns the process exit status and throws
/// cli::UsageError (status 2) or SceneError (status 1) for bad input.
namespace txray {
int bench_command(int argc, char** argv);
}  // namespace txray
