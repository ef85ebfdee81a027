// `txray bench compare` and `txray bench merge`: read reports, call the
// comparison in bench/harness/compare.h, print and write its results.
#include <filesystem>
#include <fstream>
#include <optional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "app/command_line.h"
#include "app/commands.h"
#include "app/workload_options.h"
#include "bench/harness/compare.h"
#include "bench/harness/report.h"

namespace txray {
namespace {

using cli::UsageError;

cli::Command compare_command_line() {
  return {.name = "txray bench compare",
          .synopsis =
              "usage: txray bench compare BASE.json NEW.json [options]\n"
              "       txray bench compare REPORT.json --profiles BASE,NEW [options]\n"
              "\n"
              "Did a change make anything slower? Matches the rows of two `txray bench --json`\n"
              "reports by profile, engine, backend and threads, and gives each FPS base -> new,\n"
              "the change, both 95% intervals, the p-value of a two-sided Mann-Whitney U test\n"
              "over the repetitions' FPS (Holm-adjusted over the rows), and a verdict: faster,\n"
              "slower or same. A verdict needs 5 repetitions a side, and over a dozen rows 6\n"
              "(txray bench --repetitions 8, or the ci preset); with fewer than 5\n"
              "the row says so and never fails. For an A/B on one machine: scripts/bench-ab.\n"
              "With --profiles, two profiles of one report: NEW against BASE, per thread count,\n"
              "paired by round (txray bench measures round-robin), so the per-round ratio is\n"
              "NEW / BASE measured in one run, with its 95% interval.\n"
              "\n",
          .options = {cli::number("threshold", "PCT", 0.0, 1000.0, "a change smaller than this is \"same\" (default 5)"),
                      cli::number("alpha", "A", 1e-6, 0.5, "significance level (default 0.05)"),
                      cli::flag("allow-config-mismatch",
                                "compare reports of different workloads (scene, size, frames, ...)"),
                      cli::flag("paired",
                                "the repetitions were taken in alternating rounds (scripts/bench-ab):\n"
                                "also show the per-round ratio's geometric mean and 95% interval"),
                      workload::profile_list("profiles", "BASE,NEW", 2, 2,
                                             "compare profile NEW against profile BASE within one report\n"
                                             "(paired by round)"),
                      cli::output("markdown", "FILE", "", "the table as Markdown (a CI job summary)"),
                      cli::output("json", "FILE", "", "the comparison as JSON")},
          .epilogue =
              "\n"
              "exit status: 0 nothing slower; 1 some row significantly slower by more than the\n"
              "threshold; 2 usage error, unreadable report, other schema, or reports that do not match\n",
          .positional_samples = {"@DIR@/base.json", "@DIR@/new.json"}};
}

cli::Command merge_command_line() {
  return {.name = "txray bench merge",
          .synopsis = "usage: txray bench merge OUT.json IN.json [IN.json...]\n"
                      "\n"
                      "Writes one report holding the repetitions of every input (same workload, same\n"
                      "runs): scripts/bench-ab runs each binary once per round and merges the rounds.\n",
          .positional_samples = {"@DIR@/out.json", "@DIR@/in.json"}};
}

/// A report from a file, or a UsageError naming the file and what is wrong.
bench::BenchReport read_report(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("'" + path + "': cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  bench::BenchReport report;
  if (const std::string problem = bench::parse_report_json(text.str(), report); !problem.empty())
    throw UsageError("'" + path + "': not a txray bench report of schema version " +
                     std::to_string(bench::BenchReport::kSchemaVersion) + ": " + problem);
  return report;
}

}  // namespace

int bench_compare_command(int argc, char** argv) {
  const auto args = cli::read(compare_command_line(), argc, argv);
  if (!args) return 0;  // --help
  bench::CompareOptions options;
  options.threshold_pct = args->number("threshold", options.threshold_pct);
  options.alpha = args->number("alpha", options.alpha);
  options.allow_config_mismatch = args->flag("allow-config-mismatch");
  options.paired = args->flag("paired");
  const auto markdown_path = args->value("markdown");
  const auto json_path = args->value("json");
  const std::vector<std::string>& files = args->positionals();
  const std::vector<std::string> profiles = args->names("profiles");
  bench::BenchReport base, next;
  std::string base_name, new_name;
  if (!profiles.empty()) {
    if (files.size() != 1)
      throw UsageError("--profiles compares two profiles of one report: give one REPORT.json (got " +
                       std::to_string(files.size()) + ")");
    if (profiles[0] == profiles[1]) throw UsageError("--profiles: BASE and NEW are both '" + profiles[0] + "'");
    if (const std::string problem = bench::split_profiles(read_report(files[0]), profiles[0], profiles[1], base, next);
        !problem.empty())
      throw UsageError("--profiles: '" + files[0] + "': " + problem);
    options.paired = true;
    base_name = files[0] + ": " + profiles[0];
    new_name = files[0] + ": " + profiles[1];
  } else {
    if (files.size() != 2)
      throw UsageError("txray bench compare takes two reports, BASE.json and NEW.json (got " +
                       std::to_string(files.size()) + ")");
    base = read_report(files[0]);
    next = read_report(files[1]);
    base_name = files[0];
    new_name = files[1];
  }
  const bench::Comparison comparison = bench::compare_reports(base, next, options);
  if (!comparison.mismatch.empty()) {
    if (!options.allow_config_mismatch || comparison.matched == 0) {
      std::cerr << "txray bench compare: '" << new_name << "' does not match '" << base_name
                << "': " << comparison.mismatch
                << (comparison.matched > 0 ? " (--allow-config-mismatch compares them anyway)" : "") << "\n";
      return 2;
    }
    std::cerr << "txray bench compare: warning: the workloads differ: " << comparison.mismatch << "\n";
  }
  std::cout << bench::format_comparison(comparison, base_name, new_name);
  int status = comparison.exit_code();
  auto write = [&](const std::optional<std::string>& path, const std::string& text) {
    if (!path) return;
    if (const std::string error = bench::write_text_file(*path, text); !error.empty()) {
      std::cerr << "txray bench compare: " << error << "\n";
      status = 2;
    } else {
      std::cerr << "txray bench compare: wrote " << *path << "\n";
    }
  };
  write(markdown_path, bench::comparison_markdown(comparison, base_name, new_name));
  write(json_path, bench::comparison_json(comparison, base_name, new_name));
  return status;
}

int bench_merge_command(int argc, char** argv) {
  const auto args = cli::read(merge_command_line(), argc, argv);
  if (!args) return 0;  // --help
  const std::vector<std::string>& files = args->positionals();
  if (files.size() < 2) throw UsageError("txray bench merge takes OUT.json and at least one IN.json");
  const std::string& out = files[0];
  cli::check_output_file("'" + out + "'", out);
  std::vector<bench::BenchReport> parts;
  for (std::size_t i = 1; i < files.size(); ++i) parts.push_back(read_report(files[i]));
  bench::BenchReport merged;
  if (const std::string problem = bench::merge_reports(parts, merged); !problem.empty())
    throw UsageError("txray bench merge: " + problem + " (inputs in the order given)");
  if (const std::string error = bench::write_text_file(out, bench::to_json(merged)); !error.empty()) {
    std::cerr << "txray bench merge: " << error << "\n";
    return 1;
  }
  return 0;
}

}  // namespace txray
