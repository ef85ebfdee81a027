// The executable as CI runs it: headless under SDL_VIDEODRIVER=dummy, a few
// frames, a screenshot of the window (overlay included), then exit.
#include <cmath>
#include <cstdlib>
#include <sys/wait.h>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "renderer/film.h"

namespace txray::demo {
namespace {

namespace fs = std::filesystem;

struct DemoRun {
  int status = -1;
  std::string output;
};

fs::path scratch() {
  const fs::path dir = fs::temp_directory_path() / ("txray-demo-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

DemoRun run_demo(const std::string& args, const std::string& driver = "dummy", const std::string& env = "") {
  const fs::path out = scratch() / "output.txt";
  const std::string command =
      env + " SDL_VIDEODRIVER=" + driver + " " TXRAY_DEMO_EXE " " + args + " >" + out.string() + " 2>&1";
  DemoRun r;
  const int raw = std::system(command.c_str());
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  r.output = text.str();
  return r;
}

Rgba8Image shot(const fs::path& path) {
  std::string error;
  Rgba8Image image = read_png(path, error);
  EXPECT_EQ(error, "");
  return image;
}

const std::uint8_t* px(const Rgba8Image& im, int x, int y) {
  return im.pixels.data() + (static_cast<std::size_t>(y) * static_cast<std::size_t>(im.width) + static_cast<std::size_t>(x)) * 4;
}

// Standard deviation of luminance over a rectangle: 0 for a blank picture.
double spread(const Rgba8Image& im, int x0, int y0, int x1, int y1) {
  double sum = 0.0, sum2 = 0.0;
  int n = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      const std::uint8_t* p = px(im, x, y);
      const double l = 0.3 * p[0] + 0.59 * p[1] + 0.11 * p[2];
      sum += l;
      sum2 += l * l;
      ++n;
    }
  const double mean = sum / n;
  return std::sqrt(std::max(0.0, sum2 / n - mean * mean));
}

TEST(DemoHeadless, ScreenshotShowsThePictureAndTheOverlay) {
  const fs::path with = scratch() / "with.png", without = scratch() / "without.png";
  const std::string common = " --scene spheres --profile pypy-stm --threads 2 --size 320x180 --frames 2 --screenshot ";
  const DemoRun a = run_demo(common + with.string());
  ASSERT_EQ(a.status, 0) << a.output;
  EXPECT_NE(a.output.find("pypy-stm:"), std::string::npos) << a.output;
  const DemoRun b = run_demo(common + without.string() + " --no-overlay");
  ASSERT_EQ(b.status, 0) << b.output;
  const Rgba8Image on = shot(with), off = shot(without);
  ASSERT_EQ(on.width, 320);
  ASSERT_EQ(on.height, 180);
  ASSERT_EQ(off.width, 320);
  // Not blank: the ray-traced scene varies.
  EXPECT_GT(spread(off, 0, 0, 320, 180), 10.0);
  // The same frames render the same picture (fixed animation step), so what
  // differs is the overlay: dark panel pixels and bright glyph pixels, in
  // the top-left corner where the panel sits.
  int differ = 0, bright = 0, dark = 0, top_left = 0;
  for (int y = 0; y < 180; ++y)
    for (int x = 0; x < 320; ++x) {
      const std::uint8_t *p = px(on, x, y), *q = px(off, x, y);
      if (std::abs(p[0] - q[0]) + std::abs(p[1] - q[1]) + std::abs(p[2] - q[2]) < 24) continue;
      ++differ;
      if (p[0] > 200 && p[1] > 200 && p[2] > 200) ++bright;
      if (p[0] < 70 && p[1] < 70 && p[2] < 70) ++dark;
      if (x < 240 && y < 135) ++top_left;  // the panel starts top left (and wraps to the window)
    }
  EXPECT_GT(differ, 2000);
  EXPECT_GT(bright, 150) << "no text glyphs in the overlay";
  EXPECT_GT(dark, 1000) << "no overlay panel";
  EXPECT_GT(top_left, differ / 2);
}

TEST(DemoHeadless, CompareShowsItsPanesAndTheirChart) {
  const fs::path path = scratch() / "compare.png";
  const DemoRun r = run_demo("--compare pypy,ideal --threads 2 --size 640x480 --frames 2 --screenshot " + path.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("pypy:"), std::string::npos);
  EXPECT_NE(r.output.find("ideal:"), std::string::npos);
  const Rgba8Image im = shot(path);
  ASSERT_EQ(im.width, 640);
  ASSERT_EQ(im.height, 480);
  // Two 320×240 panes side by side, below their labels: each has a picture,
  // and it is the same picture (every backend renders the same bytes).
  EXPECT_GT(spread(im, 0, 120, 320, 240), 10.0);
  EXPECT_GT(spread(im, 320, 120, 640, 240), 10.0);
  double diff = 0.0;
  int n = 0;
  for (int y = 120; y < 240; ++y)
    for (int x = 0; x < 320; ++x, ++n)
      for (int c = 0; c < 3; ++c) diff += std::abs(px(im, x, y)[c] - px(im, x + 320, y)[c]);
  EXPECT_LT(diff / n, 3.0);
  // The chart beneath: one coloured bar per pane.
  int orange = 0, blue = 0;
  for (int y = 250; y < 480; ++y)
    for (int x = 0; x < 640; ++x) {
      const std::uint8_t* p = px(im, x, y);
      orange += p[0] == 255 && p[1] == 140 && p[2] == 0;
      blue += p[0] == 0 && p[1] == 170 && p[2] == 255;
    }
  EXPECT_GT(orange, 200);
  EXPECT_GT(blue, 200);
}

// T under a conflict-heavy configuration: pypy-stm, two threads, one
// shared rays counter (every unit writes it), the animator writing spheres.
// Against the same run without T: the picture is dimmed and tinted, and the
// legend's text is in a dark band at the bottom.
TEST(DemoHeadless, HeatmapTintsThePictureAndWritesItsLegend) {
  const fs::path with = scratch() / "heat-on.png", without = scratch() / "heat-off.png";
  const std::string common =
      " --scene spheres --profile pypy-stm --threads 2 --counters shared --size 480x270 --frames 6 --no-overlay --screenshot ";
  const DemoRun a = run_demo(common + with.string() + " --heatmap");
  ASSERT_EQ(a.status, 0) << a.output;
  const DemoRun b = run_demo(common + without.string());
  ASSERT_EQ(b.status, 0) << b.output;
  const Rgba8Image on = shot(with), off = shot(without);
  ASSERT_EQ(on.width, 480);
  ASSERT_EQ(on.height, 270);
  ASSERT_EQ(off.width, 480);
  // The picture above the legend: dimmed (darker) nearly everywhere.
  int darker = 0, n = 0;
  for (int y = 0; y < 120; ++y)
    for (int x = 0; x < 480; ++x, ++n) {
      const std::uint8_t *p = px(on, x, y), *q = px(off, x, y);
      darker += p[0] + p[1] + p[2] + 30 < q[0] + q[1] + q[2];
    }
  EXPECT_GT(darker, n / 2) << "the picture is not dimmed under T";
  // The legend: the bottom rows (above the UI-rate line) hold a dark band
  // with bright text: white title, orange-yellow sources.
  int text = 0, band = 0;
  for (int y = 150; y < 250; ++y)
    for (int x = 0; x < 480; ++x) {
      const std::uint8_t* p = px(on, x, y);
      if (p[0] > 200 && p[1] > 170) ++text;
      if (p[0] < 50 && p[1] < 50 && p[2] < 50) ++band;
    }
  EXPECT_GT(text, 300) << "no legend text";
  EXPECT_GT(band, 5000) << "no legend band";
  // The run prints what the legend says, as `txray render --heatmap` does.
  // Whether two units met on the counter in six frames, and so whether a
  // numbered source follows the title, is up to the scheduler: this test
  // does not ask (tests/bench/attribution_test.cpp pins the naming down).
  EXPECT_NE(a.output.find("heatmap pypy-stm: T: time lost to aborts/waits per tile, last 1.0 s"), std::string::npos)
      << a.output;
}

TEST(DemoHeadless, HeatmapInEveryComparedPane) {
  const fs::path with = scratch() / "heat-compare.png", without = scratch() / "heat-compare-off.png";
  const std::string common = " --compare pypy,pypy-stm --threads 2 --counters shared --size 640x480 --frames 3 --screenshot ";
  const DemoRun a = run_demo(common + with.string() + " --heatmap");
  ASSERT_EQ(a.status, 0) << a.output;
  const DemoRun b = run_demo(common + without.string());
  ASSERT_EQ(b.status, 0) << b.output;
  const Rgba8Image on = shot(with), off = shot(without);
  ASSERT_EQ(on.width, 640);
  ASSERT_EQ(off.width, 640);
  // Each 320×240 pane: its lower part (the legend) differs, with text in it.
  for (int pane = 0; pane < 2; ++pane) {
    int differ = 0, text = 0;
    for (int y = 120; y < 240; ++y)
      for (int x = pane * 320; x < pane * 320 + 320; ++x) {
        const std::uint8_t *p = px(on, x, y), *q = px(off, x, y);
        differ += std::abs(p[0] - q[0]) + std::abs(p[1] - q[1]) + std::abs(p[2] - q[2]) > 24;
        text += p[0] > 200 && p[1] > 170;
      }
    EXPECT_GT(differ, 5000) << "pane " << pane;
    EXPECT_GT(text, 150) << "pane " << pane;
  }
}

TEST(DemoHeadless, NoDisplayIsAClearMessageAndExitOne) {
  const DemoRun r = run_demo("--frames 1", "no-such-driver");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("SDL_VIDEODRIVER"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("xvfb-run"), std::string::npos) << r.output;
}

TEST(DemoHeadless, BadScriptNamesTheLineBeforeAnyWindow) {
  const fs::path script = scratch() / "bad.stage";
  std::ofstream(script) << "step\n  profile pypy\n  threads many\n";
  const DemoRun r = run_demo("--script " + script.string(), "no-such-driver");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("bad.stage:3: threads 'many'"), std::string::npos) << r.output;
}

TEST(DemoHeadless, UsageMistakesExitTwo) {
  const DemoRun r = run_demo("--compare pypy", "dummy");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("--compare 'pypy': expected two or three"), std::string::npos) << r.output;
}

TEST(DemoHeadless, ScriptRunsHeadless) {
  const fs::path script = scratch() / "short.stage", path = scratch() / "script.png";
  std::ofstream(script) << "step\n  compare pypy,pypy-stm\n  caption Side by side\n  duration 30s\n";
  const DemoRun r = run_demo("--script " + script.string() + " --threads 1 --size 480x270 --frames 1 --screenshot " + path.string());
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(fs::exists(path));
}

// ---- Text fits the window: every text of the last frame, with the clip
// rectangle (pane) or window it must stay inside, as the demo reports it
// under TXRAY_DEMO_TEXT_BOUNDS. Wrapped or shrunk, never clipped.

struct TextBox {
  int x, y, w, h, lx, ly, lw, lh, window_w, window_h;
  std::string text;
};

std::vector<TextBox> read_text_bounds(const fs::path& path) {
  std::vector<TextBox> boxes;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    TextBox b{};
    std::istringstream fields(line);
    fields >> b.x >> b.y >> b.w >> b.h >> b.lx >> b.ly >> b.lw >> b.lh >> b.window_w >> b.window_h;
    std::getline(fields >> std::ws, b.text);
    boxes.push_back(b);
  }
  return boxes;
}

// Runs the demo headless at `size` and returns where its texts landed,
// after checking each stays inside its pane and the window.
std::vector<TextBox> texts_inside(const std::string& args, const std::string& size) {
  const fs::path bounds = scratch() / ("bounds-" + size + ".txt");
  const fs::path png = scratch() / ("fit-" + size + ".png");
  fs::remove(bounds);
  // --scale 0.25: a quarter-size render keeps the run short; the overlay is
  // drawn at the window's full size all the same.
  const DemoRun r = run_demo(args + " --size " + size + " --scale 0.25 --screenshot " + png.string(), "dummy",
                             "TXRAY_DEMO_TEXT_BOUNDS=" + bounds.string());
  EXPECT_EQ(r.status, 0) << r.output;
  const std::vector<TextBox> boxes = read_text_bounds(bounds);
  EXPECT_FALSE(boxes.empty()) << "no text bounds written for " << args << " at " << size;
  const int w = std::stoi(size.substr(0, size.find('x'))), h = std::stoi(size.substr(size.find('x') + 1));
  for (const TextBox& b : boxes) {
    EXPECT_EQ(b.window_w, w);
    EXPECT_EQ(b.window_h, h);
    const std::string where = "'" + b.text + "' at " + std::to_string(b.x) + "," + std::to_string(b.y) + " " +
                              std::to_string(b.w) + "x" + std::to_string(b.h) + " (" + args + ", " + size + ")";
    EXPECT_GE(b.x, 0) << where;
    EXPECT_GE(b.y, 0) << where;
    EXPECT_LE(b.x + b.w, w) << where;
    EXPECT_LE(b.y + b.h, h) << where;
    EXPECT_GE(b.x, b.lx) << where << " leaves its pane on the left";
    EXPECT_GE(b.y, b.ly) << where << " leaves its pane at the top";
    EXPECT_LE(b.x + b.w, b.lx + b.lw) << where << " runs into the next pane";
    EXPECT_LE(b.y + b.h, b.ly + b.lh) << where << " leaves its pane at the bottom";
  }
  return boxes;
}

std::string all_text(const std::vector<TextBox>& boxes) {
  std::string text;
  for (const TextBox& b : boxes) text += b.text + " ";
  return text;
}

class DemoTextFits : public ::testing::TestWithParam<const char*> {};

TEST_P(DemoTextFits, OnePane) {
  const auto boxes = texts_inside("--profile pypy-stm --threads 2 --frames 2 --heatmap --counters shared", GetParam());
  EXPECT_NE(all_text(boxes).find("pypy-stm"), std::string::npos);
}

TEST_P(DemoTextFits, ThreePanesAndTheirChart) {
  const auto boxes = texts_inside("--compare pypy,pypy-stm,native-fine --threads 2 --frames 2 --heatmap", GetParam());
  const std::string text = all_text(boxes);
  // Each pane's statistics from the first frames, not after hundreds.
  EXPECT_NE(text.find("GIL switches"), std::string::npos) << text;
  EXPECT_NE(text.find("aborts"), std::string::npos) << text;
  EXPECT_NE(text.find("lock waits"), std::string::npos) << text;
  // The chart's subtitle, whole (possibly over two lines).
  EXPECT_NE(text.find("H: keys"), std::string::npos) << text;
  // A fresh window has not measured its UI rate: a dash, never "0 Hz".
  EXPECT_EQ(text.find("UI 0 Hz"), std::string::npos) << text;
}

TEST_P(DemoTextFits, StageCaptionsWrapWhole) {
  const fs::path script = scratch() / "captions.stage";
  const std::string one = "Transactions: threads run together, conflicts retry, and the longest caption still fits whole";
  const std::string two = "Side by side, each pane measured over its own turns";
  std::ofstream(script) << "step\n  profile pypy-stm\n  caption " << one << "\n  duration 30s\n";
  auto boxes = texts_inside("--script " + script.string() + " --frames 1", GetParam());
  // The caption's lines, joined, are the caption: nothing cut at either end.
  std::string joined;
  for (const TextBox& b : boxes)
    if (one.find(b.text) != std::string::npos && b.text.size() > 3) joined += (joined.empty() ? "" : " ") + b.text;
  EXPECT_EQ(joined, one);
  std::ofstream(script) << "step\n  compare pypy,pypy-stm,ideal\n  caption " << two << "\n  duration 30s\n";
  boxes = texts_inside("--script " + script.string() + " --frames 1", GetParam());
  joined.clear();
  for (const TextBox& b : boxes)
    if (two.find(b.text) != std::string::npos && b.text.size() > 3) joined += (joined.empty() ? "" : " ") + b.text;
  EXPECT_EQ(joined, two);
}

TEST_P(DemoTextFits, ResultsChart) {
  const fs::path script = scratch() / "results.stage";
  std::ofstream(script) << "step\n  compare pypy,native-fine,ideal\n  duration 1s\nresults\n";
  const auto boxes = texts_inside("--script " + script.string() + " --frames 100000", GetParam());
  EXPECT_NE(all_text(boxes).find("2015"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Sizes, DemoTextFits, ::testing::Values("640x360", "1280x720", "1920x1080"),
                         [](const auto& info) { return std::string("w") + info.param; });

// ---- A --font that is not a font: a message naming the file, exit 1, no
// crash (stb_truetype used to segfault on these).
TEST(DemoHeadless, BadFontsAreRefusedByName) {
  const fs::path dir = scratch();
  std::ofstream(dir / "scene.json") << "{\"objects\": []}\n";
  std::ofstream(dir / "empty.ttf");
  {
    std::ifstream in(TXRAY_SOURCE_DIR "/assets/fonts/DejaVuSans-Bold.ttf", std::ios::binary);
    std::vector<char> head(20000);
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    std::ofstream(dir / "cut.ttf", std::ios::binary).write(head.data(), in.gcount());
  }
  const std::vector<fs::path> fonts = {TXRAY_SOURCE_DIR "/README.md", dir / "scene.json", dir / "empty.ttf",
                                       dir / "cut.ttf", dir, dir / "missing.ttf"};
  for (const fs::path& font : fonts) {
    const DemoRun r = run_demo("--font " + font.string() + " --profile ideal --frames 2 --screenshot " +
                               (dir / "never.png").string());
    EXPECT_EQ(r.status, 1) << font << ": " << r.output;
    EXPECT_NE(r.output.find(font.string() + ":"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(dir / "never.png"));
  }
}

TEST(DemoHeadless, UnknownOptionGivenLastIsUnknown) {
  const DemoRun r = run_demo("--profile ideal --bogus");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("unknown option --bogus"), std::string::npos) << r.output;
  const DemoRun v = run_demo("--frames");
  EXPECT_EQ(v.status, 2);
  EXPECT_NE(v.output.find("option --frames needs a value"), std::string::npos) << v.output;
}

TEST(DemoHeadless, StageErrorsNameTheFileAndTheRightLine) {
  const DemoRun missing = run_demo("--script nosuch.stage", "no-such-driver");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.output.find("nosuch.stage: cannot read the stage script"), std::string::npos) << missing.output;
  EXPECT_EQ(missing.output.find(":0:"), std::string::npos) << missing.output;
  const fs::path script = scratch() / "scene.stage";
  std::ofstream(script) << "step\n  profile pypy\n  scene no-such-scene\n";
  const DemoRun bad = run_demo("--script " + script.string(), "no-such-driver");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.output.find("scene.stage:3: "), std::string::npos) << bad.output;
}

TEST(DemoHeadless, InterpretedFramesSayHowLongFirst) {
  // The estimate comes before the window opens, so a display driver that
  // does not exist ends the run right after it: nothing renders.
  const DemoRun r = run_demo("--profile cpython --frames 30", "no-such-driver");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("cpython runs the interpreted engine"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("take about"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" min"), std::string::npos) << r.output;
}

TEST(DemoHeadless, DefaultIsACompiledProfile) {
  const DemoRun r = run_demo("--frames 1 --size 160x90");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("pypy-stm:"), std::string::npos) << r.output;
}

TEST(DemoHeadless, SigtermSummarisesEveryPane) {
  // A window closed by SIGTERM (a stage manager's kill) prints every pane,
  // whether or not it has had its turn yet. The sleep only lets it start.
  const fs::path out = scratch() / "sigterm.txt";
  const std::string command = "SDL_VIDEODRIVER=dummy " TXRAY_DEMO_EXE
                              " --compare pypy,pypy-stm,ideal --threads 2 --size 320x180 >" +
                              out.string() + " 2>&1 & pid=$!; sleep 3; kill -TERM $pid; wait $pid";
  const int raw = std::system(command.c_str());
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(WIFEXITED(raw) && WEXITSTATUS(raw) == 0) << text.str();
  for (const char* pane : {"pypy:", "pypy-stm:", "ideal:"}) EXPECT_NE(text.str().find(pane), std::string::npos) << text.str();
}

}  // namespace
}  // namespace txray::demo
