// Reduce-scatter "ring": for commutative reductions.
//
// Step s = 0 .. P-2: rank r sends its partial sum of block (r - s - 1) mod P
// to r + 1 and receives the partial sum of block (r - s - 2) mod P from
// r - 1, adding its own contribution to it. A partial received at step s is
// forwarded at step s + 1; the one received at the last step is block r with
// all P contributions. Partials alternate between two scratch buffers, so
// the one being sent is never the one being received into.
// P - 1 steps; each rank sends and receives about S * (P-1)/P bytes.
// Chosen by the table for every size when the op is commutative.
#include <cstring>

#include "gloo/algorithms/reduce_scatter.h"

namespace gloo::algorithms {

void reduceScatterRing(Context& ctx, uint64_t seq, uint32_t stepBase, const void* in, void* out,
                       const Blocks& blocks, const Reduction& red) {
  const int P = ctx.size(), r = ctx.rank();
  const size_t es = red.elementSize();
  if (P == 1) {
    if (out != at(in, blocks.offset(0)) && blocks.size(0) > 0) {
      std::memcpy(out, at(in, blocks.offset(0)), blocks.size(0));
    }
    return;
  }
  const size_t maxBlock = blocks.maxSize(P);
  uint8_t* partial[2] = {static_cast<uint8_t*>(ctx.scratch(maxBlock, 0)),
                         static_cast<uint8_t*>(ctx.scratch(maxBlock, 1))};
  const int next = (r + 1) % P, prev = (r - 1 + P) % P;
  auto mod = [P](int x) { return ((x % P) + P) % P; };
  for (int s = 0; s < P - 1; s++) {
    const uint64_t slot = Context::makeSlot(seq, stepBase + s);
    const int sb = mod(r - s - 1), rb = mod(r - s - 2);
    const void* src = s == 0 ? static_cast<const void*>(at(in, blocks.offset(sb))) : partial[(s - 1) & 1];
    uint8_t* dst = partial[s & 1];
    const size_t rn = blocks.size(rb);
    exchange(ctx, next, slot, src, blocks.size(sb), prev, slot, dst, rn);
    if (rn == 0) continue;
    if (rb == r) {
      red.apply(out, dst, at(in, blocks.offset(rb)), rn / es);
    } else {
      red.apply(dst, dst, at(in, blocks.offset(rb)), rn / es);
    }
  }
}

}  // namespace gloo::algorithms
