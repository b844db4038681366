// gloo::allreduce: the dispatcher. Checks the arguments, picks the
// algorithm through the selection table (gloo/selection.h), handles the
// trivial cases and runs one of the algorithms of gloo/algorithms/allreduce.h.
//
// Order of work on every rank (all ranks take the same branches, since they
// agree on count, size and the selected name):
//  1. arguments: out must be non-null when count > 0; in and out may be the
//     same buffer (or in == nullptr: in place) but must not partially overlap.
//  2. selection (may throw InvalidArgument for an unknown forced name, even
//     for count 0, so a misconfiguration shows up on the first call).
//  3. count 0: nothing is sent and no sequence number is taken.
//     size 1: out = in locally.
//  4. otherwise the algorithm runs; it takes one sequence number.
// Any gloo::Error escaping gets "allreduce: " prepended, keeping its type.
#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "gloo/algorithms/allreduce.h"
#include "gloo/collectives.h"
#include "gloo/selection.h"

namespace gloo {
namespace {

struct Algorithm {
  const char* name;
  allreduce_algo::Fn fn;
};

// The first entry is the general fallback of the selection table.
const Algorithm kAlgorithms[] = {
    {"ring", allreduce_algo::ring},
    {"ring_pipelined", allreduce_algo::ringPipelined},
    {"recursive_doubling", allreduce_algo::recursiveDoubling},
    {"halving_doubling", allreduce_algo::halvingDoubling},
    {"bcube", allreduce_algo::bcube},
    {"rank_ordered", allreduce_algo::rankOrdered},
};

const std::vector<std::string>& names() {
  static const std::vector<std::string> v = [] {
    std::vector<std::string> n;
    for (const auto& a : kAlgorithms) n.emplace_back(a.name);
    return n;
  }();
  return v;
}

const Algorithm& find(const std::string& name) {
  for (const auto& a : kAlgorithms) {
    if (name == a.name) return a;
  }
  // selectAlgorithm only returns names from names().
  throw InvalidArgument("allreduce: internal error: selected unknown algorithm '" + name + "'");
}

const char* run(Context& ctx, const AllreduceArgs& a) {
  const size_t es = a.reduction.elementSize();
  const size_t bytes = a.count * es;
  const void* in = a.in == nullptr ? a.out : a.in;
  if (a.count > 0) {
    if (a.out == nullptr) {
      throw InvalidArgument("out is null with count " + std::to_string(a.count) + " (rank " +
                            std::to_string(ctx.rank()) + ")");
    }
    if (es == 0 || a.count > SIZE_MAX / es) {
      throw InvalidArgument("count " + std::to_string(a.count) + " overflows the byte size (element size " + std::to_string(es) + ")");
    }
    const auto* i = static_cast<const uint8_t*>(in);
    const auto* o = static_cast<const uint8_t*>(a.out);
    if (i != o && i < o + bytes && o < i + bytes) {
      throw InvalidArgument("in and out overlap partially (rank " + std::to_string(ctx.rank()) +
                            ", " + std::to_string(bytes) + " bytes)");
    }
  }
  const std::string selected =
      selectAlgorithm({Collective::kAllreduce, bytes, ctx.size(), a.reduction.commutative()},
                      a.algorithm, names());
  const Algorithm& algo = find(selected);
  if (a.count > 0) {
    if (ctx.size() == 1) {
      if (in != a.out) std::memcpy(a.out, in, bytes);
    } else {
      algo.fn(ctx, in, a.out, a.count, a.reduction);
    }
  }
  ctx.setLastAlgorithm(algo.name);
  return algo.name;
}

}  // namespace

const char* allreduce(Context& ctx, const AllreduceArgs& a) {
  try {
    return run(ctx, a);
  } catch (const Error& e) {
    rethrowWithPrefix(e, "allreduce: ");
  }
}

}  // namespace gloo
