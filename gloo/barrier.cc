// gloo::barrier: algorithm choice and dispatch.
// Algorithms: "dissemination" (barrier_dissemination.cc).
#include "gloo/algorithms/barrier.h"
#include "gloo/algorithms/collective_support.h"
#include "gloo/collectives.h"
#include "gloo/selection.h"

namespace gloo {

using namespace algorithms;

const char* barrier(Context& ctx, const std::string& algorithm) {
  static const std::vector<std::string> kAlgorithms = {"dissemination"};
  constexpr const char* kName = "barrier";
  const char* algo = stableName(
      kName, kAlgorithms,
      selectAlgorithm({Collective::kBarrier, 0, ctx.size(), true}, algorithm, kAlgorithms));
  ctx.setLastAlgorithm(algo);
  if (ctx.size() == 1) return algo;
  const uint64_t seq = ctx.nextSequence();
  runGuarded(ctx, kName, algo, [&] { barrierDissemination(ctx, seq); });
  return algo;
}

}  // namespace gloo
