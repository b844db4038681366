// Gather "binomial": for small blocks.
//
// Binomial tree over ranks relative to the root (v = (rank - root) mod P).
// The subtree of v holds relative ranks [v, v + n), n = min(lowbit(v),
// P - v). Rank v collects the blocks of its subtree in relative order in a
// scratch buffer (own block first, child v + m's n_m blocks at position m;
// all child receives posted at once), then sends the n blocks to its parent
// v - lowbit(v) in one message (step 0). A leaf sends its input directly.
// The root receives each child's range straight into out when the range
// does not wrap past rank P-1, else through scratch 1 and two copies.
// ceil(log2 P) rounds instead of P-1 receives at the root; total bytes are
// those of the linear gather times the tree depth at worst.
// Chosen for blocks up to the table's small-message threshold.
#include <cstring>

#include "gloo/algorithms/gather.h"

namespace gloo::algorithms {

void gatherBinomial(Context& ctx, uint64_t seq, const void* in, void* out, size_t bytes,
                    int root) {
  const int P = ctx.size();
  const BinomialNode node(ctx.rank(), root, P);
  const uint64_t slot = Context::makeSlot(seq, 0);

  if (!node.isRoot()) {
    if (node.size == 1) {
      ctx.send(node.parent(), slot, in, bytes);
      return;
    }
    uint8_t* t = static_cast<uint8_t*>(ctx.scratch(bytes * node.size, 0));
    std::memcpy(t, in, bytes);
    RequestList reqs(ctx, ceilLog2(P));
    for (int m = 1; node.hasChild(m); m <<= 1) {
      reqs.recv(node.child(m), slot, t + bytes * m, bytes * node.childSize(m));
    }
    reqs.waitAll();
    ctx.send(node.parent(), slot, t, bytes * node.size);
    return;
  }

  // Root: relative [a, a + len) is absolute [(a + root) mod P, ...); it wraps
  // when a + root < P < a + len + root.
  if (in != at(out, bytes * root)) std::memcpy(at(out, bytes * root), in, bytes);
  RequestList reqs(ctx, ceilLog2(P));
  int wrapped = -1;
  uint8_t* wrapBuf = nullptr;
  for (int m = 1; node.hasChild(m); m <<= 1) {
    const int len = node.childSize(m);
    const int a = m + root;
    if (a < P && a + len > P) {
      wrapped = m;
      wrapBuf = static_cast<uint8_t*>(ctx.scratch(bytes * len, 1));
      reqs.recv((m + root) % P, slot, wrapBuf, bytes * len);
    } else {
      reqs.recv(a % P, slot, at(out, bytes * (a % P)), bytes * len);
    }
  }
  reqs.waitAll();
  if (wrapped > 0) {
    const int a = wrapped + root, len = node.childSize(wrapped);
    const size_t first = static_cast<size_t>(P - a);  // blocks a .. P-1
    std::memcpy(at(out, bytes * a), wrapBuf, bytes * first);
    std::memcpy(out, wrapBuf + bytes * first, bytes * (len - first));
  }
}

}  // namespace gloo::algorithms
