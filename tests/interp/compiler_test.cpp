// The subset's refusals: every one names file, line and column, and says why.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "renderer/interp/compiler.h"
#include "renderer/interp/kernel.h"

namespace txray::interp {
namespace {

struct Refusal {
  int line, col;
  std::string reason;
};

Refusal refusal(const std::string& source) {
  try {
    (void)compile(source, "k.py");
  } catch (const CompileError& e) {
    EXPECT_EQ(std::string(e.what()), "k.py:" + std::to_string(e.line()) + ":" + std::to_string(e.col()) + ": " + e.reason());
    return {e.line(), e.col(), e.reason()};
  }
  ADD_FAILURE() << "compiled, but should have been refused:\n" << source;
  return {0, 0, ""};
}

TEST(Compiler, KernelCompiles) { EXPECT_NO_THROW((void)kernel_program()); }

TEST(Compiler, RefusesUnsupportedStatementsWithLocation) {
  Refusal r = refusal("x = 1\nclass A:\n    pass\n");
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(r.col, 1);
  EXPECT_EQ(r.reason, "unsupported statement: 'class'");

  r = refusal("def f(a):\n    try:\n        return a\n    finally:\n        pass\n");
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(r.col, 5);
  EXPECT_EQ(r.reason, "unsupported statement: 'try'");

  r = refusal("def f():\n    def g():\n        return 1\n    return g\n");
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(r.col, 5);
  EXPECT_NE(r.reason.find("nested function"), std::string::npos);

  r = refusal("import os\n");
  EXPECT_EQ(r.line, 1);
  EXPECT_EQ(r.col, 8);
  EXPECT_EQ(r.reason, "unsupported import 'os' (only 'import math')");

  r = refusal("def f(a):\n    while a:\n        a -= 1\n    else:\n        pass\n");
  EXPECT_EQ(r.line, 4);
  EXPECT_EQ(r.reason, "unsupported statement: 'else' after a loop");
}

TEST(Compiler, RefusesUnsupportedExpressions) {
  Refusal r = refusal("def f(a):\n    return [x for x in a]\n");
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(r.col, 15);
  EXPECT_EQ(r.reason, "unsupported expression: comprehensions");
  EXPECT_EQ(refusal("def f(a):\n    return {1: a}\n").reason, "unsupported expression: dict and set displays");
  EXPECT_EQ(refusal("def f(a, b):\n    return a < b < 3\n").reason, "unsupported: chained comparison (write a < b and b < c)");
  EXPECT_EQ(refusal("def f(a):\n    return a[1:2]\n").reason, "unsupported: slicing");
  EXPECT_EQ(refusal("def f(a):\n    return g(x=a)\n").reason, "unsupported: keyword arguments");
  EXPECT_EQ(refusal("def f(a=1):\n    return a\n").reason, "unsupported: default parameter values");
  EXPECT_EQ(refusal("def f(a):\n    return a is None\n").reason, "unsupported operator 'is'");
  EXPECT_EQ(refusal("def f(a):\n    return a & 1\n").reason, "unsupported operator '&'");
  EXPECT_EQ(refusal("f = lambda a: a\n").reason, "unsupported expression: lambda");
}

TEST(Compiler, RefusesUnknownNames) {
  Refusal r = refusal("def f(a):\n    b = a + 1\n    return b * c\n");
  EXPECT_EQ(r.line, 3);
  EXPECT_EQ(r.col, 16);
  EXPECT_EQ(r.reason, "unknown name 'c'");
  r = refusal("def f(a):\n    print(a)\n");
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(r.col, 5);
  EXPECT_EQ(r.reason, "unsupported builtin 'print'");
  // A global bound anywhere at module level, or through `global`, is known.
  EXPECT_NO_THROW((void)compile("def f():\n    return g + h()\ndef h():\n    global g\n    g = 1\n    return 2\n", "k.py"));
}

TEST(Compiler, RefusesBadSyntax) {
  Refusal r = refusal("def f(a)\n    return a\n");
  EXPECT_EQ(r.line, 1);
  EXPECT_EQ(r.col, 9);
  EXPECT_EQ(r.reason, "expected ':' to start a block, found end of line");
  r = refusal("x = (1 +\n");
  EXPECT_EQ(r.line, 1);
  r = refusal("def f():\n    return 1\n  x = 2\n");
  EXPECT_EQ(r.line, 3);
  EXPECT_EQ(r.col, 3);
  EXPECT_EQ(r.reason, "unindent does not match any outer indentation level");
  r = refusal("x = 'abc\n");
  EXPECT_EQ(r.line, 1);
  EXPECT_EQ(r.col, 5);
  EXPECT_EQ(r.reason, "unterminated string literal");
  r = refusal("x = 1 $ 2\n");
  EXPECT_EQ(r.col, 7);
  EXPECT_EQ(r.reason, "invalid character '$'");
  EXPECT_EQ(refusal("def f():\n    break\n").reason, "'break' outside loop");
  EXPECT_EQ(refusal("return 1\n").reason, "'return' outside function");
}

// Found through fuzz/kernel_compiler_fuzz.cpp (deep inputs written for it):
// 50 000 levels of any one kind of nesting overflowed the parser's stack (a
// crash, not a refusal). Each is
// now refused where the nesting passes the limit, and ordinary depths compile.
TEST(Compiler, RefusesNestingTooDeepInsteadOfOverflowingTheStack) {
  const int n = 50000;
  auto repeat = [](const std::string& s, int times) {
    std::string out;
    for (int i = 0; i < times; ++i) out += s;
    return out;
  };
  std::string elifs = "if x:\n    pass\n";
  for (int i = 0; i < n; ++i) elifs += "elif x:\n    pass\n";
  std::string blocks = "def f(x):\n";
  for (int i = 1; i < 400; ++i) blocks += std::string(i, ' ') + "if x:\n";
  blocks += std::string(400, ' ') + "pass\n";
  const std::vector<std::string> deep = {
      "x = " + repeat("(", n) + "1" + repeat(")", n) + "\n",
      "x = " + repeat("[", n) + repeat("]", n) + "\n",
      "x = " + repeat("-", n) + "1\n",
      "x = " + repeat("not ", n) + "1\n",
      "x = 1" + repeat(" ** 1", n) + "\n",
      "x = 1" + repeat(" + 1", n) + "\n",
      "x = 1" + repeat(" * 1", n) + "\n",
      "x = 1" + repeat(" and 1", n) + "\n",
      "x = 1" + repeat(" or 1", n) + "\n",
      "x = len" + repeat("(1)", n) + "\n",
      "x = 1" + repeat(" if 1 else 1", n) + "\n",
      elifs,
      blocks,
  };
  for (const std::string& source : deep) {
    const Refusal r = refusal(source);
    EXPECT_NE(r.reason.find("too deeply nested"), std::string::npos) << r.reason << "\nin: " << source.substr(0, 60);
  }
  // Well below the limit: compiles.
  EXPECT_NO_THROW((void)compile("x = " + repeat("(", 150) + "1" + repeat(")", 150) + repeat(" + 1", 150) + "\n", "k.py"));
}

TEST(Compiler, SkipsTheMainGuardUnparsed) {
  // The standalone driver is plain Python, never compiled by txray.
  EXPECT_NO_THROW((void)compile("x = 1\nif __name__ == \"__main__\":\n    import json\n    print({k: v for k, v in []})\n", "k.py"));
}

}  // namespace
}  // namespace txray::interp
