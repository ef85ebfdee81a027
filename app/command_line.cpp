#include "app/command_line.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace txray::cli {

namespace {

bool is_option(std::string_view arg) { return arg.size() >= 3 && arg.starts_with("--"); }

}  // namespace

CommandLine::CommandLine(std::span<char* const> args, std::vector<std::string_view> flags) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (!is_option(arg)) {
      positionals_.emplace_back(arg);
      continue;
    }
    Option option;
    const auto equals = arg.find('=');
    option.name = std::string(arg.substr(2, equals == std::string_view::npos ? std::string_view::npos : equals - 2));
    const bool is_flag = std::find(flags.begin(), flags.end(), option.name) != flags.end();
    if (equals != std::string_view::npos) {
      if (is_flag) throw UsageError("option --" + option.name + " takes no value");
      option.value = std::string(arg.substr(equals + 1));
    } else if (!is_flag) {
      // A missing value is reported only when the option is asked for, so
      // an unknown option given last reads "unknown option", not "needs a
      // value". The next word is not taken when it is itself an option.
      const bool has_next = i + 1 < args.size() && !is_option(args[i + 1]);
      if (has_next) option.value = std::string(args[++i]);
      else option.missing_value = true;
    }
    if (find(option.name)) throw UsageError("option --" + option.name + " given twice");
    options_.push_back(std::move(option));
  }
}

CommandLine::Option* CommandLine::find(std::string_view name) {
  for (Option& o : options_)
    if (o.name == name) return &o;
  return nullptr;
}

bool CommandLine::flag(std::string_view name) {
  Option* o = find(name);
  if (!o) return false;
  o->used = true;
  return true;
}

std::optional<std::string> CommandLine::value(std::string_view name) {
  Option* o = find(name);
  if (!o) return std::nullopt;
  o->used = true;
  if (o->missing_value) throw UsageError("option --" + o->name + " needs a value");
  return o->value;
}

std::string compact_number(double value) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) return std::to_string(value);
  return std::string(buffer, end);
}

int CommandLine::integer(std::string_view name, int fallback, int min, int max) {
  const auto text = value(name);
  if (!text) return fallback;
  int v = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size())
    throw UsageError("--" + std::string(name) + " '" + *text + "': not an integer");
  if (v < min || v > max)
    throw UsageError("--" + std::string(name) + " " + *text + ": must be between " + std::to_string(min) + " and " +
                     std::to_string(max));
  return v;
}

double CommandLine::number(std::string_view name, double fallback, double min, double max) {
  const auto text = value(name);
  if (!text) return fallback;
  double v = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || !std::isfinite(v))
    throw UsageError("--" + std::string(name) + " '" + *text + "': not a number");
  if (v < min || v > max)
    throw UsageError("--" + std::string(name) + " " + *text + ": must be between " + compact_number(min) + " and " +
                     compact_number(max));
  return v;
}

std::pair<int, int> CommandLine::size(std::string_view name, std::pair<int, int> fallback, int max_side) {
  const auto text = value(name);
  if (!text) return fallback;
  const auto bad = [&](const std::string& why) {
    return UsageError("--" + std::string(name) + " '" + *text + "': " + why);
  };
  const auto x = text->find('x');
  if (x == std::string::npos) throw bad("expected WIDTHxHEIGHT, e.g. 640x360");
  int w = 0, h = 0;
  const char* begin = text->data();
  const char* end = begin + text->size();
  auto r1 = std::from_chars(begin, begin + x, w);
  auto r2 = std::from_chars(begin + x + 1, end, h);
  if (r1.ec != std::errc() || r1.ptr != begin + x || r2.ec != std::errc() || r2.ptr != end)
    throw bad("expected WIDTHxHEIGHT, e.g. 640x360");
  if (w < 1 || h < 1 || w > max_side || h > max_side)
    throw bad("each side must be between 1 and " + std::to_string(max_side));
  return {w, h};
}

void CommandLine::check_unknown(const std::vector<std::string_view>& known) const {
  for (const Option& o : options_)
    if (std::find(known.begin(), known.end(), o.name) == known.end()) throw UsageError("unknown option --" + o.name);
}

void CommandLine::finish() const {
  for (const Option& o : options_)
    if (!o.used) throw UsageError("unknown option --" + o.name);
  if (!positionals_.empty()) throw UsageError("unexpected argument '" + positionals_.front() + "'");
}

}  // namespace txray::cli
