// libFuzzer target for the report reader behind `txray bench compare` and
// scripts/bench-ab's merge (bench/harness/report.h): any bytes must either be
// refused by parse_report_json with a message naming where the problem is
// ("/runs/2/fps: expected a number or null", or the JSON parser's own
// position), or read into a BenchReport. A report that is read must then go
// through what compare does with it: compared with itself, formatted as text,
// Markdown and JSON, and merged with itself, with no exception escaping.
// nlohmann::json throws on a type mismatch; any such escape is a bug in the
// validator, which promised the types. Seeds: fuzz/corpus/report_reader/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "bench/harness/compare.h"
#include "bench/harness/report.h"

namespace {

void check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "report_reader_fuzz: %s\n", what.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  txray::bench::BenchReport report;
  std::string problem;
  try {
    problem = txray::bench::parse_report_json(text, report);
  } catch (const std::exception& e) {
    check(false, std::string("an exception escaped the reader: ") + e.what());
  }
  if (!problem.empty()) return 0;
  check(txray::bench::validate_report_json(text).empty(), "read a report the validator refuses");
  // The writer's JSON of what was read must itself be a valid report.
  const std::string written = txray::bench::to_json(report);
  const std::string again = txray::bench::validate_report_json(written);
  check(again.empty(), "the reader's report written back does not validate: " + again);
  try {
    txray::bench::CompareOptions options;
    options.allow_config_mismatch = true;
    const txray::bench::Comparison comparison = txray::bench::compare_reports(report, report, options);
    (void)txray::bench::format_comparison(comparison, "a.json", "b.json");
    (void)txray::bench::comparison_markdown(comparison, "a.json", "b.json");
    (void)txray::bench::comparison_json(comparison, "a.json", "b.json");
    txray::bench::BenchReport merged;
    (void)txray::bench::merge_reports({report, report}, merged);
  } catch (const std::exception& e) {
    check(false, std::string("an exception escaped compare: ") + e.what());
  }
  return 0;
}
