// Scan "linear" (inclusive and exclusive): a pipelined chain.
//
// Rank r receives the prefix x_0 op ... op x_{r-1} from r - 1, combines it
// with its own input (prefix as the left operand) and passes
// x_0 op ... op x_r on to r + 1. The message is cut into up to kMaxChunks
// chunks of at least kChunkBytes (chunk c uses step c; all receives are
// posted first), so a rank forwards chunk c while chunk c+1 is still on its
// way and the chain's depth is paid once, not once per chunk.
// P - 1 hops of latency; every rank sends and receives S bytes once.
// Strictly a left fold in rank order: chosen for non-commutative ops (and
// GLOOMPI_DETERMINISTIC when it applies to scan).
#include <cstring>

#include "gloo/algorithms/collective_support.h"
#include "gloo/algorithms/scan.h"

namespace gloo::algorithms {

namespace {
constexpr size_t kChunkBytes = 64 * 1024;
constexpr size_t kMaxChunks = 8;
}  // namespace

void scanLinear(Context& ctx, uint64_t seq, const void* in, void* out, size_t count,
                const Reduction& red, bool exclusive) {
  const int P = ctx.size(), r = ctx.rank();
  const size_t es = red.elementSize();
  const size_t bytes = count * es;
  size_t chunks = (bytes + kChunkBytes - 1) / kChunkBytes;
  if (chunks > kMaxChunks) chunks = kMaxChunks;
  if (chunks == 0) chunks = 1;
  const Blocks parts = Blocks::partition(count, es, static_cast<int>(chunks));
  const bool forward = r + 1 < P;

  if (r == 0) {
    if (!exclusive && in != out) std::memcpy(out, in, bytes);
    const void* src = exclusive ? in : out;
    RequestList reqs(ctx, chunks);
    for (size_t c = 0; c < chunks && forward; c++) {
      reqs.send(1, Context::makeSlot(seq, c), at(src, parts.offset(c)), parts.size(c));
    }
    reqs.waitAll();
    return;
  }

  uint8_t* incoming = static_cast<uint8_t*>(ctx.scratch(bytes, 1));
  uint8_t* onward = exclusive && forward ? static_cast<uint8_t*>(ctx.scratch(bytes, 0)) : nullptr;
  RequestList reqs(ctx, 2 * chunks);
  Request* got[kMaxChunks];
  for (size_t c = 0; c < chunks; c++) {
    got[c] = reqs.recv(r - 1, Context::makeSlot(seq, c), incoming + parts.offset(c), parts.size(c));
  }
  for (size_t c = 0; c < chunks; c++) {
    const size_t off = parts.offset(c), n = parts.size(c);
    if (n == 0) continue;
    reqs.wait(got[c]);
    if (exclusive) {
      // The onward value reads `in` before out (maybe the same buffer) is written.
      if (forward) {
        red.apply(onward + off, incoming + off, at(in, off), n / es);
        reqs.send(r + 1, Context::makeSlot(seq, c), onward + off, n);
      }
      std::memcpy(at(out, off), incoming + off, n);
    } else {
      red.apply(at(out, off), incoming + off, at(in, off), n / es);
      if (forward) reqs.send(r + 1, Context::makeSlot(seq, c), at(out, off), n);
    }
  }
  reqs.waitAll();
}

}  // namespace gloo::algorithms
