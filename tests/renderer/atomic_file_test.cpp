// write_file_atomically: the file appears whole or not at all, a stale
// PATH.tmp left by a killed writer is replaced and removed, and a failed
// write leaves neither the target changed nor a temporary. The kill itself
// is tested from outside in tests/app/kill_safety.sh.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "renderer/atomic_file.h"

namespace txray {
namespace {

namespace fs = std::filesystem;

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("txray_atomic_file_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }
  // Every name in the directory but `keep`.
  std::string others(const std::string& keep) const {
    std::string names;
    for (const auto& entry : fs::directory_iterator(dir_))
      if (entry.path().filename() != keep) names += entry.path().filename().string() + " ";
    return names;
  }
  fs::path dir_;
};

TEST_F(AtomicFile, WritesAndReplacesWithNothingElseLeft) {
  const fs::path path = dir_ / "a.json";
  EXPECT_EQ(write_file_atomically(path, "first\n"), "");
  EXPECT_EQ(slurp(path), "first\n");
  EXPECT_EQ(write_file_atomically(path, std::string(1 << 20, 'x')), "");
  EXPECT_EQ(slurp(path), std::string(1 << 20, 'x'));
  EXPECT_EQ(write_file_atomically(path, ""), "");
  EXPECT_EQ(slurp(path), "");
  EXPECT_EQ(others("a.json"), "");
}

TEST_F(AtomicFile, AStaleTemporaryFromAKilledWriterIsReplacedAndGone) {
  const fs::path path = dir_ / "r.csv";
  std::ofstream(dir_ / "r.csv.tmp") << "half a rep";
  EXPECT_EQ(write_file_atomically(path, "whole\n"), "");
  EXPECT_EQ(slurp(path), "whole\n");
  EXPECT_EQ(others("r.csv"), "");
}

TEST_F(AtomicFile, TheFileGetsTheUsualPermissions) {
  const mode_t mask = ::umask(022);
  const fs::path path = dir_ / "p.png";
  EXPECT_EQ(write_file_atomically(path, "x"), "");
  ::umask(mask);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(AtomicFile, AMissingDirectoryFailsAndCreatesNothing) {
  const fs::path path = dir_ / "missing" / "a.md";
  EXPECT_NE(write_file_atomically(path, "x"), "");
  EXPECT_FALSE(fs::exists(dir_ / "missing"));
  EXPECT_EQ(others(""), "");
}

TEST_F(AtomicFile, ADirectoryInTheWayFailsAndIsLeftAsItWas) {
  fs::create_directories(dir_ / "taken" / "inside");
  EXPECT_NE(write_file_atomically(dir_ / "taken", "x"), "");
  EXPECT_TRUE(fs::is_directory(dir_ / "taken" / "inside"));
  EXPECT_EQ(others("taken"), "");
}

}  // namespace
}  // namespace txray
