// Run-time selection of the reduction kernels (see dispatch.h).
//
// Invariants: the three tables are built once (thread-safe static init) and
// never change; the current choice is an atomic pointer to one of them, so
// resetKernelDispatch() racing with lookups only ever yields a valid table.
#include "gloo/kernels/dispatch.h"

#include <atomic>
#include <string>

#include "common/config.h"
#include "common/error.h"
#include "common/logging.h"
#include "gloo/kernels/table.h"

namespace gloo::kernels {
namespace {

struct Tables {
  KernelTable scalar;
  KernelTable avx2;
  KernelTable avx512;
};

const Tables& tables() {
  // Each ISA's table layers its kernels over the one below; entries an ISA
  // does not vectorise fall through to the lower ISA's (identical) result.
  static const Tables t = [] {
    Tables r;
    addScalarKernels(r.scalar);
    r.avx2 = r.scalar;
    addAvx2Kernels(r.avx2);
    r.avx512 = r.avx2;
    addAvx512Kernels(r.avx512);
    return r;
  }();
  return t;
}

}  // namespace

const KernelTable& tableOf(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return tables().avx512;
    case Isa::kAvx2: return tables().avx2;
    case Isa::kScalar: break;
  }
  return tables().scalar;
}

namespace {

Isa bestSupported() {
  if (isaSupported(Isa::kAvx512)) return Isa::kAvx512;
  if (isaSupported(Isa::kAvx2)) return Isa::kAvx2;
  return Isa::kScalar;
}

Isa chooseIsa() {
  std::string want = config::getString("GLOOMPI_KERNEL");
  if (want.empty() || want == "auto") return bestSupported();
  Isa isa;
  if (want == "scalar") isa = Isa::kScalar;
  else if (want == "avx2") isa = Isa::kAvx2;
  else if (want == "avx512") isa = Isa::kAvx512;
  else throw InvalidArgument("gloompi: GLOOMPI_KERNEL='" + want + "' is not one of auto, avx512, avx2, scalar");
  if (!isaSupported(isa)) {
    Isa best = bestSupported();
    GLOO_WARN("GLOOMPI_KERNEL=" << want << " is not supported by this CPU; using " << isaName(best));
    return best;
  }
  return isa;
}

// -1: not chosen yet; otherwise the Isa value.
std::atomic<int>& choice() {
  static std::atomic<int> c{-1};
  return c;
}

}  // namespace

const char* isaName(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    case Isa::kScalar: break;
  }
  return "scalar";
}

bool isaSupported(Isa isa) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return avx2;
    case Isa::kAvx512:
      return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  }
  return false;
#else
  return isa == Isa::kScalar;
#endif
}

Isa currentIsa() {
  int c = choice().load(std::memory_order_acquire);
  if (c < 0) {
    c = static_cast<int>(chooseIsa());
    choice().store(c, std::memory_order_release);
  }
  return static_cast<Isa>(c);
}

void resetKernelDispatch() { choice().store(-1, std::memory_order_release); }

KernelFn kernelFor(DataType t, ReduceOp op, Isa isa) {
  if (!isValid(t, op) || op == ReduceOp::kUser) return nullptr;
  if (!isaSupported(isa)) {
    throw InvalidArgument(std::string("gloompi: kernel instruction set ") + isaName(isa) + " is not supported by this CPU");
  }
  return tableOf(isa).get(t, op);
}

}  // namespace gloo::kernels

namespace gloo {

KernelFn kernelFor(DataType t, ReduceOp op) {
  if (!isValid(t, op) || op == ReduceOp::kUser) return nullptr;
  return kernels::tableOf(kernels::currentIsa()).get(t, op);
}

const char* kernelIsa() { return kernels::isaName(kernels::currentIsa()); }

}  // namespace gloo
