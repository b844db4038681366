// Allgather algorithms (internal). `out` holds every rank's block (layout
// `blocks`); this rank's own block must already be in place in `out` (the
// dispatcher copies it there unless the call is in place). Every rank calls
// with the same seq, layout and algorithm.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gloo/algorithms/collective_support.h"
#include "gloo/context.h"

namespace gloo::algorithms {

// Any layout (allgather and allgatherv). Steps stepBase .. stepBase + P-2.
void allgatherRing(Context& ctx, uint64_t seq, uint32_t stepBase, void* out,
                   const Blocks& blocks);
// Uniform blocks of `bytes` bytes (allgather only). Scratch 0.
void allgatherBruck(Context& ctx, uint64_t seq, void* out, size_t bytes);

}  // namespace gloo::algorithms
