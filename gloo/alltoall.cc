// gloo::alltoall and gloo::alltoallv: argument checks, in-place handling
// (in == nullptr: the data is taken from out, copied to scratch 2 first;
// for alltoallv the receive layout then describes both directions, as with
// MPI_IN_PLACE), algorithm choice and dispatch.
// Algorithms: "pairwise" (alltoall_pairwise.cc) for both.
#include <cstring>

#include "gloo/algorithms/alltoall.h"
#include "gloo/algorithms/collective_support.h"
#include "gloo/collectives.h"
#include "gloo/selection.h"

namespace gloo {

using namespace algorithms;

const char* alltoall(Context& ctx, const AlltoallArgs& a) {
  static const std::vector<std::string> kAlgorithms = {"pairwise"};
  constexpr const char* kName = "alltoall";
  const int P = ctx.size();
  const size_t total = checkedMul(kName, "bytes", a.bytes, static_cast<size_t>(P));
  checkBuffer(kName, "out", a.out, total);
  const char* algo = stableName(
      kName, kAlgorithms,
      selectAlgorithm({Collective::kAlltoall, a.bytes, P, true}, a.algorithm, kAlgorithms));
  ctx.setLastAlgorithm(algo);
  if (a.bytes == 0) return algo;
  if (a.in == nullptr && P == 1) return algo;
  const void* in = a.in;
  if (in == nullptr) {
    void* copy = ctx.scratch(total, 2);
    std::memcpy(copy, a.out, total);
    in = copy;
  }
  if (P == 1) {
    if (in != a.out) std::memcpy(a.out, in, a.bytes);
    return algo;
  }
  const uint64_t seq = ctx.nextSequence();
  runGuarded(ctx, kName, algo, [&] {
    alltoallPairwise(ctx, seq, in, a.out, Blocks::uniform(a.bytes), Blocks::uniform(a.bytes));
  });
  return algo;
}

const char* alltoallv(Context& ctx, const AlltoallvArgs& a) {
  static const std::vector<std::string> kAlgorithms = {"pairwise"};
  constexpr const char* kName = "alltoallv";
  const int P = ctx.size(), r = ctx.rank();
  const bool inPlace = a.in == nullptr;
  const size_t recvExtent =
      checkLayout(kName, "recvBytes", "recvDispls", a.recvBytes, a.recvDispls, P);
  checkBuffer(kName, "out", a.out, recvExtent);
  const std::vector<size_t>& sendBytes = inPlace ? a.recvBytes : a.sendBytes;
  const std::vector<size_t>& sendDispls = inPlace ? a.recvDispls : a.sendDispls;
  if (!inPlace) {
    const size_t sendExtent =
        checkLayout(kName, "sendBytes", "sendDispls", a.sendBytes, a.sendDispls, P);
    checkBuffer(kName, "in", a.in, sendExtent);
  }
  if (sendBytes[r] != a.recvBytes[r]) {
    invalid(kName, "rank " + std::to_string(r) + " sends itself " + std::to_string(sendBytes[r]) +
                       " bytes but expects " + std::to_string(a.recvBytes[r]));
  }
  // Each rank knows only its own layouts, so the choice cannot depend on
  // sizes (every rank must pick the same algorithm).
  const char* algo = stableName(
      kName, kAlgorithms,
      selectAlgorithm({Collective::kAlltoallv, 0, P, true}, a.algorithm, kAlgorithms));
  ctx.setLastAlgorithm(algo);
  if (inPlace && P == 1) return algo;
  const void* in = a.in;
  if (inPlace && recvExtent > 0) {
    void* copy = ctx.scratch(recvExtent, 2);
    std::memcpy(copy, a.out, recvExtent);
    in = copy;
  }
  const Blocks send = Blocks::explicitLayout(sendBytes.data(), sendDispls.data());
  const Blocks recv = Blocks::explicitLayout(a.recvBytes.data(), a.recvDispls.data());
  if (P == 1) {
    if (recv.size(0) > 0) std::memcpy(at(a.out, recv.offset(0)), at(in, send.offset(0)), recv.size(0));
    return algo;
  }
  const uint64_t seq = ctx.nextSequence();
  runGuarded(ctx, kName, algo, [&] { alltoallPairwise(ctx, seq, in, a.out, send, recv); });
  return algo;
}

}  // namespace gloo
