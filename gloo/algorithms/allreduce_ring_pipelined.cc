// Allreduce "ring_pipelined": the ring (see allreduce_ring.cc) with every
// chunk cut into nseg segments of at most GLOOMPI_RING_SEGMENT bytes, so
// that the reduction of one segment overlaps the transfer of the next and a
// reduced segment is forwarded as soon as it is ready.
//
// Messages: rank r receives from r-1 and sends to r+1 the sequence
// m = 0 .. T-1, T = 2 (P-1) nseg, message m being segment (m % nseg) of the
// chunk of ring step s = m / nseg (steps 0..P-2 reduce-scatter, P-1..2P-3
// allgather; chunk numbering as in the plain ring). Message m travels in
// slot (seq, m), so matching never depends on posting order.
//  - send m < nseg comes from `in` (chunk r); send m >= nseg forwards the
//    segment that receive m - nseg left in `out` (a reduced partial, or
//    during the allgather a final segment), posted right after that
//    receive is processed.
//  - reduce-scatter receives, out of place: straight into `out` (that
//    region is untouched until the partial arrives), reduced there with
//    `in`; in place (`out` holds this rank's own data): into a window of W
//    scratch segments, reduced into `out`, receive m + W posted when m is
//    done. Either way out = partial op in (or in op partial, see ring).
//  - allgather receives go straight into `out`. Every receive except the
//    windowed ones is posted at the start: data for a region of `out`
//    causally follows every use of that region here (a partial or final
//    segment exists only after this rank's contribution to it left).
//  - the first sends of step 0 (up to max(W, 32) segments) are posted at
//    once, the rest one per processed receive, so a sender stays a bounded
//    distance ahead of its receiver and few messages pass through the
//    transport's unexpected-message buffer.
// Bytes on the wire per rank: 2 (P-1)/P * S, the same as the ring. For
// P = 2 this is a pipelined exchange of halves. Chosen for large messages
// (selection table: above 1 MiB).
#include <array>

#include "common/config.h"
#include "gloo/algorithms/allreduce.h"

namespace gloo::allreduce_algo {
namespace {

constexpr size_t kMaxWindow = 32;        // reduce-scatter segments in flight
// Messages per call at most (segments grow beyond GLOOMPI_RING_SEGMENT
// when needed): bounds the Request memory (2 per message) and the number
// of receives posted at once (transports match them by a list search); the
// message index, used as slot step, stays far below 2^24.
constexpr uint64_t kMaxMessages = 1u << 12;

}  // namespace

void ringPipelined(Context& ctx, const void* inp, void* outp, size_t count,
                   const Reduction& reduction) {
  const int P = ctx.size();
  const int rank = ctx.rank();
  const size_t es = reduction.elementSize();
  const uint64_t seq = ctx.nextSequence();
  const auto* in = static_cast<const uint8_t*>(inp);
  auto* out = static_cast<uint8_t*>(outp);
  const int right = (rank + 1) % P;
  const int left = (rank + P - 1) % P;

  const size_t segBytes = std::max<uint64_t>(config::getBytes("GLOOMPI_RING_SEGMENT"), es);
  const size_t segElems = segBytes / es;
  const size_t maxChunk = partSize(count, P, 0);
  size_t nseg = (maxChunk + segElems - 1) / segElems;
  const size_t steps = 2 * static_cast<size_t>(P - 1);
  nseg = std::max<size_t>(1, std::min<size_t>(nseg, kMaxMessages / steps));
  const size_t T = steps * nseg;
  const size_t rsMessages = T / 2;  // the first half is the reduce-scatter
  // Elements of the largest segment (above segElems only if nseg was capped).
  const size_t segCap = (maxChunk + nseg - 1) / nseg;

  // Chunk of step s for the sending / the receiving side of rank r.
  auto sendChunk = [&](size_t s) {
    long c = s < size_t(P - 1) ? long(rank) - long(s) : long(rank) + 1 - long(s - (P - 1));
    return int(((c % P) + P) % P);
  };
  auto recvChunk = [&](size_t s) {
    long c = s < size_t(P - 1) ? long(rank) - long(s) - 1 : long(rank) - long(s - (P - 1));
    return int(((c % P) + P) % P);
  };
  // Element range of segment k of chunk c.
  struct Seg {
    size_t begin, len;
  };
  auto segment = [&](int c, size_t k) {
    size_t cb = partBegin(count, P, c), cl = partSize(count, P, c);
    return Seg{cb + partBegin(cl, nseg, k), partSize(cl, nseg, k)};
  };
  auto slot = [&](size_t m) { return Context::makeSlot(seq, uint32_t(m)); };

  // Out of place, a reduce-scatter partial can land in `out` itself (the
  // region is untouched until then) and be reduced there with `in`: every
  // receive is posted at the start. In place, `out` holds this rank's own
  // contribution, so partials go through a window of W scratch segments.
  const bool direct = in != out;
  const size_t W = direct ? 0 : std::min({kMaxWindow, nseg + 2, rsMessages});
  uint8_t* window =
      direct ? nullptr : static_cast<uint8_t*>(ctx.scratch(W * segCap * es, kScratchData));
  std::array<Request, kMaxWindow> rsRecv;
  // Receives posted at the start (in message order), then sends.
  RequestSet reqs(ctx, 2 * T);

  auto postSend = [&](size_t m) {
    const size_t s = m / nseg;
    const Seg g = segment(sendChunk(s), m % nseg);
    if (g.len == 0) return;
    const uint8_t* src = (s == 0 ? in : out) + g.begin * es;
    ctx.isend(reqs.add(), right, slot(m), src, g.len * es);
  };
  auto postWindowRecv = [&](size_t m) {
    const Seg g = segment(recvChunk(m / nseg), m % nseg);
    if (g.len == 0) return;
    ctx.irecv(rsRecv[m % W], left, slot(m), window + (m % W) * segCap * es, g.len * es);
  };

  for (size_t m = 0; m < W; ++m) postWindowRecv(m);
  for (size_t m = direct ? 0 : rsMessages; m < T; ++m) {
    const Seg g = segment(recvChunk(m / nseg), m % nseg);
    if (g.len == 0) continue;
    ctx.irecv(reqs.add(), left, slot(m), out + g.begin * es, g.len * es);
  }
  // Step-0 sends run at most `ahead` segments before this rank's own
  // progress, so a late receiver sees few unexpected messages.
  const size_t ahead = std::max<size_t>(W, std::min(kMaxWindow, nseg));
  for (size_t m = 0; m < std::min(ahead, nseg); ++m) postSend(m);

  size_t next = 0;  // position in `reqs` of the next posted receive
  for (size_t m = 0; m < T; ++m) {
    const int c = recvChunk(m / nseg);
    const Seg g = segment(c, m % nseg);
    if (g.len > 0) {
      if (m < rsMessages) {
        const uint8_t* partial;
        if (direct) {
          ctx.wait(reqs[next++]);
          partial = out + g.begin * es;
        } else {
          ctx.wait(rsRecv[m % W]);
          partial = window + (m % W) * segCap * es;
        }
        uint8_t* dst = out + g.begin * es;
        const uint8_t* mine = in + g.begin * es;
        if (c < rank) {
          reduction.apply(dst, partial, mine, g.len);
        } else {
          reduction.apply(dst, mine, partial, g.len);
        }
      } else {
        ctx.wait(reqs[next++]);
      }
    }
    if (!direct && m + W < rsMessages) postWindowRecv(m + W);
    if (m + nseg < T) postSend(m + nseg);
    if (m + ahead < nseg) postSend(m + ahead);
  }
  reqs.waitAll();
}

}  // namespace gloo::allreduce_algo
