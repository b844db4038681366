// Barrier "dissemination" (Hensgen, Finkel, Manber).
//
// Round k = 0 .. ceil(log2 P)-1, d = 2^k: rank r sends a 1-byte token to
// (r + d) mod P and receives one from (r - d) mod P (step k). After round k
// every rank has (transitively) heard from the 2^(k+1) ranks before it, so
// after the last round from all of them: no rank leaves before every rank
// has entered. ceil(log2 P) rounds of 1 byte each way, for any P.
// The only barrier algorithm.
#include "gloo/algorithms/barrier.h"

namespace gloo::algorithms {

void barrierDissemination(Context& ctx, uint64_t seq) {
  const int P = ctx.size(), r = ctx.rank();
  uint8_t out = 0, in = 0;
  uint32_t k = 0;
  for (int d = 1; d < P; d <<= 1, k++) {
    const uint64_t slot = Context::makeSlot(seq, k);
    ctx.sendrecv((r + d) % P, slot, &out, 1, (r - d + P) % P, slot, &in, 1);
  }
}

}  // namespace gloo::algorithms
