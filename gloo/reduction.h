// Reduction kernels and the Reduction value the algorithms carry around.
//
// Kernel contract: fn(out, a, b, n) computes out[i] = a[i] (op) b[i] for
// i < n elements, where `a` holds the contribution of LOWER ranks and `b`
// that of HIGHER ranks (matters for non-commutative user ops and for
// bit-exact determinism). out may alias a or b (exactly, not partially).
// The same kernels serve every algorithm; the vectorised variants are chosen
// once at run time from the CPU's features (GLOOMPI_KERNEL can force one).
#pragma once

#include <cstddef>
#include <functional>

#include "gloo/types.h"

namespace gloo {

using KernelFn = void (*)(void* out, const void* a, const void* b, size_t n);

// MPI-style user function: inout[i] = in[i] (op) inout[i], `in` being the
// lower-rank operand. `state` is passed through unchanged.
using UserFn = void (*)(const void* in, void* inout, size_t n, void* state);

// Returns the kernel for (t, op), or nullptr if !isValid(t, op) or op==kUser.
KernelFn kernelFor(DataType t, ReduceOp op);

// Name of the instruction set the kernels were dispatched to
// ("avx512", "avx2", "scalar").
const char* kernelIsa();

class Reduction {
 public:
  Reduction() = default;
  // Predefined op; throws InvalidArgument if !isValid(t, op).
  Reduction(DataType t, ReduceOp op);
  // User op on elements of `elemSize` bytes.
  Reduction(DataType t, UserFn fn, void* state, bool commutative, size_t elemSize = 0);

  DataType type() const { return type_; }
  ReduceOp op() const { return op_; }
  size_t elementSize() const { return elemSize_; }
  bool commutative() const { return commutative_; }

  // out = a (op) b over n elements; aliasing as for KernelFn.
  void apply(void* out, const void* a, const void* b, size_t n) const;

 private:
  DataType type_ = DataType::kFloat32;
  ReduceOp op_ = ReduceOp::kSum;
  size_t elemSize_ = 4;
  bool commutative_ = true;
  KernelFn kernel_ = nullptr;
  UserFn user_ = nullptr;
  void* state_ = nullptr;
};

}  // namespace gloo
