// gloo::gather and gloo::gatherv: argument checks, in-place handling (in ==
// nullptr at the root: its block already sits in out), algorithm choice and
// dispatch. Algorithms: gather "binomial" (gather_binomial.cc) and "linear"
// (gather_linear.cc); gatherv "linear".
#include <cstring>

#include "gloo/algorithms/collective_support.h"
#include "gloo/algorithms/gather.h"
#include "gloo/collectives.h"
#include "gloo/selection.h"

namespace gloo {

using namespace algorithms;

const char* gather(Context& ctx, const GatherArgs& a) {
  static const std::vector<std::string> kAlgorithms = {"binomial", "linear"};
  constexpr const char* kName = "gather";
  const int P = ctx.size(), r = ctx.rank();
  checkRoot(kName, ctx, a.root);
  const size_t total = checkedMul(kName, "bytes", a.bytes, static_cast<size_t>(P));
  const bool isRoot = r == a.root;
  if (isRoot) {
    checkBuffer(kName, "out", a.out, total);
  } else {
    checkBuffer(kName, "in", a.in, a.bytes);
  }
  const char* algo = stableName(
      kName, kAlgorithms,
      selectAlgorithm({Collective::kGather, a.bytes, P, true}, a.algorithm, kAlgorithms));
  ctx.setLastAlgorithm(algo);
  if (a.bytes == 0) return algo;
  const void* in = (isRoot && a.in == nullptr) ? at(a.out, a.bytes * r) : a.in;
  if (P == 1) {
    if (in != a.out) std::memcpy(a.out, in, a.bytes);
    return algo;
  }
  const uint64_t seq = ctx.nextSequence();
  runGuarded(ctx, kName, algo, [&] {
    if (algo == kAlgorithms[0]) {
      gatherBinomial(ctx, seq, in, a.out, a.bytes, a.root);
    } else {
      gatherLinear(ctx, seq, in, a.out, Blocks::uniform(a.bytes), a.root);
    }
  });
  return algo;
}

const char* gatherv(Context& ctx, const GathervArgs& a) {
  static const std::vector<std::string> kAlgorithms = {"linear"};
  constexpr const char* kName = "gatherv";
  const int P = ctx.size(), r = ctx.rank();
  const size_t total = checkRootedBlocks(kName, ctx, a.root, a.bytes, a.displs, a.out, "out", a.in, "in");
  const bool isRoot = r == a.root;
  const char* algo = stableName(
      kName, kAlgorithms,
      selectAlgorithm({Collective::kGatherv, total / P, P, true}, a.algorithm, kAlgorithms));
  ctx.setLastAlgorithm(algo);
  if (total == 0) return algo;
  const void* in = (isRoot && a.in == nullptr) ? at(a.out, a.displs[r]) : a.in;
  if (P == 1) {
    uint8_t* own = at(a.out, a.displs[0]);
    if (in != own && a.bytes[0] > 0) std::memcpy(own, in, a.bytes[0]);
    return algo;
  }
  const uint64_t seq = ctx.nextSequence();
  runGuarded(ctx, kName, algo, [&] {
    // Only the root reads displs; elsewhere only bytes[rank] is used.
    const size_t* displs = isRoot ? a.displs.data() : nullptr;
    gatherLinear(ctx, seq, in, a.out, Blocks::explicitLayout(a.bytes.data(), displs), a.root);
  });
  return algo;
}

}  // namespace gloo
