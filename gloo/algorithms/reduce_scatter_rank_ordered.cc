// Reduce-scatter "rank_ordered": order-preserving, deterministic.
//
// Every rank r sends block j of its input to rank j (j != r) and receives
// block r from every other rank (one step, all messages in flight at once;
// receives are posted first). The owner then folds its block as
//   out = ((x_0 op x_1) op x_2) ... op x_{P-1}
// taking the x_i in rank order as they are needed (waiting for x_i only
// when the fold reaches it, while later ones keep arriving). Each element is
// therefore reduced exactly as a sequential left fold in rank order, whatever
// P or the message size: safe for non-commutative ops and bit-identical for
// GLOOMPI_DETERMINISTIC.
// One round; each rank sends and receives about S * (P-1)/P bytes; the
// owner needs (P-1) blocks of scratch (scratch 0).
// Chosen for non-commutative reductions and under GLOOMPI_DETERMINISTIC.
#include <cstring>

#include "gloo/algorithms/reduce_scatter.h"

namespace gloo::algorithms {

void reduceScatterRankOrdered(Context& ctx, uint64_t seq, uint32_t stepBase, const void* in,
                              void* out, const Blocks& blocks, const Reduction& red) {
  const int P = ctx.size(), r = ctx.rank();
  const size_t es = red.elementSize();
  const uint64_t slot = Context::makeSlot(seq, stepBase);
  const size_t mine = blocks.size(r);
  const uint8_t* own = at(in, blocks.offset(r));
  // Receive slot i (0 <= i < P) at tmp + i * mine; slot r only used when
  // the own contribution must be saved from being overwritten (below).
  uint8_t* tmp = mine > 0 ? static_cast<uint8_t*>(ctx.scratch(mine * P, 0)) : nullptr;

  RequestList reqs(ctx, 2 * static_cast<size_t>(P));
  Request* from[64];
  std::unique_ptr<Request*[]> fromHeap;
  Request** fromPtr = from;
  if (P > 64) {
    fromHeap = std::make_unique<Request*[]>(P);
    fromPtr = fromHeap.get();
  }
  for (int i = 0; i < P; i++) {
    fromPtr[i] = i == r ? nullptr : reqs.recv(i, slot, tmp + i * mine, mine);
  }
  for (int k = 1; k < P; k++) {
    const int j = (r + k) % P;
    reqs.send(j, slot, at(in, blocks.offset(j)), blocks.size(j));
  }
  if (mine > 0) {
    // out aliases own exactly (in place) or not at all. When aliased and
    // r >= 2, the first fold step would overwrite x_r before it is used.
    if (static_cast<const void*>(out) == own && r >= 2) {
      std::memcpy(tmp + r * mine, own, mine);
      own = tmp + r * mine;
    }
    auto x = [&](int i) -> const uint8_t* {
      if (i == r) return own;
      reqs.wait(fromPtr[i]);
      return tmp + i * mine;
    };
    const size_t n = mine / es;
    if (P == 1) {
      if (out != own) std::memcpy(out, own, mine);
    } else {
      const uint8_t* x0 = x(0);
      red.apply(out, x0, x(1), n);
      for (int i = 2; i < P; i++) red.apply(out, out, x(i), n);
    }
  }
  reqs.waitAll();
}

}  // namespace gloo::algorithms
