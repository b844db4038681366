// Scan "recursive_doubling" (inclusive and exclusive).
//
// Each rank keeps `partial`, the reduction of its aligned group of ranks
// (size 2^k after round k, clipped to P), and `result`, the reduction of
// ranks [0, r] (inclusive) or [0, r) (exclusive) seen so far.
// Round k, mask = 2^k: partner d = r XOR mask (skipped if d >= P); the two
// exchange partials (step k). The partner's group is contiguous with ours:
//  - d < r: it lies just below: partial = recv op partial and
//    result = recv op result (exclusive: the first such recv is the result);
//  - d > r: it lies just above: partial = partial op recv.
// A rank whose partner d >= P never later passes its (then incomplete)
// partial to a rank that needs it, so the scheme holds for any P.
// ceil(log2 P) rounds of S bytes each way; the lower ranks' value is always
// the left operand, so non-commutative ops are safe.
// Chosen by the table for every size (the default scan).
#include <cstring>

#include "gloo/algorithms/collective_support.h"
#include "gloo/algorithms/scan.h"

namespace gloo::algorithms {

void scanRecursiveDoubling(Context& ctx, uint64_t seq, const void* in, void* out, size_t count,
                           const Reduction& red, bool exclusive) {
  const int P = ctx.size(), r = ctx.rank();
  const size_t bytes = count * red.elementSize();
  uint8_t* partialBuf = static_cast<uint8_t*>(ctx.scratch(bytes, 0));
  uint8_t* incoming = static_cast<uint8_t*>(ctx.scratch(bytes, 1));
  const void* partial = in;
  // nullptr: no lower rank seen yet (exclusive only).
  const void* result = exclusive ? nullptr : in;
  uint32_t k = 0;
  for (int mask = 1; mask < P; mask <<= 1, k++) {
    const int d = r ^ mask;
    if (d >= P) continue;
    const uint64_t slot = Context::makeSlot(seq, k);
    exchange(ctx, d, slot, partial, bytes, d, slot, incoming, bytes);
    const bool more = (mask << 1) < P;
    // The partial is updated first: in place, `in` may be `out`, which the
    // result update below overwrites.
    if (d < r) {
      if (more) {
        red.apply(partialBuf, incoming, partial, count);
        partial = partialBuf;
      }
      if (result == nullptr) {
        std::memcpy(out, incoming, bytes);
      } else {
        red.apply(out, incoming, result, count);
      }
      result = out;
    } else if (more) {
      red.apply(partialBuf, partial, incoming, count);
      partial = partialBuf;
    }
  }
  if (!exclusive && result != out) std::memcpy(out, result, bytes);
}

}  // namespace gloo::algorithms
