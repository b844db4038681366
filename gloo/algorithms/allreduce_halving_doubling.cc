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
//     (lower partner's data left), both halves in pieces of ~256 KiB so
//     the reduction of one piece overlaps the arrival of the next.
//     Partners share the same range at every level, since it depends only
//     on the bits below k.
//  3. allgather, levels in reverse: send the owned range to the partner,
//     receive the sibling half straight into `out`.
//  Every receive of steps 2 and 3 is posted before the first send (the
//  level plan is computed up front), so nothing waits in the transport's
//  unexpected-message buffer for a receive posted late.
//  4. unfold: each odd rank of step 1 sends the result to its even rank.
// Bytes on the wire per rank: 2 (P'-1)/P' * S (+ S each way for folded
// pairs), in 2 log2(P') messages. Chosen for medium messages (selection
// table: 16 KiB .. 1 MiB): half the bandwidth of recursive doubling with
// the same number of steps. Ascending masks keep every partial a
// contiguous rank range, so operands stay in rank order.
#include "gloo/algorithms/allreduce.h"

namespace gloo::allreduce_algo {
namespace {

// Reduce-scatter halves are sent in pieces of about kPieceBytes (at most
// kMaxPieces), an empty half in none.
constexpr size_t kPieceBytes = 256 * 1024;
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

  // The plan of every level, computed before anything is sent so that all
  // receives can be posted at once: reduce-scatter operands land in
  // disjoint scratch regions (their sizes sum to less than count), and the
  // allgather halves straight in `out` (their data causally follows every
  // use of that region here).
  struct Level {
    int partner;
    bool lower;
    size_t keepLo, keepN, giveLo, giveN;
    size_t tmpOff;              // scratch offset (elements) of this level's operand
    size_t rsFirst, rsPieces;   // its receive pieces in `reqs`
    size_t agIndex;             // allgather receive in `reqs` (if giveN > 0)
  };
  Level lv[32];
  int levels = 0;
  {
    size_t lo = 0, hi = count, off = 0;
    for (int mask = 1; mask < pof2; mask <<= 1, ++levels) {
      Level& L = lv[levels];
      const size_t mid = lo + (hi - lo) / 2;
      L.partner = realRank(newRank ^ mask);
      L.lower = (newRank & mask) == 0;
      L.keepLo = L.lower ? lo : mid;
      L.keepN = L.lower ? mid - lo : hi - mid;
      L.giveLo = L.lower ? mid : lo;
      L.giveN = (hi - lo) - L.keepN;
      L.tmpOff = off;
      off += L.keepN;
      lo = L.keepLo;
      hi = L.keepLo + L.keepN;
    }
  }
  auto* tmp = static_cast<uint8_t*>(ctx.scratch(count * es, kScratchData));
  RequestSet reqs(ctx, levels * (2 * kMaxPieces + 2));
  for (int k = 0; k < levels; ++k) {
    Level& L = lv[k];
    const uint64_t slot = Context::makeSlot(seq, 1 + k);
    L.rsFirst = reqs.size();
    L.rsPieces = pieces(L.keepN * es);
    for (size_t i = 0; i < L.rsPieces; ++i) {
      const size_t b = L.tmpOff + partBegin(L.keepN, L.rsPieces, i);
      ctx.irecv(reqs.add(), L.partner, slot, tmp + b * es, partSize(L.keepN, L.rsPieces, i) * es);
    }
  }
  for (int k = 0; k < levels; ++k) {
    Level& L = lv[k];
    if (L.giveN == 0) continue;
    L.agIndex = reqs.size();
    ctx.irecv(reqs.add(), L.partner, Context::makeSlot(seq, kGather + k), out + L.giveLo * es,
              L.giveN * es);
  }

  // Reduce-scatter: both halves travel in pieces (same slot, matched in
  // order), so the reduction of one piece overlaps the arrival of the next;
  // the piece count depends only on the half's size, known to both sides.
  for (int k = 0; k < levels; ++k) {
    const Level& L = lv[k];
    const uint64_t slot = Context::makeSlot(seq, 1 + k);
    const size_t givePieces = pieces(L.giveN * es);
    for (size_t i = 0; i < givePieces; ++i) {
      const size_t b = L.giveLo + partBegin(L.giveN, givePieces, i);
      ctx.isend(reqs.add(), L.partner, slot, mine + b * es, partSize(L.giveN, givePieces, i) * es);
    }
    for (size_t i = 0; i < L.rsPieces; ++i) {
      const size_t b = partBegin(L.keepN, L.rsPieces, i), n = partSize(L.keepN, L.rsPieces, i);
      ctx.wait(reqs[L.rsFirst + i]);
      uint8_t* dst = out + (L.keepLo + b) * es;
      const uint8_t* own = mine + (L.keepLo + b) * es;
      const uint8_t* theirs = tmp + (L.tmpOff + b) * es;
      if (L.lower) {
        reduction.apply(dst, own, theirs, n);
      } else {
        reduction.apply(dst, theirs, own, n);
      }
    }
    mine = out;
  }
  // Allgather: at level k this rank owns its reduce-scatter half of level
  // k, complete once the deeper levels' receives are in.
  for (int k = levels - 1; k >= 0; --k) {
    const Level& L = lv[k];
    if (L.keepN > 0) {
      ctx.isend(reqs.add(), L.partner, Context::makeSlot(seq, kGather + k), out + L.keepLo * es,
                L.keepN * es);
    }
    if (L.giveN > 0) ctx.wait(reqs[L.agIndex]);
  }
  reqs.waitAll();

  if (rank < 2 * rem) {
    ctx.send(rank - 1, Context::makeSlot(seq, kUnfold), out, bytes);
  }
}

}  // namespace gloo::allreduce_algo
