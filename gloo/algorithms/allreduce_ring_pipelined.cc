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
//  - reduce-scatter receives land in a window of W scratch segments and are
//    reduced straight into `out` (out = partial op in, or in op partial);
//    receive m + W is posted when m is done. The first W sends of step 0
//    are posted at once, the rest one per processed receive, so a sender
//    stays about W segments ahead of its receiver and few messages pass
//    through the transport's unexpected-message buffer.
//  - allgather receives go straight into `out` and are all posted at the
//    start: their data causally follows every use of that region here (a
//    final segment exists only after this rank's contribution to it left).
// Bytes on the wire per rank: 2 (P-1)/P * S, the same as the ring. For
// P = 2 this is a pipelined exchange of halves. Chosen for large messages
// (selection table: above 1 MiB).
#include <array>

#include "common/config.h"
#include "gloo/algorithms/allreduce.h"

namespace gloo::allreduce_algo {
namespace {

constexpr size_t kMaxWindow = 32;        // reduce-scatter segments in flight
constexpr uint64_t kMaxMessages = 1u << 23;  // message index must fit a slot step

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
  const size_t W = std::min({kMaxWindow, nseg + 2, rsMessages});
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

  auto* window = static_cast<uint8_t*>(ctx.scratch(W * segCap * es, kScratchData));
  std::array<Request, kMaxWindow> rsRecv;
  RequestSet reqs(ctx, rsMessages + T);  // allgather receives, then sends

  auto postRsRecv = [&](size_t m) {
    Seg g = segment(recvChunk(m / nseg), m % nseg);
    if (g.len == 0) return;
    rsRecv[m % W] = Request();
    ctx.irecv(rsRecv[m % W], left, slot(m), window + (m % W) * segCap * es, g.len * es);
  };
  auto postSend = [&](size_t m) {
    size_t s = m / nseg;
    Seg g = segment(sendChunk(s), m % nseg);
    if (g.len == 0) return;
    const uint8_t* src = (s == 0 ? in : out) + g.begin * es;
    ctx.isend(reqs.add(), right, slot(m), src, g.len * es);
  };

  for (size_t m = 0; m < W; ++m) postRsRecv(m);
  for (size_t m = rsMessages; m < T; ++m) {
    Seg g = segment(recvChunk(m / nseg), m % nseg);
    if (g.len == 0) continue;
    ctx.irecv(reqs.add(), left, slot(m), out + g.begin * es, g.len * es);
  }
  for (size_t m = 0; m < std::min(W, nseg); ++m) postSend(m);

  size_t agIndex = 0;  // position in `reqs` of the next non-empty allgather receive
  for (size_t m = 0; m < T; ++m) {
    const int c = recvChunk(m / nseg);
    Seg g = segment(c, m % nseg);
    if (g.len > 0) {
      if (m < rsMessages) {
        ctx.wait(rsRecv[m % W]);
        const uint8_t* partial = window + (m % W) * segCap * es;
        uint8_t* dst = out + g.begin * es;
        const uint8_t* mine = in + g.begin * es;
        if (c < rank) {
          reduction.apply(dst, partial, mine, g.len);
        } else {
          reduction.apply(dst, mine, partial, g.len);
        }
      } else {
        ctx.wait(reqs[agIndex++]);
      }
    }
    if (m < rsMessages && m + W < rsMessages) postRsRecv(m + W);
    if (m + nseg < T) postSend(m + nseg);
    if (m + W < nseg) postSend(m + W);
  }
  reqs.waitAll();
}

}  // namespace gloo::allreduce_algo
