// Software conversions between float and the two 16-bit float formats
// (IEEE binary16 "half" and bfloat16), used by the scalar kernels and tests.
//
// Rules (the vector kernels reproduce them bit for bit):
//   - float -> 16-bit rounds to nearest, ties to even, with gradual underflow
//     (binary16 subnormals) and overflow to +-Inf.
//   - any NaN converts to the canonical quiet NaN (0x7E00 for binary16,
//     0x7FC0 for bfloat16): payloads and NaN signs are not carried through
//     arithmetic, so every instruction set produces the same bits.
//   - 16-bit -> float is exact (NaNs come back as quiet NaNs).
// Everything is in an anonymous namespace: each translation unit, whatever
// its instruction-set flags, owns its own copy (no ODR sharing of code built
// for different ISAs).
#pragma once

#include <cstdint>
#include <cstring>

namespace gloo::kernels {
namespace {

inline uint32_t floatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

inline float bitsFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

constexpr uint16_t kHalfCanonicalNaN = 0x7E00;
constexpr uint16_t kBFloat16CanonicalNaN = 0x7FC0;

inline float halfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t man = h & 0x3FFu;
  if (exp == 0x1F) {
    // Inf keeps a zero mantissa; NaN gets the quiet bit, as F16C does.
    return bitsFloat(sign | 0x7F800000u | (man << 13) | (man ? 0x400000u : 0u));
  }
  if (exp == 0) {
    // Zero or subnormal: man * 2^-24, exact in float.
    float v = static_cast<float>(man) * 5.9604644775390625e-8f;
    return bitsFloat(floatBits(v) | sign);
  }
  return bitsFloat(sign | ((exp + 112u) << 23) | (man << 13));
}

inline uint16_t floatToHalf(float f) {
  uint32_t x = floatBits(f);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t ax = x & 0x7FFFFFFFu;
  if (ax > 0x7F800000u) return kHalfCanonicalNaN;
  if (ax >= 0x38800000u) {
    // Normal range of binary16 (>= 2^-14): rebias the exponent, round the
    // 13 dropped bits to nearest even; a carry may step into the exponent,
    // and anything reaching exponent 31 is Inf.
    uint32_t h = (ax - 0x38000000u) >> 13;
    uint32_t rem = ax & 0x1FFFu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
    if (h >= 0x7C00u) h = 0x7C00u;
    return static_cast<uint16_t>(sign | h);
  }
  if (ax <= 0x33000000u) return static_cast<uint16_t>(sign);  // <= 2^-25: ties to even zero
  // Subnormal result: value / 2^-24, rounded to nearest even.
  uint32_t e = ax >> 23;
  uint32_t m = (ax & 0x7FFFFFu) | 0x800000u;
  uint32_t shift = 126u - e;  // 14..24
  uint32_t h = m >> shift;
  uint32_t rem = m & ((1u << shift) - 1u);
  uint32_t half = 1u << (shift - 1u);
  if (rem > half || (rem == half && (h & 1u))) ++h;
  return static_cast<uint16_t>(sign | h);
}

inline float bfloat16ToFloat(uint16_t h) { return bitsFloat(static_cast<uint32_t>(h) << 16); }

inline uint16_t floatToBFloat16(float f) {
  uint32_t x = floatBits(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) return kBFloat16CanonicalNaN;
  // Round to nearest even on the 16 dropped bits; overflow carries into Inf.
  x += 0x7FFFu + ((x >> 16) & 1u);
  return static_cast<uint16_t>(x >> 16);
}

}  // namespace
}  // namespace gloo::kernels
