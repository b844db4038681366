// gloo::allgather and gloo::allgatherv: argument checks, in-place handling,
// algorithm choice and dispatch. Algorithms: allgather "ring"
// (allgather_ring.cc) and "bruck" (allgather_bruck.cc); allgatherv "ring".
#include <cstring>

#include "gloo/algorithms/allgather.h"
#include "gloo/algorithms/collective_support.h"
#include "gloo/collectives.h"
#include "gloo/selection.h"

namespace gloo {

using namespace algorithms;

const char* allgather(Context& ctx, const AllgatherArgs& a) {
  static const std::vector<std::string> kAlgorithms = {"ring", "bruck"};
  constexpr const char* kName = "allgather";
  const int P = ctx.size(), r = ctx.rank();
  const size_t total = checkedMul(kName, "bytes", a.bytes, static_cast<size_t>(P));
  checkBuffer(kName, "out", a.out, total);
  const char* algo = stableName(
      kName, kAlgorithms,
      selectAlgorithm({Collective::kAllgather, a.bytes, P, true}, a.algorithm, kAlgorithms));
  ctx.setLastAlgorithm(algo);
  if (a.bytes == 0) return algo;
  uint8_t* own = at(a.out, a.bytes * r);
  if (a.in != nullptr && a.in != own) std::memcpy(own, a.in, a.bytes);
  if (P == 1) return algo;
  const uint64_t seq = ctx.nextSequence();
  runGuarded(ctx, kName, algo, [&] {
    if (algo == kAlgorithms[1]) {
      allgatherBruck(ctx, seq, a.out, a.bytes);
    } else {
      allgatherRing(ctx, seq, 0, a.out, Blocks::uniform(a.bytes));
    }
  });
  return algo;
}

const char* allgatherv(Context& ctx, const AllgathervArgs& a) {
  static const std::vector<std::string> kAlgorithms = {"ring"};
  constexpr const char* kName = "allgatherv";
  const int P = ctx.size(), r = ctx.rank();
  const size_t extent = checkLayout(kName, "bytes", "displs", a.bytes, a.displs, P);
  checkBuffer(kName, "out", a.out, extent);
  size_t total = 0;
  for (size_t b : a.bytes) total = checkedAdd(kName, "bytes", total, b);
  const char* algo = stableName(
      kName, kAlgorithms,
      selectAlgorithm({Collective::kAllgatherv, total / P, P, true}, a.algorithm, kAlgorithms));
  ctx.setLastAlgorithm(algo);
  if (total == 0) return algo;
  uint8_t* own = at(a.out, a.displs[r]);
  if (a.in != nullptr && a.in != own && a.bytes[r] > 0) std::memcpy(own, a.in, a.bytes[r]);
  if (P == 1) return algo;
  const uint64_t seq = ctx.nextSequence();
  runGuarded(ctx, kName, algo, [&] {
    allgatherRing(ctx, seq, 0, a.out, Blocks::explicitLayout(a.bytes.data(), a.displs.data()));
  });
  return algo;
}

}  // namespace gloo
