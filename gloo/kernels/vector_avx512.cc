// avx512 kernels (placeholder until vectorised: adds nothing over scalar).
#include "gloo/kernels/table.h"

namespace gloo::kernels {

void addAvx512Kernels(KernelTable&) {}

}  // namespace gloo::kernels
