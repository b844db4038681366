// Scan algorithms (internal): inclusive (out_r = x_0 op ... op x_r) and
// exclusive (out_r = x_0 op ... op x_{r-1}; rank 0's out is not touched),
// MPI semantics. `in` is this rank's input (the dispatcher resolves in-place
// to in == out). Both algorithms keep rank order (the lower ranks' value is
// always the left operand), so non-commutative ops are safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gloo/context.h"
#include "gloo/reduction.h"

namespace gloo::algorithms {

// Scratch 0 (partial), 1 (received).
void scanRecursiveDoubling(Context& ctx, uint64_t seq, const void* in, void* out, size_t count,
                           const Reduction& red, bool exclusive);
// Scratch 0 (exclusive: values sent on), 1 (received).
void scanLinear(Context& ctx, uint64_t seq, const void* in, void* out, size_t count,
                const Reduction& red, bool exclusive);

}  // namespace gloo::algorithms
