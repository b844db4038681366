// Barrier algorithms (internal). Every rank calls with the same seq.
#pragma once

#include <cstdint>

#include "gloo/context.h"

namespace gloo::algorithms {

void barrierDissemination(Context& ctx, uint64_t seq);

}  // namespace gloo::algorithms
