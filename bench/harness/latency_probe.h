#pragma once
/// `txray bench --latency-probe` (issue 19): the GIL's other cost, latency.
/// An I/O-bound thread beside the renderers, through the same backend,
/// doing what David Beazley's convoy measurement (bpo-7946) does: a short
/// unit, then a one-byte pipe round trip (write, read), again and again.
/// Under a GIL every I/O call gives the lock up, and getting it back means
/// waiting behind the CPU-bound threads; that wait is the convoy effect.
///
/// The probe first runs kAloneRoundTrips with nothing rendering (the
/// anchor's "alone"), then runs back to back during the measured frames.
/// The convoy factor is the mean round trip beside the renderers over the
/// mean alone: what issue 19's anchor measures for the real runtimes
/// (scripts/convoy.py, run by `--calibrate`).
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "bench/harness/report.h"

namespace txray::bench {

class Rig;

/// The anchor's count of round trips, for the "alone" baseline.
inline constexpr int kAloneRoundTrips = 2000;

class LatencyProbe {
 public:
  /// Opens the pipe; throws std::runtime_error naming the failure.
  explicit LatencyProbe(Rig& rig);
  ~LatencyProbe();
  LatencyProbe(const LatencyProbe&) = delete;
  LatencyProbe& operator=(const LatencyProbe&) = delete;

  /// `round_trips` operations on the calling thread with nothing else
  /// running; the mean microseconds per operation.
  double alone_mean_us(int round_trips = kAloneRoundTrips);
  /// Starts the probe thread (back-to-back operations until stop()).
  void start();
  /// Stops it; every operation's time since start(), in microseconds, in
  /// order. Rethrows what the probe thread threw.
  std::vector<double> stop();

 private:
  Rig& rig_;
  int fds_[2] = {-1, -1};
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::vector<std::uint64_t> ns_;
  std::exception_ptr error_;
};

/// The figures a run reports from its probe samples (µs per operation) and
/// its mean alone: p50, p99, max, mean, and the convoy factor mean / alone.
/// No samples: measured stays true, ops 0, the figures NaN.
[[nodiscard]] LatencyFigures summarize_latency(const std::vector<double>& us, double alone_us);

}  // namespace txray::bench
