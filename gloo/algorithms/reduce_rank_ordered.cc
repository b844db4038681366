// Reduce "rank_ordered": order-preserving and deterministic.
//
// Each element is reduced as a sequential left fold in absolute rank order,
// ((x_0 op x_1) op x_2) ... op x_{P-1}, the same grouping as allreduce's and
// reduce_scatter's rank_ordered, whatever P and the size.
//  - Up to kSingleOwnerBytes (or fewer elements than ranks): every other
//    rank sends its whole input to the root, which folds the P inputs in
//    rank order as they arrive (one round; the root receives (P-1) * S).
//  - Larger: the count is cut into P near-equal blocks; rank i folds block i
//    of every rank in rank order (reduce_scatter_rank_ordered.cc, step 0),
//    then sends it to the root (step 1). Each rank sends about S bytes and
//    the fold work is spread over all ranks.
// Chosen for non-commutative ops and under GLOOMPI_DETERMINISTIC.
// Scratch: 0 (received blocks), 2 (a non-root's folded block).
#include "gloo/algorithms/collective_support.h"
#include "gloo/algorithms/reduce.h"
#include "gloo/algorithms/reduce_scatter.h"

namespace gloo::algorithms {

namespace {
constexpr size_t kSingleOwnerBytes = 64 * 1024;
}

void reduceRankOrdered(Context& ctx, uint64_t seq, const void* in, void* out, size_t count,
                       const Reduction& red, int root) {
  const int P = ctx.size(), r = ctx.rank();
  const size_t es = red.elementSize();
  if (count * es <= kSingleOwnerBytes || count < static_cast<size_t>(P)) {
    reduceScatterRankOrdered(ctx, seq, 0, in, out, Blocks::single(count, es, root), red);
    return;
  }
  const Blocks blocks = Blocks::partition(count, es, P);
  void* mine = r == root ? static_cast<void*>(at(out, blocks.offset(r)))
                         : ctx.scratch(blocks.size(r), 2);
  reduceScatterRankOrdered(ctx, seq, 0, in, mine, blocks, red);
  gatherBlocksToRoot(ctx, seq, 1, mine, out, blocks, root);
}

}  // namespace gloo::algorithms
