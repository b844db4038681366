// The kernel table shared by the per-ISA kernel files and the dispatcher.
//
// Each ISA file fills (overrides) the entries it implements; the dispatcher
// builds one table per ISA by starting from the scalar table and layering
// avx2, then avx512, on top. Every entry of every table must produce
// bit-identical results to the scalar entry for the same inputs.
// ISA-flagged files must not call inline functions shared with other files
// (such as KernelTable::set): the linker may keep their ISA-flagged copy for
// everyone. They write `fn` through a file-local helper instead.
#pragma once

#include <cstddef>

#include "gloo/kernels/dispatch.h"
#include "gloo/reduction.h"
#include "gloo/types.h"

namespace gloo::kernels {

struct KernelTable {
  KernelFn fn[static_cast<size_t>(DataType::kCount)][static_cast<size_t>(ReduceOp::kCount)] = {};

  void set(DataType t, ReduceOp op, KernelFn f) { fn[static_cast<size_t>(t)][static_cast<size_t>(op)] = f; }
  KernelFn get(DataType t, ReduceOp op) const { return fn[static_cast<size_t>(t)][static_cast<size_t>(op)]; }
};

// The finished table of one ISA (kernels/dispatch.cc).
const KernelTable& tableOf(Isa isa);

// Every valid (type, op) except kUser (kernels/scalar.cc).
void addScalarKernels(KernelTable& t);
// The hot types with AVX2 + F16C (kernels/vector_avx2.cc).
void addAvx2Kernels(KernelTable& t);
// The hot types with AVX-512 F/BW/DQ/VL (kernels/vector_avx512.cc).
void addAvx512Kernels(KernelTable& t);

}  // namespace gloo::kernels
