#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <stb_image.h>

#include "bench/harness/report.h"
#include "sample_report.h"

namespace txray::bench {
namespace {

namespace fs = std::filesystem;

class WriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("txray_bench_test_" + std::string(info->name()) + "_" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  fs::path dir_;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST_F(WriteTest, TextFileAppearsWholeWithNoTemporaryLeft) {
  const fs::path path = dir_ / "report.json";
  const std::string json = to_json(testing::sample_report());
  EXPECT_EQ(write_text_file(path, json), "");
  EXPECT_EQ(slurp(path), json);
  EXPECT_FALSE(fs::exists(dir_ / "report.json.tmp"));
  // Overwriting replaces the old file.
  EXPECT_EQ(write_text_file(path, "second\n"), "");
  EXPECT_EQ(slurp(path), "second\n");
}

TEST_F(WriteTest, TextFileIntoMissingDirectoryNamesThePathAndLeavesNothing) {
  const fs::path path = dir_ / "missing" / "report.csv";
  const std::string message = write_text_file(path, "x\n");
  ASSERT_FALSE(message.empty());
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(dir_ / "missing"));
}

TEST_F(WriteTest, TextFileOntoADirectoryFailsAndCleansUp) {
  fs::create_directories(dir_ / "taken");
  const std::string message = write_text_file(dir_ / "taken", "x\n");
  EXPECT_NE(message.find((dir_ / "taken").string()), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(dir_ / "taken.tmp"));
}

TEST_F(WriteTest, ChartIsAPngOfTheDefaultSize) {
  const fs::path path = dir_ / "fps.png";
  EXPECT_EQ(write_chart(path, testing::sample_report(), ChartKind::fps), "");
  EXPECT_FALSE(fs::exists(dir_ / "fps.png.tmp"));
  int w = 0, h = 0, channels = 0;
  ASSERT_TRUE(stbi_info(path.string().c_str(), &w, &h, &channels)) << stbi_failure_reason();
  EXPECT_EQ(w, kChartWidth);
  EXPECT_EQ(h, kChartHeight);

  // What is read back is what was rendered.
  unsigned char* pixels = stbi_load(path.string().c_str(), &w, &h, &channels, 4);
  ASSERT_NE(pixels, nullptr);
  const auto expected = render_chart(testing::sample_report(), ChartKind::fps, kChartWidth, kChartHeight);
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), pixels));
  stbi_image_free(pixels);

  EXPECT_EQ(write_chart(dir_ / "speedup.png", testing::sample_report(), ChartKind::speedup, 640, 360), "");
  ASSERT_TRUE(stbi_info((dir_ / "speedup.png").string().c_str(), &w, &h, &channels));
  EXPECT_EQ(w, 640);
  EXPECT_EQ(h, 360);
}

TEST_F(WriteTest, ChartIntoMissingDirectoryNamesThePathAndLeavesNothing) {
  const fs::path path = dir_ / "missing" / "fps.png";
  const std::string message = write_chart(path, testing::sample_report(), ChartKind::fps);
  ASSERT_FALSE(message.empty());
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(dir_ / "missing"));
}

TEST_F(WriteTest, ChartOfImpossibleSizeIsRefused) {
  const fs::path path = dir_ / "zero.png";
  const std::string message = write_chart(path, testing::sample_report(), ChartKind::fps, 0, 100);
  EXPECT_NE(message.find(path.string()), std::string::npos);
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace txray::bench
