// gloo::scatter and gloo::scatterv: argument checks, in-place handling (out
// == nullptr at the root leaves its block in place in `in`), algorithm
// choice and dispatch. Algorithms: scatter "binomial" (scatter_binomial.cc)
// and "linear" (scatter_linear.cc); scatterv "linear".
#include <cstring>

#include "gloo/algorithms/collective_support.h"
#include "gloo/algorithms/scatter.h"
#include "gloo/collectives.h"
#include "gloo/selection.h"

namespace gloo {

using namespace algorithms;

const char* scatter(Context& ctx, const ScatterArgs& a) {
  static const std::vector<std::string> kAlgorithms = {"binomial", "linear"};
  constexpr const char* kName = "scatter";
  const int P = ctx.size(), r = ctx.rank();
  checkRoot(kName, ctx, a.root);
  const size_t total = checkedMul(kName, "bytes", a.bytes, static_cast<size_t>(P));
  const bool isRoot = r == a.root;
  if (isRoot) {
    checkBuffer(kName, "in", a.in, total);
  } else {
    checkBuffer(kName, "out", a.out, a.bytes);
  }
  const char* algo = stableName(
      kName, kAlgorithms,
      selectAlgorithm({Collective::kScatter, a.bytes, P, true}, a.algorithm, kAlgorithms));
  ctx.setLastAlgorithm(algo);
  if (a.bytes == 0) return algo;
  void* out = (isRoot && a.out == nullptr) ? const_cast<uint8_t*>(at(a.in, a.bytes * r)) : a.out;
  if (P == 1) {
    if (out != a.in) std::memcpy(out, a.in, a.bytes);
    return algo;
  }
  const uint64_t seq = ctx.nextSequence();
  runGuarded(ctx, kName, algo, [&] {
    if (algo == kAlgorithms[0]) {
      scatterBinomial(ctx, seq, a.in, out, a.bytes, a.root);
    } else {
      scatterLinear(ctx, seq, a.in, out, Blocks::uniform(a.bytes), a.root);
    }
  });
  return algo;
}

const char* scatterv(Context& ctx, const ScattervArgs& a) {
  static const std::vector<std::string> kAlgorithms = {"linear"};
  constexpr const char* kName = "scatterv";
  const int P = ctx.size(), r = ctx.rank();
  const size_t total = checkRootedBlocks(kName, ctx, a.root, a.bytes, a.displs, a.in, "in", a.out, "out");
  const bool isRoot = r == a.root;
  const char* algo = stableName(
      kName, kAlgorithms,
      selectAlgorithm({Collective::kScatterv, total / P, P, true}, a.algorithm, kAlgorithms));
  ctx.setLastAlgorithm(algo);
  if (total == 0) return algo;
  void* out =
      (isRoot && a.out == nullptr) ? const_cast<uint8_t*>(at(a.in, a.displs[r])) : a.out;
  if (P == 1) {
    const uint8_t* own = at(a.in, a.displs[0]);
    if (out != own && a.bytes[0] > 0) std::memcpy(out, own, a.bytes[0]);
    return algo;
  }
  const uint64_t seq = ctx.nextSequence();
  runGuarded(ctx, kName, algo, [&] {
    // Only the root reads displs; elsewhere only bytes[rank] is used.
    const size_t* displs = isRoot ? a.displs.data() : nullptr;
    scatterLinear(ctx, seq, a.in, out, Blocks::explicitLayout(a.bytes.data(), displs), a.root);
  });
  return algo;
}

}  // namespace gloo
