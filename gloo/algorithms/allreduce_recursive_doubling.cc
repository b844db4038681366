// Allreduce "recursive_doubling": the latency algorithm.
//
// Steps (P ranks, P' = largest power of two <= P, rem = P - P'):
//  1. fold (only if P is not a power of two): among ranks 0..2rem-1, each
//     even rank sends its whole buffer to the odd rank above it and sits
//     out; the odd rank reduces (even op odd). The remaining P' ranks get
//     new ranks 0..P'-1 in rank order (odd rank 2i+1 -> i, rank r >= 2rem
//     -> r - rem), each standing for a contiguous range of old ranks.
//  2. for mask = 1, 2, ..., P'/2: exchange the whole buffer with new rank
//     (new ^ mask) and reduce, the lower-ranked partner's data as the left
//     operand; both partners compute the same bits.
//  3. unfold: each odd rank of step 1 sends the result to its even rank.
// Bytes on the wire per rank: log2(P') * S (+ S for the fold/unfold pair).
// Chosen for small messages (selection table: up to 16 KiB), where the
// log2(P) message latencies dominate. Operands always stay in rank order
// (each partial covers a contiguous rank range), but the bracketing is a
// tree, not a left fold.
#include "gloo/algorithms/allreduce.h"

namespace gloo::allreduce_algo {

void recursiveDoubling(Context& ctx, const void* inp, void* outp, size_t count,
                       const Reduction& reduction) {
  const int P = ctx.size();
  const int rank = ctx.rank();
  const size_t bytes = count * reduction.elementSize();
  const uint64_t seq = ctx.nextSequence();
  const int pof2 = powerOfTwoBelow(P);
  const int rem = P - pof2;
  const auto* in = static_cast<const uint8_t*>(inp);
  auto* out = static_cast<uint8_t*>(outp);
  // Slot steps: 0 fold, 1.. exchanges, kUnfold the result back.
  constexpr uint32_t kFold = 0;
  constexpr uint32_t kUnfold = 0xfffff;

  auto* tmp = static_cast<uint8_t*>(ctx.scratch(bytes, kScratchData));
  const uint8_t* mine = in;  // this rank's current partial
  int newRank;
  if (rank < 2 * rem) {
    if (rank % 2 == 0) {
      Request rr, sr;
      ctx.irecv(rr, rank + 1, Context::makeSlot(seq, kUnfold), out, bytes);
      ctx.isend(sr, rank + 1, Context::makeSlot(seq, kFold), in, bytes);
      ctx.wait({&sr, &rr});
      return;
    }
    ctx.recv(rank - 1, Context::makeSlot(seq, kFold), tmp, bytes);
    reduction.apply(out, tmp, in, count);
    mine = out;
    newRank = rank / 2;
  } else {
    newRank = rank - rem;
  }

  uint32_t step = 1;
  for (int mask = 1; mask < pof2; mask <<= 1, ++step) {
    const int partnerNew = newRank ^ mask;
    const int partner = partnerNew < rem ? 2 * partnerNew + 1 : partnerNew + rem;
    const uint64_t slot = Context::makeSlot(seq, step);
    ctx.sendrecv(partner, slot, mine, bytes, partner, slot, tmp, bytes);
    if (partner < rank) {
      reduction.apply(out, tmp, mine, count);
    } else {
      reduction.apply(out, mine, tmp, count);
    }
    mine = out;
  }

  if (rank < 2 * rem) {
    ctx.send(rank - 1, Context::makeSlot(seq, kUnfold), out, bytes);
  }
}

}  // namespace gloo::allreduce_algo
