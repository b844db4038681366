// avx2 kernels (placeholder until vectorised: adds nothing over scalar).
#include "gloo/kernels/table.h"

namespace gloo::kernels {

void addAvx2Kernels(KernelTable&) {}

}  // namespace gloo::kernels
