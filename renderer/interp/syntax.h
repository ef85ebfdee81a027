#pragma once
/// The front end of the Python-subset compiler: tokens, the syntax tree and
/// the errors every stage reports as "file:line:col: reason".
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace txray::interp {

/// Anything the subset refuses, or that is not Python at all.
class CompileError : public std::runtime_error {
 public:
  CompileError(const std::string& file, int line, int col, const std::string& reason)
      : std::runtime_error(file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + reason),
        file_(file), line_(line), col_(col), reason_(reason) {}
  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] int line() const { return line_; }
  [[nodiscard]] int col() const { return col_; }
  [[nodiscard]] const std::string& reason() const { return reason_; }

 private:
  std::string file_;
  int line_, col_;
  std::string reason_;
};

enum class Tok { name, integer, floating, string, op, newline, indent, dedent, end };

struct Token {
  Tok kind = Tok::end;
  std::string text;  ///< name, operator, string contents or number spelling
  int line = 1, col = 1;
};

/// Splits source into tokens with Python's INDENT/DEDENT/NEWLINE rules
/// (implicit joining inside brackets, backslash continuation, comments).
[[nodiscard]] std::vector<Token> tokenize(std::string_view source, const std::string& file);

enum class NodeKind {
  // expressions
  name, integer, floating, string, constant /* True False None: text */, tuple, list, unary, binary,
  boolop /* and/or */, compare, ifexp, call, attribute, subscript,
  // statements
  function_def, return_, if_, while_, for_, assign, aug_assign, expr_stmt, pass, break_, continue_, global,
  import_, main_guard /* if __name__ == "__main__": kept out of the program */
};

struct Node {
  NodeKind kind;
  int line = 0, col = 0;
  std::string text;  ///< name, attribute, operator, constant spelling
  std::int64_t integer = 0;
  double number = 0.0;
  std::vector<std::unique_ptr<Node>> kids;  ///< operands, call arguments, elements
  std::vector<std::unique_ptr<Node>> body, orelse;
  std::vector<std::string> names;  ///< parameters, global names
};
using NodePtr = std::unique_ptr<Node>;

/// The module's statements. Throws CompileError.
[[nodiscard]] std::vector<NodePtr> parse(std::string_view source, const std::string& file);

}  // namespace txray::interp
