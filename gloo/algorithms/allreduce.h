// Internal: the allreduce algorithms (one per file, gloo/algorithms/allreduce_*.cc)
// and the few building blocks they share. Only gloo/allreduce.cc (the
// dispatcher) and the algorithm files include this header.
//
// Contract of every algorithm function:
//  - called on every rank of `ctx` with the same count and reduction, after
//    the dispatcher has checked the arguments; ctx.size() >= 2, count >= 1;
//  - `in` is this rank's contribution and is never written; `in == out`
//    means in place. Partially overlapping in/out never reach here;
//  - the function takes one sequence number (ctx.nextSequence()) and leaves
//    the reduction of all ranks' `in` in `out` on every rank, bit-identical
//    on every rank (each element is reduced once, by one rank, and the
//    result copied, or by both partners of an exchange with the same
//    operand order);
//  - reduction.apply(dst, a, b, n) is always called with `a` holding the
//    contribution of lower ranks than `b` wherever the algorithm's data flow
//    allows it (see each file for what order it guarantees);
//  - temporary memory comes from ctx.scratch() with the indices below, so a
//    call allocates nothing once the scratch buffers have grown.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "gloo/context.h"
#include "gloo/reduction.h"

namespace gloo::allreduce_algo {

using Fn = void (*)(Context& ctx, const void* in, void* out, size_t count,
                    const Reduction& reduction);

void ring(Context& ctx, const void* in, void* out, size_t count, const Reduction& reduction);
void ringPipelined(Context& ctx, const void* in, void* out, size_t count,
                   const Reduction& reduction);
void recursiveDoubling(Context& ctx, const void* in, void* out, size_t count,
                       const Reduction& reduction);
void halvingDoubling(Context& ctx, const void* in, void* out, size_t count,
                     const Reduction& reduction);
void bcube(Context& ctx, const void* in, void* out, size_t count, const Reduction& reduction);
void rankOrdered(Context& ctx, const void* in, void* out, size_t count,
                 const Reduction& reduction);

// ---- shared building blocks ------------------------------------------------

// Scratch buffer indices used by the allreduce algorithms (ctx.scratch(n, k)).
// One collective runs at a time on a context, so these may overlap with the
// indices other collectives use.
constexpr int kScratchData = 0;      // receive buffers for reduction operands
constexpr int kScratchRequests = 1;  // Request objects of one call

// First element of part i when n elements are split into `parts` parts whose
// sizes differ by at most one (the first n % parts parts get the extra one).
inline size_t partBegin(size_t n, size_t parts, size_t i) {
  return i * (n / parts) + std::min(i, n % parts);
}
inline size_t partSize(size_t n, size_t parts, size_t i) {
  return n / parts + (i < n % parts ? 1 : 0);
}

// The requests of one step of an algorithm, stored in scratch memory
// (kScratchRequests): room for `capacity` requests, handed out in order by
// add(). Only requests that were added (and so posted) are waited for, so a
// message skipped because it is empty never blocks a wait. Valid until the
// next RequestSet is made on this context.
class RequestSet {
 public:
  RequestSet(Context& ctx, size_t capacity);
  // The next unused request (capacity must not be exceeded).
  Request& add() { Request* r = &reqs_[n_]; ptrs_[n_++] = r; return *r; }
  Request& operator[](size_t i) { return reqs_[i]; }
  size_t size() const { return n_; }
  void waitAll() { if (n_ > 0) ctx_.waitAll(ptrs_, n_); }

 private:
  Context& ctx_;
  Request* reqs_;
  Request** ptrs_;
  size_t n_ = 0;
};

// Largest power of two <= p (p >= 1).
inline int powerOfTwoBelow(int p) {
  int q = 1;
  while (q * 2 <= p) q *= 2;
  return q;
}

// A group of ranks base + i*stride, i = 0..size-1 (this rank is member
// `me`), working on elements [lo, hi) of the buffers. The range is split
// into `size` parts with partBegin(); part i belongs to member i.
struct Group {
  int base;
  int stride;
  int size;
  int me;
  int member(int i) const { return base + i * stride; }
};

// Reduce-scatter parts travel in pieces of about kGroupPieceBytes (at most
// kGroupMaxPieces, none for an empty part); both sides derive the count
// from the part's size.
constexpr size_t kGroupPieceBytes = 256 * 1024;
constexpr size_t kGroupMaxPieces = 16;
inline size_t groupPieces(size_t bytes) {
  if (bytes == 0) return 0;
  return std::min(kGroupMaxPieces, std::max<size_t>(1, bytes / kGroupPieceBytes));
}

// Requests a group operation adds to a RequestSet: reduce-scatter at most
// 2 (size-1) kGroupMaxPieces, allgather at most 2 (size-1).
inline size_t groupRequests(const Group& g) {
  return (2 * kGroupMaxPieces + 2) * static_cast<size_t>(g.size - 1);
}

// Reduce-scatter inside a group: each member sends part i of `src` to
// member i (in pieces) and receives part `me` from every member, folding
// piece by piece as the pieces arrive; afterwards out[part me]
// holds the left fold p0 op p1 op ... op p(size-1) in member order, p(me)
// being src's part. `src` may equal `out`. Messages use slot (seq, step).
// Its requests go to `reqs`; the receives are complete on return, the
// sends may still be in flight (reqs.waitAll()).
void groupReduceScatter(Context& ctx, const Group& g, uint64_t seq, uint32_t step,
                        const uint8_t* src, uint8_t* out, size_t lo, size_t hi,
                        const Reduction& reduction, RequestSet& reqs);

// Allgather inside a group, in two calls: groupAllgatherRecv posts the
// receives of the other members' parts of [lo, hi) straight into `out`
// (this may be done before the reduce-scatter that produces them: their
// data causally follows every use of those regions here);
// groupAllgatherSend sends member me's part, once final, to every other
// member. Completion: reqs.waitAll().
void groupAllgatherRecv(Context& ctx, const Group& g, uint64_t seq, uint32_t step, uint8_t* out,
                        size_t lo, size_t hi, size_t elementSize, RequestSet& reqs);
void groupAllgatherSend(Context& ctx, const Group& g, uint64_t seq, uint32_t step,
                        const uint8_t* out, size_t lo, size_t hi, size_t elementSize,
                        RequestSet& reqs);

}  // namespace gloo::allreduce_algo
