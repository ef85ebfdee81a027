// Replays a libFuzzer target's inputs without libFuzzer: links with one
// fuzz/*_fuzz.cpp, calls its LLVMFuzzerTestOneInput once per file, and ends
// the process the way the target does (abort) on a broken promise. So every
// seed, and every input a fuzzer found a crash with once it is kept in
// fuzz/corpus/TARGET/, runs in the ordinary suites (debug with GCC, and
// under ASan/UBSan) on every CI run, not only while CI fuzzes with clang.
//
//   TARGET_replay PATH...   each PATH a file, or a directory whose regular
//                           files (README.md aside) are each one input
// Exit 0 when every input ran, 2 when a path holds none or cannot be read.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path path = argv[i];
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(path, ec))
        if (entry.is_regular_file() && entry.path().filename() != "README.md") files.push_back(entry.path());
      if (ec || files.empty()) {
        std::fprintf(stderr, "%s: no inputs in this directory\n", path.c_str());
        return 2;
      }
      std::sort(files.begin(), files.end());  // the same order on every run
      inputs.insert(inputs.end(), files.begin(), files.end());
    } else {
      inputs.push_back(path);
    }
  }
  for (const std::filesystem::path& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "%s: cannot read it\n", path.c_str());
      return 2;
    }
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    // Named before it runs: a broken promise aborts with this line last.
    std::printf("%s (%zu bytes)\n", path.c_str(), bytes.size());
    std::fflush(stdout);
    (void)LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("replayed %zu inputs\n", inputs.size());
  return 0;
}
