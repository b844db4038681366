#include "common/logging.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

namespace gloo::log {
namespace {

std::atomic<int> gLevel{-1};

int parse(const char* s) {
  if (!s || !*s) return static_cast<int>(Level::kWarn);
  std::string v(s);
  std::transform(v.begin(), v.end(), v.begin(), ::tolower);
  if (v == "error") return 0;
  if (v == "warn" || v == "warning") return 1;
  if (v == "info") return 2;
  if (v == "debug" || v == "trace") return 3;
  return 1;
}

const char* label(Level l) {
  switch (l) {
    case Level::kError: return "error";
    case Level::kWarn: return "warning";
    case Level::kInfo: return "info";
    case Level::kDebug: return "debug";
  }
  return "?";
}

}  // namespace

// Reads GLOOMPI_LOG directly (not through config::) so that logging works
// while the configuration module itself reports problems.
Level level() {
  int l = gLevel.load(std::memory_order_relaxed);
  if (l < 0) {
    l = parse(std::getenv("GLOOMPI_LOG"));
    gLevel.store(l, std::memory_order_relaxed);
  }
  return static_cast<Level>(l);
}

void setLevel(Level l) { gLevel.store(static_cast<int>(l)); }

void write(Level l, const std::string& msg) {
  std::string line = "gloompi[" + std::to_string(::getpid()) + "] " + label(l) + ": " + msg + "\n";
  ssize_t rc = ::write(2, line.data(), line.size());
  (void)rc;
}

}  // namespace gloo::log
