// Broadcast "binomial": a binomial tree over ranks relative to the root
// (v = (rank - root) mod P).
//
// Steps: rank v != 0 receives the whole message from its parent
// v - lowbit(v), then sends it to its children v + m for m = lowbit(v)/2,
// ..., 1 (the root uses m = 2^ceil(log2 P)/2, ..., 1), largest subtree first,
// all sends in flight together. ceil(log2 P) rounds; every non-root rank
// receives S bytes once; a rank sends S bytes to each of its children (the
// root to ceil(log2 P) of them).
// Chosen for small and medium messages (latency-bound), and for any size
// when P < 4.
#include <cstring>

#include "gloo/algorithms/broadcast.h"
#include "gloo/algorithms/collective_support.h"

namespace gloo::algorithms {

void broadcastBinomial(Context& ctx, uint64_t seq, uint32_t stepBase, void* data, size_t bytes,
                       int root) {
  const int P = ctx.size();
  if (P == 1 || bytes == 0) return;
  const BinomialNode node(ctx.rank(), root, P);
  const uint64_t slot = Context::makeSlot(seq, stepBase);
  if (!node.isRoot()) ctx.recv(node.parent(), slot, data, bytes);
  int children = 0;
  for (int m = node.span >> 1; m >= 1; m >>= 1) {
    if (node.hasChild(m)) children++;
  }
  if (children == 0) return;
  RequestList reqs(ctx, children);
  for (int m = node.span >> 1; m >= 1; m >>= 1) {
    if (node.hasChild(m)) reqs.send(node.child(m), slot, data, bytes);
  }
  reqs.waitAll();
}

}  // namespace gloo::algorithms
