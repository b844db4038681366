// Scatter algorithms (internal). `in` is used at the root only; `out`
// receives this rank's block (the dispatcher resolves the root's in-place
// case to out = in + offset(root)). Every rank calls with the same seq,
// layout and root.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gloo/algorithms/collective_support.h"
#include "gloo/context.h"

namespace gloo::algorithms {

// Uniform blocks of `bytes`. Scratch 0 (subtree buffer), 1 (root, wrapped range).
void scatterBinomial(Context& ctx, uint64_t seq, const void* in, void* out, size_t bytes,
                     int root);
// Any layout (scatter and scatterv).
void scatterLinear(Context& ctx, uint64_t seq, const void* in, void* out, const Blocks& blocks,
                   int root);

}  // namespace gloo::algorithms
