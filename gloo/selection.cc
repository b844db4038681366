#include "gloo/selection.h"

#include <algorithm>

#include "common/config.h"
#include "common/error.h"
#include "common/logging.h"

namespace gloo {
namespace {

constexpr size_t KiB = 1024;

// The default table. Each row: for sizes up to `maxBytes` (inclusive) and at
// least `minRanks` ranks, use `algorithm`. Rows of one collective are ordered
// by maxBytes; the first match wins. Thresholds are justified by the
// measurements in docs/performance.md (2-core loopback TCP).
struct Row {
  Collective collective;
  size_t maxBytes;
  int minRanks;
  const char* algorithm;
};

constexpr size_t kAny = SIZE_MAX;

const Row kTable[] = {
    // allreduce: latency-bound sizes take log2(P) full-size exchanges;
    // medium sizes halve the payload each step; large sizes stream a
    // pipelined ring so reduction overlaps the network.
    {Collective::kAllreduce, 16 * KiB, 1, "recursive_doubling"},
    {Collective::kAllreduce, 1024 * KiB, 1, "halving_doubling"},
    {Collective::kAllreduce, kAny, 1, "ring_pipelined"},

    {Collective::kReduce, 64 * KiB, 1, "binomial"},
    {Collective::kReduce, kAny, 3, "reduce_scatter_gather"},
    {Collective::kReduce, kAny, 1, "binomial"},

    {Collective::kBroadcast, 64 * KiB, 1, "binomial"},
    {Collective::kBroadcast, kAny, 4, "scatter_allgather"},
    {Collective::kBroadcast, kAny, 1, "binomial"},

    {Collective::kBarrier, kAny, 1, "dissemination"},

    {Collective::kAllgather, 16 * KiB, 1, "bruck"},
    {Collective::kAllgather, kAny, 1, "ring"},
    {Collective::kAllgatherv, kAny, 1, "ring"},

    {Collective::kGather, 4 * KiB, 1, "binomial"},
    {Collective::kGather, kAny, 1, "linear"},
    {Collective::kGatherv, kAny, 1, "linear"},
    {Collective::kScatter, 4 * KiB, 1, "binomial"},
    {Collective::kScatter, kAny, 1, "linear"},
    {Collective::kScatterv, kAny, 1, "linear"},

    {Collective::kAlltoall, kAny, 1, "pairwise"},
    {Collective::kAlltoallv, kAny, 1, "pairwise"},

    {Collective::kReduceScatter, kAny, 1, "ring"},
    {Collective::kScan, kAny, 1, "recursive_doubling"},
};

// Algorithms that keep the rank order of operands (non-commutative user
// ops) and, for allreduce/reduce/reduce_scatter, that reduce each element
// as a left fold in rank order (GLOOMPI_DETERMINISTIC).
const char* orderedAlgorithm(Collective c) {
  switch (c) {
    case Collective::kAllreduce: return "rank_ordered";
    case Collective::kReduce: return "rank_ordered";
    case Collective::kReduceScatter: return "rank_ordered";
    // Both scan algorithms combine lower-rank ranges on the left, so
    // non-commutative ops need no override there.
    default: return nullptr;
  }
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

const char* envName(Collective c) {
  switch (c) {
    case Collective::kAllreduce: return "ALLREDUCE";
    case Collective::kReduce: return "REDUCE";
    case Collective::kBroadcast: return "BROADCAST";
    case Collective::kBarrier: return "BARRIER";
    case Collective::kAllgather: return "ALLGATHER";
    case Collective::kAllgatherv: return "ALLGATHERV";
    case Collective::kGather: return "GATHER";
    case Collective::kGatherv: return "GATHERV";
    case Collective::kScatter: return "SCATTER";
    case Collective::kScatterv: return "SCATTERV";
    case Collective::kAlltoall: return "ALLTOALL";
    case Collective::kAlltoallv: return "ALLTOALLV";
    case Collective::kReduceScatter: return "REDUCE_SCATTER";
    case Collective::kScan: return "SCAN";
  }
  return "?";
}

bool deterministic() { return config::getBool("GLOOMPI_DETERMINISTIC"); }

std::string selectAlgorithm(const SelectionInput& in, const std::string& requested,
                            const std::vector<std::string>& available) {
  const std::string var = std::string("GLOOMPI_ALGO_") + envName(in.collective);
  std::string choice = requested;
  const char* source = "argument";
  if (choice.empty()) {
    choice = config::getString(var);
    source = var.c_str();
  }
  const char* ordered = orderedAlgorithm(in.collective);
  const bool needOrder = !in.commutative || (ordered && deterministic() &&
                                             in.collective != Collective::kScan);
  if (!choice.empty()) {
    if (!contains(available, choice)) {
      throw InvalidArgument(std::string("gloompi: ") + source + " names algorithm '" + choice +
                            "' which " + envName(in.collective) + " does not have (available: " +
                            joined(available) + ")");
    }
    if (needOrder && ordered && choice != ordered) {
      GLOO_INFO(envName(in.collective) << ": '" << choice << "' replaced by '" << ordered
                                       << "' (order-preserving reduction required)");
      return ordered;
    }
    return choice;
  }
  if (needOrder && ordered) return ordered;
  for (const Row& r : kTable) {
    if (r.collective != in.collective) continue;
    if (in.bytes <= r.maxBytes && in.ranks >= r.minRanks && contains(available, r.algorithm)) {
      return r.algorithm;
    }
  }
  // No row matched an available algorithm: the first available one is the
  // general fallback every collective provides.
  if (available.empty()) {
    throw InvalidArgument(std::string("gloompi: no algorithm available for ") + envName(in.collective));
  }
  return available.front();
}

}  // namespace gloo
