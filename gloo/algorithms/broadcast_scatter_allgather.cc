// Broadcast "scatter_allgather" (van de Geijn): for large messages.
//
// The message is cut into P near-equal contiguous blocks; block i belongs
// to the rank with relative index i (v = (rank - root) mod P).
// Phase 1 (scatter, binomial tree over relative ranks): rank v receives from
//   its parent v - lowbit(v) the blocks [v, v + lowbit(v)) (clipped to P),
//   which are contiguous in `data`, then forwards to each child v + m the
//   blocks [v + m, v + 2m). ceil(log2 P) rounds, steps stepBase + 0.
// Phase 2 (ring allgather over relative ranks): in step s = 0..P-2 rank v
//   sends block (v - s) mod P to v + 1 and receives block (v - s - 1) mod P
//   from v - 1. Steps stepBase + 1 + s.
// Bytes per rank: about S/P * log-depth in phase 1 plus S * (P-1)/P in
// phase 2, i.e. ~2S at worst instead of S * log2 P for the binomial tree.
// Chosen for messages above the table's threshold when P >= 4.
#include "gloo/algorithms/broadcast.h"
#include "gloo/algorithms/collective_support.h"

namespace gloo::algorithms {

void broadcastScatterAllgather(Context& ctx, uint64_t seq, uint32_t stepBase, void* data,
                               size_t bytes, int root) {
  const int P = ctx.size();
  if (P == 1 || bytes == 0) return;
  const int v = (ctx.rank() - root + P) % P;
  const Blocks blocks = Blocks::partition(bytes, 1, P);
  auto abs = [&](int rel) { return (rel + root) % P; };
  // Bytes of the relative block range [lo, hi) (hi clipped to P).
  auto rangeBytes = [&](int lo, int hi) {
    if (hi > P) hi = P;
    return hi <= lo ? size_t{0} : blocks.offset(hi - 1) + blocks.size(hi - 1) - blocks.offset(lo);
  };

  // Phase 1: binomial scatter.
  const uint64_t scatterSlot = Context::makeSlot(seq, stepBase);
  const int span = lowBitOrSpan(v, P);
  if (v != 0) {
    const size_t n = rangeBytes(v, v + span);
    if (n > 0) ctx.recv(abs(v - span), scatterSlot, at(data, blocks.offset(v)), n);
  }
  {
    int children = 0;
    for (int m = span >> 1; m >= 1; m >>= 1) children += (v + m < P) ? 1 : 0;
    RequestList reqs(ctx, children);
    for (int m = span >> 1; m >= 1; m >>= 1) {
      if (v + m >= P) continue;
      reqs.send(abs(v + m), scatterSlot, at(data, blocks.offset(v + m)),
                rangeBytes(v + m, v + 2 * m));
    }
    reqs.waitAll();
  }

  // Phase 2: ring allgather of the blocks.
  const int next = abs(v + 1), prev = abs(v - 1 + P);
  for (int s = 0; s < P - 1; s++) {
    const uint64_t slot = Context::makeSlot(seq, stepBase + 1 + s);
    const int sb = ((v - s) % P + P) % P;
    const int rb = ((v - s - 1) % P + P) % P;
    exchange(ctx, next, slot, at(data, blocks.offset(sb)), blocks.size(sb), prev, slot,
             at(data, blocks.offset(rb)), blocks.size(rb));
  }
}

}  // namespace gloo::algorithms
