// The Reduction value: a predefined kernel or an MPI-style user function,
// applied with the kernel contract out = a (op) b (a = lower ranks).
//
// User functions compute inout = in (op) inout, so the b side must live in
// the buffer the function writes:
//   out == b (a != b)  fn(a, out)
//   out == a           b is copied chunk by chunk into a scratch buffer,
//                      fn(a_chunk, scratch), scratch copied to out (the
//                      function has read a_chunk before it is overwritten);
//                      this also covers out == a == b, so `in` never aliases
//                      `inout`.
//   otherwise          copy b to out, fn(a, out).
#include "gloo/reduction.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "common/error.h"

namespace gloo {
namespace {

// Bytes of b staged per user-function call when out aliases a.
constexpr size_t kScratchBytes = 64 * 1024;

struct AlignedFree {
  void operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t(64)); }
};

}  // namespace

Reduction::Reduction(DataType t, ReduceOp op) : type_(t), op_(op) {
  if (op == ReduceOp::kUser) {
    throw InvalidArgument(std::string("gloompi: reduction op 'user' on type ") + name(t) +
                          " needs a user function (use the UserFn constructor)");
  }
  if (!isValid(t, op)) {
    throw InvalidArgument(std::string("gloompi: reduction op '") + name(op) + "' is not defined for type " + name(t));
  }
  elemSize_ = gloo::elementSize(t);
  commutative_ = true;
  kernel_ = kernelFor(t, op);
}

Reduction::Reduction(DataType t, UserFn fn, void* state, bool commutative, size_t elemSize)
    : type_(t), op_(ReduceOp::kUser), commutative_(commutative), user_(fn), state_(state) {
  if (fn == nullptr) {
    throw InvalidArgument(std::string("gloompi: user reduction on type ") + name(t) + " has a null function");
  }
  if (t >= DataType::kCount) {
    throw InvalidArgument("gloompi: user reduction on invalid DataType value " + std::to_string(static_cast<int>(t)));
  }
  elemSize_ = elemSize != 0 ? elemSize : gloo::elementSize(t);
}

void Reduction::apply(void* out, const void* a, const void* b, size_t n) const {
  if (n == 0) return;
  if (user_ == nullptr) {
    KernelFn k = kernel_ != nullptr ? kernel_ : kernelFor(type_, op_);
    if (k == nullptr) {
      throw InvalidArgument(std::string("gloompi: reduction op '") + name(op_) + "' is not defined for type " +
                            name(type_));
    }
    k(out, a, b, n);
    return;
  }
  if (out == a) {
    size_t chunk = std::max<size_t>(1, kScratchBytes / elemSize_);
    chunk = std::min(chunk, n);
    std::unique_ptr<std::byte, AlignedFree> scratch(
        static_cast<std::byte*>(::operator new[](chunk * elemSize_, std::align_val_t(64))));
    auto* o = static_cast<std::byte*>(out);
    const auto* pb = static_cast<const std::byte*>(b);
    for (size_t i = 0; i < n; i += chunk) {
      size_t k = std::min(chunk, n - i);
      size_t off = i * elemSize_;
      std::memcpy(scratch.get(), pb + off, k * elemSize_);
      user_(o + off, scratch.get(), k, state_);
      std::memcpy(o + off, scratch.get(), k * elemSize_);
    }
    return;
  }
  if (out != b) std::memcpy(out, b, n * elemSize_);
  user_(a, out, n, state_);
}

}  // namespace gloo
