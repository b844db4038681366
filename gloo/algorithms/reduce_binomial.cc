// Reduce "binomial": for commutative reductions, small and medium messages.
//
// Binomial tree over ranks relative to the root (v = (rank - root) mod P).
// Rank v receives the partial results of its children v + m (m = 1, 2, 4,
// ... < lowbit(v), v + m < P; all receives posted at once), folds them in
// into its own contribution in order of m, and sends the result to its
// parent v - lowbit(v) (step 0; each (child, parent) pair exchanges one
// message). ceil(log2 P) rounds, S bytes per message; a rank receives S
// bytes from each of its children (the root from ceil(log2 P) of them).
// Operand order: the accumulated (lower relative ranks) value is always the
// left operand, but relative order is not absolute rank order when
// root != 0, so only commutative ops may use this algorithm.
// Scratch: 0 (accumulator of non-roots), 1 (children's messages).
#include <cstring>

#include "gloo/algorithms/collective_support.h"
#include "gloo/algorithms/reduce.h"

namespace gloo::algorithms {

void reduceBinomial(Context& ctx, uint64_t seq, const void* in, void* out, size_t count,
                    const Reduction& red, int root) {
  const int P = ctx.size();
  const size_t bytes = count * red.elementSize();
  const BinomialNode node(ctx.rank(), root, P);
  const uint64_t slot = Context::makeSlot(seq, 0);
  int children = 0;
  for (int m = 1; node.hasChild(m); m <<= 1) children++;

  const void* cur = in;
  if (children > 0) {
    uint8_t* acc = node.isRoot() ? static_cast<uint8_t*>(out) : static_cast<uint8_t*>(ctx.scratch(bytes, 0));
    uint8_t* incoming = static_cast<uint8_t*>(ctx.scratch(bytes * children, 1));
    RequestList reqs(ctx, children);
    Request* req[32];
    int c = 0;
    for (int m = 1; node.hasChild(m); m <<= 1, c++) {
      req[c] = reqs.recv(node.child(m), slot, incoming + c * bytes, bytes);
    }
    for (c = 0; c < children; c++) {
      reqs.wait(req[c]);
      red.apply(acc, cur, incoming + c * bytes, count);
      cur = acc;
    }
    reqs.waitAll();
  }
  if (node.isRoot()) {
    if (cur != out) std::memcpy(out, cur, bytes);
  } else {
    ctx.send(node.parent(), slot, cur, bytes);
  }
}

}  // namespace gloo::algorithms
