#pragma once
/// Compiled code: CPython-style stack bytecode. A Program is immutable once
/// compiled and shared by every worker; each worker's Vm executes it with
/// its own frames, globals and objects.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "renderer/interp/object.h"

namespace txray::interp {

enum class Op : std::uint8_t {
  nop, pop_top, dup_top, dup_top_two, rot_two, rot_three,
  load_const, load_fast, store_fast, load_global, store_global,
  load_attr, load_method, call_method, call_function,
  binary_subscr, store_subscr,
  binary_add, binary_sub, binary_mul, binary_truediv, binary_floordiv, binary_mod, binary_pow,
  unary_negative, unary_positive, unary_not,
  compare_op,
  jump_forward, jump_backward, pop_jump_if_false, pop_jump_if_true, jump_if_false_or_pop, jump_if_true_or_pop,
  get_iter, for_iter,
  build_tuple, build_list, unpack_sequence,
  make_function, import_name, return_value,
};
enum class Cmp : std::uint8_t { lt, le, gt, ge, eq, ne };

/// One instruction: opcode in the low byte, argument above it.
using Instr = std::uint32_t;
inline Instr encode(Op op, std::uint32_t arg) { return static_cast<std::uint32_t>(op) | (arg << 8); }
inline Op op_of(Instr i) { return static_cast<Op>(i & 0xff); }
inline std::uint32_t arg_of(Instr i) { return i >> 8; }

struct Code {
  Code() = default;
  Code(const Code&) = delete;
  Code& operator=(const Code&) = delete;
  ~Code();
  std::string name;
  std::string file;
  int first_line = 0;
  int nparams = 0;
  int nlocals = 0;
  int stacksize = 0;
  std::vector<Instr> instrs;
  std::vector<int> lines;              ///< source line of each instruction
  std::vector<Obj*> consts;            ///< immortal
  std::vector<Obj*> owned;             ///< the constants made for this code, freed with it
  std::vector<StrObj*> names;          ///< interned: globals, attributes
  std::vector<std::string> local_names;
};

struct Program {
  std::string file;
  std::vector<std::unique_ptr<Code>> codes;  ///< codes[0] is the module body
  [[nodiscard]] const Code& module() const { return *codes[0]; }
};

}  // namespace txray::interp
