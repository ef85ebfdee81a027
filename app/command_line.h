#pragma once
/// The txray executables' command line, declared once. A command lists its
/// options (name, kind, range, help text) and the rules between them; from
/// that one table the parser checks every value before anything runs, the
/// --help text is generated, and so are the bad-input cases tests/app runs
/// (the hidden --bad-input-cases). Every problem becomes a UsageError whose
/// message is one line naming the option (exit status 2).
///
/// Adding an option is one line in a command's table, e.g.
///   cli::integer("tile", "S", 1, 4096, "tile edge in pixels (default 16)"),
/// and one `args.integer("tile", 16)` where the command reads it.
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace txray::cli {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A number in its shortest exact form: 0.001, 10000, 2.5 (not 0.001000).
[[nodiscard]] std::string compact_number(double value);

/// A file about to be written: not a directory, in a directory that exists.
/// Else a UsageError starting with `label` ("--json 'r.json'").
void check_output_file(const std::string& label, const std::string& path);

enum class Kind {
  heading,       ///< not an option: a line of the help text
  flag,          ///< takes no value
  integer,       ///< a whole number in [min, max]
  number,        ///< a finite number in [min, max], or one of `choices` (words meaning the default)
  size,          ///< WIDTHxHEIGHT, each side in [1, max]
  choice,        ///< one of `choices`, or a name `accepts` takes
  choice_list,   ///< A,B,...: min to max items, each as for a choice
  integer_list,  ///< N,M,...: each a whole number in [min, max]
  text,          ///< any text that is not empty (a scene name or file)
  output,        ///< a file to write: not a directory, in one that exists, named *`extension`
};

struct Option {
  std::string name{};      ///< without the leading dashes
  Kind kind = Kind::flag;
  std::string value_name{};  ///< in the help: N, WxH, MODE (a flag has none)
  std::string help{};      ///< '\n' continues on the next line, under the first
  double min = 0, max = 0;
  std::vector<std::string> choices{};
  std::function<bool(const std::string&)> accepts{};  ///< choice(s): names valid beside `choices`
  std::string extension{};                          ///< output: ".png"; empty: any name
  std::optional<std::string> bare{};                ///< given without a value, it means this one
  bool required = false;

  /// The option given alone, with no value, means `value` (--conflicts [N]).
  [[nodiscard]] Option or_bare(std::string value) &&;
  /// The command refuses to run without it.
  [[nodiscard]] Option mandatory() &&;
  /// A number option that also takes these words, meaning its default.
  [[nodiscard]] Option or_words(std::vector<std::string> words) &&;
  /// A choice that also takes any name `predicate` accepts (not listed in messages).
  [[nodiscard]] Option also_accepting(std::function<bool(const std::string&)> predicate) &&;
};

// One line each in a command's table.
[[nodiscard]] Option heading(std::string text);
[[nodiscard]] Option flag(std::string name, std::string help);
[[nodiscard]] Option integer(std::string name, std::string value_name, int min, int max, std::string help);
[[nodiscard]] Option number(std::string name, std::string value_name, double min, double max, std::string help);
[[nodiscard]] Option size(std::string name, int max_side, std::string help);
[[nodiscard]] Option choice(std::string name, std::string value_name, std::vector<std::string> choices,
                            std::string help);
/// `min_items` to `max_items` names, each one of `choices`.
[[nodiscard]] Option choice_list(std::string name, std::string value_name, std::vector<std::string> choices,
                                 int min_items, int max_items, std::string help);
[[nodiscard]] Option integer_list(std::string name, std::string value_name, int min, int max, std::string help);
[[nodiscard]] Option text(std::string name, std::string value_name, std::string help);
[[nodiscard]] Option output(std::string name, std::string value_name, std::string extension, std::string help);

/// A rule between options, checked after every value.
struct Rule {
  enum class Kind { excludes, needs } kind;
  std::string option;               ///< the option the message names first
  std::vector<std::string> others;  ///< excludes: every one of these; needs: at least one of these
  std::string why;                  ///< needs: said after the names, in parentheses
};
[[nodiscard]] Rule excludes(std::string option, std::vector<std::string> others);
[[nodiscard]] Rule needs(std::string option, std::vector<std::string> any_of, std::string why = {});

struct Command {
  std::string name{};    ///< "txray render"
  std::string synopsis{};  ///< the help text above the options
  std::vector<Option> options{};
  std::vector<Rule> rules{};
  std::string epilogue{};  ///< the help text below the options
  /// Arguments that are not options, as a bad-input case gives them; none:
  /// the command takes none.
  std::vector<std::string> positional_samples{};
};

/// The options' part of the help: one line per option, help aligned.
[[nodiscard]] std::string help_text(const Command& command);

/// One refused command line, for tests/app/bad_input_matrix.sh: `args`
/// must make the command exit 2 with one line naming `--option`, and write
/// nothing. "@DIR@" in an argument stands for an empty scratch directory.
struct BadInput {
  std::string option;
  std::string what;  ///< "missing value", "out of range", ...
  std::vector<std::string> args;
};
[[nodiscard]] std::vector<BadInput> bad_inputs(const Command& command);

/// A command line read against a Command: every value checked against its
/// declaration, then every rule, then the required options. Reading an
/// option the command does not declare is a programming error
/// (std::logic_error).
class Args {
 public:
  Args(Command command, std::span<char* const> args);

  [[nodiscard]] bool declares(std::string_view name) const;
  [[nodiscard]] bool given(std::string_view name) const;
  [[nodiscard]] bool flag(std::string_view name) const;
  [[nodiscard]] std::optional<std::string> value(std::string_view name) const;
  [[nodiscard]] int integer(std::string_view name, int fallback) const;
  /// The number, or `fallback` when the option is absent or given as one of its words.
  [[nodiscard]] double number(std::string_view name, double fallback) const;
  [[nodiscard]] std::pair<int, int> size(std::string_view name, std::pair<int, int> fallback) const;
  /// A list option's items (empty when absent); a single choice as one item.
  [[nodiscard]] std::vector<std::string> names(std::string_view name) const;
  [[nodiscard]] std::vector<int> integers(std::string_view name, std::vector<int> fallback) const;
  [[nodiscard]] const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  const Option& declared(std::string_view name) const;
  Command command_;
  std::vector<std::pair<std::string, std::string>> given_;  ///< name, value ("" for a flag)
  std::vector<std::string> positionals_;
};

/// How every command starts: the command line read against `command`, or
/// nothing when it asked for --help (or the hidden --bad-input-cases: the
/// cases, one a line, tab-separated: option, what, arguments), whose text
/// has then been printed to stdout and the command has nothing left to do
/// (exit status 0).
[[nodiscard]] std::optional<Args> read(Command command, int argc, char** argv);

}  // namespace txray::cli
