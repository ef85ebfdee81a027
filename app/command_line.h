#pragma once
/// A small command-line reader for the txray executables: `--name value`
/// or `--name=value` options and bare flags. Every problem becomes a
/// UsageError whose message is one line naming the option and the value.
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace txray::cli {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A number in its shortest exact form: 0.001, 10000, 2.5 (not 0.001000).
[[nodiscard]] std::string compact_number(double value);

class CommandLine {
 public:
  /// `flags` are options that take no value; every other option takes one.
  CommandLine(std::span<char* const> args, std::vector<std::string_view> flags);

  [[nodiscard]] bool flag(std::string_view name);
  [[nodiscard]] std::optional<std::string> value(std::string_view name);
  [[nodiscard]] int integer(std::string_view name, int fallback, int min, int max);
  [[nodiscard]] double number(std::string_view name, double fallback, double min, double max);
  /// "WxH", each side in [1, max_side].
  [[nodiscard]] std::pair<int, int> size(std::string_view name, std::pair<int, int> fallback, int max_side);

  /// Throws "unknown option" for any option not in `known` (value options
  /// and flags): call it first when later checks would otherwise speak
  /// before an unknown name is reported.
  void check_unknown(const std::vector<std::string_view>& known) const;
  /// Throws for any option given but never asked for, and for positionals.
  void finish() const;

 private:
  struct Option {
    std::string name;
    std::optional<std::string> value;
    bool missing_value = false;  ///< a value option given last, or followed by another option
    bool used = false;
  };
  Option* find(std::string_view name);
  std::vector<Option> options_;
  std::vector<std::string> positionals_;
};

}  // namespace txray::cli
