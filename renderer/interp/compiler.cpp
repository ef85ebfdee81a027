// AST to bytecode, one Code per function plus the module body. Scopes are
// Python's: a name bound anywhere in a function is local to it (LOAD_FAST
// by slot), unless declared `global`; every other name must be a module
// global or a builtin, else it is refused here rather than failing at run
// time with NameError.
#include <bit>
#include <map>
#include <set>

#include "renderer/interp/compiler.h"

namespace txray::interp {
namespace {

const std::set<std::string, std::less<>> kBuiltins = {"range", "len", "abs", "min", "max", "float", "int"};

int stack_effect(Op op, std::uint32_t arg) {
  const int n = static_cast<int>(arg);
  switch (op) {
    case Op::pop_top: case Op::store_fast: case Op::store_global: case Op::binary_subscr: case Op::binary_add:
    case Op::binary_sub: case Op::binary_mul: case Op::binary_truediv: case Op::binary_floordiv: case Op::binary_mod:
    case Op::binary_pow: case Op::compare_op: case Op::pop_jump_if_false: case Op::pop_jump_if_true:
    case Op::jump_if_false_or_pop: case Op::jump_if_true_or_pop: case Op::return_value:
      return -1;
    case Op::dup_top: case Op::load_const: case Op::load_fast: case Op::load_global: case Op::load_method:
    case Op::for_iter: case Op::make_function: case Op::import_name:
      return 1;
    case Op::dup_top_two: return 2;
    case Op::store_subscr: return -3;
    case Op::call_method: return -(n + 1);
    case Op::call_function: return -n;
    case Op::build_tuple: case Op::build_list: return 1 - n;
    case Op::unpack_sequence: return n - 1;
    default: return 0;
  }
}

class Compiler {
 public:
  Compiler(Program& program, const std::set<std::string>& globals) : program_(program), globals_(globals) {}

  void module(const std::vector<NodePtr>& body) {
    code_ = program_.codes.emplace_back(std::make_unique<Code>()).get();
    code_->name = "<module>";
    code_->file = program_.file;
    function_ = false;
    for (const NodePtr& s : body) statement(*s);
    emit(Op::load_const, constant(none_obj()), 0);
    emit(Op::return_value, 0, 0);
    finish();
  }

 private:
  struct Loop {
    std::size_t top;
    std::vector<std::size_t> breaks;
    bool is_for;
  };

  [[noreturn]] void fail(const Node& n, const std::string& why) const {
    throw CompileError(program_.file, n.line, n.col, why);
  }

  std::uint32_t emit(Op op, std::uint32_t arg, int line) {
    code_->instrs.push_back(encode(op, arg));
    code_->lines.push_back(line);
    depth_ += stack_effect(op, arg);
    max_depth_ = std::max(max_depth_, depth_);
    return static_cast<std::uint32_t>(code_->instrs.size() - 1);
  }
  std::uint32_t here() const { return static_cast<std::uint32_t>(code_->instrs.size()); }
  void patch(std::uint32_t at, std::uint32_t target) {
    code_->instrs[at] = encode(op_of(code_->instrs[at]), target);
  }
  void finish() {
    code_->stacksize = max_depth_ + 8;  // margin: depth is tracked along one path
    code_->nlocals = static_cast<int>(code_->local_names.size());
  }

  /// A constant made for this code (not a shared singleton): owned by it.
  Obj* own(Obj* value) {
    if (value != none_obj() && value->tag != Tag::boolean &&
        !(value->tag == Tag::integer && static_cast<IntObj*>(value)->v >= -5 && static_cast<IntObj*>(value)->v <= 256))  // the small-int cache
      code_->owned.push_back(value);
    return value;
  }

  std::uint32_t constant(Obj* value) {
    for (std::size_t i = 0; i < code_->consts.size(); ++i) {
      Obj* c = code_->consts[i];
      if (c == value) return static_cast<std::uint32_t>(i);
      if (c->tag == value->tag && c->tag == Tag::floating &&
          std::bit_cast<std::uint64_t>(static_cast<FloatObj*>(c)->v) == std::bit_cast<std::uint64_t>(static_cast<FloatObj*>(value)->v))
        return static_cast<std::uint32_t>(i);
      if (c->tag == value->tag && c->tag == Tag::integer && static_cast<IntObj*>(c)->v == static_cast<IntObj*>(value)->v)
        return static_cast<std::uint32_t>(i);
    }
    code_->consts.push_back(value);
    return static_cast<std::uint32_t>(code_->consts.size() - 1);
  }
  std::uint32_t name_index(const std::string& name) {
    StrObj* s = intern(name);
    for (std::size_t i = 0; i < code_->names.size(); ++i)
      if (code_->names[i] == s) return static_cast<std::uint32_t>(i);
    code_->names.push_back(s);
    return static_cast<std::uint32_t>(code_->names.size() - 1);
  }
  int local_slot(const std::string& name) const {
    for (std::size_t i = 0; i < code_->local_names.size(); ++i)
      if (code_->local_names[i] == name) return static_cast<int>(i);
    return -1;
  }

  // ---- scopes ----
  static void bound_names(const Node& s, std::set<std::string>& out) {
    auto target = [&](const Node& t) {
      if (t.kind == NodeKind::name) out.insert(t.text);
      if (t.kind == NodeKind::tuple || t.kind == NodeKind::list)
        for (const NodePtr& k : t.kids)
          if (k->kind == NodeKind::name) out.insert(k->text);
    };
    switch (s.kind) {
      case NodeKind::assign: case NodeKind::aug_assign: case NodeKind::for_: target(*s.kids[0]); break;
      default: break;
    }
    for (const NodePtr& b : s.body) bound_names(*b, out);
    for (const NodePtr& b : s.orelse) bound_names(*b, out);
  }
  static void global_decls(const Node& s, std::set<std::string>& out) {
    if (s.kind == NodeKind::global) out.insert(s.names.begin(), s.names.end());
    for (const NodePtr& b : s.body) global_decls(*b, out);
    for (const NodePtr& b : s.orelse) global_decls(*b, out);
  }

 public:
  /// Module-level names: what the module binds plus what functions bind
  /// through `global`.
  static std::set<std::string> module_globals(const std::vector<NodePtr>& body) {
    std::set<std::string> g;
    for (const NodePtr& s : body) {
      if (s->kind == NodeKind::function_def) {
        g.insert(s->text);
        global_decls(*s, g);
      } else if (s->kind == NodeKind::import_) {
        g.insert(s->text);
      } else {
        bound_names(*s, g);
      }
    }
    return g;
  }

 private:
  void function(const Node& def) {
    Code* saved = code_;
    const bool saved_function = function_;
    const int saved_depth = depth_, saved_max = max_depth_;
    std::set<std::string> saved_declared = std::move(declared_globals_);
    std::vector<Loop> saved_loops = std::move(loops_);
    loops_.clear();

    const auto index = static_cast<std::uint32_t>(program_.codes.size());
    code_ = program_.codes.emplace_back(std::make_unique<Code>()).get();
    code_->name = def.text;
    code_->file = program_.file;
    code_->first_line = def.line;
    code_->nparams = static_cast<int>(def.names.size());
    function_ = true;
    depth_ = max_depth_ = 0;
    declared_globals_.clear();
    for (const NodePtr& s : def.body) global_decls(*s, declared_globals_);
    for (const std::string& p : def.names) {
      if (declared_globals_.count(p)) fail(def, "name '" + p + "' is parameter and global");
      code_->local_names.push_back(p);
    }
    std::set<std::string> bound;
    for (const NodePtr& s : def.body) bound_names(*s, bound);
    for (const std::string& b : bound)
      if (!declared_globals_.count(b) && local_slot(b) < 0) code_->local_names.push_back(b);

    for (std::size_t i = 0; i < def.body.size(); ++i) {
      const Node& s = *def.body[i];
      if (i == 0 && s.kind == NodeKind::expr_stmt && s.kids[0]->kind == NodeKind::string) continue;  // docstring
      statement(s);
    }
    emit(Op::load_const, constant(none_obj()), def.line);
    emit(Op::return_value, 0, def.line);
    finish();

    code_ = saved;
    function_ = saved_function;
    depth_ = saved_depth;
    max_depth_ = saved_max;
    declared_globals_ = std::move(saved_declared);
    loops_ = std::move(saved_loops);
    emit(Op::make_function, index, def.line);
    emit(Op::store_global, name_index(def.text), def.line);
  }

  void store_name(const Node& n) {
    if (function_ && !declared_globals_.count(n.text)) {
      emit(Op::store_fast, static_cast<std::uint32_t>(local_slot(n.text)), n.line);
    } else {
      emit(Op::store_global, name_index(n.text), n.line);
    }
  }
  void load_name(const Node& n) {
    if (function_ && !declared_globals_.count(n.text)) {
      const int slot = local_slot(n.text);
      if (slot >= 0) {
        emit(Op::load_fast, static_cast<std::uint32_t>(slot), n.line);
        return;
      }
    }
    if (!globals_.count(n.text) && !kBuiltins.count(n.text)) {
      if (n.text == "print" || n.text == "isinstance" || n.text == "sum" || n.text == "round" || n.text == "str" ||
          n.text == "list" || n.text == "tuple" || n.text == "sorted" || n.text == "enumerate" || n.text == "zip")
        fail(n, "unsupported builtin '" + n.text + "'");
      fail(n, "unknown name '" + n.text + "'");
    }
    emit(Op::load_global, name_index(n.text), n.line);
  }

  void store_target(const Node& t) {
    switch (t.kind) {
      case NodeKind::name: store_name(t); break;
      case NodeKind::subscript:
        expression(*t.kids[0]);
        expression(*t.kids[1]);
        emit(Op::store_subscr, 0, t.line);
        break;
      case NodeKind::tuple: case NodeKind::list:
        emit(Op::unpack_sequence, static_cast<std::uint32_t>(t.kids.size()), t.line);
        for (const NodePtr& k : t.kids) store_target(*k);
        break;
      default: fail(t, "cannot assign to this expression");
    }
  }

  static Op binary_op(const std::string& op) {
    if (op == "+") return Op::binary_add;
    if (op == "-") return Op::binary_sub;
    if (op == "*") return Op::binary_mul;
    if (op == "/") return Op::binary_truediv;
    if (op == "//") return Op::binary_floordiv;
    if (op == "%") return Op::binary_mod;
    return Op::binary_pow;
  }

  void statement(const Node& s) {
    const int line = s.line;
    switch (s.kind) {
      case NodeKind::function_def: function(s); break;
      case NodeKind::main_guard: case NodeKind::pass: case NodeKind::global: break;
      case NodeKind::import_:
        emit(Op::import_name, name_index(s.text), line);
        emit(Op::store_global, name_index(s.text), line);
        break;
      case NodeKind::expr_stmt:
        if (s.kids[0]->kind == NodeKind::string) break;  // docstrings and string comments
        expression(*s.kids[0]);
        emit(Op::pop_top, 0, line);
        break;
      case NodeKind::assign:
        expression(*s.kids[1]);
        store_target(*s.kids[0]);
        break;
      case NodeKind::aug_assign: {
        const Node& t = *s.kids[0];
        if (t.kind == NodeKind::name) {
          load_name(t);
          expression(*s.kids[1]);
          emit(binary_op(s.text), 0, line);
          store_name(t);
        } else {
          expression(*t.kids[0]);
          expression(*t.kids[1]);
          emit(Op::dup_top_two, 0, line);
          emit(Op::binary_subscr, 0, line);
          expression(*s.kids[1]);
          emit(binary_op(s.text), 0, line);
          emit(Op::rot_three, 0, line);
          emit(Op::store_subscr, 0, line);
        }
        break;
      }
      case NodeKind::return_:
        if (s.kids.empty()) emit(Op::load_const, constant(none_obj()), line);
        else expression(*s.kids[0]);
        emit(Op::return_value, 0, line);
        break;
      case NodeKind::if_: {
        expression(*s.kids[0]);
        const std::uint32_t to_else = emit(Op::pop_jump_if_false, 0, line);
        for (const NodePtr& b : s.body) statement(*b);
        if (s.orelse.empty()) {
          patch(to_else, here());
        } else {
          const std::uint32_t to_end = emit(Op::jump_forward, 0, line);
          patch(to_else, here());
          for (const NodePtr& b : s.orelse) statement(*b);
          patch(to_end, here());
        }
        break;
      }
      case NodeKind::while_: {
        const std::uint32_t top = here();
        expression(*s.kids[0]);
        const std::uint32_t to_end = emit(Op::pop_jump_if_false, 0, line);
        loops_.push_back({top, {}, false});
        for (const NodePtr& b : s.body) statement(*b);
        emit(Op::jump_backward, top, line);
        patch(to_end, here());
        for (std::size_t b : loops_.back().breaks) patch(static_cast<std::uint32_t>(b), here());
        loops_.pop_back();
        break;
      }
      case NodeKind::for_: {
        expression(*s.kids[1]);
        emit(Op::get_iter, 0, line);
        const std::uint32_t top = emit(Op::for_iter, 0, line);
        store_target(*s.kids[0]);
        loops_.push_back({top, {}, true});
        for (const NodePtr& b : s.body) statement(*b);
        emit(Op::jump_backward, top, line);
        patch(top, here());
        depth_ -= 1;  // the iterator, popped when it is exhausted
        for (std::size_t b : loops_.back().breaks) patch(static_cast<std::uint32_t>(b), here());
        loops_.pop_back();
        break;
      }
      case NodeKind::break_: case NodeKind::continue_: {
        if (loops_.empty()) fail(s, std::string("'") + (s.kind == NodeKind::break_ ? "break" : "continue") + "' outside loop");
        Loop& loop = loops_.back();
        if (s.kind == NodeKind::continue_) {
          emit(Op::jump_backward, static_cast<std::uint32_t>(loop.top), line);
        } else {
          if (loop.is_for) emit(Op::pop_top, 0, line);  // the iterator
          loop.breaks.push_back(emit(Op::jump_forward, 0, line));
          if (loop.is_for) depth_ += 1;
        }
        break;
      }
      default: fail(s, "unsupported statement");
    }
  }

  void expression(const Node& e) {
    const int line = e.line;
    switch (e.kind) {
      case NodeKind::name: load_name(e); break;
      case NodeKind::integer: emit(Op::load_const, constant(own(immortal_int(e.integer))), line); break;
      case NodeKind::floating: emit(Op::load_const, constant(own(immortal_float(e.number))), line); break;
      case NodeKind::string: emit(Op::load_const, constant(own(immortal_str(e.text))), line); break;
      case NodeKind::constant:
        emit(Op::load_const, constant(e.text == "None" ? none_obj() : e.text == "True" ? immortal_bool(true) : immortal_bool(false)), line);
        break;
      case NodeKind::tuple: case NodeKind::list:
        for (const NodePtr& k : e.kids) expression(*k);
        emit(e.kind == NodeKind::tuple ? Op::build_tuple : Op::build_list, static_cast<std::uint32_t>(e.kids.size()), line);
        break;
      case NodeKind::unary: {
        const Node& operand = *e.kids[0];
        // Constant folding of negative literals, as CPython's AST optimiser does.
        if (e.text == "-" && operand.kind == NodeKind::floating) {
          emit(Op::load_const, constant(own(immortal_float(-operand.number))), line);
          break;
        }
        if (e.text == "-" && operand.kind == NodeKind::integer) {
          emit(Op::load_const, constant(own(immortal_int(-operand.integer))), line);
          break;
        }
        expression(operand);
        emit(e.text == "not" ? Op::unary_not : e.text == "-" ? Op::unary_negative : Op::unary_positive, 0, line);
        break;
      }
      case NodeKind::binary:
        expression(*e.kids[0]);
        expression(*e.kids[1]);
        emit(binary_op(e.text), 0, line);
        break;
      case NodeKind::boolop: {
        expression(*e.kids[0]);
        const std::uint32_t jump = emit(e.text == "and" ? Op::jump_if_false_or_pop : Op::jump_if_true_or_pop, 0, line);
        expression(*e.kids[1]);
        patch(jump, here());
        break;
      }
      case NodeKind::compare: {
        expression(*e.kids[0]);
        expression(*e.kids[1]);
        const std::string& o = e.text;
        const Cmp c = o == "<" ? Cmp::lt : o == "<=" ? Cmp::le : o == ">" ? Cmp::gt : o == ">=" ? Cmp::ge : o == "==" ? Cmp::eq : Cmp::ne;
        emit(Op::compare_op, static_cast<std::uint32_t>(c), line);
        break;
      }
      case NodeKind::ifexp: {
        expression(*e.kids[0]);
        const std::uint32_t to_else = emit(Op::pop_jump_if_false, 0, line);
        expression(*e.kids[1]);
        const std::uint32_t to_end = emit(Op::jump_forward, 0, line);
        depth_ -= 1;
        patch(to_else, here());
        expression(*e.kids[2]);
        patch(to_end, here());
        break;
      }
      case NodeKind::call: {
        const Node& f = *e.kids[0];
        const auto argc = static_cast<std::uint32_t>(e.kids.size() - 1);
        if (f.kind == NodeKind::attribute) {
          expression(*f.kids[0]);
          emit(Op::load_method, name_index(f.text), f.line);
          for (std::size_t i = 1; i < e.kids.size(); ++i) expression(*e.kids[i]);
          emit(Op::call_method, argc, line);
        } else {
          expression(f);
          for (std::size_t i = 1; i < e.kids.size(); ++i) expression(*e.kids[i]);
          emit(Op::call_function, argc, line);
        }
        break;
      }
      case NodeKind::attribute:
        expression(*e.kids[0]);
        emit(Op::load_attr, name_index(e.text), line);
        break;
      case NodeKind::subscript:
        expression(*e.kids[0]);
        expression(*e.kids[1]);
        emit(Op::binary_subscr, 0, line);
        break;
      default: fail(e, "unsupported expression");
    }
  }

  Program& program_;
  const std::set<std::string>& globals_;
  Code* code_ = nullptr;
  bool function_ = false;
  int depth_ = 0, max_depth_ = 0;
  std::set<std::string> declared_globals_;
  std::vector<Loop> loops_;
};

}  // namespace

std::shared_ptr<const Program> compile(std::string_view source, const std::string& file) {
  const std::vector<NodePtr> body = parse(source, file);
  auto program = std::make_shared<Program>();
  program->file = file;
  const std::set<std::string> globals = Compiler::module_globals(body);
  Compiler compiler(*program, globals);
  compiler.module(body);
  return program;
}

}  // namespace txray::interp
