// Gather(v) "linear".
//
// Every non-root rank sends its block to the root (step 0); the root posts
// all P-1 receives at once, each straight into its place in out, and copies
// its own block unless in place. One round; the root receives the total.
// Chosen for gather above the small-block threshold and for every gatherv.
#include <cstring>

#include "gloo/algorithms/gather.h"

namespace gloo::algorithms {

void gatherLinear(Context& ctx, uint64_t seq, const void* in, void* out, const Blocks& blocks,
                  int root) {
  const int P = ctx.size(), r = ctx.rank();
  const uint64_t slot = Context::makeSlot(seq, 0);
  if (r != root) {
    if (blocks.size(r) > 0) ctx.send(root, slot, in, blocks.size(r));
    return;
  }
  RequestList reqs(ctx, P);
  for (int i = 0; i < P; i++) {
    if (i != root) reqs.recv(i, slot, at(out, blocks.offset(i)), blocks.size(i));
  }
  uint8_t* own = at(out, blocks.offset(root));
  if (in != own && blocks.size(root) > 0) std::memcpy(own, in, blocks.size(root));
  reqs.waitAll();
}

}  // namespace gloo::algorithms
