// txray_check: reads back what `txray` wrote, for the CLI tests. It uses
// stb_image and nlohmann/json directly, not txray's own readers, so a bug in
// txray's PNG or JSON code cannot hide itself.
//
//   txray_check png FILE W H [MIN_COLOURS [MAX_PERCENT]]
//                                a W×H PNG whose pixels are not trivial: at
//                                least MIN_COLOURS distinct colours (default
//                                16) and no colour on more than MAX_PERCENT
//                                of the pixels (default 90); W or H may be 0
//                                to mean "at least 16"
//   txray_check same A B         two PNGs of the same size, every byte equal
//   txray_check differ A B       two PNGs of the same size that differ
//   txray_check json FILE        FILE parses as JSON and is an object or an
//                                array that is not empty
//
// Exit status 0 when the check holds; 1 with a one-line reason otherwise.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>

#include <nlohmann/json.hpp>

namespace {

struct Image {
  int width = 0, height = 0;
  std::vector<unsigned char> rgba;
};

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "txray_check: %s\n", why.c_str());
  std::exit(1);
}

Image load(const std::string& path) {
  Image image;
  int channels = 0;
  unsigned char* data = stbi_load(path.c_str(), &image.width, &image.height, &channels, 4);
  if (!data) fail(path + ": not a readable PNG (" + (stbi_failure_reason() ? stbi_failure_reason() : "?") + ")");
  image.rgba.assign(data, data + static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 4);
  stbi_image_free(data);
  return image;
}

std::string size_of(const Image& i) { return std::to_string(i.width) + "x" + std::to_string(i.height); }

int check_png(const std::string& path, int want_w, int want_h, std::size_t min_colours, std::size_t max_percent) {
  const Image image = load(path);
  if (want_w > 0 && image.width != want_w) fail(path + ": " + size_of(image) + ", expected width " + std::to_string(want_w));
  if (want_h > 0 && image.height != want_h) fail(path + ": " + size_of(image) + ", expected height " + std::to_string(want_h));
  if (want_w == 0 && image.width < 16) fail(path + ": only " + std::to_string(image.width) + " pixels wide");
  if (want_h == 0 && image.height < 16) fail(path + ": only " + std::to_string(image.height) + " pixels high");
  std::map<unsigned, std::size_t> colours;
  const std::size_t pixels = image.rgba.size() / 4;
  for (std::size_t p = 0; p < pixels; ++p) {
    const unsigned char* c = &image.rgba[p * 4];
    ++colours[static_cast<unsigned>(c[0]) << 16 | static_cast<unsigned>(c[1]) << 8 | c[2]];
  }
  std::size_t most = 0;
  for (const auto& [colour, count] : colours) most = std::max(most, count);
  if (colours.size() < min_colours) fail(path + ": only " + std::to_string(colours.size()) + " distinct colours");
  if (most * 100 > pixels * max_percent) fail(path + ": one colour covers " + std::to_string(most) + " of " + std::to_string(pixels) + " pixels");
  std::printf("%s: %s, %zu colours\n", path.c_str(), size_of(image).c_str(), colours.size());
  return 0;
}

int compare(const std::string& a_path, const std::string& b_path, bool want_same) {
  const Image a = load(a_path), b = load(b_path);
  if (a.width != b.width || a.height != b.height) fail(a_path + " is " + size_of(a) + ", " + b_path + " is " + size_of(b));
  std::size_t differing = 0;
  int max_diff = 0;
  for (std::size_t i = 0; i < a.rgba.size(); ++i) {
    const int d = std::abs(static_cast<int>(a.rgba[i]) - static_cast<int>(b.rgba[i]));
    if (d) ++differing;
    max_diff = std::max(max_diff, d);
  }
  std::ostringstream what;
  what << a_path << " vs " << b_path << ": " << differing << " channel values differ, by at most " << max_diff;
  if ((differing == 0) != want_same) fail(what.str() + (want_same ? " (expected identical images)" : " (expected different images)"));
  std::printf("%s\n", what.str().c_str());
  return 0;
}

int check_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path + ": cannot open");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail(path + ": not JSON: " + e.what());
  }
  if (!(j.is_object() || j.is_array()) || j.empty()) fail(path + ": JSON, but not a non-empty object or array");
  std::printf("%s: JSON %s with %zu entries\n", path.c_str(), j.is_object() ? "object" : "array", j.size());
  return 0;
}

int usage() {
  std::fprintf(stderr, "usage: txray_check png FILE W H [MIN_COLOURS [MAX_PERCENT]] | same A B | differ A B | json FILE\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() >= 4 && a.size() <= 6 && a[0] == "png") {
    const std::size_t min_colours = a.size() > 4 ? std::strtoul(a[4].c_str(), nullptr, 10) : 16;
    const std::size_t max_percent = a.size() > 5 ? std::strtoul(a[5].c_str(), nullptr, 10) : 90;
    return check_png(a[1], std::atoi(a[2].c_str()), std::atoi(a[3].c_str()), min_colours, max_percent);
  }
  if (a.size() == 3 && a[0] == "same") return compare(a[1], a[2], true);
  if (a.size() == 3 && a[0] == "differ") return compare(a[1], a[2], false);
  if (a.size() == 2 && a[0] == "json") return check_json(a[1]);
  return usage();
}
