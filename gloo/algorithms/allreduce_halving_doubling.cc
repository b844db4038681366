// Allreduce "halving_doubling" (Rabenseifner): recursive-halving
// reduce-scatter, then recursive-doubling allgather.
//
// Steps (P' = largest power of two <= P, rem = P - P'):
//  1. fold, as in recursive_doubling: ranks 0..2rem-1 pair up, the even
//     rank sends its whole buffer to the odd one (even op odd) and waits;
//     survivors get new ranks 0..P'-1 in rank order.
//  2. reduce-scatter, mask = 1, 2, ..., P'/2 (level k = log2 mask): the
//     current range [lo, hi) is split at mid = lo + (hi-lo)/2; the partner
//     (new ^ mask) with the bit clear keeps [lo, mid), the other [mid, hi);
//     each sends the half it gives away and reduces the half it keeps
//     (lower partner's data left), both halves in pieces of ~64 KiB so the
//     reduction of one piece overlaps the arrival of the next. Partners share the same range at every
//     level, since it depends only on the bits below k.
//  3. allgather, levels in reverse: send the owned range to the partner,
//     receive the sibling half straight into `out`.
//  4. unfold: each odd rank of step 1 sends the result to its even rank.
// Bytes on the wire per rank: 2 (P'-1)/P' * S (+ S each way for folded
// pairs), in 2 log2(P') messages. Chosen for medium messages (selection
// table: 16 KiB .. 1 MiB): half the bandwidth of recursive doubling with
// the same number of steps. Ascending masks keep every partial a
// contiguous rank range, so operands stay in rank order.
#include <array>

#include "gloo/algorithms/allreduce.h"

namespace gloo::allreduce_algo {
namespace {

// Reduce-scatter halves are sent in pieces of about kPieceBytes (at most
// kMaxPieces), an empty half in none.
constexpr size_t kPieceBytes = 64 * 1024;
constexpr size_t kMaxPieces = 16;

size_t pieces(size_t bytes) {
  if (bytes == 0) return 0;
  return std::min(kMaxPieces, std::max<size_t>(1, bytes / kPieceBytes));
}

}  // namespace

void halvingDoubling(Context& ctx, const void* inp, void* outp, size_t count,
                     const Reduction& reduction) {
  const int P = ctx.size();
  const int rank = ctx.rank();
  const size_t es = reduction.elementSize();
  const size_t bytes = count * es;
  const uint64_t seq = ctx.nextSequence();
  const int pof2 = powerOfTwoBelow(P);
  const int rem = P - pof2;
  const auto* in = static_cast<const uint8_t*>(inp);
  auto* out = static_cast<uint8_t*>(outp);
  // Slot steps: 0 fold, 1+k reduce-scatter level k, 64+k allgather level k,
  // kUnfold the result back.
  constexpr uint32_t kFold = 0;
  constexpr uint32_t kGather = 64;
  constexpr uint32_t kUnfold = 0xfffff;

  const uint8_t* mine = in;
  int newRank;
  if (rank < 2 * rem) {
    if (rank % 2 == 0) {
      Request rr, sr;
      ctx.irecv(rr, rank + 1, Context::makeSlot(seq, kUnfold), out, bytes);
      ctx.isend(sr, rank + 1, Context::makeSlot(seq, kFold), in, bytes);
      ctx.wait({&sr, &rr});
      return;
    }
    auto* tmp = static_cast<uint8_t*>(ctx.scratch(bytes, kScratchData));
    ctx.recv(rank - 1, Context::makeSlot(seq, kFold), tmp, bytes);
    reduction.apply(out, tmp, in, count);
    mine = out;
    newRank = rank / 2;
  } else {
    newRank = rank - rem;
  }
  auto realRank = [rem](int nr) { return nr < rem ? 2 * nr + 1 : nr + rem; };

  auto* tmp = static_cast<uint8_t*>(ctx.scratch((count - count / 2) * es, kScratchData));
  size_t lo = 0, hi = count;
  size_t savedLo[32], savedHi[32];
  int levels = 0;
  for (int mask = 1; mask < pof2; mask <<= 1, ++levels) {
    const int partner = realRank(newRank ^ mask);
    const size_t mid = lo + (hi - lo) / 2;
    const bool lower = (newRank & mask) == 0;
    const size_t keepLo = lower ? lo : mid, keepHi = lower ? mid : hi;
    const size_t giveLo = lower ? mid : lo, giveHi = lower ? hi : mid;
    const uint64_t slot = Context::makeSlot(seq, 1 + levels);
    savedLo[levels] = lo;
    savedHi[levels] = hi;
    const size_t keepN = keepHi - keepLo, giveN = giveHi - giveLo;
    // Both halves travel in pieces (same slot, matched in order), so the
    // reduction of one piece overlaps the arrival of the next. The piece
    // count depends only on the half's size, which both partners know.
    const size_t keepPieces = pieces(keepN * es), givePieces = pieces(giveN * es);
    std::array<Request, kMaxPieces> rr, sr;
    for (size_t i = 0; i < keepPieces; ++i) {
      const size_t b = partBegin(keepN, keepPieces, i), n = partSize(keepN, keepPieces, i);
      ctx.irecv(rr[i], partner, slot, tmp + b * es, n * es);
    }
    for (size_t i = 0; i < givePieces; ++i) {
      const size_t b = giveLo + partBegin(giveN, givePieces, i), n = partSize(giveN, givePieces, i);
      ctx.isend(sr[i], partner, slot, mine + b * es, n * es);
    }
    for (size_t i = 0; i < keepPieces; ++i) {
      const size_t b = partBegin(keepN, keepPieces, i), n = partSize(keepN, keepPieces, i);
      ctx.wait(rr[i]);
      uint8_t* dst = out + (keepLo + b) * es;
      const uint8_t* own = mine + (keepLo + b) * es;
      if (lower) {
        reduction.apply(dst, own, tmp + b * es, n);
      } else {
        reduction.apply(dst, tmp + b * es, own, n);
      }
    }
    for (size_t i = 0; i < givePieces; ++i) ctx.wait(sr[i]);
    mine = out;
    lo = keepLo;
    hi = keepHi;
  }

  for (int k = levels - 1; k >= 0; --k) {
    const int partner = realRank(newRank ^ (1 << k));
    const size_t plo = savedLo[k], phi = savedHi[k];
    const size_t mid = plo + (phi - plo) / 2;
    // The sibling of [lo, hi) inside [plo, phi): the half the partner kept.
    const bool lower = (newRank & (1 << k)) == 0;
    const size_t sibLo = lower ? mid : plo, sibHi = lower ? phi : mid;
    const uint64_t slot = Context::makeSlot(seq, kGather + k);
    Request rr, sr;
    if (sibHi > sibLo) ctx.irecv(rr, partner, slot, out + sibLo * es, (sibHi - sibLo) * es);
    if (hi > lo) ctx.isend(sr, partner, slot, out + lo * es, (hi - lo) * es);
    if (hi > lo) ctx.wait(sr);
    if (sibHi > sibLo) ctx.wait(rr);
    lo = plo;
    hi = phi;
  }

  if (rank < 2 * rem) {
    ctx.send(rank - 1, Context::makeSlot(seq, kUnfold), out, bytes);
  }
}

}  // namespace gloo::allreduce_algo
