#include "bench/harness/latency_probe.h"

#include <sched.h>
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

namespace {

cpu_set_t mask_of(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : cpus)
    if (cpu >= 0 && cpu < CPU_SETSIZE) CPU_SET(cpu, &set);
  return set;
}

void pin_calling_thread(const std::vector<int>& cpus) {
  const cpu_set_t set = mask_of(cpus);
  if (::sched_setaffinity(0, sizeof set, &set) != 0)
    throw std::runtime_error(std::string("latency probe: sched_setaffinity failed: ") + std::strerror(errno));
}

}  // namespace

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return cpus;
}

PinnedThread::PinnedThread(const std::vector<int>& cpus) {
  if (cpus.empty()) return;
  std::vector<int> previous = allowed_cpus();
  pin_calling_thread(cpus);
  previous_ = std::move(previous);
}

PinnedThread::~PinnedThread() {
  if (previous_.empty()) return;
  const cpu_set_t set = mask_of(previous_);
  (void)::sched_setaffinity(0, sizeof set, &set);  // a wider mask than the one it had: cannot be refused
}

ProbePlacement plan_probe_placement(const std::vector<int>& allowed, int render_threads) {
  ProbePlacement p;
  if (render_threads != 1 || allowed.size() < 2) return p;
  p.probe_cpus = {allowed.back()};
  p.render_cpus.assign(allowed.begin(), allowed.end() - 1);
  return p;
}

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

void LatencyProbe::start(const std::vector<int>& cpus) {
  stop_ = false;
  ns_.clear();
  error_ = nullptr;
  thread_ = std::thread([this, cpus] {
    try {
      if (!cpus.empty()) pin_calling_thread(cpus);
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
