#pragma once
/// The Python-subset compiler: source text to an immutable Program.
#include <memory>
#include <string>
#include <string_view>

#include "renderer/interp/bytecode.h"
#include "renderer/interp/syntax.h"

namespace txray::interp {

Obj* immortal_bool(bool v);

/// Compiles a module of the subset (assets/kernels/README.md). Throws
/// CompileError ("file:line:col: reason") for anything outside it.
[[nodiscard]] std::shared_ptr<const Program> compile(std::string_view source, const std::string& file);

}  // namespace txray::interp
