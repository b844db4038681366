// Broadcast algorithms (internal). `data` holds `bytes` bytes: the source at
// `root`, the destination elsewhere. Every rank of ctx calls the same
// algorithm with the same seq (taken once by the dispatcher), bytes and root;
// messages use slots makeSlot(seq, stepBase + k), k < 2^20.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gloo/context.h"

namespace gloo::algorithms {

void broadcastBinomial(Context& ctx, uint64_t seq, uint32_t stepBase, void* data, size_t bytes,
                       int root);
void broadcastScatterAllgather(Context& ctx, uint64_t seq, uint32_t stepBase, void* data,
                               size_t bytes, int root);

}  // namespace gloo::algorithms
