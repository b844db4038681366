// Alltoall algorithms (internal). Block j of `in` (layout `send`) goes to
// rank j; block i of `out` (layout `recv`) comes from rank i. `in` and `out`
// must not overlap (the dispatcher copies an in-place buffer to scratch 2
// first). Every rank calls with the same seq and algorithm; the layouts of
// a pair must agree (send[j] at rank i == recv[i] at rank j).
#pragma once

#include <cstdint>

#include "gloo/algorithms/collective_support.h"
#include "gloo/context.h"

namespace gloo::algorithms {

void alltoallPairwise(Context& ctx, uint64_t seq, const void* in, void* out, const Blocks& send,
                      const Blocks& recv);

}  // namespace gloo::algorithms
