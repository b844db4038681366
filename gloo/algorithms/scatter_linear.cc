// Scatter(v) "linear".
//
// The root posts one send per other rank, straight from its place in `in`
// (step 0), all in flight together, and copies its own block unless in
// place; every other rank receives its block straight into out. One round;
// the root sends the total. Chosen for scatter above the small-block
// threshold and for every scatterv.
#include <cstring>

#include "gloo/algorithms/scatter.h"

namespace gloo::algorithms {

void scatterLinear(Context& ctx, uint64_t seq, const void* in, void* out, const Blocks& blocks,
                   int root) {
  const int P = ctx.size(), r = ctx.rank();
  const uint64_t slot = Context::makeSlot(seq, 0);
  if (r != root) {
    if (blocks.size(r) > 0) ctx.recv(root, slot, out, blocks.size(r));
    return;
  }
  RequestList reqs(ctx, P);
  for (int k = 1; k < P; k++) {
    const int i = (root + k) % P;
    reqs.send(i, slot, at(in, blocks.offset(i)), blocks.size(i));
  }
  const uint8_t* own = at(in, blocks.offset(root));
  if (out != own && blocks.size(root) > 0) std::memcpy(out, own, blocks.size(root));
  reqs.waitAll();
}

}  // namespace gloo::algorithms
