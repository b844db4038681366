#include "shim/common/stats.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>
#include <tuple>

#include "common/config.h"

namespace gloompi::stats {
namespace {

struct Row {
  unsigned long long calls = 0, fallbacks = 0;
  unsigned long long bytes = 0;
  double seconds = 0;
  std::map<std::string, unsigned long long> algorithms;
  std::string lastWhy;
};

std::atomic<unsigned long long> gOffloaded{0}, gFallbacks{0};
std::mutex gMu;
std::map<std::pair<std::string, std::string>, Row>& table() {
  static std::map<std::pair<std::string, std::string>, Row> t;
  return t;
}

}  // namespace

bool enabled() {
  static const bool on = [] {
    try {
      return gloo::config::getBool("GLOOMPI_STATS");
    } catch (...) {
      return false;
    }
  }();
  return on;
}

void recordOffload(const char* collective, const std::string& comm, size_t bytes, double seconds,
                   const char* algorithm) {
  gOffloaded.fetch_add(1, std::memory_order_relaxed);
  if (!enabled()) return;
  std::lock_guard<std::mutex> g(gMu);
  Row& r = table()[{collective, comm}];
  r.calls++;
  r.bytes += bytes;
  r.seconds += seconds;
  r.algorithms[algorithm ? algorithm : "?"]++;
}

void recordFallback(const char* collective, const std::string& comm, const std::string& why) {
  gFallbacks.fetch_add(1, std::memory_order_relaxed);
  if (!enabled()) return;
  std::lock_guard<std::mutex> g(gMu);
  Row& r = table()[{collective, comm}];
  r.fallbacks++;
  r.lastWhy = why;
}

void print(int rank) {
  if (!enabled()) return;
  std::ostringstream os;
  os << "gloompi statistics, rank " << rank << " (pid " << ::getpid() << ")\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-22s %-18s %9s %9s %14s %12s  %s\n", "collective", "communicator",
                "calls", "fallback", "bytes", "time[s]", "algorithms");
  os << line;
  std::lock_guard<std::mutex> g(gMu);
  for (const auto& [key, r] : table()) {
    std::string algos;
    for (const auto& [a, n] : r.algorithms) algos += (algos.empty() ? "" : ",") + a + "x" + std::to_string(n);
    if (r.fallbacks) algos += (algos.empty() ? "" : " ") + std::string("[fallback: ") + r.lastWhy + "]";
    std::snprintf(line, sizeof line, "%-22s %-18s %9llu %9llu %14llu %12.6f  %s\n", key.first.c_str(),
                  key.second.c_str(), r.calls, r.fallbacks, r.bytes, r.seconds, algos.c_str());
    os << line;
  }
  std::string s = os.str();
  ssize_t w = ::write(2, s.data(), s.size());
  (void)w;
}

unsigned long long offloaded() { return gOffloaded.load(); }
unsigned long long fallbacks() { return gFallbacks.load(); }

}  // namespace gloompi::stats

extern "C" __attribute__((visibility("default"))) unsigned long long gloompi_offloaded_calls() {
  return gloompi::stats::offloaded();
}
extern "C" __attribute__((visibility("default"))) unsigned long long gloompi_fallback_calls() {
  return gloompi::stats::fallbacks();
}
