#pragma once
/// The ray-tracing kernel written in the Python subset
/// (assets/kernels/raytrace.py, embedded in the binary), compiled once and
/// shared; and the per-thread VMs that run it.
#include <memory>
#include <string>
#include <string_view>

#include "renderer/interp/bytecode.h"
#include "renderer/interp/vm.h"

namespace txray::interp {

inline constexpr const char* kKernelFile = "assets/kernels/raytrace.py";

/// The kernel's source text as built into this binary.
[[nodiscard]] std::string_view kernel_source();
/// Compiled on first use (thread-safe) and immutable after.
[[nodiscard]] const std::shared_ptr<const Program>& kernel_program();
/// This thread's VM running the kernel: its own globals, frames and free
/// lists; created on the thread's first unit and kept for the next ones.
[[nodiscard]] Vm& kernel_vm();

}  // namespace txray::interp
