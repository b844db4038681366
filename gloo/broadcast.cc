// gloo::broadcast: argument checks, algorithm choice and dispatch.
// Algorithms: "binomial" (broadcast_binomial.cc), "scatter_allgather"
// (broadcast_scatter_allgather.cc).
#include "gloo/algorithms/broadcast.h"
#include "gloo/algorithms/collective_support.h"
#include "gloo/collectives.h"
#include "gloo/selection.h"

namespace gloo {

using namespace algorithms;

const char* broadcast(Context& ctx, const BroadcastArgs& a) {
  static const std::vector<std::string> kAlgorithms = {"binomial", "scatter_allgather"};
  constexpr const char* kName = "broadcast";
  checkRoot(kName, ctx, a.root);
  checkBuffer(kName, "data", a.data, a.bytes);
  const char* algo = stableName(
      kName, kAlgorithms,
      selectAlgorithm({Collective::kBroadcast, a.bytes, ctx.size(), true}, a.algorithm, kAlgorithms));
  ctx.setLastAlgorithm(algo);
  if (ctx.size() == 1 || a.bytes == 0) return algo;
  const uint64_t seq = ctx.nextSequence();
  runGuarded(ctx, kName, algo, [&] {
    if (algo == kAlgorithms[1]) {
      broadcastScatterAllgather(ctx, seq, 0, a.data, a.bytes, a.root);
    } else {
      broadcastBinomial(ctx, seq, 0, a.data, a.bytes, a.root);
    }
  });
  return algo;
}

}  // namespace gloo
