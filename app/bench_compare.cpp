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
#include "bench/harness/compare.h"
#include "bench/harness/report.h"

namespace txray {
namespace {

using cli::CommandLine;
using cli::UsageError;

constexpr const char* kCompareUsage =
    "usage: txray bench compare BASE.json NEW.json [options]\n"
    "\n"
    "Did a change make anything slower? Matches the rows of two `txray bench --json`\n"
    "reports by profile, engine, backend and threads, and gives each FPS base -> new,\n"
    "the change, both 95% intervals, the p-value of a two-sided Mann-Whitney U test\n"
    "over the repetitions' FPS (Holm-adjusted over the rows), and a verdict: faster,\n"
    "slower or same. A verdict needs 5 repetitions a side, and over a dozen rows 6\n"
    "(txray bench --repetitions 8, or the ci preset); with fewer than 5\n"
    "the row says so and never fails. For an A/B on one machine: scripts/bench-ab.\n"
    "\n"
    "  --threshold PCT          a change smaller than this is \"same\" (default 5)\n"
    "  --alpha A                significance level (default 0.05)\n"
    "  --allow-config-mismatch  compare reports of different workloads (scene, size, frames, ...)\n"
    "  --paired                 the repetitions were taken in alternating rounds (scripts/bench-ab):\n"
    "                           also show the per-round ratio's geometric mean and 95% interval\n"
    "  --markdown FILE          the table as Markdown (a CI job summary)\n"
    "  --json FILE              the comparison as JSON\n"
    "\n"
    "exit status: 0 nothing slower; 1 some row significantly slower by more than the\n"
    "threshold; 2 usage error, unreadable report, other schema, or reports that do not match\n";

constexpr const char* kMergeUsage =
    "usage: txray bench merge OUT.json IN.json [IN.json...]\n"
    "\n"
    "Writes one report holding the repetitions of every input (same workload, same\n"
    "runs): scripts/bench-ab runs each binary once per round and merges the rounds.\n";

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

void check_writable(const std::optional<std::string>& path) {
  if (!path) return;
  const std::filesystem::path p = *path;
  const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : ".";
  if (!std::filesystem::is_directory(dir)) throw UsageError("'" + *path + "': directory '" + dir.string() + "' does not exist");
}

}  // namespace

int bench_compare_command(int argc, char** argv) {
  // The two reports are positionals; everything else goes through the
  // usual reader (whose values may not start with "--").
  std::vector<std::string> files, rest;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.starts_with("--")) {
      rest.push_back(a);
      const bool takes_value = a.find('=') == std::string::npos && a != "--help" && a != "--allow-config-mismatch" && a != "--paired";
      if (takes_value && i + 1 < argc) rest.push_back(argv[++i]);
    } else {
      files.push_back(a);
    }
  }
  std::vector<char*> rest_ptrs;
  for (std::string& a : rest) rest_ptrs.push_back(a.data());
  CommandLine args({rest_ptrs.data(), rest_ptrs.size()}, {"help", "allow-config-mismatch", "paired"});
  if (args.flag("help")) {
    std::cout << kCompareUsage;
    return 0;
  }
  bench::CompareOptions options;
  options.threshold_pct = args.number("threshold", options.threshold_pct, 0.0, 1000.0);
  options.alpha = args.number("alpha", options.alpha, 1e-6, 0.5);
  options.allow_config_mismatch = args.flag("allow-config-mismatch");
  options.paired = args.flag("paired");
  const auto markdown_path = args.value("markdown");
  const auto json_path = args.value("json");
  args.finish();
  if (files.size() != 2)
    throw UsageError("txray bench compare takes two reports, BASE.json and NEW.json (got " +
                     std::to_string(files.size()) + ")");
  check_writable(markdown_path);
  check_writable(json_path);
  const bench::BenchReport base = read_report(files[0]);
  const bench::BenchReport next = read_report(files[1]);
  const bench::Comparison comparison = bench::compare_reports(base, next, options);
  if (!comparison.mismatch.empty()) {
    if (!options.allow_config_mismatch || comparison.matched == 0) {
      std::cerr << "txray bench compare: '" << files[1] << "' does not match '" << files[0]
                << "': " << comparison.mismatch
                << (comparison.matched > 0 ? " (--allow-config-mismatch compares them anyway)" : "") << "\n";
      return 2;
    }
    std::cerr << "txray bench compare: warning: the workloads differ: " << comparison.mismatch << "\n";
  }
  std::cout << bench::format_comparison(comparison, files[0], files[1]);
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
  write(markdown_path, bench::comparison_markdown(comparison, files[0], files[1]));
  write(json_path, bench::comparison_json(comparison, files[0], files[1]));
  return status;
}

int bench_merge_command(int argc, char** argv) {
  if (argc > 0 && std::string_view(argv[0]) == "--help") {
    std::cout << kMergeUsage;
    return 0;
  }
  if (argc < 2) throw UsageError("txray bench merge takes OUT.json and at least one IN.json");
  for (int i = 0; i < argc; ++i)
    if (std::string_view(argv[i]).starts_with("--"))
      throw UsageError(std::string("txray bench merge: unknown option ") + argv[i]);
  const std::string out = argv[0];
  check_writable(out);
  std::vector<bench::BenchReport> parts;
  for (int i = 1; i < argc; ++i) parts.push_back(read_report(argv[i]));
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
