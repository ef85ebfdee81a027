// A serializability checker for histories of units that write unique
// values. It needs no commit order: because every written value is unique,
// each read names the unit that wrote it, and a unit that writes a cell
// reads it first, so each cell's versions form a chain. From that we build
// Adya's direct serialization graph (write-read, write-write and
// read-write/anti-dependency edges); the history is serializable iff the
// graph is acyclic.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace txray::sync::test {

struct HistoryUnit {
  std::vector<std::pair<int, std::uint64_t>> reads;  // (cell, value seen)
  struct Write {
    int cell;
    std::uint64_t before, after;  // `before` was read by the same unit
  };
  std::vector<Write> writes;
};

// Returns an empty string if serializable, else why not. Value 0 is every
// cell's initial value.
inline std::string check_serializable(const std::vector<HistoryUnit>& units) {
  const int n = static_cast<int>(units.size());
  std::unordered_map<std::uint64_t, std::pair<int, int>> writer;  // value -> (unit, cell)
  std::map<std::pair<int, std::uint64_t>, int> overwriter;        // (cell, value) -> unit
  for (int u = 0; u < n; ++u)
    for (const auto& w : units[u].writes) {
      if (!writer.emplace(w.after, std::make_pair(u, w.cell)).second)
        return "value written twice: " + std::to_string(w.after);
      if (!overwriter.emplace(std::make_pair(w.cell, w.before), u).second)
        return "lost update: two units overwrote value " + std::to_string(w.before) +
               " of cell " + std::to_string(w.cell);
    }
  std::vector<std::vector<int>> next(static_cast<std::size_t>(n));
  auto edge = [&](int from, int to) {
    if (from != to) next[static_cast<std::size_t>(from)].push_back(to);
  };
  auto written_by = [&](int cell, std::uint64_t v, int& u) -> bool {
    if (v == 0) {
      u = -1;
      return true;
    }
    auto it = writer.find(v);
    if (it == writer.end() || it->second.second != cell) return false;
    u = it->second.first;
    return true;
  };
  for (int u = 0; u < n; ++u) {
    for (const auto& [cell, v] : units[u].reads) {
      int w;
      if (!written_by(cell, v, w))
        return "read of a value never written to cell " + std::to_string(cell);
      if (w >= 0) edge(w, u);  // wr
      auto it = overwriter.find({cell, v});
      if (it != overwriter.end()) edge(u, it->second);  // rw (anti-dependency)
    }
    for (const auto& w : units[u].writes) {
      int prev;
      if (!written_by(w.cell, w.before, prev)) return "overwrote a value never written";
      if (prev >= 0) edge(prev, u);  // ww
    }
  }
  // Kahn: if some unit never reaches in-degree 0, there is a cycle.
  std::vector<int> indegree(static_cast<std::size_t>(n), 0);
  for (const auto& out : next)
    for (int v : out) ++indegree[static_cast<std::size_t>(v)];
  std::vector<int> ready;
  for (int u = 0; u < n; ++u)
    if (indegree[static_cast<std::size_t>(u)] == 0) ready.push_back(u);
  int seen = 0;
  while (!ready.empty()) {
    const int u = ready.back();
    ready.pop_back();
    ++seen;
    for (int v : next[static_cast<std::size_t>(u)])
      if (--indegree[static_cast<std::size_t>(v)] == 0) ready.push_back(v);
  }
  if (seen != n) return "cycle in the serialization graph (" + std::to_string(n - seen) + " units)";
  return {};
}

}  // namespace txray::sync::test
