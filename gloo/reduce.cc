// gloo::reduce: argument checks, in-place handling, algorithm choice and
// dispatch. Algorithms: "binomial" (reduce_binomial.cc),
// "reduce_scatter_gather" (reduce_reduce_scatter_gather.cc), "rank_ordered"
// (reduce_rank_ordered.cc; non-commutative ops, GLOOMPI_DETERMINISTIC).
#include <cstring>

#include "gloo/algorithms/collective_support.h"
#include "gloo/algorithms/reduce.h"
#include "gloo/collectives.h"
#include "gloo/selection.h"

namespace gloo {

using namespace algorithms;

const char* reduce(Context& ctx, const ReduceArgs& a) {
  static const std::vector<std::string> kAlgorithms = {"binomial", "reduce_scatter_gather",
                                                       "rank_ordered"};
  constexpr const char* kName = "reduce";
  checkRoot(kName, ctx, a.root);
  const size_t bytes = checkedMul(kName, "count", a.count, a.reduction.elementSize());
  const bool isRoot = ctx.rank() == a.root;
  // In place: the input is taken from out.
  const void* in = a.in != nullptr ? a.in : a.out;
  if (isRoot) checkBuffer(kName, "out", a.out, bytes);
  checkBuffer(kName, a.in == nullptr ? "in (in place: out)" : "in", in, bytes);
  const char* algo = stableName(
      kName, kAlgorithms,
      selectAlgorithm({Collective::kReduce, bytes, ctx.size(), a.reduction.commutative()},
                      a.algorithm, kAlgorithms));
  ctx.setLastAlgorithm(algo);
  if (bytes == 0) return algo;
  if (ctx.size() == 1) {
    if (in != a.out) std::memcpy(a.out, in, bytes);
    return algo;
  }
  const uint64_t seq = ctx.nextSequence();
  runGuarded(ctx, kName, algo, [&] {
    if (algo == kAlgorithms[1]) {
      reduceReduceScatterGather(ctx, seq, in, a.out, a.count, a.reduction, a.root);
    } else if (algo == kAlgorithms[2]) {
      reduceRankOrdered(ctx, seq, in, a.out, a.count, a.reduction, a.root);
    } else {
      reduceBinomial(ctx, seq, in, a.out, a.count, a.reduction, a.root);
    }
  });
  return algo;
}

}  // namespace gloo
