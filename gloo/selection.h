// The selection table: which algorithm runs a collective.
//
// Input: the collective, the message size in bytes (per rank for the
// gathering collectives, total for allreduce/reduce/bcast), the number of
// ranks, and properties of the reduction. Output: an algorithm name.
// Order of precedence: an explicit name in the call's args, then
// GLOOMPI_ALGO_<COLLECTIVE>, then GLOOMPI_DETERMINISTIC / non-commutative
// constraints, then the size/rank thresholds of the table.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace gloo {

enum class Collective {
  kAllreduce,
  kReduce,
  kBroadcast,
  kBarrier,
  kAllgather,
  kAllgatherv,
  kGather,
  kGatherv,
  kScatter,
  kScatterv,
  kAlltoall,
  kAlltoallv,
  kReduceScatter,
  kScan,
};

// Upper-case name as used in GLOOMPI_ALGO_<NAME>.
const char* envName(Collective c);

struct SelectionInput {
  Collective collective;
  size_t bytes = 0;
  int ranks = 1;
  bool commutative = true;  // false: only order-preserving algorithms
};

// Returns the algorithm to run. `requested` is the caller's explicit choice
// (may be empty). Throws InvalidArgument naming the collective if the
// environment names an algorithm that is not in `available`.
std::string selectAlgorithm(const SelectionInput& in, const std::string& requested,
                            const std::vector<std::string>& available);

// GLOOMPI_DETERMINISTIC.
bool deterministic();

}  // namespace gloo
