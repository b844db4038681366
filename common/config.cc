#include "common/config.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "common/error.h"
#include "common/logging.h"

extern char** environ;

namespace gloo::config {
namespace {

// The table of every tunable. Keep docs/configuration.md in step with it
// (common_test checks that every name here appears there).
const std::vector<Variable> kVariables = {
    // --- general ---
    {"GLOOMPI_LOG", "warn", "Log level: error, warn, info or debug."},
    {"GLOOMPI_TIMEOUT", "300",
     "Seconds a rank waits inside one collective (or for the rendezvous) before failing with an "
     "error naming the peer it waited for. Fractions allowed."},
    {"GLOOMPI_DETERMINISTIC", "0",
     "1: every allreduce reduces each element in rank order (bit-identical results whatever the "
     "algorithm, message size or process count)."},
    {"GLOOMPI_ALGO_*",
     "",
     "Force the algorithm of one collective, e.g. GLOOMPI_ALGO_ALLREDUCE=ring. Collectives: "
     "ALLREDUCE, REDUCE, BROADCAST, BARRIER, ALLGATHER, ALLGATHERV, GATHER, GATHERV, SCATTER, "
     "SCATTERV, ALLTOALL, ALLTOALLV, REDUCE_SCATTER, SCAN. See docs/algorithms.md for names."},
    {"GLOOMPI_KERNEL", "auto",
     "Reduction kernel instruction set: auto, avx512, avx2 or scalar (for testing)."},
    {"GLOOMPI_RING_SEGMENT", "256K",
     "Segment size of the pipelined ring allreduce and chain broadcast (bytes, K/M suffixes)."},
    // --- TCP transport ---
    {"GLOOMPI_IFNAME", "",
     "Network interfaces for TCP: a comma list of names (eth0,ib0), '^name' entries exclude; "
     "default: the interface of the host name, else loopback."},
    {"GLOO_SOCKET_IFNAME", "", "Accepted as GLOOMPI_IFNAME when that is unset (Gloo's name)."},
    {"GLOOMPI_ADDRESS", "", "Bind the TCP listener to this IPv4/IPv6 address (overrides GLOOMPI_IFNAME)."},
    {"GLOOMPI_ADDRESS_FAMILY", "auto", "TCP address family: auto, ipv4 or ipv6."},
    {"GLOOMPI_SOCKET_BUFFER", "4M", "SO_SNDBUF/SO_RCVBUF of every TCP socket (bytes, K/M suffixes; 0 = kernel default)."},
    {"GLOOMPI_SPIN_US", "1000",
     "Microseconds a waiting rank polls without sleeping before it blocks in the kernel."},
    {"GLOOMPI_JOB_TOKEN", "",
     "Optional secret mixed into every connection handshake; ranks of one job must agree."},
    // --- MPI shim (later issues) ---
    {"GLOOMPI_DISABLE", "0", "1: the MPI shim passes every call to the real MPI."},
    {"GLOOMPI_STATS", "0", "1: print a table of collective calls, bytes, time and algorithm at MPI_Finalize."},
    {"GLOOMPI_STRICT", "0", "1: a collective the shim cannot offload is an error instead of a fallback."},
    {"GLOOMPI_RENDEZVOUS", "", "Rendezvous store URL: file:/dir or redis://[:pw@]host:port[/prefix]."},
    {"GLOOMPI_HOSTID", "", "Overrides the host identity used to decide which peers share memory."},
    // --- scripts (read by scripts/, declared so they are not "unknown") ---
    {"GLOOMPI_BUILD_ROOT", "<repo>/build", "Folder of the build trees and benchmark output (scripts)."},
    {"GLOOMPI_JOBS", "2", "Parallel compile jobs (scripts)."},
    {"GLOOMPI_CTEST_JOBS", "2", "Parallel test jobs (scripts/test)."},
    {"GLOOMPI_TEST_QUICK", "0", "1: scripts/test skips the sanitizer build (ignored when CI=true)."},
};

std::mutex gMutex;
std::atomic<uint64_t> gGeneration{1};
std::map<std::string, std::optional<std::string>>& overrides() {
  static std::map<std::string, std::optional<std::string>> m;
  return m;
}

const Variable* find(const std::string& name) {
  for (const auto& v : kVariables) {
    size_t n = std::strlen(v.name);
    if (n > 0 && v.name[n - 1] == '*') {
      if (name.size() >= n - 1 && name.compare(0, n - 1, v.name, n - 1) == 0) return &v;
    } else if (name == v.name) {
      return &v;
    }
  }
  return nullptr;
}

const Variable& require(const std::string& name) {
  const Variable* v = find(name);
  if (!v) throw InvalidArgument("gloompi: configuration variable " + name + " is not declared in common/config.cc");
  return *v;
}

std::optional<std::string> lookup(const std::string& name) {
  {
    std::lock_guard<std::mutex> g(gMutex);
    auto it = overrides().find(name);
    if (it != overrides().end() && it->second) return it->second;
  }
  const char* e = std::getenv(name.c_str());
  if (e) return std::string(e);
  return std::nullopt;
}

size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\n");
  size_t e = s.find_last_not_of(" \t\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace

const std::vector<Variable>& variables() { return kVariables; }

std::string getString(const std::string& name) {
  const Variable& v = require(name);
  auto val = lookup(name);
  if (val) return *val;
  return v.defaultValue;
}

bool isSet(const std::string& name) {
  require(name);
  return lookup(name).has_value();
}

int64_t getInt(const std::string& name) {
  std::string s = trim(getString(name));
  if (s.empty()) return 0;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 0);
  if (errno != 0 || end == s.c_str() || *end != '\0') {
    throw InvalidArgument("gloompi: " + name + "='" + s + "' is not an integer");
  }
  return v;
}

bool getBool(const std::string& name) {
  std::string s = trim(getString(name));
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  if (s.empty() || s == "0" || s == "false" || s == "no" || s == "off") return false;
  if (s == "1" || s == "true" || s == "yes" || s == "on") return true;
  throw InvalidArgument("gloompi: " + name + "='" + s + "' is not a boolean (use 0 or 1)");
}

double getDouble(const std::string& name) {
  std::string s = trim(getString(name));
  if (s.empty()) return 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || !std::isfinite(v)) {
    throw InvalidArgument("gloompi: " + name + "='" + s + "' is not a number");
  }
  return v;
}

uint64_t getBytes(const std::string& name) {
  std::string s = trim(getString(name));
  if (s.empty()) return 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || v < 0 || !std::isfinite(v)) {
    throw InvalidArgument("gloompi: " + name + "='" + s + "' is not a size (e.g. 4096, 64K, 4M)");
  }
  std::string suffix = trim(end);
  std::transform(suffix.begin(), suffix.end(), suffix.begin(), ::toupper);
  double mult = 1;
  if (suffix.empty() || suffix == "B") mult = 1;
  else if (suffix == "K" || suffix == "KB" || suffix == "KIB") mult = 1024.0;
  else if (suffix == "M" || suffix == "MB" || suffix == "MIB") mult = 1024.0 * 1024;
  else if (suffix == "G" || suffix == "GB" || suffix == "GIB") mult = 1024.0 * 1024 * 1024;
  else throw InvalidArgument("gloompi: " + name + "='" + s + "' has an unknown size suffix");
  return static_cast<uint64_t>(v * mult);
}

std::chrono::milliseconds timeout() {
  double s = getDouble("GLOOMPI_TIMEOUT");
  if (s <= 0) throw InvalidArgument("gloompi: GLOOMPI_TIMEOUT must be > 0 seconds");
  return std::chrono::milliseconds(static_cast<int64_t>(s * 1000.0));
}

void setOverride(const std::string& name, std::optional<std::string> value) {
  require(name);
  std::lock_guard<std::mutex> g(gMutex);
  if (value) overrides()[name] = value;
  else overrides().erase(name);
  gGeneration.fetch_add(1, std::memory_order_release);
}

uint64_t generation() { return gGeneration.load(std::memory_order_acquire); }

std::vector<std::pair<std::string, std::string>> unknownVariables() {
  std::vector<std::pair<std::string, std::string>> out;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    size_t eq = kv.find('=');
    std::string name = kv.substr(0, eq);
    if (name.rfind("GLOOMPI_", 0) != 0) continue;
    if (find(name)) continue;
    std::string best;
    size_t bestD = SIZE_MAX;
    for (const auto& v : kVariables) {
      std::string cand(v.name);
      if (!cand.empty() && cand.back() == '*') continue;
      size_t d = editDistance(name, cand);
      if (d < bestD) bestD = d, best = cand;
    }
    out.emplace_back(name, best);
  }
  return out;
}

void warnUnknownOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (const auto& [name, best] : unknownVariables()) {
      GLOO_WARN("unknown configuration variable " << name << " is ignored"
                                                  << (best.empty() ? "" : " (did you mean " + best + "?)"));
    }
  });
}

}  // namespace gloo::config
