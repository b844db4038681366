// Run-time choice of the reduction kernels' instruction set (internal API
// for the engine and its tests; the public face is gloo/reduction.h).
//
// The choice is made on first use from GLOOMPI_KERNEL (auto|avx512|avx2|
// scalar) and the CPU's features, then cached. resetKernelDispatch() drops
// the cached choice so the next kernelFor() re-reads GLOOMPI_KERNEL (tests
// use it after gloo::config::setOverride). A forced ISA the CPU lacks falls
// back to the best supported one, with a warning.
#pragma once

#include "gloo/reduction.h"

namespace gloo::kernels {

enum class Isa { kScalar, kAvx2, kAvx512 };

const char* isaName(Isa isa);
// Whether this CPU (and OS) can run the kernels built for `isa`.
bool isaSupported(Isa isa);
// The kernel of one specific ISA (which must be supported), nullptr as kernelFor.
KernelFn kernelFor(DataType t, ReduceOp op, Isa isa);
// The ISA kernelFor(t, op) currently dispatches to.
Isa currentIsa();
// Forget the cached choice; the next lookup re-reads GLOOMPI_KERNEL.
void resetKernelDispatch();

}  // namespace gloo::kernels
