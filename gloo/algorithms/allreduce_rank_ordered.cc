// Allreduce "rank_ordered": order-preserving and deterministic.
//
// Steps: the buffer is split into P blocks (partBegin); block b belongs to
// rank b.
//  1. reduce-scatter: every rank sends block b of its input to rank b; rank
//     b folds the P operands of its block in rank order, as a left fold
//     ((x0 op x1) op x2) op ... (groupReduceScatter over all ranks).
//  2. allgather: rank b sends its reduced block to every other rank, which
//     receives it straight into `out` (groupAllgather).
// Bytes on the wire per rank: 2 (P-1)/P * S, in 2 (P-1) messages (the
// reduce-scatter ones cut in pieces of ~256 KiB, folded as they arrive). All
// allgather receives are posted before the reduce-scatter starts.
// Every element is the left fold of the ranks' values in rank order, computed
// by one rank, whatever the block boundaries: so the result is bit-identical
// for a given P and inputs whatever the message size or how the buffer is
// split, and non-commutative (associative) user ops get the MPI-defined
// order. Chosen whenever the reduction is not commutative or
// GLOOMPI_DETERMINISTIC=1 (gloo/selection.cc).
#include "gloo/algorithms/allreduce.h"

namespace gloo::allreduce_algo {

void rankOrdered(Context& ctx, const void* inp, void* outp, size_t count,
                 const Reduction& reduction) {
  const uint64_t seq = ctx.nextSequence();
  const Group all{0, 1, ctx.size(), ctx.rank()};
  const auto* in = static_cast<const uint8_t*>(inp);
  auto* out = static_cast<uint8_t*>(outp);
  const size_t es = reduction.elementSize();
  RequestSet reqs(ctx, groupRequests(all));
  // The other ranks' blocks land in `out` as soon as they are final.
  groupAllgatherRecv(ctx, all, seq, 1, out, 0, count, es, reqs);
  groupReduceScatter(ctx, all, seq, 0, in, out, 0, count, reduction, reqs);
  groupAllgatherSend(ctx, all, seq, 1, out, 0, count, es, reqs);
  reqs.waitAll();
}

}  // namespace gloo::allreduce_algo
