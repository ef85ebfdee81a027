// libFuzzer target for the Python-subset compiler (renderer/interp): any
// text must either compile to a Program or be refused with CompileError
// whose message begins "file:line:col: " with the line and column inside
// the text (line 1.., column 1.. up to the line's length + 1). Anything else
// escaping, a crash, a sanitizer report or a hang (-timeout) is a bug.
// Seeds: fuzz/corpus/kernel_compiler/ (scripts/fuzz SECONDS kernel).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "renderer/interp/compiler.h"

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "kernel_compiler_fuzz: %s\n", what.c_str());
  std::abort();
}

// Lines as the lexer counts them: "\n" ends a line (a "\r\n" ends one too).
bool position_inside(std::string_view text, int line, int col) {
  if (line < 1 || col < 1) return false;
  int current = 1;
  std::size_t start = 0;
  while (current < line) {
    const std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      // The end of input may be reported one line past the last newline.
      return current + 1 == line && col == 1;
    }
    start = nl + 1;
    ++current;
  }
  std::size_t end = text.find('\n', start);
  if (end == std::string_view::npos) end = text.size();
  return static_cast<std::size_t>(col) <= end - start + 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string file = "fuzz.py";
  try {
    (void)txray::interp::compile(text, file);
  } catch (const txray::interp::CompileError& e) {
    const std::string prefix =
        file + ":" + std::to_string(e.line()) + ":" + std::to_string(e.col()) + ": ";
    const std::string message = e.what();
    if (message.rfind(prefix, 0) != 0) fail("a refusal that does not start file:line:col: " + message);
    if (e.reason().empty()) fail("a refusal with no reason: " + message);
    if (!position_inside(text, e.line(), e.col()))
      fail("a refusal at a position outside the text: " + message);
  }
  return 0;
}
