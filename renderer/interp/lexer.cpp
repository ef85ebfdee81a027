#include <cctype>

#include "renderer/interp/syntax.h"

namespace txray::interp {

std::vector<Token> tokenize(std::string_view src, const std::string& file) {
  std::vector<Token> out;
  std::vector<int> indents{0};
  std::size_t i = 0;
  int line = 1;
  std::size_t line_start = 0;
  int depth = 0;  // open brackets: newlines inside are not tokens
  std::vector<Token> open;  // where each open bracket is, for "never closed"
  bool at_line_start = true;
  auto col = [&](std::size_t at) { return static_cast<int>(at - line_start) + 1; };
  auto fail = [&](std::size_t at, const std::string& why) { throw CompileError(file, line, col(at), why); };
  auto push = [&](Tok k, std::string text, std::size_t at) { out.push_back({k, std::move(text), line, col(at)}); };

  while (i <= src.size()) {
    if (at_line_start && depth == 0) {
      // Measure the indentation of a logical line; blank and comment-only
      // lines do not count.
      int width = 0;
      std::size_t j = i;
      for (; j < src.size() && (src[j] == ' ' || src[j] == '\t'); ++j) width = src[j] == '\t' ? (width / 8 + 1) * 8 : width + 1;
      if (j < src.size() && (src[j] == '\n' || src[j] == '#' || src[j] == '\r')) {
        while (j < src.size() && src[j] != '\n') ++j;
        if (j < src.size()) {
          ++j;
          ++line;
          line_start = j;
        }
        i = j;
        if (i >= src.size()) break;
        continue;
      }
      if (j >= src.size()) {
        i = j;
        break;
      }
      i = j;
      at_line_start = false;
      if (width > indents.back()) {
        indents.push_back(width);
        push(Tok::indent, "", i);
      } else {
        while (width < indents.back()) {
          indents.pop_back();
          push(Tok::dedent, "", i);
        }
        if (width != indents.back()) fail(i, "unindent does not match any outer indentation level");
      }
    }
    if (i >= src.size()) break;
    const char c = src[i];
    if (c == '\n') {
      if (depth == 0) push(Tok::newline, "", i);
      ++i;
      ++line;
      line_start = i;
      at_line_start = true;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    if (c == '#') {
      while (i < src.size() && src[i] != '\n') ++i;
      continue;
    }
    if (c == '\\' && i + 1 < src.size() && src[i + 1] == '\n') {
      i += 2;
      ++line;
      line_start = i;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      const std::size_t b = i;
      while (i < src.size() && (std::isalnum(static_cast<unsigned char>(src[i])) || src[i] == '_')) ++i;
      push(Tok::name, std::string(src.substr(b, i - b)), b);
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && i + 1 < src.size() && std::isdigit(static_cast<unsigned char>(src[i + 1])))) {
      const std::size_t b = i;
      bool is_float = false;
      while (i < src.size() && (std::isdigit(static_cast<unsigned char>(src[i])) || src[i] == '_')) ++i;
      if (i < src.size() && src[i] == '.') {
        is_float = true;
        ++i;
        while (i < src.size() && std::isdigit(static_cast<unsigned char>(src[i]))) ++i;
      }
      if (i < src.size() && (src[i] == 'e' || src[i] == 'E')) {
        is_float = true;
        ++i;
        if (i < src.size() && (src[i] == '+' || src[i] == '-')) ++i;
        if (i >= src.size() || !std::isdigit(static_cast<unsigned char>(src[i]))) fail(b, "invalid number literal");
        while (i < src.size() && std::isdigit(static_cast<unsigned char>(src[i]))) ++i;
      }
      if (i < src.size() && (std::isalpha(static_cast<unsigned char>(src[i])) || src[i] == '_'))
        fail(b, "unsupported number literal (only decimal int and float)");
      std::string text(src.substr(b, i - b));
      std::erase(text, '_');
      push(is_float ? Tok::floating : Tok::integer, text, b);
      continue;
    }
    if (c == '"' || c == '\'') {
      const std::size_t b = i;
      const bool triple = i + 2 < src.size() && src[i + 1] == c && src[i + 2] == c;
      const std::size_t q = triple ? 3 : 1;
      const int start_line = line;
      const std::size_t start_line_start = line_start;
      i += q;
      std::string text;
      for (;;) {
        if (i >= src.size()) {
          line = start_line;
          line_start = start_line_start;
          fail(b, "unterminated string literal");
        }
        if (src[i] == '\\' && i + 1 < src.size()) {
          const char e = src[i + 1];
          text += e == 'n' ? '\n' : e == 't' ? '\t' : e;
          if (e == '\n') {
            ++line;
            line_start = i + 2;
          }
          i += 2;
          continue;
        }
        if (src.substr(i, q) == std::string(q, c)) break;
        if (src[i] == '\n') {
          if (!triple) {
            line = start_line;
            line_start = start_line_start;
            fail(b, "unterminated string literal");
          }
          ++line;
          line_start = i + 1;
        }
        text += src[i++];
      }
      i += q;
      out.push_back({Tok::string, text, start_line, static_cast<int>(b - start_line_start) + 1});
      continue;
    }
    static constexpr std::string_view kThree[] = {"**=", "//=", "..."};
    static constexpr std::string_view kTwo[] = {"**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=", "->", ":=", "<<", ">>", "&=", "|=", "^="};
    std::string_view op;
    for (std::string_view t : kThree)
      if (src.substr(i, 3) == t) op = t;
    if (op.empty())
      for (std::string_view t : kTwo)
        if (src.substr(i, 2) == t) op = t;
    if (op.empty()) {
      if (std::string_view("+-*/%<>=()[]{},:.;@&|^~").find(c) == std::string_view::npos)
        fail(i, std::string("invalid character '") + c + "'");
      op = src.substr(i, 1);
    }
    if (op == "(" || op == "[" || op == "{") {
      ++depth;
      open.push_back({Tok::op, std::string(op), line, col(i)});
    }
    if ((op == ")" || op == "]" || op == "}") && depth > 0) {
      --depth;
      open.pop_back();
    }
    push(Tok::op, std::string(op), i);
    i += op.size();
  }
  if (!open.empty()) throw CompileError(file, open.back().line, open.back().col, "'" + open.back().text + "' was never closed");
  if (!out.empty() && out.back().kind != Tok::newline && out.back().kind != Tok::dedent) push(Tok::newline, "", src.size());
  while (indents.size() > 1) {
    indents.pop_back();
    push(Tok::dedent, "", src.size());
  }
  push(Tok::end, "", src.size());
  return out;
}

}  // namespace txray::interp
