// Reduce-scatter algorithms (internal), also the first phase of reduce's
// "reduce_scatter_gather" and "rank_ordered".
//
// `in` holds every rank's contribution to all blocks (layout `blocks`, in
// bytes; element size = reduction.elementSize()). The reduced block of this
// rank is written to `out`, which must either be exactly in + offset(rank)
// or not overlap `in` at all. Every rank calls with the same seq/stepBase.
// Scratch buffers used: 0 and 1 (ring), 0 (rank_ordered).
#pragma once

#include <cstddef>
#include <cstdint>

#include "gloo/algorithms/collective_support.h"
#include "gloo/context.h"
#include "gloo/reduction.h"

namespace gloo::algorithms {

// Commutative reductions only. Steps stepBase + 0 .. stepBase + P-2.
void reduceScatterRing(Context& ctx, uint64_t seq, uint32_t stepBase, const void* in, void* out,
                       const Blocks& blocks, const Reduction& red);

// Each element is reduced as a left fold in rank order
// (((x0 op x1) op x2) ...), so non-commutative ops and bit-exact
// determinism are safe. Step stepBase.
void reduceScatterRankOrdered(Context& ctx, uint64_t seq, uint32_t stepBase, const void* in,
                              void* out, const Blocks& blocks, const Reduction& red);

}  // namespace gloo::algorithms
