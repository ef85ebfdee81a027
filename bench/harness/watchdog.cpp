#include "bench/harness/watchdog.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "renderer/atomic_file.h"

namespace txray::bench {

namespace {

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The message goes out with write(2), not stdio: a thread stuck inside a
// unit may hold stderr's lock (a unit's log line), and this must not wait
// for it.
void write_stderr(const std::string& text) {
  std::string_view rest = text;
  while (!rest.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
    if (n <= 0) return;
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string seconds_text(double s) {
  char buf[32];
  if (s >= 1.0)
    std::snprintf(buf, sizeof buf, "%.1f s", s);
  else
    std::snprintf(buf, sizeof buf, "%.2f ms", s * 1e3);
  return buf;
}

}  // namespace

FrameDeadline::FrameDeadline(double floor_seconds) : floor_(floor_seconds) {}

double FrameDeadline::upper_edge(int bucket) {
  return kSmallest * std::exp2(static_cast<double>(bucket + 1) / kBucketsPerOctave);
}

void FrameDeadline::arm(double now) {
  if (armed_) return;
  armed_ = true;
  since_ = alive_ = now;
}

void FrameDeadline::frame_done(double now) {
  const double t = std::max(now - since_, 0.0);
  const int bucket =
      t <= kSmallest ? 0 : static_cast<int>(std::floor(std::log2(t / kSmallest) * kBucketsPerOctave));
  ++counts_[std::clamp(bucket, 0, kBuckets - 1)];
  ++frames_;
  since_ = alive_ = now;
}

double FrameDeadline::median_frame() const {
  if (frames_ == 0) return 0.0;
  long long seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += counts_[b];
    if (2 * seen >= frames_) return upper_edge(b);
  }
  return upper_edge(kBuckets - 1);
}

double FrameDeadline::limit() const { return std::max(floor_, kWatchdogMedianFactor * median_frame()); }

Watchdog::Watchdog(std::string program, double floor_seconds)
    : program_(std::move(program)),
      enabled_(floor_seconds > 0.0),
      deadline_(enabled_ ? floor_seconds : kDefaultWatchdogSeconds) {
  if (enabled_) thread_ = std::thread([this] { monitor(); });
}

Watchdog::~Watchdog() {
  if (!enabled_) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Watchdog::arm(Describe describe) {
  if (!enabled_) return;
  {
    std::lock_guard lock(mutex_);
    describe_ = std::move(describe);
    deadline_.arm(steady_seconds());
  }
  wake_.notify_one();
}

void Watchdog::disarm() {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  describe_ = nullptr;
  deadline_.disarm();
}

void Watchdog::frame_done() {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  deadline_.frame_done(steady_seconds());
}

void Watchdog::monitor() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    if (!deadline_.armed()) {
      wake_.wait(lock);
      continue;
    }
    const double now = steady_seconds();
    if (deadline_.expired(now)) {
      const std::uint64_t tiles = tiles_.load(std::memory_order_relaxed);
      if (tiles == tiles_seen_) fire(deadline_.waited(now));
      tiles_seen_ = tiles;  // tiles finished since the last look: alive
      deadline_.alive(now);
    }
    // A frame_done() moves the deadline later without a wake-up: this
    // thread finds out when it wakes at the old one and sleeps again.
    wake_.wait_for(lock, std::chrono::duration<double>(deadline_.deadline() - now));
  }
}

void Watchdog::fire(double waited) {
  std::string text = "\n" + program_ + ": watchdog: no frame finished in " + seconds_text(waited) +
                     ", and no tile in the last " + seconds_text(deadline_.limit()) + " (limit " +
                     seconds_text(deadline_.limit()) + ": the larger of --watchdog " + seconds_text(deadline_.floor()) +
                     " and " + std::to_string(static_cast<int>(kWatchdogMedianFactor)) + "x the median frame, " +
                     (deadline_.frames() > 0 ? seconds_text(deadline_.median_frame()) + " over " +
                                                   std::to_string(deadline_.frames()) + " frames"
                                             : std::string("none finished yet")) +
                     "); exit " + std::to_string(kWatchdogStatus) + ". State:\n";
  if (describe_) {
    for (const std::string& line : describe_()) text += line + "\n";
  } else {
    text += "(nothing described)\n";
  }
  write_stderr(text);
  // A report half-written would be left as PATH.tmp: let it finish (its
  // thread is not the stuck one, or it would not be writing), then end.
  if (!hold_atomic_writes(std::chrono::seconds(10)))
    write_stderr(program_ + ": watchdog: a file was still being written after 10 s; its PATH.tmp may remain\n");
  std::_Exit(kWatchdogStatus);
}

}  // namespace txray::bench
