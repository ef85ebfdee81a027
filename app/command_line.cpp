#include "app/command_line.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <filesystem>
#include <iostream>

namespace txray::cli {

namespace {

constexpr std::size_t kHelpColumn = 22;

bool is_option(std::string_view arg) { return arg.size() >= 3 && arg.starts_with("--"); }

std::string_view option_name(std::string_view arg) { return arg.substr(2, arg.find('=') - 2); }

std::string dashed(const Option& o) { return "--" + o.name; }

/// "a, b or c"
std::string one_of(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return out;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const std::size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos) return parts;
    start = comma + 1;
  }
}

/// A whole number, or nothing when `text` is not one; `out_of_range` when
/// it is one too large for an int.
std::optional<int> whole_number(const std::string& text, bool& out_of_range) {
  int v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  out_of_range = ec == std::errc::result_out_of_range && end == text.data() + text.size();
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string range(double min, double max) { return compact_number(min) + " and " + compact_number(max); }

int to_integer(const Option& o, const std::string& text) {
  bool too_large = false;
  const auto v = whole_number(text, too_large);
  if (!v && !too_large) throw UsageError(dashed(o) + " '" + text + "': not an integer");
  if (too_large || *v < o.min || *v > o.max)
    throw UsageError(dashed(o) + " " + text + ": must be between " + range(o.min, o.max));
  return *v;
}

/// Nothing for one of the option's words.
std::optional<double> to_number(const Option& o, const std::string& text) {
  if (std::find(o.choices.begin(), o.choices.end(), text) != o.choices.end()) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    if (o.choices.empty()) throw UsageError(dashed(o) + " '" + text + "': not a number");
    throw UsageError(dashed(o) + " '" + text + "': expected " + one_of(o.choices) + " or a number from " +
                     compact_number(o.min) + " to " + compact_number(o.max));
  }
  if (v < o.min || v > o.max) throw UsageError(dashed(o) + " " + text + ": must be between " + range(o.min, o.max));
  return v;
}

std::pair<int, int> to_size(const Option& o, const std::string& text) {
  const auto bad = [&](const std::string& why) { return UsageError(dashed(o) + " '" + text + "': " + why); };
  const auto x = text.find('x');
  if (x == std::string::npos) throw bad("expected WIDTHxHEIGHT, e.g. 640x360");
  bool too_large_w = false, too_large_h = false;
  const auto w = whole_number(text.substr(0, x), too_large_w);
  const auto h = whole_number(text.substr(x + 1), too_large_h);
  const auto side_ok = [&](const std::optional<int>& side, bool too_large) {
    if (!side && !too_large) throw bad("expected WIDTHxHEIGHT, e.g. 640x360");
    return !too_large && *side >= 1 && *side <= o.max;
  };
  const bool w_ok = side_ok(w, too_large_w), h_ok = side_ok(h, too_large_h);
  if (!w_ok || !h_ok) throw bad("each side must be between 1 and " + compact_number(o.max));
  return {*w, *h};
}

bool known_choice(const Option& o, const std::string& name) {
  return std::find(o.choices.begin(), o.choices.end(), name) != o.choices.end() || (o.accepts && o.accepts(name));
}

std::vector<std::string> to_names(const Option& o, const std::string& text) {
  if (o.kind == Kind::choice) {
    if (!known_choice(o, text)) throw UsageError(dashed(o) + " '" + text + "': expected " + one_of(o.choices));
    return {text};
  }
  std::vector<std::string> items = split_commas(text);
  for (const std::string& item : items)
    if (!known_choice(o, item))
      throw UsageError(dashed(o) + ": '" + item + "' is unknown; expected " + one_of(o.choices));
  if (static_cast<double>(items.size()) < o.min || static_cast<double>(items.size()) > o.max) {
    const auto count = [](double n) {
      static const char* const kWords[] = {"no", "one", "two", "three", "four", "five"};
      return n < 6 ? std::string(kWords[static_cast<int>(n)]) : compact_number(n);
    };
    const std::string how_many = o.min == o.max       ? count(o.min)
                                 : o.max == o.min + 1 ? count(o.min) + " or " + count(o.max)
                                                      : count(o.min) + " to " + count(o.max);
    throw UsageError(dashed(o) + " '" + text + "': expected " + how_many + " names separated by commas");
  }
  return items;
}

std::vector<int> to_integers(const Option& o, const std::string& text) {
  std::vector<int> out;
  for (const std::string& item : split_commas(text)) {
    bool too_large = false;
    const auto v = whole_number(item, too_large);
    if (!v || *v < o.min || *v > o.max)
      throw UsageError(dashed(o) + " '" + text + "': expected a list of whole numbers from " +
                       compact_number(o.min) + " to " + compact_number(o.max) + ", like 1,2");
    out.push_back(*v);
  }
  return out;
}

void check_output(const Option& o, const std::string& text) {
  const std::string label = dashed(o) + " '" + text + "'";
  if (!o.extension.empty() && std::filesystem::path(text).extension() != o.extension)
    throw UsageError(label + ": the file name must end in " + o.extension);
  check_output_file(label, text);
}

/// Throws the UsageError the value earns, if any.
void check_value(const Option& o, const std::string& text) {
  switch (o.kind) {
    case Kind::integer: (void)to_integer(o, text); break;
    case Kind::number: (void)to_number(o, text); break;
    case Kind::size: (void)to_size(o, text); break;
    case Kind::choice:
    case Kind::choice_list: (void)to_names(o, text); break;
    case Kind::integer_list: (void)to_integers(o, text); break;
    case Kind::output: check_output(o, text); break;
    case Kind::heading:
    case Kind::flag:
    case Kind::text: break;
  }
}

const Option* find_option(const Command& command, std::string_view name) {
  for (const Option& o : command.options)
    if (o.kind != Kind::heading && o.name == name) return &o;
  return nullptr;
}

std::string format_cases(const Command& command) {
  std::string out;
  for (const BadInput& c : bad_inputs(command)) {
    out += c.option + "\t" + c.what;
    for (const std::string& a : c.args) out += "\t" + a;
    out += "\n";
  }
  return out;
}

}  // namespace

std::string compact_number(double value) {
  char buffer[64];
  // Whole numbers in full: the shortest form of 100000 is "1e+05".
  const bool whole = value == std::trunc(value) && std::abs(value) < 1e15;
  const auto [end, ec] = whole ? std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed)
                               : std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) return std::to_string(value);
  return std::string(buffer, end);
}

void check_output_file(const std::string& label, const std::string& path) {
  if (std::filesystem::is_directory(path)) throw UsageError(label + ": is a directory");
  const std::filesystem::path p = path;
  const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : ".";
  if (!std::filesystem::is_directory(dir))
    throw UsageError(label + ": directory '" + dir.string() + "' does not exist");
}

// ---- declarations -----------------------------------------------------------

Option Option::or_bare(std::string value) && {
  bare = std::move(value);
  return std::move(*this);
}
Option Option::mandatory() && {
  required = true;
  return std::move(*this);
}
Option Option::or_words(std::vector<std::string> words) && {
  choices = std::move(words);
  return std::move(*this);
}
Option Option::also_accepting(std::function<bool(const std::string&)> predicate) && {
  accepts = std::move(predicate);
  return std::move(*this);
}

Option heading(std::string text) { return {.kind = Kind::heading, .help = std::move(text)}; }
Option flag(std::string name, std::string help) {
  return {.name = std::move(name), .kind = Kind::flag, .help = std::move(help)};
}
Option integer(std::string name, std::string value_name, int min, int max, std::string help) {
  return {.name = std::move(name), .kind = Kind::integer, .value_name = std::move(value_name), .help = std::move(help),
          .min = static_cast<double>(min), .max = static_cast<double>(max)};
}
Option number(std::string name, std::string value_name, double min, double max, std::string help) {
  return {.name = std::move(name), .kind = Kind::number, .value_name = std::move(value_name), .help = std::move(help),
          .min = min, .max = max};
}
Option size(std::string name, int max_side, std::string help) {
  return {.name = std::move(name), .kind = Kind::size, .value_name = "WxH", .help = std::move(help), .min = 1,
          .max = static_cast<double>(max_side)};
}
Option choice(std::string name, std::string value_name, std::vector<std::string> choices, std::string help) {
  return {.name = std::move(name), .kind = Kind::choice, .value_name = std::move(value_name), .help = std::move(help),
          .choices = std::move(choices)};
}
Option choice_list(std::string name, std::string value_name, std::vector<std::string> choices, int min_items,
                   int max_items, std::string help) {
  return {.name = std::move(name), .kind = Kind::choice_list, .value_name = std::move(value_name),
          .help = std::move(help), .min = static_cast<double>(min_items), .max = static_cast<double>(max_items),
          .choices = std::move(choices)};
}
Option integer_list(std::string name, std::string value_name, int min, int max, std::string help) {
  return {.name = std::move(name), .kind = Kind::integer_list, .value_name = std::move(value_name),
          .help = std::move(help), .min = static_cast<double>(min), .max = static_cast<double>(max)};
}
Option text(std::string name, std::string value_name, std::string help) {
  return {.name = std::move(name), .kind = Kind::text, .value_name = std::move(value_name), .help = std::move(help)};
}
Option output(std::string name, std::string value_name, std::string extension, std::string help) {
  return {.name = std::move(name), .kind = Kind::output, .value_name = std::move(value_name), .help = std::move(help),
          .extension = std::move(extension)};
}

Rule excludes(std::string option, std::vector<std::string> others) {
  return {Rule::Kind::excludes, std::move(option), std::move(others), {}};
}
Rule needs(std::string option, std::vector<std::string> any_of, std::string why) {
  return {Rule::Kind::needs, std::move(option), std::move(any_of), std::move(why)};
}

std::string help_text(const Command& command) {
  std::string out;
  for (const Option& o : command.options) {
    if (o.kind == Kind::heading) {
      out += o.help + "\n";
      continue;
    }
    std::string left = "  " + dashed(o);
    if (!o.value_name.empty()) left += o.bare ? " [" + o.value_name + "]" : " " + o.value_name;
    left.resize(std::max(kHelpColumn, left.size() + 2), ' ');
    out += left;
    for (const char c : o.help) out += c == '\n' ? "\n" + std::string(kHelpColumn, ' ') : std::string(1, c);
    out += "\n";
  }
  return out;
}

// ---- the bad-input cases ----------------------------------------------------

std::vector<BadInput> bad_inputs(const Command& command) {
  const auto sample = [](const Option& o) -> std::string {
    switch (o.kind) {
      case Kind::integer:
      case Kind::integer_list: return std::to_string(static_cast<long long>(o.min));
      case Kind::number: return compact_number(o.min);
      case Kind::size: return "8x8";
      case Kind::choice: return o.choices.front();
      case Kind::choice_list: {
        std::string items;
        for (int i = 0; i < std::max(1, static_cast<int>(o.min)); ++i)
          items += (i ? "," : "") + o.choices[static_cast<std::size_t>(i) % o.choices.size()];
        return items;
      }
      case Kind::text: return "x";
      case Kind::output: return "@DIR@/sample" + (o.extension.empty() ? std::string(".out") : o.extension);
      case Kind::heading:
      case Kind::flag: break;
    }
    return {};
  };
  const auto give = [&](const Option& o, std::vector<std::string>& args) {
    args.push_back(dashed(o));
    if (o.kind != Kind::flag) args.push_back(sample(o));
  };
  const auto in_a_rule = [&](const Option& o) {
    return std::any_of(command.rules.begin(), command.rules.end(), [&](const Rule& r) {
      return r.option == o.name || std::find(r.others.begin(), r.others.end(), o.name) != r.others.end();
    });
  };
  // What every case gives besides its subject: the arguments, the required
  // options, and every output no rule involves (so that "writes nothing"
  // has files to not write).
  const auto base = [&](const std::vector<std::string>& leave_out) {
    std::vector<std::string> args = command.positional_samples;
    for (const Option& o : command.options) {
      if (std::find(leave_out.begin(), leave_out.end(), o.name) != leave_out.end()) continue;
      if (o.required || (o.kind == Kind::output && !in_a_rule(o))) give(o, args);
    }
    return args;
  };
  std::vector<BadInput> cases;
  const auto add = [&](const Option& o, std::string what, std::vector<std::string> tail) {
    std::vector<std::string> args = base({o.name});
    args.insert(args.end(), tail.begin(), tail.end());
    cases.push_back({o.name, std::move(what), std::move(args)});
  };
  for (const Option& o : command.options) {
    const std::string name = dashed(o);
    const auto with = [&](const std::string& value) { return std::vector<std::string>{name, value}; };
    switch (o.kind) {
      case Kind::heading: continue;
      case Kind::flag:
        add(o, "flag given a value", {name + "=1"});
        if (command.positional_samples.empty()) add(o, "flag followed by a word", {name, "yes"});
        add(o, "given twice", {name, name});
        continue;
      default: break;
    }
    if (!o.bare) {
      add(o, "missing value, given last", {name});
      // Followed by another option, which is not taken as its value.
      std::vector<std::string> args = base({o.name});
      const auto next = std::find_if(args.begin(), args.end(), [](const std::string& a) { return is_option(a); });
      if (next != args.end()) {
        args.insert(next, name);
        cases.push_back({o.name, "missing value, followed by an option", std::move(args)});
      }
    }
    add(o, "empty value", {name + "="});
    const std::vector<std::string> once = with(sample(o));
    std::vector<std::string> twice = once;
    twice.insert(twice.end(), once.begin(), once.end());
    add(o, "given twice", twice);
    const long long lo = static_cast<long long>(o.min), hi = static_cast<long long>(o.max);
    switch (o.kind) {
      case Kind::integer:
        add(o, "malformed", with("abc"));
        add(o, "malformed", with("1.5"));
        if (lo > INT_MIN) add(o, "below range", with(std::to_string(lo - 1)));
        if (hi < INT_MAX) add(o, "above range", with(std::to_string(hi + 1)));
        add(o, "beyond an int", with("99999999999"));
        break;
      case Kind::number:
        add(o, "malformed", with("abc"));
        add(o, "not finite", with("inf"));
        add(o, "below range", with(compact_number(o.min - 1 - std::abs(o.min))));
        add(o, "above range", with(compact_number(o.max + 1 + std::abs(o.max))));
        break;
      case Kind::size:
        add(o, "malformed", with("12by7"));
        add(o, "malformed", with("8x"));
        add(o, "below range", with("0x8"));
        add(o, "above range", with(std::to_string(hi + 1) + "x8"));
        break;
      case Kind::choice: add(o, "unknown", with("nonesuch")); break;
      case Kind::choice_list: {
        add(o, "unknown item", with(sample(o) + ",nonesuch"));
        add(o, "empty item", with(o.choices.front() + ","));
        std::string items = o.choices.front();
        if (lo > 1) add(o, "too few items", with(items));
        if (hi < 1000) {
          for (long long i = 1; i <= hi; ++i) items += "," + o.choices[static_cast<std::size_t>(i) % o.choices.size()];
          add(o, "too many items", with(items));
        }
        break;
      }
      case Kind::integer_list:
        add(o, "malformed", with("abc"));
        add(o, "empty item", with(sample(o) + ",," + sample(o)));
        add(o, "below range", with(std::to_string(lo - 1)));
        add(o, "above range", with(sample(o) + "," + std::to_string(hi + 1)));
        break;
      case Kind::output:
        add(o, "a directory", with("@DIR@"));
        add(o, "no such directory", with("@DIR@/missing/sample" + o.extension));
        if (!o.extension.empty()) add(o, "wrong extension", with("@DIR@/sample.txt"));
        break;
      default: break;
    }
    if (o.required) add(o, "required, not given", {});
  }
  for (const Rule& r : command.rules) {
    const Option* subject = find_option(command, r.option);
    if (!subject) continue;  // a command's own test fails on it: Args throws logic_error
    std::vector<std::string> involved = r.others;
    involved.push_back(r.option);
    if (r.kind == Rule::Kind::excludes) {
      for (const std::string& other : r.others) {
        std::vector<std::string> args = base(involved);
        give(*subject, args);
        if (const Option* o = find_option(command, other)) give(*o, args);
        cases.push_back({r.option, "together with --" + other, std::move(args)});
      }
    } else {
      std::vector<std::string> args = base(involved);
      give(*subject, args);
      cases.push_back({r.option, "without any of --" + r.others.front() + "...", std::move(args)});
    }
  }
  return cases;
}

// ---- reading a command line -------------------------------------------------

std::optional<Args> read(Command command, int argc, char** argv) {
  const std::span<char* const> args(argv, static_cast<std::size_t>(argc));
  for (const char* a : args) {
    if (std::string_view(a) == "--help") {
      std::cout << command.synopsis << help_text(command) << command.epilogue;
      return std::nullopt;
    }
    if (std::string_view(a) == "--bad-input-cases") {
      std::cout << format_cases(command);
      return std::nullopt;
    }
  }
  return Args(std::move(command), args);
}

Args::Args(Command command_line, std::span<char* const> args) : command_(std::move(command_line)) {
  const Command& command = command_;
  // Names first: a typo is reported as itself, whatever else the command
  // line gets wrong (an unknown option given last is unknown, not "needs a
  // value").
  for (const char* a : args)
    if (is_option(a) && !find_option(command, option_name(a)))
      throw UsageError("unknown option --" + std::string(option_name(a)));
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (!is_option(arg)) {
      if (command.positional_samples.empty()) {
        // After a flag the word was most likely meant as its value: say so.
        const Option* before =
            i > 0 && is_option(args[i - 1]) ? find_option(command, option_name(args[i - 1])) : nullptr;
        if (before && before->kind == Kind::flag)
          throw UsageError("option " + dashed(*before) + " takes no value (unexpected argument '" + std::string(arg) +
                           "')");
        throw UsageError("unexpected argument '" + std::string(arg) + "'");
      }
      positionals_.emplace_back(arg);
      continue;
    }
    const Option& o = *find_option(command, option_name(arg));
    std::optional<std::string> value;
    if (const auto equals = arg.find('='); equals != std::string_view::npos) {
      if (o.kind == Kind::flag) throw UsageError("option " + dashed(o) + " takes no value");
      value = std::string(arg.substr(equals + 1));
    } else if (o.kind != Kind::flag) {
      // The next word is not taken when it is itself an option.
      if (i + 1 < args.size() && !is_option(args[i + 1])) value = std::string(args[++i]);
      else value = o.bare;
    }
    if (o.kind != Kind::flag && (!value || value->empty())) throw UsageError("option " + dashed(o) + " needs a value");
    if (given(o.name)) throw UsageError("option " + dashed(o) + " given twice");
    if (value) check_value(o, *value);
    given_.emplace_back(o.name, value.value_or(""));
  }
  // Exclusions before needs: "--profile and --engine exclude each other"
  // says more than "--engine needs --backend".
  for (const Rule::Kind kind : {Rule::Kind::excludes, Rule::Kind::needs}) {
    for (const Rule& r : command.rules) {
      if (r.kind != kind || !given(r.option)) continue;
      if (kind == Rule::Kind::excludes) {
        for (const std::string& other : r.others)
          if (given(other)) throw UsageError("--" + r.option + " and --" + other + " exclude each other");
      } else if (std::none_of(r.others.begin(), r.others.end(), [&](const std::string& o) { return given(o); })) {
        std::vector<std::string> names;
        for (const std::string& other : r.others) names.push_back("--" + other);
        throw UsageError("--" + r.option + " needs " + one_of(names) + (r.why.empty() ? "" : " (" + r.why + ")"));
      }
    }
  }
  for (const Option& o : command.options)
    if (o.required && !given(o.name))
      throw UsageError(dashed(o) + " is required (" + o.value_name + ": " + o.help.substr(0, o.help.find('\n')) + ")");
}

const Option& Args::declared(std::string_view name) const {
  if (const Option* o = find_option(command_, name)) return *o;
  throw std::logic_error(command_.name + " reads --" + std::string(name) + ", which it does not declare");
}

bool Args::declares(std::string_view name) const { return find_option(command_, name) != nullptr; }

bool Args::given(std::string_view name) const {
  (void)declared(name);
  return std::any_of(given_.begin(), given_.end(), [&](const auto& g) { return g.first == name; });
}

bool Args::flag(std::string_view name) const { return given(name); }

std::optional<std::string> Args::value(std::string_view name) const {
  (void)declared(name);
  for (const auto& [option, text] : given_)
    if (option == name) return text;
  return std::nullopt;
}

int Args::integer(std::string_view name, int fallback) const {
  const auto text = value(name);
  return text ? to_integer(declared(name), *text) : fallback;
}

double Args::number(std::string_view name, double fallback) const {
  const auto text = value(name);
  return text ? to_number(declared(name), *text).value_or(fallback) : fallback;
}

std::pair<int, int> Args::size(std::string_view name, std::pair<int, int> fallback) const {
  const auto text = value(name);
  return text ? to_size(declared(name), *text) : fallback;
}

std::vector<std::string> Args::names(std::string_view name) const {
  const auto text = value(name);
  return text ? to_names(declared(name), *text) : std::vector<std::string>{};
}

std::vector<int> Args::integers(std::string_view name, std::vector<int> fallback) const {
  const auto text = value(name);
  return text ? to_integers(declared(name), *text) : fallback;
}

}  // namespace txray::cli
