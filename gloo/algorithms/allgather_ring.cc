// Allgather(v) "ring".
//
// Step s = 0 .. P-2: rank r sends block (r - s) mod P to r + 1 and receives
// block (r - s - 1) mod P from r - 1, straight into its place in out (the
// receive is posted before the send). P - 1 steps; each rank sends and
// receives everything but its own block once: (P-1)/P of the total.
// Bandwidth-optimal; chosen for allgather above the small-message threshold
// and for every allgatherv.
#include "gloo/algorithms/allgather.h"

namespace gloo::algorithms {

void allgatherRing(Context& ctx, uint64_t seq, uint32_t stepBase, void* out,
                   const Blocks& blocks) {
  const int P = ctx.size(), r = ctx.rank();
  const int next = (r + 1) % P, prev = (r - 1 + P) % P;
  for (int s = 0; s < P - 1; s++) {
    const uint64_t slot = Context::makeSlot(seq, stepBase + s);
    const int sb = ((r - s) % P + P) % P, rb = ((r - s - 1) % P + P) % P;
    exchange(ctx, next, slot, at(out, blocks.offset(sb)), blocks.size(sb), prev, slot,
             at(out, blocks.offset(rb)), blocks.size(rb));
  }
}

}  // namespace gloo::algorithms
