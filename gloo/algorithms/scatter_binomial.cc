// Scatter "binomial": for small blocks; the mirror image of gather_binomial.
//
// Binomial tree over ranks relative to the root (v = (rank - root) mod P);
// the subtree of v is relative ranks [v, v + n), n = min(lowbit(v), P - v).
// The root sends child m the blocks of relative ranks [m, m + n_m) in one
// message, straight from `in` unless that range wraps past rank P-1 (then
// through scratch 1). An inner rank receives its subtree's n blocks from its
// parent into scratch 0, forwards child v + m's range, keeps block 0; a leaf
// receives straight into out. Children are served largest subtree first,
// all sends in flight together (step 0).
// ceil(log2 P) rounds instead of P-1 sends at the root.
// Chosen for blocks up to the table's small-message threshold.
#include <cstring>

#include "gloo/algorithms/scatter.h"

namespace gloo::algorithms {

void scatterBinomial(Context& ctx, uint64_t seq, const void* in, void* out, size_t bytes,
                     int root) {
  const int P = ctx.size();
  const BinomialNode node(ctx.rank(), root, P);
  const uint64_t slot = Context::makeSlot(seq, 0);

  if (!node.isRoot()) {
    if (node.size == 1) {
      ctx.recv(node.parent(), slot, out, bytes);
      return;
    }
    uint8_t* t = static_cast<uint8_t*>(ctx.scratch(bytes * node.size, 0));
    ctx.recv(node.parent(), slot, t, bytes * node.size);
    RequestList reqs(ctx, ceilLog2(P));
    for (int m = node.span >> 1; m >= 1; m >>= 1) {
      if (node.hasChild(m)) reqs.send(node.child(m), slot, t + bytes * m, bytes * node.childSize(m));
    }
    std::memcpy(out, t, bytes);
    reqs.waitAll();
    return;
  }

  RequestList reqs(ctx, ceilLog2(P));
  for (int m = node.span >> 1; m >= 1; m >>= 1) {
    if (!node.hasChild(m)) continue;
    const int len = node.childSize(m);
    const int a = m + root;
    if (a < P && a + len > P) {
      // Relative range wraps: absolute blocks a .. P-1 then 0 .. rest.
      uint8_t* buf = static_cast<uint8_t*>(ctx.scratch(bytes * len, 1));
      const size_t first = static_cast<size_t>(P - a);
      std::memcpy(buf, at(in, bytes * a), bytes * first);
      std::memcpy(buf + bytes * first, in, bytes * (len - first));
      reqs.send(a % P, slot, buf, bytes * len);
    } else {
      reqs.send(a % P, slot, at(in, bytes * (a % P)), bytes * len);
    }
  }
  if (out != at(in, bytes * root)) std::memcpy(out, at(in, bytes * root), bytes);
  reqs.waitAll();
}

}  // namespace gloo::algorithms
