// gloo::reduceScatter and gloo::reduceScatterBlock: argument checks,
// in-place handling (in == nullptr or in == out: the full input sits in out
// and the result goes to its front), algorithm choice and dispatch.
// Algorithms: "ring" (reduce_scatter_ring.cc, commutative ops) and
// "rank_ordered" (reduce_scatter_rank_ordered.cc, non-commutative ops and
// GLOOMPI_DETERMINISTIC).
#include <cstring>

#include "gloo/algorithms/collective_support.h"
#include "gloo/algorithms/reduce_scatter.h"
#include "gloo/collectives.h"
#include "gloo/selection.h"

namespace gloo {

using namespace algorithms;

namespace {

constexpr const char* kName = "reduce_scatter";

// Shared by both entry points; `blocks` is in bytes, `total` the input size
// in bytes (already checked for overflow).
const char* reduceScatterImpl(Context& ctx, const void* inArg, void* out, const Blocks& blocks,
                              size_t total, const Reduction& red, const std::string& requested) {
  static const std::vector<std::string> kAlgorithms = {"ring", "rank_ordered"};
  const int P = ctx.size(), r = ctx.rank();
  const bool inPlace = inArg == nullptr || inArg == out;
  checkBuffer(kName, "out", out, inPlace ? total : blocks.size(r));
  checkBuffer(kName, "in", inPlace ? out : inArg, total);
  const char* algo = stableName(
      kName, kAlgorithms,
      selectAlgorithm({Collective::kReduceScatter, total, P, red.commutative()}, requested,
                      kAlgorithms));
  ctx.setLastAlgorithm(algo);
  if (total == 0) return algo;
  const void* in = inPlace ? out : inArg;
  const size_t mine = blocks.size(r), off = blocks.offset(r);
  if (P == 1) {
    if (mine > 0 && at(in, off) != out) std::memmove(out, at(in, off), mine);
    return algo;
  }
  // The algorithms need out to alias in's own block exactly or not at all.
  void* dst = out;
  if (inPlace && off != 0) dst = ctx.scratch(mine, 2);
  const uint64_t seq = ctx.nextSequence();
  runGuarded(ctx, kName, algo, [&] {
    if (algo == kAlgorithms[1]) {
      reduceScatterRankOrdered(ctx, seq, 0, in, dst, blocks, red);
    } else {
      reduceScatterRing(ctx, seq, 0, in, dst, blocks, red);
    }
  });
  if (dst != out && mine > 0) std::memcpy(out, dst, mine);
  return algo;
}

}  // namespace

const char* reduceScatter(Context& ctx, const ReduceScatterArgs& a) {
  const int P = ctx.size();
  checkVectorSize(kName, "counts", a.counts.size(), P);
  const size_t es = a.reduction.elementSize();
  size_t count = 0;
  for (size_t c : a.counts) count = checkedAdd(kName, "counts", count, c);
  const size_t total = checkedMul(kName, "counts", count, es);
  // Element offsets of the blocks (prefix sums of counts).
  std::vector<size_t> offsets(P);
  for (int i = 1; i < P; i++) offsets[i] = offsets[i - 1] + a.counts[i - 1];
  return reduceScatterImpl(ctx, a.in, a.out,
                           Blocks::explicitLayout(a.counts.data(), offsets.data(), es), total,
                           a.reduction, a.algorithm);
}

const char* reduceScatterBlock(Context& ctx, const void* in, void* out, size_t countPerRank,
                               const Reduction& r, const std::string& algorithm) {
  const size_t block = checkedMul(kName, "countPerRank", countPerRank, r.elementSize());
  const size_t total = checkedMul(kName, "countPerRank", block, static_cast<size_t>(ctx.size()));
  return reduceScatterImpl(ctx, in, out, Blocks::uniform(block), total, r, algorithm);
}

}  // namespace gloo
