#include "app/demo/overlay_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <utility>

namespace txray::demo {

std::string short_number(double value) {
  if (!std::isfinite(value)) return "-";
  const char* suffix = "";
  if (std::abs(value) >= 1e6) {
    value /= 1e6;
    suffix = "M";
  } else if (std::abs(value) >= 1e4) {
    value /= 1e3;
    suffix = "k";
  }
  char buffer[32];
  const double a = std::abs(value);
  const int decimals = a >= 100.0 || a == 0.0 ? 0 : a >= 10.0 ? 1 : 2;
  std::snprintf(buffer, sizeof buffer, "%.*f%s", decimals, value, suffix);
  return buffer;
}

namespace {

double figure(const std::vector<bench::StatFigure>& figures, std::string_view name) {
  for (const bench::StatFigure& f : figures)
    if (f.name == name) return f.value;
  return 0.0;
}

// "aborts/s (read validation)" → "read validation" for every figure named
// "<prefix> (<cause>)", largest first.
std::vector<std::pair<std::string, double>> causes(const std::vector<bench::StatFigure>& figures, std::string_view prefix) {
  std::vector<std::pair<std::string, double>> out;
  for (const bench::StatFigure& f : figures) {
    const std::string_view name = f.name;
    if (!name.starts_with(prefix) || name.size() < prefix.size() + 3 || name[prefix.size()] != ' ' ||
        name[prefix.size() + 1] != '(' || name.back() != ')')
      continue;
    out.emplace_back(std::string(name.substr(prefix.size() + 2, name.size() - prefix.size() - 3)), f.value);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

std::string percent(double value) { return short_number(value) + "%"; }

}  // namespace

std::string backend_story(bench::BackendKind backend, const std::vector<bench::StatFigure>& figures) {
  if (figures.empty()) {
    // Before the first frame ends: the story's shape, "—" for each figure
    // not measured yet.
    switch (backend) {
      case bench::BackendKind::stm: return "aborts \xE2\x80\x94/s \xC2\xB7 time lost \xE2\x80\x94";
      case bench::BackendKind::fine: return "lock waits \xE2\x80\x94/s \xC2\xB7 waiting \xE2\x80\x94";
      case bench::BackendKind::gil: return "GIL switches \xE2\x80\x94/s \xC2\xB7 waiting \xE2\x80\x94";
      case bench::BackendKind::snapshot: return "no read barrier \xC2\xB7 publishes \xE2\x80\x94/s";
      case bench::BackendKind::mutex: return "one lock per unit \xC2\xB7 lock waits \xE2\x80\x94/s";
      case bench::BackendKind::rwlock:
      case bench::BackendKind::rwlock_queuing:
      case bench::BackendKind::rwlock_std: return "reader-writer locks: waits \xE2\x80\x94/s";
      case bench::BackendKind::rcu: return "reads never wait \xC2\xB7 versions published \xE2\x80\x94/s";
      case bench::BackendKind::itm: return "libitm aborts \xE2\x80\x94/s";
    }
    return "";
  }
  switch (backend) {
    case bench::BackendKind::stm: {
      const auto by_cause = causes(figures, "aborts/s");
      double total = 0.0;
      for (const auto& c : by_cause) total += c.second;
      std::string s = "aborts " + short_number(total) + "/s";
      int shown = 0;
      for (const auto& [cause, value] : by_cause) {
        if (value <= 0.0 || shown == 3) break;
        s += (shown++ == 0 ? ": " : ", ") + cause + " " + short_number(value);
      }
      s += " \xC2\xB7 time lost " + percent(figure(figures, "time lost (%)"));
      if (const double inevitable = figure(figures, "inevitable units/s"); inevitable > 0.0)
        s += " \xC2\xB7 inevitable " + short_number(inevitable) + "/s";
      return s;
    }
    case bench::BackendKind::fine: {
      const double read = figure(figures, "lock waits/s (read)"), write = figure(figures, "lock waits/s (write)");
      return "lock waits " + short_number(read + write) + "/s (read " + short_number(read) + ", write " +
             short_number(write) + ") \xC2\xB7 waiting " + percent(figure(figures, "lock wait (%)"));
    }
    case bench::BackendKind::gil: {
      // How the lock changes hands: CPython's drop requests, or PyPy's
      // yields (the pypy profile's lock never gets a drop request).
      const double yields = figure(figures, "GIL yields/s");
      const std::string hand_over = yields > 0.0 ? "yields " + short_number(yields)
                                                 : "drop requests " + short_number(figure(figures, "GIL drop requests/s"));
      return "GIL switches " + short_number(figure(figures, "GIL switches/s")) + "/s \xC2\xB7 " + hand_over +
             "/s \xC2\xB7 waiting " + percent(figure(figures, "GIL wait (%)"));
    }
    case bench::BackendKind::mutex:
      return "one lock per unit \xC2\xB7 lock waits " + short_number(figure(figures, "lock waits/s")) +
             "/s \xC2\xB7 waiting " + percent(figure(figures, "lock wait (%)"));
    case bench::BackendKind::rwlock:
    case bench::BackendKind::rwlock_queuing:
    case bench::BackendKind::rwlock_std: {
      const double read = figure(figures, "lock waits/s (read)"), write = figure(figures, "lock waits/s (write)");
      return "reader-writer locks: waits " + short_number(read + write) + "/s (read " + short_number(read) +
             ", write " + short_number(write) + ") \xC2\xB7 waiting " + percent(figure(figures, "lock wait (%)"));
    }
    case bench::BackendKind::rcu:
      return "reads never wait \xC2\xB7 versions published " + short_number(figure(figures, "writes/s")) +
             "/s \xC2\xB7 writers waiting " + percent(figure(figures, "lock wait (%)"));
    case bench::BackendKind::itm:
      return "libitm aborts " + short_number(figure(figures, "aborts/s (libitm restarts)")) +
             "/s \xC2\xB7 irrevocable " + short_number(figure(figures, "irrevocable units/s")) + "/s";
    case bench::BackendKind::snapshot:
      return "no read barrier \xC2\xB7 writes " + short_number(figure(figures, "writes/s")) + "/s \xC2\xB7 publishes " +
             short_number(figure(figures, "publishes/s")) + "/s";
  }
  return "";
}

std::string drag_line(const DragLatency::Figures& drag) {
  if (drag.samples == 0) return {};
  std::string line = "drag \xE2\x86\x92 frame " + short_number(drag.last_ms) + " ms";
  if (drag.samples > 1)
    line += " (median " + short_number(drag.median_ms) + ", max " + short_number(drag.max_ms) + " over " +
            std::to_string(drag.samples) + " drags)";
  return line;
}

OverlayLines overlay_lines(const PaneStatus& status, const RenderConfig& config) {
  OverlayLines lines;
  lines.title = status.profile.name;
  lines.models = status.profile.models;
  lines.setup = "engine " + std::string(bench::engine_name(status.profile.engine)) + " \xC2\xB7 backend " +
                std::string(bench::backend_name(status.profile.backend)) + " \xC2\xB7 " + std::to_string(status.threads) +
                (status.threads == 1 ? " thread" : " threads") + " \xC2\xB7 " + std::to_string(status.width) + "\xC3\x97" +
                std::to_string(status.height);
  if (status.frames == 0) {
    lines.speed = "first frame: " + std::to_string(status.tiles_done) + "/" + std::to_string(status.tiles_total) + " tiles";
  } else {
    lines.speed = short_number(status.fps) + " FPS  " + short_number(status.frame_ms) + " ms  " +
                  short_number(status.mrays) + " Mrays/s";
    // A slow frame shows its progress: the picture is still being drawn.
    if (status.frame_ms > 500.0 && status.has_machine && status.tiles_total > 0)
      lines.speed += "  (" + std::to_string(100 * status.tiles_done / status.tiles_total) + "%)";
  }
  lines.story = backend_story(status.profile.backend, status.figures);
  lines.knobs = std::string("animator ") + (config.paused ? "paused" : config.animator ? "concurrent" : "between frames") +
                " \xC2\xB7 counters " + (config.shared_counters ? "shared" : "sharded") + " \xC2\xB7 log " +
                (config.log ? "every 16 units" : "off");
  lines.drag = drag_line(status.drag);
  return lines;
}

std::vector<std::string> wrap_words(const std::string& text, int width,
                                    const std::function<int(std::string_view)>& measure, const std::string& indent) {
  std::vector<std::string> lines;
  if (text.empty()) return lines;
  if (measure(text) <= width) return {text};  // as written, spacing kept
  std::string line;
  // A word wider than a line of its own is cut between characters (never
  // inside a UTF-8 sequence), so nothing is ever clipped.
  const auto place_long = [&](std::string word) {
    while (!word.empty()) {
      std::string piece = lines.empty() && line.empty() ? "" : indent;
      const std::size_t base = piece.size();
      std::size_t i = 0;
      while (i < word.size()) {
        std::size_t next = i + 1;
        while (next < word.size() && (static_cast<unsigned char>(word[next]) & 0xC0) == 0x80) ++next;
        if (piece.size() > base && measure(piece + word.substr(i, next - i)) > width) break;
        piece += word.substr(i, next - i);
        i = next;
      }
      word.erase(0, i);
      if (word.empty()) {
        line = piece;
      } else {
        lines.push_back(piece);
      }
    }
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t space = text.find(' ', i);
    const std::string word = text.substr(i, space == std::string::npos ? std::string::npos : space - i);
    i = space == std::string::npos ? text.size() : space + 1;
    if (word.empty()) continue;
    const std::string longer = line.empty() ? (lines.empty() ? word : indent + word) : line + " " + word;
    if (measure(longer) <= width) {
      line = longer;
      continue;
    }
    if (!line.empty()) lines.push_back(line);
    line.clear();
    const std::string alone = lines.empty() ? word : indent + word;
    if (measure(alone) <= width) line = alone;
    else place_long(word);
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

std::vector<std::string> help_lines() {
  return {
      "1-6            pick a profile",
      "Left/Right, PageUp/PageDown   previous/next profile (stage script: step)",
      "+ / -          more / fewer render threads",
      "Space          pause the animation",
      "A              animator on its own thread, during frames",
      "C              shared / sharded rays counter",
      "L              log every 16 units (I/O inside units)",
      "T              heatmap: time lost per tile in the last second,",
      "               objects in the most conflicts, the top 3 sources",
      "S              save a screenshot (PNG)",
      "F, F11         fullscreen",
      "drag           orbit the camera",
      "Shift+drag     drag the nearest object (a write through the backend)",
      "H              this help        Esc, Q   quit",
  };
}

}  // namespace txray::demo
