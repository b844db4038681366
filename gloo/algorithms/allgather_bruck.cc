// Allgather "bruck" (Bruck et al.): for small messages, any P.
//
// Works in a scratch buffer T of P blocks in rotated order: T[i] holds the
// block of rank (r + i) mod P; T[0] starts as this rank's own block.
// Round k, d = 2^k: rank r sends T[0 .. c) to (r - d) mod P and receives
// c blocks from (r + d) mod P into T[d .. d + c), c = min(d, P - d) (step
// k); afterwards T[0 .. min(2d, P)) is filled. Finally T is rotated into
// out (block i of T goes to rank (r + i) mod P's place).
// ceil(log2 P) rounds, every rank sends and receives (P-1) blocks in total:
// fewer messages than the ring (log P instead of P-1) at the cost of one
// local copy of the whole result. Scratch 0 (P blocks).
#include <cstring>

#include "gloo/algorithms/allgather.h"

namespace gloo::algorithms {

void allgatherBruck(Context& ctx, uint64_t seq, void* out, size_t bytes) {
  const int P = ctx.size(), r = ctx.rank();
  if (P == 1 || bytes == 0) return;
  uint8_t* t = static_cast<uint8_t*>(ctx.scratch(bytes * P, 0));
  std::memcpy(t, at(out, bytes * r), bytes);
  uint32_t k = 0;
  for (int d = 1; d < P; d <<= 1, k++) {
    const int c = d < P - d ? d : P - d;
    const uint64_t slot = Context::makeSlot(seq, k);
    exchange(ctx, (r - d + P) % P, slot, t, bytes * c, (r + d) % P, slot, t + bytes * d,
             bytes * c);
  }
  // T[i] -> out block (r + i) mod P: two contiguous pieces.
  const size_t head = static_cast<size_t>(P - r);  // T[0 .. P-r) -> out[r .. P)
  std::memcpy(at(out, bytes * r), t, bytes * head);
  if (r > 0) std::memcpy(out, t + bytes * head, bytes * r);
}

}  // namespace gloo::algorithms
