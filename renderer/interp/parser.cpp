// Recursive descent over the token list, straight from Python's grammar
// with everything outside the subset refused where it is first seen.
#include <charconv>
#include <string>
#include <cstdlib>
#include <set>

#include "renderer/interp/syntax.h"

namespace txray::interp {
namespace {

const std::set<std::string, std::less<>> kRefusedKeywords = {
    "class", "with", "try", "except", "finally", "raise", "lambda", "yield", "del", "assert", "async",
    "await", "nonlocal", "from", "is", "in", "else", "elif", "def", "return", "pass", "break", "continue",
    "global", "import", "if", "while", "for", "and", "or", "not", "True", "False", "None"};

// How deeply expressions and blocks may nest. The parser and the compiler
// recurse once per level and a syntax tree is freed recursively, so without
// a limit a line of 50 000 '(' (or '-', or 'a+a+...', or 'elif's) overflows
// the stack instead of being refused. CPython refuses at about the same
// depth ("too many nested parentheses", "too complex"); the kernel file
// nests fewer than 30 levels.
constexpr int kMaxNesting = 200;

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::string& file) : t_(std::move(tokens)), file_(file) {}

  std::vector<NodePtr> module() {
    std::vector<NodePtr> body;
    while (peek().kind != Tok::end) {
      if (peek().kind == Tok::newline) {
        ++p_;
        continue;
      }
      statement(body, /*top_level=*/true, /*in_function=*/false);
    }
    return body;
  }

 private:
  const Token& peek(std::size_t ahead = 0) const { return t_[std::min(p_ + ahead, t_.size() - 1)]; }
  bool is_op(const char* op, std::size_t ahead = 0) const {
    return peek(ahead).kind == Tok::op && peek(ahead).text == op;
  }
  bool is_name(const char* name) const { return peek().kind == Tok::name && peek().text == name; }
  [[noreturn]] void fail(const Token& at, const std::string& why) const { throw CompileError(file_, at.line, at.col, why); }
  const Token& take() { return t_[p_++]; }

  // One more level of nesting at `at`: a recursive descent, or one more link
  // of a left-associative chain (a + b + c builds a tree as deep as the
  // chain is long). A Nest restores the count when the function that took
  // the levels returns, so the count is the depth of the tree being built
  // (at most twice: a chain's levels and its operands' are both counted).
  void enter(const Token& at) {
    if (++nesting_ > kMaxNesting)
      fail(at, "too deeply nested: more than " + std::to_string(kMaxNesting) + " levels of expressions and blocks");
  }
  class Nest {
   public:
    explicit Nest(Parser& p) : p_(p), saved_(p.nesting_) {}
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
    ~Nest() { p_.nesting_ = saved_; }

   private:
    Parser& p_;
    int saved_;
  };
  const Token& expect_op(const char* op, const char* what) {
    if (!is_op(op)) fail(peek(), std::string("expected '") + op + "' " + what + describe(peek()));
    return take();
  }
  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Tok::newline: return ", found end of line";
      case Tok::indent: return ", found an indented block";
      case Tok::dedent: return ", found the end of a block";
      case Tok::end: return ", found end of file";
      default: return ", found '" + t.text + "'";
    }
  }
  std::string expect_name(const char* what) {
    if (peek().kind != Tok::name || kRefusedKeywords.count(peek().text))
      fail(peek(), std::string("expected a name ") + what + describe(peek()));
    return take().text;
  }
  NodePtr node(NodeKind k, const Token& at) {
    auto n = std::make_unique<Node>();
    n->kind = k;
    n->line = at.line;
    n->col = at.col;
    return n;
  }

  void end_of_statement() {
    if (peek().kind == Tok::newline) {
      ++p_;
      return;
    }
    if (is_op(";")) fail(peek(), "unsupported: several statements on one line (';')");
    fail(peek(), "invalid syntax: expected end of line" + describe(peek()));
  }

  std::vector<NodePtr> suite(bool in_function) {
    expect_op(":", "to start a block");
    std::vector<NodePtr> body;
    if (peek().kind != Tok::newline) {
      statement(body, false, in_function);
      return body;
    }
    ++p_;
    if (peek().kind != Tok::indent) fail(peek(), "expected an indented block");
    ++p_;
    while (peek().kind != Tok::dedent && peek().kind != Tok::end) statement(body, false, in_function);
    if (peek().kind == Tok::dedent) ++p_;
    return body;
  }

  void statement(std::vector<NodePtr>& out, bool top_level, bool in_function) {
    const Token& at = peek();
    const Nest nest(*this);
    enter(at);
    if (at.kind == Tok::indent) fail(at, "unexpected indent");
    if (at.kind == Tok::op && at.text == "@") fail(at, "unsupported statement: decorators");
    if (at.kind == Tok::name) {
      const std::string& w = at.text;
      if (w == "def") return out.push_back(function_def(top_level, in_function));
      if (w == "if") return out.push_back(if_statement(top_level, in_function));
      if (w == "while") {
        auto n = node(NodeKind::while_, take());
        n->kids.push_back(test());
        n->body = suite(in_function);
        if (is_name("else")) fail(peek(), "unsupported statement: 'else' after a loop");
        return out.push_back(std::move(n));
      }
      if (w == "for") {
        auto n = node(NodeKind::for_, take());
        n->kids.push_back(target_list());
        if (!is_name("in")) fail(peek(), "expected 'in' in a for statement" + describe(peek()));
        ++p_;
        n->kids.push_back(test_list());
        n->body = suite(in_function);
        if (is_name("else")) fail(peek(), "unsupported statement: 'else' after a loop");
        return out.push_back(std::move(n));
      }
      if (w == "class" || w == "with" || w == "try" || w == "raise" || w == "del" || w == "assert" ||
          w == "async" || w == "nonlocal" || w == "from" || w == "yield" || w == "lambda" || w == "await" ||
          w == "except" || w == "finally")
        fail(at, "unsupported statement: '" + w + "'");
      if (w == "else" || w == "elif") fail(at, "invalid syntax: '" + w + "' without a matching 'if'");
    }
    simple_statement(out, top_level, in_function);
  }

  NodePtr function_def(bool top_level, bool in_function) {
    const Token& at = take();
    if (!top_level || in_function) fail(at, "unsupported statement: nested function definitions (closures)");
    auto n = node(NodeKind::function_def, at);
    n->text = expect_name("after 'def'");
    expect_op("(", "after the function name");
    while (!is_op(")")) {
      if (is_op("*") || is_op("**")) fail(peek(), "unsupported: *args and **kwargs parameters");
      const Token& pt = peek();
      std::string param = expect_name("for a parameter");
      for (const std::string& seen : n->names)
        if (seen == param) fail(pt, "duplicate parameter '" + param + "'");
      if (is_op("=")) fail(peek(), "unsupported: default parameter values");
      if (is_op(":")) fail(peek(), "unsupported: annotations");
      n->names.push_back(param);
      if (!is_op(")")) expect_op(",", "between parameters");
    }
    ++p_;
    if (is_op("->")) fail(peek(), "unsupported: annotations");
    n->body = suite(true);
    return n;
  }

  NodePtr if_statement(bool top_level, bool in_function) {
    const Token& at = take();
    // `if __name__ == "__main__":` at top level: the standalone driver.
    // Its block is skipped unparsed: it is for python3/pypy3, not the subset.
    if (top_level && peek().kind == Tok::name && peek().text == "__name__" && is_op("==", 1) &&
        peek(2).kind == Tok::string && peek(2).text == "__main__" && is_op(":", 3)) {
      p_ += 4;
      if (peek().kind != Tok::newline || peek(1).kind != Tok::indent) fail(peek(), "expected an indented block");
      p_ += 2;
      for (int level = 1; level > 0; ++p_) {
        if (peek().kind == Tok::end) fail(peek(), "unexpected end of file");
        if (peek().kind == Tok::indent) ++level;
        if (peek().kind == Tok::dedent) --level;
      }
      if (is_name("else") || is_name("elif")) fail(peek(), "unsupported: 'else' after the __main__ guard");
      return node(NodeKind::main_guard, at);
    }
    auto n = node(NodeKind::if_, at);
    n->kids.push_back(test());
    n->body = suite(in_function);
    if (is_name("elif")) {
      const Nest nest(*this);
      enter(peek());
      n->orelse.push_back(if_statement(false, in_function));
    } else if (is_name("else")) {
      ++p_;
      n->orelse = suite(in_function);
    }
    return n;
  }

  void simple_statement(std::vector<NodePtr>& out, bool top_level, bool in_function) {
    const Token& at = peek();
    if (at.kind != Tok::name && at.kind != Tok::op && at.kind != Tok::integer && at.kind != Tok::floating &&
        at.kind != Tok::string)
      fail(at, "invalid syntax" + describe(at));
    if (at.kind == Tok::name) {
      const std::string& w = at.text;
      if (w == "pass" || w == "break" || w == "continue") {
        take();
        out.push_back(node(w == "pass" ? NodeKind::pass : w == "break" ? NodeKind::break_ : NodeKind::continue_, at));
        return end_of_statement();
      }
      if (w == "return") {
        take();
        if (!in_function) fail(at, "'return' outside function");
        auto n = node(NodeKind::return_, at);
        if (peek().kind != Tok::newline) n->kids.push_back(test_list());
        out.push_back(std::move(n));
        return end_of_statement();
      }
      if (w == "global") {
        take();
        auto n = node(NodeKind::global, at);
        n->names.push_back(expect_name("after 'global'"));
        while (is_op(",")) {
          ++p_;
          n->names.push_back(expect_name("after ','"));
        }
        out.push_back(std::move(n));
        return end_of_statement();
      }
      if (w == "import") {
        take();
        if (!top_level) fail(at, "unsupported: import inside a block (only top-level 'import math')");
        auto n = node(NodeKind::import_, at);
        const Token& mt = peek();
        n->text = expect_name("after 'import'");
        if (n->text != "math") fail(mt, "unsupported import '" + n->text + "' (only 'import math')");
        if (is_op(".") || is_op(",") || is_name("as")) fail(peek(), "unsupported import form (only 'import math')");
        out.push_back(std::move(n));
        return end_of_statement();
      }
    }
    NodePtr first = test_list();
    if (is_op("=")) {
      const Token& eq = take();
      check_target(*first);
      auto n = node(NodeKind::assign, eq);
      n->kids.push_back(std::move(first));
      n->kids.push_back(test_list());
      if (is_op("=")) fail(peek(), "unsupported: chained assignment (a = b = c)");
      out.push_back(std::move(n));
      return end_of_statement();
    }
    static const char* kAug[] = {"+=", "-=", "*=", "/=", "//=", "%=", "**="};
    for (const char* op : kAug) {
      if (!is_op(op)) continue;
      const Token& ot = take();
      if (first->kind != NodeKind::name && first->kind != NodeKind::subscript)
        fail(ot, "augmented assignment needs a name or a subscript target");
      auto n = node(NodeKind::aug_assign, ot);
      n->text = std::string(op, std::char_traits<char>::length(op) - 1);
      n->kids.push_back(std::move(first));
      n->kids.push_back(test());
      out.push_back(std::move(n));
      return end_of_statement();
    }
    if (peek().kind == Tok::op && (peek().text == ":=" || peek().text.back() == '=') && peek().text != "==" &&
        peek().text != "<=" && peek().text != ">=" && peek().text != "!=")
      fail(peek(), "unsupported operator '" + peek().text + "'");
    if (is_op(":")) fail(peek(), "unsupported: annotations");
    auto n = node(NodeKind::expr_stmt, at);
    n->kids.push_back(std::move(first));
    out.push_back(std::move(n));
    end_of_statement();
  }

  void check_target(const Node& t) const {
    if (t.kind == NodeKind::name || t.kind == NodeKind::subscript) return;
    if (t.kind == NodeKind::tuple || t.kind == NodeKind::list) {
      for (const NodePtr& k : t.kids) {
        if (k->kind != NodeKind::name && k->kind != NodeKind::subscript)
          throw CompileError(file_, k->line, k->col, "unsupported assignment target (names, subscripts, one level of tuple)");
      }
      return;
    }
    if (t.kind == NodeKind::attribute)
      throw CompileError(file_, t.line, t.col, "unsupported: assignment to an attribute (scene state is read-only)");
    throw CompileError(file_, t.line, t.col, "cannot assign to this expression");
  }

  NodePtr target_list() {
    NodePtr t = or_expr_list();
    check_target(*t);
    return t;
  }

  // The for-target: names separated by commas, without swallowing `in`.
  NodePtr or_expr_list() {
    const Token& at = peek();
    NodePtr first = arith();
    if (!is_op(",")) return first;
    auto tuple = node(NodeKind::tuple, at);
    tuple->kids.push_back(std::move(first));
    while (is_op(",")) {
      ++p_;
      if (is_name("in")) break;
      tuple->kids.push_back(arith());
    }
    return tuple;
  }

  NodePtr test_list() {
    const Token& at = peek();
    NodePtr first = test();
    if (!is_op(",")) return first;
    auto tuple = node(NodeKind::tuple, at);
    tuple->kids.push_back(std::move(first));
    while (is_op(",")) {
      ++p_;
      if (peek().kind == Tok::newline || is_op("=") || is_op(")") || is_op(":")) break;
      tuple->kids.push_back(test());
    }
    return tuple;
  }

  NodePtr test() {
    if (is_name("lambda")) fail(peek(), "unsupported expression: lambda");
    const Token& at = peek();
    const Nest nest(*this);
    enter(at);
    NodePtr value = or_test();
    if (!is_name("if")) return value;
    auto n = node(NodeKind::ifexp, take());
    n->line = at.line;
    n->col = at.col;
    NodePtr cond = or_test();
    if (!is_name("else")) fail(peek(), "expected 'else' in a conditional expression" + describe(peek()));
    ++p_;
    n->kids.push_back(std::move(cond));
    n->kids.push_back(std::move(value));
    n->kids.push_back(test());
    return n;
  }

  NodePtr or_test() {
    const Nest nest(*this);
    NodePtr left = and_test();
    while (is_name("or")) {
      enter(peek());
      auto n = node(NodeKind::boolop, take());
      n->text = "or";
      n->kids.push_back(std::move(left));
      n->kids.push_back(and_test());
      left = std::move(n);
    }
    return left;
  }
  NodePtr and_test() {
    const Nest nest(*this);
    NodePtr left = not_test();
    while (is_name("and")) {
      enter(peek());
      auto n = node(NodeKind::boolop, take());
      n->text = "and";
      n->kids.push_back(std::move(left));
      n->kids.push_back(not_test());
      left = std::move(n);
    }
    return left;
  }
  NodePtr not_test() {
    if (is_name("not")) {
      const Nest nest(*this);
      enter(peek());
      auto n = node(NodeKind::unary, take());
      n->text = "not";
      n->kids.push_back(not_test());
      return n;
    }
    return comparison();
  }
  bool at_compare_op() const {
    if (peek().kind != Tok::op) return false;
    const std::string& o = peek().text;
    return o == "<" || o == "<=" || o == ">" || o == ">=" || o == "==" || o == "!=";
  }
  NodePtr comparison() {
    NodePtr left = arith();
    if (is_name("in") || (is_name("not") && peek(1).text == "in")) fail(peek(), "unsupported operator 'in'");
    if (is_name("is")) fail(peek(), "unsupported operator 'is'");
    if (!at_compare_op()) return left;
    auto n = node(NodeKind::compare, take());
    n->text = t_[p_ - 1].text;
    n->kids.push_back(std::move(left));
    n->kids.push_back(arith());
    if (at_compare_op()) fail(peek(), "unsupported: chained comparison (write a < b and b < c)");
    return n;
  }
  NodePtr arith() {
    const Nest nest(*this);
    NodePtr left = term();
    while (is_op("+") || is_op("-")) {
      enter(peek());
      auto n = node(NodeKind::binary, take());
      n->text = t_[p_ - 1].text;
      n->kids.push_back(std::move(left));
      n->kids.push_back(term());
      left = std::move(n);
    }
    for (const char* op : {"&", "|", "^", "<<", ">>", "@", "~"})
      if (is_op(op)) fail(peek(), std::string("unsupported operator '") + op + "'");
    return left;
  }
  NodePtr term() {
    const Nest nest(*this);
    NodePtr left = factor();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      enter(peek());
      auto n = node(NodeKind::binary, take());
      n->text = t_[p_ - 1].text;
      n->kids.push_back(std::move(left));
      n->kids.push_back(factor());
      left = std::move(n);
    }
    return left;
  }
  NodePtr factor() {
    if (is_op("-") || is_op("+")) {
      const Nest nest(*this);
      enter(peek());
      auto n = node(NodeKind::unary, take());
      n->text = t_[p_ - 1].text;
      n->kids.push_back(factor());
      return n;
    }
    if (is_op("~")) fail(peek(), "unsupported operator '~'");
    return power();
  }
  NodePtr power() {
    NodePtr base = atom_expr();
    if (!is_op("**")) return base;
    const Nest nest(*this);
    enter(peek());
    auto n = node(NodeKind::binary, take());
    n->text = "**";
    n->kids.push_back(std::move(base));
    n->kids.push_back(factor());
    return n;
  }
  NodePtr atom_expr() {
    const Nest nest(*this);
    NodePtr e = atom();
    for (;;) {
      if (is_op("(") || is_op("[") || is_op(".")) enter(peek());
      if (is_op("(")) {
        auto n = node(NodeKind::call, take());
        n->kids.push_back(std::move(e));
        while (!is_op(")")) {
          if (is_op("*") || is_op("**")) fail(peek(), "unsupported: argument unpacking");
          if (peek().kind == Tok::name && is_op("=", 1)) fail(peek(), "unsupported: keyword arguments");
          n->kids.push_back(test());
          if (is_name("for")) fail(peek(), "unsupported expression: generator expressions");
          if (!is_op(")")) expect_op(",", "between arguments");
        }
        ++p_;
        e = std::move(n);
      } else if (is_op("[")) {
        auto n = node(NodeKind::subscript, take());
        n->kids.push_back(std::move(e));
        if (is_op(":")) fail(peek(), "unsupported: slicing");
        n->kids.push_back(test_list());
        if (is_op(":")) fail(peek(), "unsupported: slicing");
        expect_op("]", "to close the subscript");
        e = std::move(n);
      } else if (is_op(".")) {
        auto n = node(NodeKind::attribute, take());
        n->text = expect_name("after '.'");
        n->kids.push_back(std::move(e));
        e = std::move(n);
      } else {
        return e;
      }
    }
  }
  NodePtr atom() {
    const Token& at = peek();
    switch (at.kind) {
      case Tok::integer: {
        auto n = node(NodeKind::integer, take());
        const char* b = at.text.data();
        const auto [end, ec] = std::from_chars(b, b + at.text.size(), n->integer);
        if (ec != std::errc() || end != b + at.text.size()) fail(at, "integer literal out of range (64-bit ints)");
        if (at.text.size() > 1 && at.text[0] == '0') fail(at, "invalid integer literal (leading zero)");
        return n;
      }
      case Tok::floating: {
        auto n = node(NodeKind::floating, take());
        n->number = std::strtod(at.text.c_str(), nullptr);
        return n;
      }
      case Tok::string: {
        auto n = node(NodeKind::string, take());
        n->text = at.text;
        while (peek().kind == Tok::string) n->text += take().text;
        return n;
      }
      case Tok::name: {
        if (at.text == "True" || at.text == "False" || at.text == "None") {
          auto n = node(NodeKind::constant, take());
          n->text = at.text;
          return n;
        }
        if (at.text == "lambda" || at.text == "yield" || at.text == "await")
          fail(at, "unsupported expression: " + at.text);
        if (kRefusedKeywords.count(at.text)) fail(at, "invalid syntax: unexpected '" + at.text + "'");
        auto n = node(NodeKind::name, take());
        n->text = at.text;
        return n;
      }
      case Tok::op: {
        if (at.text == "(" || at.text == "[") {
          const bool list = at.text == "[";
          take();
          auto n = node(list ? NodeKind::list : NodeKind::tuple, at);
          const char* close = list ? "]" : ")";
          bool comma = false;
          while (!is_op(close)) {
            n->kids.push_back(test());
            if (is_name("for")) fail(peek(), "unsupported expression: comprehensions");
            if (is_op(close)) break;
            expect_op(",", list ? "between list elements" : "or ')'");
            comma = true;
          }
          ++p_;
          if (!list && n->kids.size() == 1 && !comma) return std::move(n->kids[0]);  // parenthesised
          return n;
        }
        if (at.text == "{") fail(at, "unsupported expression: dict and set displays");
        fail(at, "invalid syntax: unexpected '" + at.text + "'");
      }
      default: fail(at, "invalid syntax" + describe(at));
    }
  }

  std::vector<Token> t_;
  std::size_t p_ = 0;
  int nesting_ = 0;
  const std::string& file_;
};

}  // namespace

std::vector<NodePtr> parse(std::string_view source, const std::string& file) {
  Parser parser(tokenize(source, file), file);
  return parser.module();
}

}  // namespace txray::interp
