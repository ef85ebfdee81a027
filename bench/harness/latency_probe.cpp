#include "bench/harness/latency_probe.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#include "bench/harness/rig.h"
#include "bench/harness/statistics.h"

namespace txray::bench {

LatencyProbe::LatencyProbe(Rig& rig) : rig_(rig) {
  if (::pipe(fds_) != 0) throw std::runtime_error(std::string("latency probe: pipe() failed: ") + std::strerror(errno));
}

LatencyProbe::~LatencyProbe() {
  if (thread_.joinable()) (void)stop();
  ::close(fds_[0]);
  ::close(fds_[1]);
}

double LatencyProbe::alone_mean_us(int round_trips) {
  std::vector<std::uint64_t> ns;
  ns.reserve(static_cast<std::size_t>(round_trips));
  const std::atomic<bool> never{false};
  rig_.probe_round_trips(fds_[1], fds_[0], static_cast<std::size_t>(round_trips), never, ns);
  if (ns.empty()) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(std::accumulate(ns.begin(), ns.end(), std::uint64_t{0})) * 1e-3 /
         static_cast<double>(ns.size());
}

void LatencyProbe::start() {
  stop_ = false;
  ns_.clear();
  error_ = nullptr;
  thread_ = std::thread([this] {
    try {
      rig_.probe_round_trips(fds_[1], fds_[0], std::numeric_limits<std::size_t>::max(), stop_, ns_);
    } catch (...) {
      error_ = std::current_exception();
    }
  });
}

std::vector<double> LatencyProbe::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  std::vector<double> us;
  us.reserve(ns_.size());
  for (std::uint64_t v : ns_) us.push_back(static_cast<double>(v) * 1e-3);
  return us;
}

LatencyFigures summarize_latency(const std::vector<double>& us, double alone_us) {
  LatencyFigures f;
  f.measured = true;
  f.ops = us.size();
  f.alone_us = alone_us;
  if (us.empty()) return f;
  f.p50_us = percentile(us, 0.50);
  f.p99_us = percentile(us, 0.99);
  f.max_us = *std::max_element(us.begin(), us.end());
  f.mean_us = std::accumulate(us.begin(), us.end(), 0.0) / static_cast<double>(us.size());
  f.convoy = alone_us > 0.0 && std::isfinite(alone_us) ? f.mean_us / alone_us : std::numeric_limits<double>::quiet_NaN();
  return f;
}

}  // namespace txray::bench
