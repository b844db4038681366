// AVX2 + F16C kernels for the hot types: float32/float64 SUM PROD MIN MAX;
// all integer widths SUM MIN MAX BAND BOR BXOR and PROD for 16/32 bits;
// float16 and bfloat16 SUM PROD MIN MAX. Built with -mavx2 -mfma -mf16c;
// only called when dispatch.cc has checked the CPU. Each kernel reproduces
// scalar.cc's result bit for bit:
//   - SUM/PROD are one IEEE operation per lane; 16-bit floats widen to
//     float, combine, canonicalise NaN, round to nearest even.
//   - float MIN/MAX: vminps(a, b) gives "a < b ? a : b" (b when either is
//     NaN), then lanes where a is NaN take a -> the scalar rule.
//   - 64-bit integer MIN/MAX use vpcmpgtq (sign-flipped for unsigned).
//   - 16-bit float MIN/MAX compare sign-magnitude integer keys (-0 == +0)
//     and select raw operand bits, with the same NaN rule.
// The tail (< one vector) is staged through zero-padded stack buffers and
// computed by the same vector code. Each vector of a and b is loaded before
// out is stored, so out may alias a or b.
#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "gloo/kernels/table.h"

namespace gloo::kernels {
namespace {

struct F32 {
  using T = float;
  using V = __m256;
  static V load(const T* p) { return _mm256_loadu_ps(p); }
  static void store(T* p, V v) { _mm256_storeu_ps(p, v); }
};

struct F64 {
  using T = double;
  using V = __m256d;
  static V load(const T* p) { return _mm256_loadu_pd(p); }
  static void store(T* p, V v) { _mm256_storeu_pd(p, v); }
};

template <typename E>
struct Int {
  using T = E;
  using V = __m256i;
  static V load(const T* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static void store(T* p, V v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
};

template <typename Tr, typename Op>
void run(void* out, const void* a, const void* b, size_t n) {
  using T = typename Tr::T;
  constexpr size_t kLanes = 32 / sizeof(T);
  T* o = static_cast<T*>(out);
  const T* pa = static_cast<const T*>(a);
  const T* pb = static_cast<const T*>(b);
  size_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    auto x0 = Tr::load(pa + i), y0 = Tr::load(pb + i);
    auto x1 = Tr::load(pa + i + kLanes), y1 = Tr::load(pb + i + kLanes);
    Tr::store(o + i, Op::apply(x0, y0));
    Tr::store(o + i + kLanes, Op::apply(x1, y1));
  }
  for (; i + kLanes <= n; i += kLanes) Tr::store(o + i, Op::apply(Tr::load(pa + i), Tr::load(pb + i)));
  if (i < n) {
    size_t bytes = (n - i) * sizeof(T);
    alignas(32) T ta[kLanes] = {}, tb[kLanes] = {}, to[kLanes];
    std::memcpy(ta, pa + i, bytes);
    std::memcpy(tb, pb + i, bytes);
    Tr::store(to, Op::apply(Tr::load(ta), Tr::load(tb)));
    std::memcpy(o + i, to, bytes);
  }
}

// ---- float32 / float64 ----

struct AddPs { static __m256 apply(__m256 x, __m256 y) { return _mm256_add_ps(x, y); } };
struct MulPs { static __m256 apply(__m256 x, __m256 y) { return _mm256_mul_ps(x, y); } };
struct MinPs {
  static __m256 apply(__m256 x, __m256 y) {
    return _mm256_blendv_ps(_mm256_min_ps(x, y), x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
  }
};
struct MaxPs {
  static __m256 apply(__m256 x, __m256 y) {
    return _mm256_blendv_ps(_mm256_max_ps(x, y), x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
  }
};
struct AddPd { static __m256d apply(__m256d x, __m256d y) { return _mm256_add_pd(x, y); } };
struct MulPd { static __m256d apply(__m256d x, __m256d y) { return _mm256_mul_pd(x, y); } };
struct MinPd {
  static __m256d apply(__m256d x, __m256d y) {
    return _mm256_blendv_pd(_mm256_min_pd(x, y), x, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
  }
};
struct MaxPd {
  static __m256d apply(__m256d x, __m256d y) {
    return _mm256_blendv_pd(_mm256_max_pd(x, y), x, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
  }
};

// ---- integers (wrapping arithmetic is what the instructions do) ----

template <typename T>
struct ISum {
  static __m256i apply(__m256i x, __m256i y) {
    if constexpr (sizeof(T) == 1) return _mm256_add_epi8(x, y);
    else if constexpr (sizeof(T) == 2) return _mm256_add_epi16(x, y);
    else if constexpr (sizeof(T) == 4) return _mm256_add_epi32(x, y);
    else return _mm256_add_epi64(x, y);
  }
};

template <typename T>
struct IProd {
  static __m256i apply(__m256i x, __m256i y) {
    static_assert(sizeof(T) == 2 || sizeof(T) == 4);
    if constexpr (sizeof(T) == 2) return _mm256_mullo_epi16(x, y);
    else return _mm256_mullo_epi32(x, y);
  }
};

// x > y on 64-bit lanes, signed or unsigned.
template <typename T>
__m256i greater64(__m256i x, __m256i y) {
  if constexpr (std::is_signed_v<T>) {
    return _mm256_cmpgt_epi64(x, y);
  } else {
    const __m256i flip = _mm256_set1_epi64x(static_cast<int64_t>(0x8000000000000000ull));
    return _mm256_cmpgt_epi64(_mm256_xor_si256(x, flip), _mm256_xor_si256(y, flip));
  }
}

template <typename T>
struct IMin {
  static __m256i apply(__m256i x, __m256i y) {
    constexpr bool s = std::is_signed_v<T>;
    if constexpr (sizeof(T) == 1) return s ? _mm256_min_epi8(x, y) : _mm256_min_epu8(x, y);
    else if constexpr (sizeof(T) == 2) return s ? _mm256_min_epi16(x, y) : _mm256_min_epu16(x, y);
    else if constexpr (sizeof(T) == 4) return s ? _mm256_min_epi32(x, y) : _mm256_min_epu32(x, y);
    else return _mm256_blendv_epi8(x, y, greater64<T>(x, y));
  }
};

template <typename T>
struct IMax {
  static __m256i apply(__m256i x, __m256i y) {
    constexpr bool s = std::is_signed_v<T>;
    if constexpr (sizeof(T) == 1) return s ? _mm256_max_epi8(x, y) : _mm256_max_epu8(x, y);
    else if constexpr (sizeof(T) == 2) return s ? _mm256_max_epi16(x, y) : _mm256_max_epu16(x, y);
    else if constexpr (sizeof(T) == 4) return s ? _mm256_max_epi32(x, y) : _mm256_max_epu32(x, y);
    else return _mm256_blendv_epi8(x, y, greater64<T>(y, x));
  }
};

struct IAnd { static __m256i apply(__m256i x, __m256i y) { return _mm256_and_si256(x, y); } };
struct IOr { static __m256i apply(__m256i x, __m256i y) { return _mm256_or_si256(x, y); } };
struct IXor { static __m256i apply(__m256i x, __m256i y) { return _mm256_xor_si256(x, y); } };

// ---- float16 / bfloat16: 16 lanes of 16 bits per vector ----

inline __m256 canonicalNaN(__m256 v) {
  return _mm256_blendv_ps(v, _mm256_castsi256_ps(_mm256_set1_epi32(0x7FC00000)), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
}

struct Fp16 {
  static __m256 lo(__m256i x) { return _mm256_cvtph_ps(_mm256_castsi256_si128(x)); }
  static __m256 hi(__m256i x) { return _mm256_cvtph_ps(_mm256_extracti128_si256(x, 1)); }
  static __m256i pack(__m256 l, __m256 h) {
    __m128i a = _mm256_cvtps_ph(canonicalNaN(l), _MM_FROUND_TO_NEAREST_INT);
    __m128i b = _mm256_cvtps_ph(canonicalNaN(h), _MM_FROUND_TO_NEAREST_INT);
    return _mm256_inserti128_si256(_mm256_castsi128_si256(a), b, 1);
  }
  static constexpr int16_t kInf = 0x7C00;
};

struct Bf16 {
  static __m256 lo(__m256i x) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm256_castsi256_si128(x)), 16));
  }
  static __m256 hi(__m256i x) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm256_extracti128_si256(x, 1)), 16));
  }
  // Round to nearest even on the low 16 bits (as floatToBFloat16); the
  // result (0..0xFFFF) sits in the low half of each 32-bit lane.
  static __m256i round(__m256 v) {
    __m256i u = _mm256_castps_si256(canonicalNaN(v));
    __m256i bias = _mm256_add_epi32(_mm256_set1_epi32(0x7FFF), _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1)));
    return _mm256_srli_epi32(_mm256_add_epi32(u, bias), 16);
  }
  static __m256i pack(__m256 l, __m256 h) {
    // packus works per 128-bit lane: [l0-3 h0-3 | l4-7 h4-7]; reorder the quadwords.
    return _mm256_permute4x64_epi64(_mm256_packus_epi32(round(l), round(h)), 0xD8);
  }
  static constexpr int16_t kInf = 0x7F80;
};

template <typename F>
struct HSum {
  static __m256i apply(__m256i x, __m256i y) {
    return F::pack(_mm256_add_ps(F::lo(x), F::lo(y)), _mm256_add_ps(F::hi(x), F::hi(y)));
  }
};

template <typename F>
struct HProd {
  static __m256i apply(__m256i x, __m256i y) {
    return F::pack(_mm256_mul_ps(F::lo(x), F::lo(y)), _mm256_mul_ps(F::hi(x), F::hi(y)));
  }
};

// Sign-magnitude bits -> integer key ordered like the values (-0 == +0).
inline __m256i key16(__m256i x) {
  __m256i mag = _mm256_and_si256(x, _mm256_set1_epi16(0x7FFF));
  __m256i s = _mm256_srai_epi16(x, 15);
  return _mm256_sub_epi16(_mm256_xor_si256(mag, s), s);
}

template <typename F, bool kMin>
struct HMinMax {
  static __m256i apply(__m256i x, __m256i y) {
    const __m256i inf = _mm256_set1_epi16(F::kInf);
    const __m256i magMask = _mm256_set1_epi16(0x7FFF);
    __m256i nanX = _mm256_cmpgt_epi16(_mm256_and_si256(x, magMask), inf);
    __m256i nanY = _mm256_cmpgt_epi16(_mm256_and_si256(y, magMask), inf);
    __m256i kx = key16(x), ky = key16(y);
    __m256i pickX = kMin ? _mm256_cmpgt_epi16(ky, kx) : _mm256_cmpgt_epi16(kx, ky);
    __m256i r = _mm256_blendv_epi8(y, x, pickX);
    r = _mm256_blendv_epi8(r, y, nanY);
    return _mm256_blendv_epi8(r, x, nanX);
  }
};

// Writes one table entry. Deliberately file-local: an inline function
// shared with other translation units (KernelTable::set) could be emitted
// from this file with this file's ISA flags and then be picked by the linker
// for code that runs on CPUs without that ISA.
void put(KernelTable& t, DataType d, ReduceOp op, KernelFn f) {
  t.fn[static_cast<size_t>(d)][static_cast<size_t>(op)] = f;
}

template <typename T>
void addInt(KernelTable& t, DataType d) {
  put(t, d, ReduceOp::kSum, &run<Int<T>, ISum<T>>);
  if constexpr (sizeof(T) == 2 || sizeof(T) == 4) put(t, d, ReduceOp::kProd, &run<Int<T>, IProd<T>>);
  put(t, d, ReduceOp::kMin, &run<Int<T>, IMin<T>>);
  put(t, d, ReduceOp::kMax, &run<Int<T>, IMax<T>>);
  put(t, d, ReduceOp::kBand, &run<Int<T>, IAnd>);
  put(t, d, ReduceOp::kBor, &run<Int<T>, IOr>);
  put(t, d, ReduceOp::kBxor, &run<Int<T>, IXor>);
}

template <typename F>
void addHalf(KernelTable& t, DataType d) {
  put(t, d, ReduceOp::kSum, &run<Int<uint16_t>, HSum<F>>);
  put(t, d, ReduceOp::kProd, &run<Int<uint16_t>, HProd<F>>);
  put(t, d, ReduceOp::kMin, &run<Int<uint16_t>, HMinMax<F, true>>);
  put(t, d, ReduceOp::kMax, &run<Int<uint16_t>, HMinMax<F, false>>);
}

}  // namespace

void addAvx2Kernels(KernelTable& t) {
  put(t, DataType::kFloat32, ReduceOp::kSum, &run<F32, AddPs>);
  put(t, DataType::kFloat32, ReduceOp::kProd, &run<F32, MulPs>);
  put(t, DataType::kFloat32, ReduceOp::kMin, &run<F32, MinPs>);
  put(t, DataType::kFloat32, ReduceOp::kMax, &run<F32, MaxPs>);
  put(t, DataType::kFloat64, ReduceOp::kSum, &run<F64, AddPd>);
  put(t, DataType::kFloat64, ReduceOp::kProd, &run<F64, MulPd>);
  put(t, DataType::kFloat64, ReduceOp::kMin, &run<F64, MinPd>);
  put(t, DataType::kFloat64, ReduceOp::kMax, &run<F64, MaxPd>);
  addInt<int8_t>(t, DataType::kInt8);
  addInt<uint8_t>(t, DataType::kUint8);
  addInt<int16_t>(t, DataType::kInt16);
  addInt<uint16_t>(t, DataType::kUint16);
  addInt<int32_t>(t, DataType::kInt32);
  addInt<uint32_t>(t, DataType::kUint32);
  addInt<int64_t>(t, DataType::kInt64);
  addInt<uint64_t>(t, DataType::kUint64);
  addHalf<Fp16>(t, DataType::kFloat16);
  addHalf<Bf16>(t, DataType::kBFloat16);
}

}  // namespace gloo::kernels
