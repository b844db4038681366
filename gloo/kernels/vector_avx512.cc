// AVX-512 (F/BW/DQ/VL) kernels for the hot types: float32/float64 SUM PROD
// MIN MAX; all integer widths SUM MIN MAX BAND BOR BXOR and PROD for 16/32/64
// bits; float16 (via the F16C conversions of AVX-512F) and bfloat16 SUM PROD
// MIN MAX. Built with -mavx512*; only called when dispatch.cc has checked
// the CPU. Each kernel reproduces scalar.cc's result bit for bit:
//   - SUM/PROD are one IEEE operation per lane; 16-bit floats widen to
//     float, combine, canonicalise NaN, round to nearest even.
//   - float MIN/MAX: vminps(a, b) gives "a < b ? a : b" (b when either is
//     NaN), computed only in lanes where a is not NaN; the others keep a
//     -> the scalar rule.
//   - 16-bit float MIN/MAX compare sign-magnitude integer keys (-0 == +0)
//     and select raw operand bits, with the same NaN rule.
// Full vectors use unaligned loads/stores; the tail uses masked ones. Each
// vector of a and b is loaded before out is stored, so out may alias a or b.
// GCC 12's AVX-512 intrinsic headers seed results with _mm512_undefined_*(),
// which -Wmaybe-uninitialized reports falsely (GCC bug 105593); silenced for
// this file only so -Werror builds pass.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstdint>
#include <type_traits>

#include "gloo/kernels/table.h"

namespace gloo::kernels {
namespace {

struct F32 {
  using T = float;
  using V = __m512;
  static V load(const T* p) { return _mm512_loadu_ps(p); }
  static V mload(uint64_t m, const T* p) { return _mm512_maskz_loadu_ps(static_cast<__mmask16>(m), p); }
  static void store(T* p, V v) { _mm512_storeu_ps(p, v); }
  static void mstore(T* p, uint64_t m, V v) { _mm512_mask_storeu_ps(p, static_cast<__mmask16>(m), v); }
};

struct F64 {
  using T = double;
  using V = __m512d;
  static V load(const T* p) { return _mm512_loadu_pd(p); }
  static V mload(uint64_t m, const T* p) { return _mm512_maskz_loadu_pd(static_cast<__mmask8>(m), p); }
  static void store(T* p, V v) { _mm512_storeu_pd(p, v); }
  static void mstore(T* p, uint64_t m, V v) { _mm512_mask_storeu_pd(p, static_cast<__mmask8>(m), v); }
};

template <typename E>
struct Int {
  using T = E;
  using V = __m512i;
  static V load(const T* p) { return _mm512_loadu_si512(p); }
  static V mload(uint64_t m, const T* p) {
    if constexpr (sizeof(T) == 1) return _mm512_maskz_loadu_epi8(static_cast<__mmask64>(m), p);
    else if constexpr (sizeof(T) == 2) return _mm512_maskz_loadu_epi16(static_cast<__mmask32>(m), p);
    else if constexpr (sizeof(T) == 4) return _mm512_maskz_loadu_epi32(static_cast<__mmask16>(m), p);
    else return _mm512_maskz_loadu_epi64(static_cast<__mmask8>(m), p);
  }
  static void store(T* p, V v) { _mm512_storeu_si512(p, v); }
  static void mstore(T* p, uint64_t m, V v) {
    if constexpr (sizeof(T) == 1) _mm512_mask_storeu_epi8(p, static_cast<__mmask64>(m), v);
    else if constexpr (sizeof(T) == 2) _mm512_mask_storeu_epi16(p, static_cast<__mmask32>(m), v);
    else if constexpr (sizeof(T) == 4) _mm512_mask_storeu_epi32(p, static_cast<__mmask16>(m), v);
    else _mm512_mask_storeu_epi64(p, static_cast<__mmask8>(m), v);
  }
};

template <typename Tr, typename Op>
void run(void* out, const void* a, const void* b, size_t n) {
  using T = typename Tr::T;
  constexpr size_t kLanes = 64 / sizeof(T);
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
    uint64_t m = (uint64_t{1} << (n - i)) - 1;  // n - i < kLanes <= 64
    Tr::mstore(o + i, m, Op::apply(Tr::mload(m, pa + i), Tr::mload(m, pb + i)));
  }
}

// ---- float32 / float64 ----

struct AddPs { static __m512 apply(__m512 x, __m512 y) { return _mm512_add_ps(x, y); } };
struct MulPs { static __m512 apply(__m512 x, __m512 y) { return _mm512_mul_ps(x, y); } };
struct MinPs {
  static __m512 apply(__m512 x, __m512 y) {
    return _mm512_mask_min_ps(x, _mm512_cmp_ps_mask(x, x, _CMP_ORD_Q), x, y);
  }
};
struct MaxPs {
  static __m512 apply(__m512 x, __m512 y) {
    return _mm512_mask_max_ps(x, _mm512_cmp_ps_mask(x, x, _CMP_ORD_Q), x, y);
  }
};
struct AddPd { static __m512d apply(__m512d x, __m512d y) { return _mm512_add_pd(x, y); } };
struct MulPd { static __m512d apply(__m512d x, __m512d y) { return _mm512_mul_pd(x, y); } };
struct MinPd {
  static __m512d apply(__m512d x, __m512d y) {
    return _mm512_mask_min_pd(x, _mm512_cmp_pd_mask(x, x, _CMP_ORD_Q), x, y);
  }
};
struct MaxPd {
  static __m512d apply(__m512d x, __m512d y) {
    return _mm512_mask_max_pd(x, _mm512_cmp_pd_mask(x, x, _CMP_ORD_Q), x, y);
  }
};

// ---- integers (wrapping arithmetic is what the instructions do) ----

template <typename T>
struct ISum {
  static __m512i apply(__m512i x, __m512i y) {
    if constexpr (sizeof(T) == 1) return _mm512_add_epi8(x, y);
    else if constexpr (sizeof(T) == 2) return _mm512_add_epi16(x, y);
    else if constexpr (sizeof(T) == 4) return _mm512_add_epi32(x, y);
    else return _mm512_add_epi64(x, y);
  }
};

template <typename T>
struct IProd {
  static __m512i apply(__m512i x, __m512i y) {
    static_assert(sizeof(T) >= 2);
    if constexpr (sizeof(T) == 2) return _mm512_mullo_epi16(x, y);
    else if constexpr (sizeof(T) == 4) return _mm512_mullo_epi32(x, y);
    else return _mm512_mullo_epi64(x, y);
  }
};

template <typename T>
struct IMin {
  static __m512i apply(__m512i x, __m512i y) {
    constexpr bool s = std::is_signed_v<T>;
    if constexpr (sizeof(T) == 1) return s ? _mm512_min_epi8(x, y) : _mm512_min_epu8(x, y);
    else if constexpr (sizeof(T) == 2) return s ? _mm512_min_epi16(x, y) : _mm512_min_epu16(x, y);
    else if constexpr (sizeof(T) == 4) return s ? _mm512_min_epi32(x, y) : _mm512_min_epu32(x, y);
    else return s ? _mm512_min_epi64(x, y) : _mm512_min_epu64(x, y);
  }
};

template <typename T>
struct IMax {
  static __m512i apply(__m512i x, __m512i y) {
    constexpr bool s = std::is_signed_v<T>;
    if constexpr (sizeof(T) == 1) return s ? _mm512_max_epi8(x, y) : _mm512_max_epu8(x, y);
    else if constexpr (sizeof(T) == 2) return s ? _mm512_max_epi16(x, y) : _mm512_max_epu16(x, y);
    else if constexpr (sizeof(T) == 4) return s ? _mm512_max_epi32(x, y) : _mm512_max_epu32(x, y);
    else return s ? _mm512_max_epi64(x, y) : _mm512_max_epu64(x, y);
  }
};

struct IAnd { static __m512i apply(__m512i x, __m512i y) { return _mm512_and_si512(x, y); } };
struct IOr { static __m512i apply(__m512i x, __m512i y) { return _mm512_or_si512(x, y); } };
struct IXor { static __m512i apply(__m512i x, __m512i y) { return _mm512_xor_si512(x, y); } };

// ---- float16 / bfloat16: 32 lanes of 16 bits per vector ----

inline __m512 canonicalNaN(__m512 v) {
  return _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q),
                            _mm512_castsi512_ps(_mm512_set1_epi32(0x7FC00000)));
}

struct Fp16 {
  static __m512 lo(__m512i x) { return _mm512_cvtph_ps(_mm512_castsi512_si256(x)); }
  static __m512 hi(__m512i x) { return _mm512_cvtph_ps(_mm512_extracti64x4_epi64(x, 1)); }
  static __m512i pack(__m512 l, __m512 h) {
    __m256i a = _mm512_cvtps_ph(canonicalNaN(l), _MM_FROUND_TO_NEAREST_INT);
    __m256i b = _mm512_cvtps_ph(canonicalNaN(h), _MM_FROUND_TO_NEAREST_INT);
    return _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1);
  }
  static constexpr int16_t kInf = 0x7C00;
};

struct Bf16 {
  static __m512 lo(__m512i x) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_castsi512_si256(x)), 16));
  }
  static __m512 hi(__m512i x) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(x, 1)), 16));
  }
  // Round to nearest even on the low 16 bits (as floatToBFloat16).
  static __m256i round(__m512 v) {
    __m512i u = _mm512_castps_si512(canonicalNaN(v));
    __m512i bias = _mm512_add_epi32(_mm512_set1_epi32(0x7FFF), _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1)));
    return _mm512_cvtepi32_epi16(_mm512_srli_epi32(_mm512_add_epi32(u, bias), 16));
  }
  static __m512i pack(__m512 l, __m512 h) { return _mm512_inserti64x4(_mm512_castsi256_si512(round(l)), round(h), 1); }
  static constexpr int16_t kInf = 0x7F80;
};

template <typename F>
struct HSum {
  static __m512i apply(__m512i x, __m512i y) {
    return F::pack(_mm512_add_ps(F::lo(x), F::lo(y)), _mm512_add_ps(F::hi(x), F::hi(y)));
  }
};

template <typename F>
struct HProd {
  static __m512i apply(__m512i x, __m512i y) {
    return F::pack(_mm512_mul_ps(F::lo(x), F::lo(y)), _mm512_mul_ps(F::hi(x), F::hi(y)));
  }
};

// Sign-magnitude bits -> integer key ordered like the values (-0 == +0).
inline __m512i key16(__m512i x) {
  __m512i mag = _mm512_and_si512(x, _mm512_set1_epi16(0x7FFF));
  __m512i s = _mm512_srai_epi16(x, 15);
  return _mm512_sub_epi16(_mm512_xor_si512(mag, s), s);
}

template <typename F, bool kMin>
struct HMinMax {
  static __m512i apply(__m512i x, __m512i y) {
    const __m512i inf = _mm512_set1_epi16(F::kInf);
    const __m512i magMask = _mm512_set1_epi16(0x7FFF);
    __mmask32 nanX = _mm512_cmpgt_epi16_mask(_mm512_and_si512(x, magMask), inf);
    __mmask32 nanY = _mm512_cmpgt_epi16_mask(_mm512_and_si512(y, magMask), inf);
    __m512i kx = key16(x), ky = key16(y);
    __mmask32 pickX = kMin ? _mm512_cmplt_epi16_mask(kx, ky) : _mm512_cmpgt_epi16_mask(kx, ky);
    __m512i r = _mm512_mask_blend_epi16(pickX, y, x);
    r = _mm512_mask_mov_epi16(r, nanY, y);
    return _mm512_mask_mov_epi16(r, nanX, x);
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
  if constexpr (sizeof(T) >= 2) put(t, d, ReduceOp::kProd, &run<Int<T>, IProd<T>>);
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

void addAvx512Kernels(KernelTable& t) {
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
