// Reduce "reduce_scatter_gather" (Rabenseifner-style): for large messages
// with commutative reductions.
//
// Phase 1: ring reduce-scatter (reduce_scatter_ring.cc) over P near-equal
//   blocks of the count; rank i ends with block i fully reduced (at the root
//   straight into its place in out). Steps 0 .. P-2.
// Phase 2: every other rank sends its reduced block to the root, which
//   receives each straight into its place in out. Step 2^20.
// Bytes per rank: about S * (P-1)/P sent in phase 1 plus S/P in phase 2,
// versus S * ceil(log2 P) received by the root of a binomial tree.
// Chosen for messages above the table's threshold when P >= 3.
// Scratch: 0 and 1 (ring), 2 (a non-root's reduced block).
#include "gloo/algorithms/collective_support.h"
#include "gloo/algorithms/reduce.h"
#include "gloo/algorithms/reduce_scatter.h"

namespace gloo::algorithms {

void gatherBlocksToRoot(Context& ctx, uint64_t seq, uint32_t step, const void* mine, void* out,
                        const Blocks& blocks, int root) {
  const int P = ctx.size(), r = ctx.rank();
  const uint64_t slot = Context::makeSlot(seq, step);
  if (r != root) {
    if (blocks.size(r) > 0) ctx.send(root, slot, mine, blocks.size(r));
    return;
  }
  RequestList reqs(ctx, P);
  for (int i = 0; i < P; i++) {
    if (i != root) reqs.recv(i, slot, at(out, blocks.offset(i)), blocks.size(i));
  }
  reqs.waitAll();
}

void reduceReduceScatterGather(Context& ctx, uint64_t seq, const void* in, void* out,
                               size_t count, const Reduction& red, int root) {
  const int P = ctx.size(), r = ctx.rank();
  const Blocks blocks = Blocks::partition(count, red.elementSize(), P);
  void* mine = r == root ? static_cast<void*>(at(out, blocks.offset(r)))
                         : ctx.scratch(blocks.size(r), 2);
  reduceScatterRing(ctx, seq, 0, in, mine, blocks, red);
  gatherBlocksToRoot(ctx, seq, 1u << 20, mine, out, blocks, root);
}

}  // namespace gloo::algorithms
