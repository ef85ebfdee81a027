#include "app/demo/tile_heat.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <tuple>

namespace txray::demo {

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

TileLossWindow::TileLossWindow(int tiles, double window_seconds)
    : window_(window_seconds), sum_ns_(static_cast<std::size_t>(std::max(0, tiles)), 0) {}

void TileLossWindow::add(double now, const std::vector<std::uint64_t>& lost_ns) {
  Sample s{now, {}};
  for (std::size_t i = 0; i < lost_ns.size() && i < sum_ns_.size(); ++i)
    if (lost_ns[i] != 0) {
      s.lost.emplace_back(static_cast<int>(i), lost_ns[i]);
      sum_ns_[i] += lost_ns[i];
    }
  // Quiet samples (the usual case without conflicts) take no memory.
  if (!s.lost.empty()) samples_.push_back(std::move(s));
  expire(now);
}

void TileLossWindow::expire(double now) {
  while (!samples_.empty() && samples_.front().time <= now - window_) {
    for (const auto& [tile, ns] : samples_.front().lost) sum_ns_[static_cast<std::size_t>(tile)] -= ns;
    samples_.pop_front();
  }
}

std::vector<double> TileLossWindow::lost_ms(double now) {
  expire(now);
  std::vector<double> ms(sum_ns_.size());
  for (std::size_t i = 0; i < ms.size(); ++i) ms[i] = static_cast<double>(sum_ns_[i]) * 1e-6;
  return ms;
}

void ConflictWindow::add(double now, double seconds, std::vector<sync::ConflictSource> sources) {
  reports_.push_back({now, seconds, std::move(sources)});
  while (reports_.size() > 1 && reports_.front().time <= now - window_) reports_.pop_front();
}

std::vector<sync::ConflictSource> ConflictWindow::merged(double now, double& covered) {
  while (reports_.size() > 1 && reports_.front().time <= now - window_) reports_.pop_front();
  covered = 0.0;
  using Key = std::tuple<std::string, sync::ConflictKind, sync::UnitKind, sync::UnitKind, int>;
  std::map<Key, sync::ConflictSource> sum;
  for (const Report& r : reports_) {
    covered += r.seconds;
    for (const sync::ConflictSource& s : r.sources) {
      auto [it, fresh] = sum.try_emplace(Key{s.subject, s.kind, s.self, s.other, s.worker}, s);
      if (fresh) continue;
      it->second.count += s.count;
      it->second.lost_ns += s.lost_ns;
      it->second.switches += s.switches;
    }
  }
  std::vector<sync::ConflictSource> out;
  for (auto& [key, s] : sum)
    if (s.count > 0 || s.lost_ns > 0) out.push_back(std::move(s));
  // rank_conflicts' order: time lost, then count.
  std::stable_sort(out.begin(), out.end(), [](const sync::ConflictSource& a, const sync::ConflictSource& b) {
    return a.lost_ns != b.lost_ns ? a.lost_ns > b.lost_ns : a.count > b.count;
  });
  return out;
}

TileHeat::TileHeat(const TileGrid& grid, double window_seconds)
    : grid_(grid), window_(window_seconds), lost_(static_cast<std::size_t>(grid.count())),
      tiles_(grid.count(), window_seconds), conflicts_(window_seconds) {}

void TileHeat::report(double now, double seconds, std::vector<sync::ConflictSource> sources) {
  std::lock_guard lock(mutex_);
  conflicts_.add(now, seconds, std::move(sources));
}

void TileHeat::set_scene(const Camera& camera, std::vector<Object> objects) {
  std::lock_guard lock(mutex_);
  scene_.camera = camera;
  scene_.objects = std::move(objects);
}

TileHeat::View TileHeat::take(double now) {
  std::vector<std::uint64_t> drained(lost_.size());
  for (std::size_t i = 0; i < lost_.size(); ++i) drained[i] = lost_[i].exchange(0, std::memory_order_relaxed);
  View v;
  std::lock_guard lock(mutex_);
  tiles_.add(now, drained);
  v.tile_ms = tiles_.lost_ms(now);
  v.sources = conflicts_.merged(now, v.source_seconds);
  v.scene = scene_;
  return v;
}

}  // namespace txray::demo
