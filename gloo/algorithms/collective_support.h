// Shared plumbing of the non-allreduce collectives: block layouts, a
// request list without per-call allocation for small rank counts, argument
// checks that name the collective, and the error wrapper every dispatcher
// runs its algorithm under.
//
// Message conventions used by every algorithm built on these helpers:
//  - A zero-byte block is never sent: both sides know every block size, so
//    both skip it (send() and recv() below do nothing for size 0).
//  - Requests posted to a RequestList must stay where they are until
//    waitAll() returns; the list never moves them (inline array, or one heap
//    array sized at construction).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "gloo/context.h"

namespace gloo::algorithms {

// Where the block of each rank lies in a buffer, in bytes.
//  kUniform:   block i is `unit` bytes at offset i * unit.
//  kExplicit:  block i is sizes[i] * unit bytes at offsets[i] * unit.
//  kPartition: `total` elements of `unit` bytes split into `parts` near-equal
//              contiguous blocks; the first total % parts blocks get one more.
//  kSingle:    block `parts` (the owner) is total * unit bytes at offset 0;
//              every other block is empty.
struct Blocks {
  enum class Kind { kUniform, kExplicit, kPartition, kSingle };
  Kind kind = Kind::kUniform;
  size_t unit = 0;
  size_t total = 0;
  int parts = 1;
  const size_t* sizes = nullptr;
  const size_t* offsets = nullptr;

  static Blocks uniform(size_t bytes) {
    Blocks b;
    b.kind = Kind::kUniform;
    b.unit = bytes;
    return b;
  }
  static Blocks explicitLayout(const size_t* sizes, const size_t* offsets, size_t unit = 1) {
    Blocks b;
    b.kind = Kind::kExplicit;
    b.sizes = sizes;
    b.offsets = offsets;
    b.unit = unit;
    return b;
  }
  static Blocks partition(size_t count, size_t elemSize, int parts) {
    Blocks b;
    b.kind = Kind::kPartition;
    b.total = count;
    b.unit = elemSize;
    b.parts = parts;
    return b;
  }
  static Blocks single(size_t count, size_t elemSize, int owner) {
    Blocks b;
    b.kind = Kind::kSingle;
    b.total = count;
    b.unit = elemSize;
    b.parts = owner;
    return b;
  }

  size_t size(int i) const {
    switch (kind) {
      case Kind::kUniform: return unit;
      case Kind::kExplicit: return sizes[i] * unit;
      case Kind::kPartition: {
        const size_t q = total / parts, r = total % parts;
        return (q + (static_cast<size_t>(i) < r ? 1 : 0)) * unit;
      }
      case Kind::kSingle: return i == parts ? total * unit : 0;
    }
    return 0;
  }
  size_t offset(int i) const {
    switch (kind) {
      case Kind::kUniform: return unit * static_cast<size_t>(i);
      case Kind::kExplicit: return offsets[i] * unit;
      case Kind::kPartition: {
        const size_t q = total / parts, r = total % parts, u = static_cast<size_t>(i);
        return (u * q + (u < r ? u : r)) * unit;
      }
      case Kind::kSingle: return 0;
    }
    return 0;
  }
  size_t maxSize(int n) const {
    size_t m = 0;
    if (kind == Kind::kSingle) return total * unit;
    if (kind != Kind::kExplicit) return n > 0 ? size(0) : 0;
    for (int i = 0; i < n; i++) m = sizes[i] * unit > m ? sizes[i] * unit : m;
    return m;
  }
};

inline uint8_t* at(void* p, size_t off) { return static_cast<uint8_t*>(p) + off; }
inline const uint8_t* at(const void* p, size_t off) { return static_cast<const uint8_t*>(p) + off; }

// Requests of one phase of an algorithm. Up to kInline requests live inside
// the object; a larger capacity is allocated once at construction.
class RequestList {
 public:
  static constexpr size_t kInline = 16;

  RequestList(Context& ctx, size_t capacity) : ctx_(ctx), capacity_(capacity) {
    if (capacity > kInline) {
      heap_ = std::make_unique<Request[]>(capacity);
      heapPtrs_ = std::make_unique<Request*[]>(capacity);
    }
  }
  RequestList(const RequestList&) = delete;
  RequestList& operator=(const RequestList&) = delete;

  // Posts a send / receive unless size is 0. Returns the request or nullptr.
  Request* send(int peer, uint64_t slot, const void* data, size_t size) {
    if (size == 0) return nullptr;
    Request& r = next();
    ctx_.isend(r, peer, slot, data, size);
    return &r;
  }
  Request* recv(int peer, uint64_t slot, void* data, size_t size) {
    if (size == 0) return nullptr;
    Request& r = next();
    ctx_.irecv(r, peer, slot, data, size);
    return &r;
  }
  // Waits for one request of this list (nullptr: nothing to wait for).
  void wait(Request* r) {
    if (r != nullptr && !r->complete) ctx_.wait(*r);
  }
  // Waits for every posted request and empties the list.
  void waitAll() {
    if (n_ > 0) ctx_.waitAll(ptrs(), n_);
    n_ = 0;
  }
  size_t posted() const { return n_; }

 private:
  Request* reqs() { return heap_ ? heap_.get() : inline_; }
  Request** ptrs() { return heap_ ? heapPtrs_.get() : inlinePtrs_; }
  Request& next() {
    if (n_ >= (heap_ ? capacity_ : kInline)) {
      throw Error("gloompi: internal error: RequestList capacity " + std::to_string(capacity_) +
                  " exceeded");
    }
    Request& r = reqs()[n_];
    r = Request{};
    ptrs()[n_] = &r;
    n_++;
    return r;
  }

  Context& ctx_;
  size_t capacity_;
  size_t n_ = 0;
  Request inline_[kInline];
  Request* inlinePtrs_[kInline] = {};
  std::unique_ptr<Request[]> heap_;
  std::unique_ptr<Request*[]> heapPtrs_;
};

// Blocking exchange that skips zero-byte halves.
inline void exchange(Context& ctx, int to, uint64_t sslot, const void* sdata, size_t ssize,
                     int from, uint64_t rslot, void* rdata, size_t rsize) {
  if (ssize > 0 && rsize > 0) {
    ctx.sendrecv(to, sslot, sdata, ssize, from, rslot, rdata, rsize);
    return;
  }
  RequestList reqs(ctx, 2);
  reqs.recv(from, rslot, rdata, rsize);
  reqs.send(to, sslot, sdata, ssize);
  reqs.waitAll();
}

// ---- argument checks (throw InvalidArgument naming the collective) ----

[[noreturn]] inline void invalid(const char* collective, const std::string& what) {
  throw InvalidArgument(std::string("gloompi ") + collective + ": " + what);
}

inline void checkRoot(const char* collective, const Context& ctx, int root) {
  if (root < 0 || root >= ctx.size()) {
    invalid(collective, "root " + std::to_string(root) + " out of range [0, " +
                            std::to_string(ctx.size()) + ")");
  }
}

inline void checkBuffer(const char* collective, const char* arg, const void* p, size_t bytes) {
  if (p == nullptr && bytes != 0) {
    invalid(collective, std::string("argument '") + arg + "' is nullptr but " +
                            std::to_string(bytes) + " bytes are needed");
  }
}

inline void checkVectorSize(const char* collective, const char* arg, size_t have, int ranks) {
  if (have != static_cast<size_t>(ranks)) {
    invalid(collective, std::string("argument '") + arg + "' has " + std::to_string(have) +
                            " entries, expected one per rank (" + std::to_string(ranks) + ")");
  }
}

// a * b, throwing if it overflows size_t.
inline size_t checkedMul(const char* collective, const char* arg, size_t a, size_t b) {
  size_t r;
  if (__builtin_mul_overflow(a, b, &r)) {
    invalid(collective, std::string("size overflow in '") + arg + "' (" + std::to_string(a) +
                            " x " + std::to_string(b) + ")");
  }
  return r;
}

// a + b, throwing if it overflows size_t.
inline size_t checkedAdd(const char* collective, const char* arg, size_t a, size_t b) {
  size_t r;
  if (__builtin_add_overflow(a, b, &r)) {
    invalid(collective, std::string("size overflow in '") + arg + "' (" + std::to_string(a) +
                            " + " + std::to_string(b) + ")");
  }
  return r;
}

// Checks displacement + size of every block for overflow; returns the end
// of the furthest block (the buffer extent the layout needs).
inline size_t checkLayout(const char* collective, const char* sizesArg, const char* displsArg,
                          const std::vector<size_t>& sizes, const std::vector<size_t>& displs,
                          int ranks) {
  checkVectorSize(collective, sizesArg, sizes.size(), ranks);
  checkVectorSize(collective, displsArg, displs.size(), ranks);
  size_t extent = 0;
  for (int i = 0; i < ranks; i++) {
    const size_t end = checkedAdd(collective, displsArg, displs[i], sizes[i]);
    if (sizes[i] != 0 && end > extent) extent = end;
  }
  return extent;
}

// Validation shared by gatherv and scatterv: the root, one size per rank,
// at the root the layout of every block inside `rootBuffer` (argument
// `rootArg`), elsewhere this rank's own block in `ownBuffer` (`ownArg`).
// Returns the total of all blocks.
inline size_t checkRootedBlocks(const char* collective, Context& ctx, int root,
                                const std::vector<size_t>& bytes, const std::vector<size_t>& displs,
                                const void* rootBuffer, const char* rootArg, const void* ownBuffer,
                                const char* ownArg) {
  checkRoot(collective, ctx, root);
  checkVectorSize(collective, "bytes", bytes.size(), ctx.size());
  size_t total = 0;
  for (size_t b : bytes) total = checkedAdd(collective, "bytes", total, b);
  if (ctx.rank() == root) {
    const size_t extent = checkLayout(collective, "bytes", "displs", bytes, displs, ctx.size());
    checkBuffer(collective, rootArg, rootBuffer, extent);
  } else {
    checkBuffer(collective, ownArg, ownBuffer, bytes[ctx.rank()]);
  }
  return total;
}

// Runs an algorithm; a gloo::Error escaping it is rethrown as the same type
// with the collective, algorithm and rank prepended.
template <typename F>
void runGuarded(Context& ctx, const char* collective, const char* algorithm, F&& fn) {
  auto prefix = [&] {
    return std::string("gloompi ") + collective + " (" + algorithm + ", rank " +
           std::to_string(ctx.rank()) + " of " + std::to_string(ctx.size()) + "): ";
  };
  try {
    fn();
  } catch (const Error& e) {
    rethrowWithPrefix(e, prefix());
  }
}

// ceil(log2 n) for n >= 1: the most children a binomial-tree node has.
inline int ceilLog2(int n) {
  int k = 0;
  while ((1 << k) < n) k++;
  return k;
}

// Index of the lowest set bit of v as a value (v & -v); for v == 0 returns
// the smallest power of two >= n (the root of a binomial tree over n ranks
// owns the whole range).
inline int lowBitOrSpan(int v, int n) {
  if (v != 0) return v & -v;
  int m = 1;
  while (m < n) m <<= 1;
  return m;
}

// A rank's place in the binomial tree rooted at `root` over P ranks, in
// ranks relative to the root (v = (rank - root) mod P). The subtree of v is
// the relative ranks [v, v + size); its children are v + m for m = 1, 2, 4,
// ... while m < span and v + m < P, child v + m owning childSize(m) ranks;
// its parent is v - span. Shared by the binomial broadcast, reduce, gather
// and scatter, so the four agree on one tree.
struct BinomialNode {
  BinomialNode(int rank, int rootRank, int ranks)
      : P(ranks), root(rootRank), v((rank - rootRank + ranks) % ranks), span(lowBitOrSpan(v, ranks)),
        size(span < ranks - v ? span : ranks - v) {}
  int P, root, v, span, size;

  bool isRoot() const { return v == 0; }
  int absolute(int rel) const { return (rel + root) % P; }
  int parent() const { return absolute(v - span); }
  bool hasChild(int m) const { return m < span && v + m < P; }
  int child(int m) const { return absolute(v + m); }
  int childSize(int m) const { return m < P - v - m ? m : P - v - m; }
};

}  // namespace gloo::algorithms

namespace gloo::algorithms {

// The entry of `available` equal to `chosen`, as a string that lives as long
// as the program (the dispatchers return it to their callers).
inline const char* stableName(const char* collective, const std::vector<std::string>& available,
                              const std::string& chosen) {
  for (const auto& s : available) {
    if (s == chosen) return s.c_str();
  }
  invalid(collective, "algorithm '" + chosen + "' is not available");
}

}  // namespace gloo::algorithms
