// Portable element-wise kernels for every valid (type, op): the reference
// semantics every vectorised kernel must reproduce bit for bit.
//
// Semantics (a = lower ranks' operand, b = higher ranks'):
//   integers    SUM/PROD wrap modulo 2^bits (computed in unsigned arithmetic);
//               MIN/MAX signed or unsigned by type; LAND/LOR/LXOR give 0 or 1;
//               BAND/BOR/BXOR bitwise.
//   reals       SUM/PROD are one IEEE operation per element (no contraction).
//               float16/bfloat16 are widened to float, combined in float and
//               rounded back to nearest even; a NaN result is the canonical
//               quiet NaN (see half.h).
//               MIN/MAX return one operand's bits unchanged: a if a is NaN,
//               else b if b is NaN, else the smaller (larger) one, and b when
//               the two compare equal (so MIN(+0, -0) is b).
//   complex     SUM component-wise, PROD the C/C++ complex product.
//   pairs       MINLOC/MAXLOC as MPI: the smaller (larger) value with its
//               index; on equal values (or unordered, NaN) a's value with the
//               smaller index.
// out may alias a or b exactly: every element is read before it is written.
#include <complex>
#include <cstdint>
#include <type_traits>

#include "gloo/kernels/half.h"
#include "gloo/kernels/table.h"

namespace gloo::kernels {
namespace {

// Storage types of the 16-bit floats, distinct from uint16_t for overloads.
struct Half {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};

template <typename T>
using Wide = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

template <typename T>
constexpr bool kIsInt = std::is_integral_v<T>;

inline float widen(Half h) { return halfToFloat(h.bits); }
inline float widen(BFloat16 h) { return bfloat16ToFloat(h.bits); }
inline Half narrow(float f, Half) { return Half{floatToHalf(f)}; }
inline BFloat16 narrow(float f, BFloat16) { return BFloat16{floatToBFloat16(f)}; }

template <typename T>
constexpr bool kIsHalf = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

template <typename T>
struct Sum {
  static T apply(T a, T b) {
    if constexpr (kIsInt<T>) return static_cast<T>(static_cast<Wide<T>>(a) + static_cast<Wide<T>>(b));
    else if constexpr (kIsHalf<T>) return narrow(widen(a) + widen(b), T{});
    else return a + b;
  }
};

template <typename T>
struct Prod {
  static T apply(T a, T b) {
    if constexpr (kIsInt<T>) return static_cast<T>(static_cast<Wide<T>>(a) * static_cast<Wide<T>>(b));
    else if constexpr (kIsHalf<T>) return narrow(widen(a) * widen(b), T{});
    else return a * b;
  }
};

template <typename T>
struct Min {
  static T apply(T a, T b) {
    if constexpr (kIsInt<T>) {
      return b < a ? b : a;
    } else if constexpr (kIsHalf<T>) {
      float fa = widen(a), fb = widen(b);
      if (fa != fa) return a;
      if (fb != fb) return b;
      return fa < fb ? a : b;
    } else {
      T r = a < b ? a : b;
      if (b != b) r = b;
      if (a != a) r = a;
      return r;
    }
  }
};

template <typename T>
struct Max {
  static T apply(T a, T b) {
    if constexpr (kIsInt<T>) {
      return b > a ? b : a;
    } else if constexpr (kIsHalf<T>) {
      float fa = widen(a), fb = widen(b);
      if (fa != fa) return a;
      if (fb != fb) return b;
      return fa > fb ? a : b;
    } else {
      T r = a > b ? a : b;
      if (b != b) r = b;
      if (a != a) r = a;
      return r;
    }
  }
};

template <typename T>
struct Land {
  static T apply(T a, T b) { return static_cast<T>((a != 0) && (b != 0)); }
};
template <typename T>
struct Lor {
  static T apply(T a, T b) { return static_cast<T>((a != 0) || (b != 0)); }
};
template <typename T>
struct Lxor {
  static T apply(T a, T b) { return static_cast<T>((a != 0) != (b != 0)); }
};
template <typename T>
struct Band {
  static T apply(T a, T b) { return static_cast<T>(a & b); }
};
template <typename T>
struct Bor {
  static T apply(T a, T b) { return static_cast<T>(a | b); }
};
template <typename T>
struct Bxor {
  static T apply(T a, T b) { return static_cast<T>(a ^ b); }
};

template <typename P>
struct Minloc {
  static P apply(P a, P b) {
    if (a.value < b.value) return a;
    if (b.value < a.value) return b;
    P r = a;
    r.index = b.index < a.index ? b.index : a.index;
    return r;
  }
};

template <typename P>
struct Maxloc {
  static P apply(P a, P b) {
    if (a.value > b.value) return a;
    if (b.value > a.value) return b;
    P r = a;
    r.index = b.index < a.index ? b.index : a.index;
    return r;
  }
};

template <typename T, template <typename> class Op>
void loop(void* out, const void* a, const void* b, size_t n) {
  T* o = static_cast<T*>(out);
  const T* pa = static_cast<const T*>(a);
  const T* pb = static_cast<const T*>(b);
  for (size_t i = 0; i < n; ++i) {
    T x = pa[i];
    T y = pb[i];
    o[i] = Op<T>::apply(x, y);
  }
}

template <typename T>
void addInteger(KernelTable& t, DataType d) {
  t.set(d, ReduceOp::kSum, &loop<T, Sum>);
  t.set(d, ReduceOp::kProd, &loop<T, Prod>);
  t.set(d, ReduceOp::kMin, &loop<T, Min>);
  t.set(d, ReduceOp::kMax, &loop<T, Max>);
  t.set(d, ReduceOp::kLand, &loop<T, Land>);
  t.set(d, ReduceOp::kLor, &loop<T, Lor>);
  t.set(d, ReduceOp::kLxor, &loop<T, Lxor>);
  t.set(d, ReduceOp::kBand, &loop<T, Band>);
  t.set(d, ReduceOp::kBor, &loop<T, Bor>);
  t.set(d, ReduceOp::kBxor, &loop<T, Bxor>);
}

template <typename T>
void addReal(KernelTable& t, DataType d) {
  t.set(d, ReduceOp::kSum, &loop<T, Sum>);
  t.set(d, ReduceOp::kProd, &loop<T, Prod>);
  t.set(d, ReduceOp::kMin, &loop<T, Min>);
  t.set(d, ReduceOp::kMax, &loop<T, Max>);
}

template <typename T>
void addComplex(KernelTable& t, DataType d) {
  t.set(d, ReduceOp::kSum, &loop<T, Sum>);
  t.set(d, ReduceOp::kProd, &loop<T, Prod>);
}

template <typename T>
void addPair(KernelTable& t, DataType d) {
  t.set(d, ReduceOp::kMinloc, &loop<ValueIndex<T>, Minloc>);
  t.set(d, ReduceOp::kMaxloc, &loop<ValueIndex<T>, Maxloc>);
}

}  // namespace

void addScalarKernels(KernelTable& t) {
  addInteger<int8_t>(t, DataType::kInt8);
  addInteger<uint8_t>(t, DataType::kUint8);
  addInteger<int16_t>(t, DataType::kInt16);
  addInteger<uint16_t>(t, DataType::kUint16);
  addInteger<int32_t>(t, DataType::kInt32);
  addInteger<uint32_t>(t, DataType::kUint32);
  addInteger<int64_t>(t, DataType::kInt64);
  addInteger<uint64_t>(t, DataType::kUint64);
  addReal<Half>(t, DataType::kFloat16);
  addReal<BFloat16>(t, DataType::kBFloat16);
  addReal<float>(t, DataType::kFloat32);
  addReal<double>(t, DataType::kFloat64);
  addReal<long double>(t, DataType::kLongDouble);
  addComplex<std::complex<float>>(t, DataType::kComplex64);
  addComplex<std::complex<double>>(t, DataType::kComplex128);
  addPair<float>(t, DataType::kFloatInt);
  addPair<double>(t, DataType::kDoubleInt);
  addPair<long>(t, DataType::kLongInt);
  addPair<int>(t, DataType::kIntInt);
  addPair<short>(t, DataType::kShortInt);
  addPair<long double>(t, DataType::kLongDoubleInt);
}

}  // namespace gloo::kernels
