// Building blocks shared by the allreduce algorithms (not an algorithm):
// request storage in scratch memory, and reduce-scatter / allgather inside
// a group of ranks (used by bcube, one group per dimension, and by
// rank_ordered, one group of all ranks).
//
// Group protocol (both functions; f = group size, part i of [lo, hi) is
// owned by member i):
//  reduce-scatter: every member sends part i of its source to member i
//    (slot (seq, step), in groupPieces() pieces matched in order, none when
//    part i is empty) and receives its own part from every other member
//    into scratch; the owner folds the f operands of each piece in member
//    order: ((p0 op p1) op p2) ... — so when members are in rank order,
//    each element is a left fold in rank order, whatever the piece bounds.
//  allgather: the owner of part i sends it to every other member (same slot
//    rule), which receive it straight into `out` (receives may be posted
//    before the reduce-scatter, see allreduce.h).
// Requests live in a RequestSet of the caller, so an algorithm can post all
// of its receives early and wait for everything once.
#include <new>

#include "gloo/algorithms/allreduce.h"

namespace gloo::allreduce_algo {

RequestSet::RequestSet(Context& ctx, size_t capacity) : ctx_(ctx) {
  // Layout in the scratch buffer: capacity Requests, then capacity pointers.
  size_t bytes = capacity * (sizeof(Request) + sizeof(Request*));
  auto* base = static_cast<uint8_t*>(ctx.scratch(bytes == 0 ? 1 : bytes, kScratchRequests));
  reqs_ = reinterpret_cast<Request*>(base);
  for (size_t i = 0; i < capacity; ++i) new (&reqs_[i]) Request();
  ptrs_ = reinterpret_cast<Request**>(base + capacity * sizeof(Request));
}

void groupReduceScatter(Context& ctx, const Group& g, uint64_t seq, uint32_t step,
                        const uint8_t* src, uint8_t* out, size_t lo, size_t hi,
                        const Reduction& reduction, RequestSet& reqs) {
  const size_t n = hi - lo;
  if (n == 0) return;
  const int f = g.size;
  const int me = g.me;
  const size_t es = reduction.elementSize();
  const size_t myLen = partSize(n, f, me);
  const size_t myBegin = lo + partBegin(n, f, me);
  const uint64_t slot = Context::makeSlot(seq, step);
  // Operand of member i (i != me) lands at tmp + index(i) * myLen elements,
  // in groupPieces(myLen) pieces, piece p of member i being request
  // base + index(i) * pieces + p.
  auto index = [me](int i) { return i < me ? i : i - 1; };
  uint8_t* tmp = myLen > 0 ? static_cast<uint8_t*>(
                                 ctx.scratch((f - 1) * myLen * es, kScratchData))
                           : nullptr;
  const size_t myPieces = groupPieces(myLen * es);

  // Receives first, then sends, piece-major, rotated so that not every
  // member serves member 0 first. Pieces from one member share the slot
  // and are matched in order.
  const size_t base = reqs.size();
  for (int i = 0; i < f; ++i) {
    if (i == me) continue;
    for (size_t p = 0; p < myPieces; ++p) {
      const size_t b = partBegin(myLen, myPieces, p);
      ctx.irecv(reqs.add(), g.member(i), slot, tmp + (index(i) * myLen + b) * es,
                partSize(myLen, myPieces, p) * es);
    }
  }
  for (size_t p = 0; p < kGroupMaxPieces; ++p) {
    for (int d = 1; d < f; ++d) {
      const int i = (me + d) % f;
      const size_t len = partSize(n, f, i);
      const size_t pieces = groupPieces(len * es);
      if (p >= pieces) continue;
      const size_t b = lo + partBegin(n, f, i) + partBegin(len, pieces, p);
      ctx.isend(reqs.add(), g.member(i), slot, src + b * es, partSize(len, pieces, p) * es);
    }
  }

  // Fold piece by piece, so the reduction of one piece overlaps the arrival
  // of the next.
  for (size_t p = 0; p < myPieces; ++p) {
    const size_t pb = partBegin(myLen, myPieces, p), pn = partSize(myLen, myPieces, p);
    uint8_t* dst = out + (myBegin + pb) * es;
    const uint8_t* mine = src + (myBegin + pb) * es;
    auto operand = [&](int i) -> uint8_t* {
      ctx.wait(reqs[base + index(i) * myPieces + p]);
      return tmp + (index(i) * myLen + pb) * es;
    };
    if (me == 0) {
      reduction.apply(dst, mine, operand(1), pn);
      for (int i = 2; i < f; ++i) reduction.apply(dst, dst, operand(i), pn);
    } else {
      // The prefix p0..p(me-1) accumulates in member 0's receive buffer, as
      // dst may alias `mine` (in place) and must not be written before it
      // is consumed.
      uint8_t* acc = operand(0);
      for (int i = 1; i < me; ++i) reduction.apply(acc, acc, operand(i), pn);
      reduction.apply(dst, acc, mine, pn);
      for (int i = me + 1; i < f; ++i) reduction.apply(dst, dst, operand(i), pn);
    }
  }
}

void groupAllgatherRecv(Context& ctx, const Group& g, uint64_t seq, uint32_t step, uint8_t* out,
                        size_t lo, size_t hi, size_t es, RequestSet& reqs) {
  const size_t n = hi - lo;
  const int f = g.size;
  const uint64_t slot = Context::makeSlot(seq, step);
  for (int d = 1; d < f; ++d) {
    const int i = (g.me - d + f) % f;
    const size_t len = partSize(n, f, i);
    if (len == 0) continue;
    ctx.irecv(reqs.add(), g.member(i), slot, out + (lo + partBegin(n, f, i)) * es, len * es);
  }
}

void groupAllgatherSend(Context& ctx, const Group& g, uint64_t seq, uint32_t step,
                        const uint8_t* out, size_t lo, size_t hi, size_t es, RequestSet& reqs) {
  const size_t n = hi - lo;
  const int f = g.size;
  const size_t myLen = partSize(n, f, g.me);
  if (myLen == 0) return;
  const uint64_t slot = Context::makeSlot(seq, step);
  const uint8_t* mine = out + (lo + partBegin(n, f, g.me)) * es;
  for (int d = 1; d < f; ++d) {
    ctx.isend(reqs.add(), g.member((g.me + d) % f), slot, mine, myLen * es);
  }
}

}  // namespace gloo::allreduce_algo
