#include "bench/harness/report.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sample_report.h"

namespace txray::bench {
namespace {

using testing::make_run;
using testing::sample_report;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

/// RFC 4180 reader: fields per record, quotes honoured (so a quoted comma
/// or line break does not split), doubled quotes unescaped.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
      any = true;
    } else if (c == '\n') {
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quote";
  if (any) ADD_FAILURE() << "last record has no line end";
  return rows;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(ReportJson, RoundTripsWithSchemaKeysAndValues) {
  const BenchReport report = sample_report();
  const nlohmann::json doc = nlohmann::json::parse(to_json(report));
  EXPECT_EQ(doc.at("schema"), "txray-bench");
  EXPECT_EQ(doc.at("schema_version"), BenchReport::kSchemaVersion);
  EXPECT_EQ(doc.at("machine").at("cpu"), "AMD EPYC 7B13");
  EXPECT_EQ(doc.at("machine").at("cores"), 2);
  EXPECT_EQ(doc.at("machine").at("date"), "2026-11-25T19:30:00Z");
  EXPECT_EQ(doc.at("config").at("scene"), "spheres");
  EXPECT_EQ(doc.at("config").at("width"), 640);
  EXPECT_EQ(doc.at("config").at("height"), 360);
  EXPECT_EQ(doc.at("config").at("animate"), "between");
  EXPECT_EQ(doc.at("config").at("counters"), "sharded");
  for (const char* key : {"frames", "warmup", "duration", "unit_rays", "tile", "log_every"})
    EXPECT_TRUE(doc.at("config").contains(key)) << key;

  ASSERT_EQ(doc.at("runs").size(), report.runs.size());
  const auto& stm2 = doc.at("runs").at(3);
  EXPECT_EQ(stm2.at("profile"), "pypy-stm");
  EXPECT_EQ(stm2.at("engine"), "native");
  EXPECT_EQ(stm2.at("backend"), "stm");
  EXPECT_EQ(stm2.at("threads"), 2);
  EXPECT_EQ(stm2.at("frames"), 30);
  EXPECT_TRUE(stm2.at("fps").is_number());
  EXPECT_DOUBLE_EQ(stm2.at("fps").get<double>(), 36.1);
  EXPECT_DOUBLE_EQ(stm2.at("frame_ms_median").get<double>(), report.runs[3].frame_ms_median);
  EXPECT_DOUBLE_EQ(stm2.at("frame_ms_p90").get<double>(), report.runs[3].frame_ms_p90);
  EXPECT_DOUBLE_EQ(stm2.at("mrays_per_second").get<double>(), report.runs[3].mrays_per_second);
  EXPECT_DOUBLE_EQ(stm2.at("seconds").get<double>(), report.runs[3].seconds);
  EXPECT_DOUBLE_EQ(stm2.at("speedup_vs_1_thread").get<double>(), 36.1 / 19.0);
  ASSERT_EQ(stm2.at("stats").size(), 4u);
  EXPECT_EQ(stm2.at("stats").at(1).at("name"), "aborts/s (validate)");
  EXPECT_DOUBLE_EQ(stm2.at("stats").at(1).at("value").get<double>(), 96.0);
  EXPECT_EQ(stm2.at("stats").at(1).at("unit"), "/s");

  ASSERT_EQ(doc.at("seed").size(), 3u);
  EXPECT_EQ(doc.at("seed").at(2).at("profile"), "pypy-stm");
  EXPECT_DOUBLE_EQ(doc.at("seed").at(2).at("fps").get<double>(), 35.0);
}

TEST(ReportJson, KeysComeInDocumentedOrder) {
  // Stable key order makes reports diffable; the schema doc lists this order.
  const nlohmann::ordered_json doc = nlohmann::ordered_json::parse(to_json(sample_report()));
  std::vector<std::string> keys;
  for (const auto& item : doc.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"schema", "schema_version", "machine", "load", "config", "runs", "seed"}));
}

TEST(ReportJson, NonFiniteNumbersBecomeNull) {
  BenchReport report = sample_report();
  report.runs[0].fps = kNaN;
  report.runs[0].frame_ms_p90 = kInf;
  report.runs[0].stats[0].value = -kInf;
  report.config.duration = kNaN;
  const std::string text = to_json(report);
  EXPECT_EQ(text.find("nan"), std::string::npos);
  EXPECT_EQ(text.find("inf"), std::string::npos);
  const nlohmann::json doc = nlohmann::json::parse(text);
  EXPECT_TRUE(doc.at("runs").at(0).at("fps").is_null());
  EXPECT_TRUE(doc.at("runs").at(0).at("frame_ms_p90").is_null());
  EXPECT_TRUE(doc.at("runs").at(0).at("stats").at(0).at("value").is_null());
  EXPECT_TRUE(doc.at("config").at("duration").is_null());
  // pypy at 2 threads has no finite 1-thread baseline any more.
  EXPECT_TRUE(doc.at("runs").at(1).at("speedup_vs_1_thread").is_null());
}

TEST(ReportJson, EmptyReportIsStillValid) {
  const nlohmann::json doc = nlohmann::json::parse(to_json(BenchReport{}));
  EXPECT_EQ(doc.at("schema_version"), BenchReport::kSchemaVersion);
  EXPECT_TRUE(doc.at("runs").is_array());
  EXPECT_TRUE(doc.at("runs").empty());
  EXPECT_TRUE(doc.at("seed").is_array());
}

TEST(ReportJson, OutputValidatesAgainstTheDocumentedSchema) {
  EXPECT_EQ(validate_report_json(to_json(sample_report())), "");
  EXPECT_EQ(validate_report_json(to_json(BenchReport{})), "");
  BenchReport odd = sample_report();
  odd.runs[0].fps = kNaN;  // null is allowed for measured figures
  EXPECT_EQ(validate_report_json(to_json(odd)), "");
}

TEST(ReportJson, ValidatorNamesTheFirstProblem) {
  auto with = [](auto&& edit) {
    nlohmann::json doc = nlohmann::json::parse(to_json(sample_report()));
    edit(doc);
    return validate_report_json(doc.dump());
  };
  EXPECT_EQ(with([](nlohmann::json& d) { d["schema_version"] = 1; }).rfind("/schema_version", 0), 0u);
  EXPECT_EQ(with([](nlohmann::json& d) { d.erase("machine"); }), "/machine: missing");
  EXPECT_EQ(with([](nlohmann::json& d) { d["runs"][2]["fps"] = "36"; }), "/runs/2/fps: expected a number or null");
  EXPECT_EQ(with([](nlohmann::json& d) { d["runs"][3]["stats"][1].erase("unit"); }), "/runs/3/stats/1/unit: missing");
  EXPECT_EQ(with([](nlohmann::json& d) { d["config"]["width"] = 1.5; }), "/config/width: expected an integer");
  EXPECT_EQ(with([](nlohmann::json& d) { d.erase("load"); }), "/load: missing");
  EXPECT_EQ(with([](nlohmann::json& d) { d["load"]["busy"] = 1; }), "/load/busy: expected a boolean");
  EXPECT_EQ(with([](nlohmann::json& d) { d["runs"][1]["repetitions"] = {{{"frames", 2}, {"seconds", 0.1}, {"fps", 20}, {"frame_ms", {50, "x"}}}}; }),
            "/runs/1/repetitions/0/frame_ms/1: expected a number");
  EXPECT_EQ(with([](nlohmann::json& d) { d["runs"][0]["threads"] = 0; }), "/runs/0/threads: must be at least 1");
  EXPECT_EQ(validate_report_json("{").rfind("not JSON", 0), 0u);
}

// Found by fuzz/report_reader_fuzz.cpp: a number too large for a double
// (nlohmann::json throws out_of_range, not parse_error) escaped the
// validator, so `txray bench compare` died on an uncaught exception.
TEST(ReportJson, ANumberOutOfRangeIsRefusedNotThrown) {
  std::string text = to_json(sample_report());
  const std::string key = "\"wall_seconds\": ";
  const std::size_t at = text.find(key);
  ASSERT_NE(at, std::string::npos);
  text.insert(at + key.size(), "1e99999");
  text.erase(at + key.size() + 7, text.find_first_of(",\n}", at + key.size() + 7) - (at + key.size() + 7));
  std::string problem;
  ASSERT_NO_THROW(problem = validate_report_json(text));
  EXPECT_EQ(problem.rfind("not JSON", 0), 0u) << problem;
  EXPECT_NE(problem.find("overflow"), std::string::npos) << problem;
  BenchReport report;
  ASSERT_NO_THROW(problem = parse_report_json(text, report));
  EXPECT_EQ(problem.rfind("not JSON", 0), 0u) << problem;
}

TEST(ReportCsv, OneRowPerRunAndEqualColumnCounts) {
  const BenchReport report = sample_report();
  const auto rows = parse_csv(to_csv(report));
  ASSERT_EQ(rows.size(), report.runs.size() + 1);
  // 13 fixed columns + the union of stat names (6 distinct in the sample).
  const std::vector<std::string>& header = rows[0];
  EXPECT_EQ(header.size(), 13u + 6u);
  for (const auto& row : rows) EXPECT_EQ(row.size(), header.size());
  EXPECT_EQ(header[0], "profile");
  EXPECT_EQ(header[6], "fps");

  // The commits/s column exists only for the stm run: blank elsewhere.
  const auto col = std::find(header.begin(), header.end(), "commits/s") - header.begin();
  ASSERT_LT(static_cast<std::size_t>(col), header.size());
  EXPECT_EQ(rows[4][static_cast<std::size_t>(col)], "5000");
  EXPECT_EQ(rows[1][static_cast<std::size_t>(col)], "");
  EXPECT_DOUBLE_EQ(std::stod(rows[4][6]), 36.1);
}

TEST(ReportCsv, QuotesCommasQuotesAndLineBreaks) {
  BenchReport report = sample_report();
  report.runs[0].profile = "odd, \"quoted\"\nname";
  report.runs[0].stats.push_back({"lock waits/s (a,b)", 1.5, "/s"});
  const std::string text = to_csv(report);
  EXPECT_NE(text.find("\"odd, \"\"quoted\"\"\nname\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"lock waits/s (a,b)\""), std::string::npos);
  const auto rows = parse_csv(text);
  ASSERT_EQ(rows.size(), report.runs.size() + 1);
  for (const auto& row : rows) EXPECT_EQ(row.size(), rows[0].size());
  EXPECT_EQ(rows[1][0], "odd, \"quoted\"\nname");
}

TEST(ReportCsv, NonFiniteIsEmpty) {
  BenchReport report = sample_report();
  report.runs[2].fps = kNaN;
  const auto rows = parse_csv(to_csv(report));
  EXPECT_EQ(rows[3][6], "");
}

TEST(ReportMarkdown, HeaderSeparatorAndOneRowPerRun) {
  const BenchReport report = sample_report();
  const std::vector<std::string> md = lines(to_markdown(report));
  auto header = std::find_if(md.begin(), md.end(), [](const std::string& l) { return l.rfind("| profile |", 0) == 0; });
  ASSERT_NE(header, md.end());
  const auto columns = std::count(header->begin(), header->end(), '|');
  ASSERT_NE(std::next(header), md.end());
  EXPECT_EQ(std::next(header)->rfind("|---|", 0), 0u);
  EXPECT_EQ(std::count(std::next(header)->begin(), std::next(header)->end(), '|'), columns);
  std::size_t rows = 0;
  for (auto it = std::next(header, 2); it != md.end() && it->rfind("|", 0) == 0; ++it, ++rows)
    EXPECT_EQ(std::count(it->begin(), it->end(), '|'), columns) << *it;
  EXPECT_EQ(rows, report.runs.size());

  const std::string text = to_markdown(report);
  EXPECT_NE(text.find("AMD EPYC 7B13"), std::string::npos);
  EXPECT_NE(text.find("scene spheres 640x360"), std::string::npos);
  EXPECT_NE(text.find("talk FPS"), std::string::npos);
}

TEST(ReportMarkdown, EscapesPipes) {
  BenchReport report = sample_report();
  report.runs[0].profile = "a|b";
  const std::string text = to_markdown(report);
  EXPECT_NE(text.find("a\\|b"), std::string::npos);
}

TEST(ReportTable, NamesEveryProfileAndMachine) {
  const BenchReport report = sample_report();
  const std::string table = format_table(report);
  for (const RunRecord& run : report.runs) EXPECT_NE(table.find(run.profile), std::string::npos) << run.profile;
  EXPECT_NE(table.find("AMD EPYC 7B13"), std::string::npos);
  EXPECT_NE(table.find("native+stm"), std::string::npos);
  EXPECT_NE(table.find("1.90x"), std::string::npos) << table;  // pypy-stm 36.1 / 19.0
  EXPECT_NE(table.find("aborts 120/s (validate 80%), time lost 3%"), std::string::npos) << table;
}

TEST(ReportTable, SeedComparisonOnlyWithSeed) {
  BenchReport report = sample_report();
  const std::string with_seed = format_table(report);
  EXPECT_NE(with_seed.find("talk FPS"), std::string::npos);
  // No interpreted run: the baseline is pypy, so the talk's 17 : 35 reads
  // 1.0 : 2.1, and the measured 17.5 : 36.1 also 1.0 : 2.1.
  EXPECT_NE(with_seed.find("ratios relative to pypy (pypy : pypy-stm): talk 1.0 : 2.1, measured 1.0 : 2.1; "
                           "not run: cpython"),
            std::string::npos)
      << with_seed;
  EXPECT_NE(with_seed.find("not run"), std::string::npos);

  report.seed.clear();
  const std::string without = format_table(report);
  EXPECT_EQ(without.find("talk"), std::string::npos);
  EXPECT_EQ(to_markdown(report).find("talk"), std::string::npos);
}

TEST(ReportTable, AlignsColumns) {
  const std::string table = format_table(sample_report());
  const std::vector<std::string> all = lines(table);
  auto header = std::find_if(all.begin(), all.end(), [](const std::string& l) { return l.rfind("profile ", 0) == 0; });
  ASSERT_NE(header, all.end());
  // Right-aligned FPS column: every row ends that column at the same offset.
  const std::string fps_heading = "FPS ± 95% CI";
  const std::size_t fps_end = header->find(fps_heading) + fps_heading.size();
  for (auto it = std::next(header); it != all.end() && !it->empty() && it->rfind("FPS:", 0) != 0; ++it) {
    ASSERT_GT(it->size(), fps_end);
    EXPECT_NE((*it)[fps_end - 1], ' ') << *it;
    EXPECT_EQ((*it)[fps_end], ' ') << *it;
  }
}

TEST(SeedComparison, TheTalksRatiosWithCpython) {
  BenchReport report = sample_report();
  report.runs.push_back(make_run("cpython", "interp", "gil", 1, 0.5));
  report.runs.push_back(make_run("cpython", "interp", "gil", 2, 0.4));
  const SeedComparison cmp = compare_with_seed(report);
  EXPECT_EQ(cmp.baseline, "cpython");
  ASSERT_EQ(cmp.rows.size(), 3u);
  EXPECT_NEAR(cmp.rows[1].seed_ratio, 21.25, 1e-9);
  EXPECT_NEAR(cmp.rows[2].seed_ratio, 43.75, 1e-9);
  EXPECT_EQ(cmp.rows[0].threads, 2);  // the most threads measured
  EXPECT_NEAR(cmp.rows[0].measured_ratio, 1.0, 1e-12);
  EXPECT_NEAR(cmp.rows[2].measured_ratio, 36.1 / 0.4, 1e-9);
  EXPECT_NE(format_table(report).find("talk 1.0 : 21 : 44, measured 1.0 : 44 : 90"), std::string::npos) << format_table(report);
}

TEST(SummarizeStats, GroupsCausesAndRanksByImportance) {
  const std::vector<StatFigure> stats = {{"commits/s", 5000.0, "/s"},
                                         {"time lost (%)", 3.2, "%"},
                                         {"aborts/s (validate)", 30.0, "/s"},
                                         {"aborts/s (write-write)", 10.0, "/s"},
                                         {"mean unit ms", 4.0, "ms"}};
  EXPECT_EQ(summarize_stats(stats), "aborts 40/s (validate 75%), time lost 3.2%, commits 5000/s");
  EXPECT_EQ(summarize_stats(stats, 1), "aborts 40/s (validate 75%)");
  EXPECT_EQ(summarize_stats({}), "");
}

TEST(Speedup, SameProfileAtOneThreadOrNaN) {
  BenchReport report = sample_report();
  EXPECT_DOUBLE_EQ(speedup_vs_one_thread(report, 5), 43.0 / 22.0);
  EXPECT_DOUBLE_EQ(speedup_vs_one_thread(report, 4), 1.0);
  report.runs.erase(report.runs.begin());  // drop pypy at 1 thread
  EXPECT_TRUE(std::isnan(speedup_vs_one_thread(report, 0)));
  EXPECT_TRUE(std::isnan(speedup_vs_one_thread(report, 99)));
}

}  // namespace
}  // namespace txray::bench
