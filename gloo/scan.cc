// gloo::scan (inclusive and exclusive): argument checks, in-place handling
// (in == nullptr or in == out), algorithm choice and dispatch.
// Algorithms: "recursive_doubling" (scan_recursive_doubling.cc) and
// "linear" (scan_linear.cc); both keep rank order. With exclusive, rank 0's
// out is never written (MPI leaves it undefined).
#include <cstring>

#include "gloo/algorithms/collective_support.h"
#include "gloo/algorithms/scan.h"
#include "gloo/collectives.h"
#include "gloo/selection.h"

namespace gloo {

using namespace algorithms;

const char* scan(Context& ctx, const ScanArgs& a) {
  static const std::vector<std::string> kAlgorithms = {"recursive_doubling", "linear"};
  const char* kName = a.exclusive ? "exscan" : "scan";
  const size_t bytes = checkedMul(kName, "count", a.count, a.reduction.elementSize());
  checkBuffer(kName, "out", a.out, bytes);
  const void* in = a.in != nullptr ? a.in : a.out;
  const char* algo = stableName(
      kName, kAlgorithms,
      selectAlgorithm({Collective::kScan, bytes, ctx.size(), a.reduction.commutative()},
                      a.algorithm, kAlgorithms));
  ctx.setLastAlgorithm(algo);
  if (bytes == 0) return algo;
  if (ctx.size() == 1) {
    if (!a.exclusive && in != a.out) std::memcpy(a.out, in, bytes);
    return algo;
  }
  const uint64_t seq = ctx.nextSequence();
  runGuarded(ctx, kName, algo, [&] {
    if (algo == kAlgorithms[1]) {
      scanLinear(ctx, seq, in, a.out, a.count, a.reduction, a.exclusive);
    } else {
      scanRecursiveDoubling(ctx, seq, in, a.out, a.count, a.reduction, a.exclusive);
    }
  });
  return algo;
}

}  // namespace gloo
