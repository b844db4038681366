// Alltoall(v) "pairwise".
//
// Step k = 1 .. P-1: rank r sends its block for (r + k) mod P and receives
// the block from (r - k) mod P, straight from in / into out; its own block
// is copied locally. Every (sender, receiver) pair exchanges exactly one
// message, so all use step 0.
//  - When this rank sends at most kAllAtOnceBytes in total, all receives
//    and then all sends (in the pairwise order) are posted at once: one
//    round of latency.
//  - Otherwise the steps run one after the other (one exchange in flight),
//    which keeps every link busy with one partner at a time for large data.
// Both forms post the same messages, so ranks may choose differently.
// P - 1 exchanges; every rank sends and receives everything but its own
// block once. The only alltoall(v) algorithm.
#include <cstring>

#include "gloo/algorithms/alltoall.h"

namespace gloo::algorithms {

namespace {
constexpr size_t kAllAtOnceBytes = 256 * 1024;
}

void alltoallPairwise(Context& ctx, uint64_t seq, const void* in, void* out, const Blocks& send,
                      const Blocks& recv) {
  const int P = ctx.size(), r = ctx.rank();
  const uint64_t slot = Context::makeSlot(seq, 0);
  if (recv.size(r) > 0) {
    std::memcpy(at(out, recv.offset(r)), at(in, send.offset(r)), recv.size(r));
  }
  size_t total = 0;
  for (int k = 1; k < P && total <= kAllAtOnceBytes; k++) total += send.size((r + k) % P);
  if (total <= kAllAtOnceBytes) {
    RequestList reqs(ctx, 2 * static_cast<size_t>(P));
    for (int k = 1; k < P; k++) {
      const int from = (r - k + P) % P;
      reqs.recv(from, slot, at(out, recv.offset(from)), recv.size(from));
    }
    for (int k = 1; k < P; k++) {
      const int to = (r + k) % P;
      reqs.send(to, slot, at(in, send.offset(to)), send.size(to));
    }
    reqs.waitAll();
    return;
  }
  for (int k = 1; k < P; k++) {
    const int to = (r + k) % P, from = (r - k + P) % P;
    exchange(ctx, to, slot, at(in, send.offset(to)), send.size(to), from, slot,
             at(out, recv.offset(from)), recv.size(from));
  }
}

}  // namespace gloo::algorithms
