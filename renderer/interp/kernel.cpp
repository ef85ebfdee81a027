#include "renderer/interp/kernel.h"

#include "renderer/interp/compiler.h"

namespace txray::interp {

extern const char kKernelSource[];
extern const std::size_t kKernelSourceSize;

std::string_view kernel_source() { return {kKernelSource, kKernelSourceSize}; }

const std::shared_ptr<const Program>& kernel_program() {
  static const std::shared_ptr<const Program> program = compile(kernel_source(), kKernelFile);
  return program;
}

Vm& kernel_vm() {
  // One per worker thread: TBB's workers live as long as the scheduler, so
  // the VM (and its warmed free lists) serves every frame they render.
  thread_local std::unique_ptr<Vm> vm;
  if (!vm) vm = std::make_unique<Vm>(kernel_program());
  return *vm;
}

}  // namespace txray::interp
