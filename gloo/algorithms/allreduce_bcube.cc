// Allreduce "bcube" (generalised to any P by mixed radix).
//
// P is factored into small factors f0 * f1 * ... * f(D-1) (its prime
// factors, ascending, neighbours merged while the product stays <= 4, e.g.
// 8 = 4*2, 12 = 4*3, 7 = 7). Rank r has digits d_k = (r / s_k) % f_k with
// strides s_0 = 1, s_k = s_(k-1) * f_(k-1); the group of dimension k is the
// f_k ranks that differ from r only in digit k.
//  reduce-scatter, k = 0..D-1: inside the group of dimension k, the current
//    range is split into f_k parts, member i receives part i from every
//    member and folds them in member order (groupReduceScatter); the range
//    shrinks to this rank's part.
//  allgather, k = D-1..0: inside the same groups, in reverse, each member
//    sends its part to the others (groupAllgatherSend), growing the range
//    back. The ranges of all dimensions are computed first and every
//    allgather receive is posted before the reduce-scatter starts.
// Bytes on the wire per rank: 2 (P-1)/P * S, in 2 * sum(f_k - 1) messages
// over 2D rounds. Works for every P (a prime P is one group: a direct
// reduce-scatter + allgather). Not chosen by the default table; available
// by name (GLOOMPI_ALGO_ALLREDUCE=bcube). Dimension 0 groups are runs of
// consecutive ranks and later dimensions combine them in order, so operands
// stay in rank order (tree bracketing).
#include "gloo/algorithms/allreduce.h"

namespace gloo::allreduce_algo {
namespace {

constexpr int kMaxRadix = 4;
constexpr int kMaxDims = 64;

// Factors of p (>= 2) as described above; returns how many.
int factor(int p, int* f) {
  int primes[kMaxDims];
  int np = 0;
  for (int d = 2; d * d <= p; ++d) {
    while (p % d == 0) {
      primes[np++] = d;
      p /= d;
    }
  }
  if (p > 1) primes[np++] = p;
  int n = 0;
  for (int i = 0; i < np; ++i) {
    if (n > 0 && f[n - 1] * primes[i] <= kMaxRadix) {
      f[n - 1] *= primes[i];
    } else {
      f[n++] = primes[i];
    }
  }
  return n;
}

}  // namespace

void bcube(Context& ctx, const void* inp, void* outp, size_t count, const Reduction& reduction) {
  const int P = ctx.size();
  const int rank = ctx.rank();
  const size_t es = reduction.elementSize();
  const uint64_t seq = ctx.nextSequence();
  const auto* in = static_cast<const uint8_t*>(inp);
  auto* out = static_cast<uint8_t*>(outp);

  int f[kMaxDims];
  const int D = factor(P, f);
  Group groups[kMaxDims];
  size_t savedLo[kMaxDims], savedHi[kMaxDims];
  int stride = 1;
  for (int k = 0; k < D; ++k) {
    const int digit = (rank / stride) % f[k];
    groups[k] = Group{rank - digit * stride, stride, f[k], digit};
    stride *= f[k];
  }

  // The range of every dimension, known before anything is sent, so that
  // all allgather receives can be posted at once.
  size_t capacity = 0;
  {
    size_t lo = 0, hi = count;
    for (int k = 0; k < D; ++k) {
      const Group& g = groups[k];
      savedLo[k] = lo;
      savedHi[k] = hi;
      const size_t n = hi - lo;
      lo = savedLo[k] + partBegin(n, g.size, g.me);
      hi = lo + partSize(n, g.size, g.me);
      capacity += groupRequests(g);
    }
  }
  // Slot steps: k for reduce-scatter dimension k, kMaxDims + k for allgather.
  RequestSet reqs(ctx, capacity);
  for (int k = 0; k < D; ++k) {
    groupAllgatherRecv(ctx, groups[k], seq, kMaxDims + k, out, savedLo[k], savedHi[k], es, reqs);
  }
  // Allgather receives of dimension k, in `reqs` after those of dimensions < k.
  size_t agEnd[kMaxDims];
  {
    size_t n = 0;
    for (int k = 0; k < D; ++k) {
      const Group& g = groups[k];
      const size_t len = savedHi[k] - savedLo[k];
      for (int i = 0; i < g.size; ++i) {
        if (i != g.me && partSize(len, g.size, i) > 0) ++n;
      }
      agEnd[k] = n;
    }
  }
  const uint8_t* src = in;
  for (int k = 0; k < D; ++k) {
    groupReduceScatter(ctx, groups[k], seq, k, src, out, savedLo[k], savedHi[k], reduction, reqs);
    src = out;
  }
  for (int k = D - 1; k >= 0; --k) {
    groupAllgatherSend(ctx, groups[k], seq, kMaxDims + k, out, savedLo[k], savedHi[k], es, reqs);
    // This rank's part of dimension k-1 is final once dimension k's parts
    // from the other members are in.
    const size_t first = k == 0 ? 0 : agEnd[k - 1];
    for (size_t i = first; i < agEnd[k]; ++i) ctx.wait(reqs[i]);
  }
  reqs.waitAll();
}

}  // namespace gloo::allreduce_algo
