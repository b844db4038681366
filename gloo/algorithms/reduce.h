// Reduce algorithms (internal). `in` holds this rank's `count` elements
// (the dispatcher resolves in-place: at the root in == out then). The result
// is written to `out` at `root` only; `out` is not touched elsewhere. Every
// rank calls with the same seq, count, root and algorithm.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gloo/algorithms/collective_support.h"
#include "gloo/context.h"
#include "gloo/reduction.h"

namespace gloo::algorithms {

void reduceBinomial(Context& ctx, uint64_t seq, const void* in, void* out, size_t count,
                    const Reduction& red, int root);
void reduceReduceScatterGather(Context& ctx, uint64_t seq, const void* in, void* out,
                               size_t count, const Reduction& red, int root);
void reduceRankOrdered(Context& ctx, uint64_t seq, const void* in, void* out, size_t count,
                       const Reduction& red, int root);

// Shared second phase: every rank's reduced block (`mine`, layout `blocks`)
// goes to the root, which receives block i straight into out + offset(i).
// Step `step`. The root's own block must already be in place.
void gatherBlocksToRoot(Context& ctx, uint64_t seq, uint32_t step, const void* mine,
                        void* out, const Blocks& blocks, int root);

}  // namespace gloo::algorithms
