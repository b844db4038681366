// Allreduce "ring": reduce-scatter then allgather around the ring
// r -> r+1 (mod P), one whole chunk per step.
//
// The buffer is split into P chunks (partBegin). Rank r:
//  reduce-scatter, step s = 0..P-2: sends chunk (r - s) to r+1 (from `in`
//    at s = 0, else the partial it reduced at step s-1) and receives chunk
//    (r - s - 1) from r-1 into scratch, reducing it with its own input into
//    `out`. After P-1 steps rank r holds the full reduction of chunk r+1.
//  allgather, step s = 0..P-2: sends chunk (r + 1 - s), receives chunk
//    (r - s) straight into `out`.
// Bytes on the wire per rank: 2 (P-1)/P * S, in 2(P-1) messages.
// Not chosen by the default table (ring_pipelined replaces it for large
// messages); kept as the simplest bandwidth-optimal reference and as the
// fallback when nothing else applies. Operand order: the received partial
// is the left operand when it covers lower ranks only (chunk c < r), else
// the right one; results do not depend on P's chunking otherwise.
#include "gloo/algorithms/allreduce.h"

namespace gloo::allreduce_algo {

void ring(Context& ctx, const void* inp, void* outp, size_t count, const Reduction& reduction) {
  const int P = ctx.size();
  const int rank = ctx.rank();
  const size_t es = reduction.elementSize();
  const uint64_t seq = ctx.nextSequence();
  const auto* in = static_cast<const uint8_t*>(inp);
  auto* out = static_cast<uint8_t*>(outp);
  const int right = (rank + 1) % P;
  const int left = (rank + P - 1) % P;
  auto chunk = [&](int s) { return ((rank - s) % P + P) % P; };
  auto begin = [&](int c) { return partBegin(count, P, c) * es; };
  auto size = [&](int c) { return partSize(count, P, c); };

  auto* tmp = static_cast<uint8_t*>(ctx.scratch(partSize(count, P, 0) * es, kScratchData));
  for (int s = 0; s < P - 1; ++s) {
    const int sc = chunk(s);
    const int rc = chunk(s + 1);
    const uint64_t slot = Context::makeSlot(seq, s);
    const uint8_t* src = (s == 0 ? in : out) + begin(sc);
    // Chunks are empty only when count < P; both sides skip them alike.
    Request sr, rr;
    if (size(rc) > 0) ctx.irecv(rr, left, slot, tmp, size(rc) * es);
    if (size(sc) > 0) ctx.isend(sr, right, slot, src, size(sc) * es);
    if (size(sc) > 0) ctx.wait(sr);
    if (size(rc) > 0) {
      ctx.wait(rr);
      if (rc < rank) {
        reduction.apply(out + begin(rc), tmp, in + begin(rc), size(rc));
      } else {
        reduction.apply(out + begin(rc), in + begin(rc), tmp, size(rc));
      }
    }
  }
  for (int s = 0; s < P - 1; ++s) {
    const int sc = chunk(s - 1);  // r + 1 - s
    const int rc = chunk(s);
    const uint64_t slot = Context::makeSlot(seq, P + s);
    Request sr, rr;
    if (size(rc) > 0) ctx.irecv(rr, left, slot, out + begin(rc), size(rc) * es);
    if (size(sc) > 0) ctx.isend(sr, right, slot, out + begin(sc), size(sc) * es);
    if (size(sc) > 0) ctx.wait(sr);
    if (size(rc) > 0) ctx.wait(rr);
  }
}

}  // namespace gloo::allreduce_algo
