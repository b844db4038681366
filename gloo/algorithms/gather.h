// Gather algorithms (internal). `in` is this rank's block (the dispatcher
// resolves in-place at the root to in = out + offset(root)); `out` is used
// at the root only. Every rank calls with the same seq, layout and root.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gloo/algorithms/collective_support.h"
#include "gloo/context.h"

namespace gloo::algorithms {

// Uniform blocks of `bytes`. Scratch 0 (subtree buffer), 1 (root, wrapped range).
void gatherBinomial(Context& ctx, uint64_t seq, const void* in, void* out, size_t bytes,
                    int root);
// Any layout (gather and gatherv).
void gatherLinear(Context& ctx, uint64_t seq, const void* in, void* out, const Blocks& blocks,
                  int root);

}  // namespace gloo::algorithms
