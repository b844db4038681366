// Tests of the predefined reduction kernels: every valid (type, op) on every
// instruction set this CPU supports, against a reference written here
// independently (explicit per-element loops, its own float16/bfloat16
// conversions), over many lengths and all three aliasing cases
// (distinct out, out == a, out == b). Also: ISA selection through
// GLOOMPI_KERNEL, conversion edge cases, and a throughput report.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/error.h"
#include "gloo/kernels/dispatch.h"
#include "gloo/kernels/half.h"
#include "gloo/reduction.h"
#include "gloo/types.h"

namespace {

using gloo::DataType;
using gloo::ReduceOp;
using gloo::ValueIndex;
using gloo::kernels::Isa;

const size_t kLengths[] = {0, 1, 3, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129, 1000, 4097};

std::vector<Isa> supportedIsas() {
  std::vector<Isa> v;
  for (Isa i : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (gloo::kernels::isaSupported(i)) v.push_back(i);
  }
  return v;
}

// ---- reference float16 / bfloat16 conversions (arithmetic, not bit tricks) ----

double refHalfToDouble(uint16_t h) {
  int sign = (h & 0x8000) ? -1 : 1;
  int e = (h >> 10) & 0x1F;
  int m = h & 0x3FF;
  if (e == 0x1F) return m ? std::nan("") : sign * INFINITY;
  if (e == 0) return sign * std::ldexp(static_cast<double>(m), -24);
  return sign * std::ldexp(static_cast<double>(1024 + m), e - 25);
}

double refBf16ToDouble(uint16_t h) {
  int sign = (h & 0x8000) ? -1 : 1;
  int e = (h >> 7) & 0xFF;
  int m = h & 0x7F;
  if (e == 0xFF) return m ? std::nan("") : sign * INFINITY;
  if (e == 0) return sign * std::ldexp(static_cast<double>(m), -133);
  return sign * std::ldexp(static_cast<double>(128 + m), e - 134);
}

// Rounds |x| (a float value) to a format with `mbits` stored mantissa bits,
// minimum normal exponent emin and bias; ties to even via nearbyint.
uint16_t refRound(double x, int mbits, int emin, int bias, int expMax, uint16_t nan) {
  if (std::isnan(x)) return nan;
  uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  double ax = std::fabs(x);
  if (std::isinf(ax)) return sign | static_cast<uint16_t>(expMax << mbits);
  if (ax < std::ldexp(1.0, emin)) {
    double q = std::nearbyint(std::ldexp(ax, -(emin - mbits)));
    return sign | static_cast<uint16_t>(q);  // q == 2^mbits lands on the smallest normal
  }
  int ex;
  std::frexp(ax, &ex);
  int E = ex - 1;
  double q = std::nearbyint(std::ldexp(ax, -(E - mbits)));
  if (q == std::ldexp(1.0, mbits + 1)) {
    q /= 2;
    ++E;
  }
  if (E + bias >= expMax) return sign | static_cast<uint16_t>(expMax << mbits);
  return sign | static_cast<uint16_t>(((E + bias) << mbits) | (static_cast<int>(q) - (1 << mbits)));
}

uint16_t refFloatToHalf(float f) { return refRound(f, 10, -14, 15, 31, 0x7E00); }
uint16_t refFloatToBf16(float f) { return refRound(f, 7, -126, 127, 255, 0x7FC0); }

// ---- reference element operations ----

template <typename T>
T refInt(ReduceOp op, T a, T b) {
  // Wrapping arithmetic in 128 bits, truncated (C++20: modular conversion).
  __int128 x = a, y = b;
  switch (op) {
    case ReduceOp::kSum: return static_cast<T>(static_cast<unsigned __int128>(x + y));
    case ReduceOp::kProd: return static_cast<T>(static_cast<unsigned __int128>(x) * static_cast<unsigned __int128>(y));
    case ReduceOp::kMin: return x <= y ? a : b;
    case ReduceOp::kMax: return x >= y ? a : b;
    case ReduceOp::kLand: return (a && b) ? 1 : 0;
    case ReduceOp::kLor: return (a || b) ? 1 : 0;
    case ReduceOp::kLxor: return (!a != !b) ? 1 : 0;
    case ReduceOp::kBand: return static_cast<T>(a & b);
    case ReduceOp::kBor: return static_cast<T>(a | b);
    case ReduceOp::kBxor: return static_cast<T>(a ^ b);
    default: ADD_FAILURE() << "bad op"; return 0;
  }
}

// Documented MIN/MAX rule on reals: a if a is NaN, else b if b is NaN,
// else the smaller/larger, b when equal. `la`,`lb` are the values, the
// returned flag picks a (true) or b (false).
bool refPickA(ReduceOp op, long double la, long double lb) {
  if (std::isnan(la)) return true;
  if (std::isnan(lb)) return false;
  return op == ReduceOp::kMin ? la < lb : la > lb;
}

float refF32(ReduceOp op, float a, float b) {
  switch (op) {
    case ReduceOp::kSum: return static_cast<float>(static_cast<double>(a) + static_cast<double>(b));
    case ReduceOp::kProd: return static_cast<float>(static_cast<double>(a) * static_cast<double>(b));
    default: return refPickA(op, a, b) ? a : b;
  }
}

template <typename T>
T refPlain(ReduceOp op, T a, T b) {
  switch (op) {
    case ReduceOp::kSum: return a + b;
    case ReduceOp::kProd: return a * b;
    default: return refPickA(op, a, b) ? a : b;
  }
}

uint16_t refHalfOp(ReduceOp op, uint16_t a, uint16_t b, bool bf) {
  double fa = bf ? refBf16ToDouble(a) : refHalfToDouble(a);
  double fb = bf ? refBf16ToDouble(b) : refHalfToDouble(b);
  auto round = [&](double v) {
    float f = static_cast<float>(v);  // the float-precision step the contract specifies
    return bf ? refFloatToBf16(f) : refFloatToHalf(f);
  };
  switch (op) {
    case ReduceOp::kSum: return round(fa + fb);
    case ReduceOp::kProd: return round(fa * fb);
    default: return refPickA(op, fa, fb) ? a : b;
  }
}

template <typename V>
ValueIndex<V> refLoc(ReduceOp op, ValueIndex<V> a, ValueIndex<V> b) {
  bool aWins = op == ReduceOp::kMinloc ? a.value < b.value : a.value > b.value;
  bool bWins = op == ReduceOp::kMinloc ? b.value < a.value : b.value > a.value;
  if (aWins) return a;
  if (bWins) return b;
  ValueIndex<V> r = a;
  r.index = std::min(a.index, b.index);
  return r;
}

// ---- element comparison ignoring padding ----

template <typename T>
bool sameBits(const T& x, const T& y) {
  if constexpr (std::is_same_v<T, long double>) {
    return std::memcmp(&x, &y, 10) == 0;
  } else if constexpr (std::is_same_v<T, std::complex<float>> || std::is_same_v<T, std::complex<double>>) {
    return sameBits(x.real(), y.real()) && sameBits(x.imag(), y.imag());
  } else if constexpr (std::is_class_v<T>) {
    return sameBits(x.value, y.value) && x.index == y.index;
  } else {
    return std::memcmp(&x, &y, sizeof(T)) == 0;
  }
}

template <typename T>
std::string show(const T& x) {
  if constexpr (std::is_same_v<T, long double>) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%La", x);
    return buf;
  } else if constexpr (std::is_floating_point_v<T>) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%a", static_cast<double>(x));
    return buf;
  } else if constexpr (std::is_integral_v<T>) {
    return std::to_string(static_cast<long long>(x));
  } else if constexpr (std::is_same_v<T, std::complex<float>> || std::is_same_v<T, std::complex<double>>) {
    std::string r = "(";
    r.append(show(x.real())).append(",").append(show(x.imag())).append(")");
    return r;
  } else {
    std::string r = "{";
    r.append(show(x.value)).append(",").append(std::to_string(x.index)).append("}");
    return r;
  }
}

// ---- the driver ----

enum class Alias { kDistinct, kOutIsA, kOutIsB };
const char* aliasName(Alias a) {
  return a == Alias::kDistinct ? "distinct" : a == Alias::kOutIsA ? "out==a" : "out==b";
}

// Runs kernel (t, op) of every supported ISA on random inputs produced by
// gen and checks each element against ref.
template <typename T>
void checkAll(DataType t, const std::vector<ReduceOp>& ops, const std::function<T(std::mt19937_64&)>& gen,
              const std::function<T(ReduceOp, T, T)>& ref) {
  std::mt19937_64 rng(static_cast<uint64_t>(t) * 7919 + 17);
  for (ReduceOp op : ops) {
    ASSERT_TRUE(gloo::isValid(t, op)) << gloo::name(t) << " " << gloo::name(op);
    for (size_t n : kLengths) {
      std::vector<T> a(n), b(n), want(n);
      for (size_t i = 0; i < n; ++i) {
        a[i] = gen(rng);
        b[i] = gen(rng);
        want[i] = ref(op, a[i], b[i]);
      }
      for (Isa isa : supportedIsas()) {
        gloo::KernelFn k = gloo::kernels::kernelFor(t, op, isa);
        ASSERT_NE(k, nullptr) << gloo::name(t) << " " << gloo::name(op);
        for (Alias al : {Alias::kDistinct, Alias::kOutIsA, Alias::kOutIsB}) {
          std::vector<T> xa = a, xb = b, xo(n);
          T* out = al == Alias::kDistinct ? xo.data() : al == Alias::kOutIsA ? xa.data() : xb.data();
          k(out, xa.data(), xb.data(), n);
          size_t bad = 0;
          for (size_t i = 0; i < n && bad < 3; ++i) {
            if (!sameBits(out[i], want[i])) {
              ++bad;
              ADD_FAILURE() << gloo::name(t) << " " << gloo::name(op) << " isa=" << gloo::kernels::isaName(isa)
                            << " n=" << n << " " << aliasName(al) << " i=" << i << ": a=" << show(a[i])
                            << " b=" << show(b[i]) << " got " << show(out[i]) << " want " << show(want[i]);
            }
          }
          // The operand that is not the output must be left untouched.
          if (n > 0 && al != Alias::kOutIsA) {
            EXPECT_EQ(0, std::memcmp(xa.data(), a.data(), n * sizeof(T)));
          }
          if (n > 0 && al != Alias::kOutIsB) {
            EXPECT_EQ(0, std::memcmp(xb.data(), b.data(), n * sizeof(T)));
          }
        }
      }
    }
  }
}

const std::vector<ReduceOp> kIntOps = {ReduceOp::kSum,  ReduceOp::kProd, ReduceOp::kMin,  ReduceOp::kMax,
                                       ReduceOp::kLand, ReduceOp::kLor,  ReduceOp::kLxor, ReduceOp::kBand,
                                       ReduceOp::kBor,  ReduceOp::kBxor};
const std::vector<ReduceOp> kRealOps = {ReduceOp::kSum, ReduceOp::kProd, ReduceOp::kMin, ReduceOp::kMax};
const std::vector<ReduceOp> kLocOps = {ReduceOp::kMinloc, ReduceOp::kMaxloc};

template <typename T>
T randomInt(std::mt19937_64& r) {
  // A quarter zeros and small values (logical ops, ties), the rest raw bits.
  switch (r() % 8) {
    case 0: return 0;
    case 1: return static_cast<T>(r() % 5);
    default: return static_cast<T>(r());
  }
}

template <typename T>
void checkInt(DataType t) {
  checkAll<T>(t, kIntOps, randomInt<T>, refInt<T>);
}

TEST(Kernels, Int8) { checkInt<int8_t>(DataType::kInt8); }
TEST(Kernels, Uint8) { checkInt<uint8_t>(DataType::kUint8); }
TEST(Kernels, Int16) { checkInt<int16_t>(DataType::kInt16); }
TEST(Kernels, Uint16) { checkInt<uint16_t>(DataType::kUint16); }
TEST(Kernels, Int32) { checkInt<int32_t>(DataType::kInt32); }
TEST(Kernels, Uint32) { checkInt<uint32_t>(DataType::kUint32); }
TEST(Kernels, Int64) { checkInt<int64_t>(DataType::kInt64); }
TEST(Kernels, Uint64) { checkInt<uint64_t>(DataType::kUint64); }

// Reals: mostly ordinary values of varied sign and magnitude, plus zeros of
// both signs, infinities, subnormals, NaN and repeated values (ties).
template <typename T>
T randomReal(std::mt19937_64& r) {
  std::uniform_real_distribution<double> u(-4, 4);
  switch (r() % 32) {
    case 0: return 0.0;
    case 1: return -0.0;
    case 2: return (r() & 1) ? INFINITY : -INFINITY;
    case 3: return std::numeric_limits<T>::quiet_NaN();
    case 4: return std::numeric_limits<T>::denorm_min() * static_cast<T>(r() % 1000);
    case 5: return 1.5;
    default: return static_cast<T>(std::ldexp(u(r), static_cast<int>(r() % 40) - 20));
  }
}

TEST(Kernels, Float32) { checkAll<float>(DataType::kFloat32, kRealOps, randomReal<float>, refF32); }
TEST(Kernels, Float64) { checkAll<double>(DataType::kFloat64, kRealOps, randomReal<double>, refPlain<double>); }
TEST(Kernels, LongDouble) {
  checkAll<long double>(DataType::kLongDouble, kRealOps, randomReal<long double>, refPlain<long double>);
}

uint16_t randomBits16(std::mt19937_64& r) {
  // Raw bit patterns cover every class (subnormals, Inf, quiet and
  // signalling NaNs with payloads); a few repeats give ties.
  return (r() % 16 == 0) ? 0x3C00 : static_cast<uint16_t>(r());
}

TEST(Kernels, Float16) {
  checkAll<uint16_t>(DataType::kFloat16, kRealOps, randomBits16,
                     [](ReduceOp op, uint16_t a, uint16_t b) { return refHalfOp(op, a, b, false); });
}
TEST(Kernels, BFloat16) {
  checkAll<uint16_t>(DataType::kBFloat16, kRealOps, randomBits16,
                     [](ReduceOp op, uint16_t a, uint16_t b) { return refHalfOp(op, a, b, true); });
}

template <typename C>
C randomComplex(std::mt19937_64& r) {
  std::uniform_real_distribution<double> u(-100, 100);
  return C(u(r), u(r));
}

template <typename C>
C refComplex(ReduceOp op, C a, C b) {
  using R = typename C::value_type;
  if (op == ReduceOp::kSum) return C(a.real() + b.real(), a.imag() + b.imag());
  // Finite operands: the textbook product, one rounding per multiply and add.
  R re = a.real() * b.real();
  re -= a.imag() * b.imag();
  R im = a.real() * b.imag();
  im += a.imag() * b.real();
  return C(re, im);
}

TEST(Kernels, Complex64) {
  checkAll<std::complex<float>>(DataType::kComplex64, {ReduceOp::kSum, ReduceOp::kProd},
                                randomComplex<std::complex<float>>, refComplex<std::complex<float>>);
}
TEST(Kernels, Complex128) {
  checkAll<std::complex<double>>(DataType::kComplex128, {ReduceOp::kSum, ReduceOp::kProd},
                                 randomComplex<std::complex<double>>, refComplex<std::complex<double>>);
}

template <typename V>
ValueIndex<V> randomPair(std::mt19937_64& r) {
  ValueIndex<V> p;
  std::memset(&p, 0, sizeof p);
  p.value = static_cast<V>(static_cast<int>(r() % 7) - 3);  // many equal values
  p.index = static_cast<int>(r() % 100);
  return p;
}

template <typename V>
void checkPair(DataType t) {
  checkAll<ValueIndex<V>>(t, kLocOps, randomPair<V>, refLoc<V>);
}

TEST(Kernels, PairTypes) {
  checkPair<float>(DataType::kFloatInt);
  checkPair<double>(DataType::kDoubleInt);
  checkPair<long>(DataType::kLongInt);
  checkPair<int>(DataType::kIntInt);
  checkPair<short>(DataType::kShortInt);
  checkPair<long double>(DataType::kLongDoubleInt);
}

TEST(Kernels, EveryValidPairHasAKernelAndNoInvalidOneDoes) {
  for (int ti = 0; ti < static_cast<int>(DataType::kCount); ++ti) {
    for (int oi = 0; oi < static_cast<int>(ReduceOp::kCount); ++oi) {
      auto t = static_cast<DataType>(ti);
      auto op = static_cast<ReduceOp>(oi);
      bool want = gloo::isValid(t, op) && op != ReduceOp::kUser;
      for (Isa isa : supportedIsas()) {
        EXPECT_EQ(want, gloo::kernels::kernelFor(t, op, isa) != nullptr)
            << gloo::name(t) << " " << gloo::name(op) << " " << gloo::kernels::isaName(isa);
      }
      EXPECT_EQ(want, gloo::kernelFor(t, op) != nullptr) << gloo::name(t) << " " << gloo::name(op);
    }
  }
}

TEST(Kernels, HotTypesAreVectorised) {
  // On a CPU with AVX2/AVX-512 the hot (type, op) entries must not be the
  // scalar loop (the equality tests above would pass with scalar fallbacks).
  const std::pair<DataType, ReduceOp> hot[] = {
      {DataType::kFloat32, ReduceOp::kSum},  {DataType::kFloat32, ReduceOp::kProd},
      {DataType::kFloat32, ReduceOp::kMin},  {DataType::kFloat32, ReduceOp::kMax},
      {DataType::kFloat64, ReduceOp::kSum},  {DataType::kFloat64, ReduceOp::kMax},
      {DataType::kInt32, ReduceOp::kSum},    {DataType::kInt32, ReduceOp::kProd},
      {DataType::kInt32, ReduceOp::kMin},    {DataType::kInt32, ReduceOp::kBxor},
      {DataType::kInt64, ReduceOp::kSum},    {DataType::kUint64, ReduceOp::kMax},
      {DataType::kFloat16, ReduceOp::kSum},  {DataType::kFloat16, ReduceOp::kMin},
      {DataType::kBFloat16, ReduceOp::kSum}, {DataType::kBFloat16, ReduceOp::kProd},
  };
  int checked = 0;
  for (Isa isa : supportedIsas()) {
    if (isa == Isa::kScalar) continue;
    for (auto [t, op] : hot) {
      EXPECT_NE(gloo::kernels::kernelFor(t, op, Isa::kScalar), gloo::kernels::kernelFor(t, op, isa))
          << gloo::name(t) << " " << gloo::name(op) << " " << gloo::kernels::isaName(isa);
      ++checked;
    }
  }
  if (checked == 0) GTEST_SKIP() << "no vector ISA on this CPU";
  if (gloo::kernels::isaSupported(Isa::kAvx512)) {
    EXPECT_NE(gloo::kernels::kernelFor(DataType::kInt64, ReduceOp::kProd, Isa::kAvx2),
              gloo::kernels::kernelFor(DataType::kInt64, ReduceOp::kProd, Isa::kAvx512));
  }
}

// ---- specific semantics ----

TEST(Kernels, MinMaxNaNAndSignedZeroRule) {
  // a NaN -> a; b NaN -> b; equal (+0/-0) -> b. Checked on every ISA with
  // a length that exercises both the vector body and the tail.
  const float qa = std::bit_cast<float>(0x7FC00001u), qb = std::bit_cast<float>(0xFFC00002u);
  std::vector<float> a = {qa, 1.0f, qa, 0.0f, -0.0f, 2.0f};
  std::vector<float> b = {1.0f, qb, qb, -0.0f, 0.0f, 2.0f};
  std::vector<float> minWant = {qa, qb, qa, -0.0f, 0.0f, 2.0f};
  while (a.size() < 37) {
    a.insert(a.end(), a.begin(), a.begin() + 6);
    b.insert(b.end(), b.begin(), b.begin() + 6);
    minWant.insert(minWant.end(), minWant.begin(), minWant.begin() + 6);
  }
  for (Isa isa : supportedIsas()) {
    for (ReduceOp op : {ReduceOp::kMin, ReduceOp::kMax}) {
      std::vector<float> out(a.size());
      gloo::kernels::kernelFor(DataType::kFloat32, op, isa)(out.data(), a.data(), b.data(), a.size());
      for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(std::bit_cast<uint32_t>(minWant[i]), std::bit_cast<uint32_t>(out[i]))
            << gloo::kernels::isaName(isa) << " " << gloo::name(op) << " i=" << i;
      }
    }
  }
}

TEST(Kernels, MinlocMaxlocTieTakesSmallerIndex) {
  for (Isa isa : supportedIsas()) {
    ValueIndex<double> a[3] = {{1.0, 7}, {2.0, 1}, {5.0, 3}};
    ValueIndex<double> b[3] = {{1.0, 4}, {2.0, 9}, {4.0, 0}};
    ValueIndex<double> out[3];
    gloo::kernels::kernelFor(DataType::kDoubleInt, ReduceOp::kMinloc, isa)(out, a, b, 3);
    EXPECT_EQ(4, out[0].index);
    EXPECT_EQ(1, out[1].index);
    EXPECT_EQ(4.0, out[2].value);
    EXPECT_EQ(0, out[2].index);
    gloo::kernels::kernelFor(DataType::kDoubleInt, ReduceOp::kMaxloc, isa)(out, a, b, 3);
    EXPECT_EQ(4, out[0].index);
    EXPECT_EQ(1, out[1].index);
    EXPECT_EQ(5.0, out[2].value);
    EXPECT_EQ(3, out[2].index);
  }
}

TEST(Kernels, IntegerOverflowWraps) {
  for (Isa isa : supportedIsas()) {
    std::vector<int32_t> a(40, INT32_MAX), b(40, 1), out(40);
    gloo::kernels::kernelFor(DataType::kInt32, ReduceOp::kSum, isa)(out.data(), a.data(), b.data(), 40);
    for (int32_t v : out) EXPECT_EQ(INT32_MIN, v);
    std::vector<int64_t> c(40, INT64_MIN), d(40, -1), out64(40);
    gloo::kernels::kernelFor(DataType::kInt64, ReduceOp::kProd, isa)(out64.data(), c.data(), d.data(), 40);
    for (int64_t v : out64) EXPECT_EQ(INT64_MIN, v);
    std::vector<uint8_t> e(70, 200), f(70, 100), out8(70);
    gloo::kernels::kernelFor(DataType::kUint8, ReduceOp::kSum, isa)(out8.data(), e.data(), f.data(), 70);
    for (uint8_t v : out8) EXPECT_EQ(44, v);
    std::vector<int16_t> g(70, 300), h(70, 300), out16(70);
    gloo::kernels::kernelFor(DataType::kInt16, ReduceOp::kProd, isa)(out16.data(), g.data(), h.data(), 70);
    for (int16_t v : out16) EXPECT_EQ(static_cast<int16_t>(90000 - 65536), v);
  }
}

// ---- float16 / bfloat16 conversions ----

TEST(HalfConversion, EdgeCases) {
  using gloo::kernels::floatToHalf;
  using gloo::kernels::halfToFloat;
  EXPECT_EQ(0x0000, floatToHalf(0.0f));
  EXPECT_EQ(0x8000, floatToHalf(-0.0f));
  EXPECT_EQ(0x3C00, floatToHalf(1.0f));
  EXPECT_EQ(0x7BFF, floatToHalf(65504.0f));
  EXPECT_EQ(0x7BFF, floatToHalf(65519.99f));  // below the tie: stays at max
  EXPECT_EQ(0x7C00, floatToHalf(65520.0f));   // tie to even: rounds up to Inf
  EXPECT_EQ(0xFC00, floatToHalf(-1e30f));
  EXPECT_EQ(0x7C00, floatToHalf(INFINITY));
  EXPECT_EQ(0xFC00, floatToHalf(-INFINITY));
  EXPECT_EQ(0x7E00, floatToHalf(std::nanf("")));
  EXPECT_EQ(0x7E00, floatToHalf(-std::nanf("")));
  EXPECT_EQ(0x0001, floatToHalf(std::ldexp(1.0f, -24)));        // smallest subnormal
  EXPECT_EQ(0x0000, floatToHalf(std::ldexp(1.0f, -25)));        // tie -> even (0)
  EXPECT_EQ(0x0001, floatToHalf(std::ldexp(1.5f, -25)));        // above the tie
  EXPECT_EQ(0x0002, floatToHalf(std::ldexp(3.0f, -25)));        // 1.5 ulp tie -> even (2)
  EXPECT_EQ(0x0002, floatToHalf(std::ldexp(5.0f, -25)));        // 2.5 ulp tie -> even (2)
  EXPECT_EQ(0x8002, floatToHalf(-std::ldexp(5.0f, -25)));
  EXPECT_EQ(0x0200, floatToHalf(std::ldexp(1025.0f, -25)));     // tie in the top subnormal binade
  EXPECT_EQ(0x0400, floatToHalf(std::ldexp(1.0f, -14)));        // smallest normal
  EXPECT_EQ(0x0400, floatToHalf(std::ldexp(2047.0f, -25)));     // subnormal rounding up into normal
  EXPECT_EQ(0x3C00, floatToHalf(1.0f + std::ldexp(1.0f, -11)));  // tie -> even
  EXPECT_EQ(0x3C02, floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)));  // tie -> even (up)
  EXPECT_EQ(0x3C01, floatToHalf(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)));
  EXPECT_EQ(0.0f, halfToFloat(0x0000));
  EXPECT_TRUE(std::signbit(halfToFloat(0x8000)));
  EXPECT_EQ(std::ldexp(1.0f, -24), halfToFloat(0x0001));
  EXPECT_EQ(65504.0f, halfToFloat(0x7BFF));
  EXPECT_TRUE(std::isinf(halfToFloat(0x7C00)));
  EXPECT_TRUE(std::isnan(halfToFloat(0x7C01)));
  // Every non-NaN half survives the round trip; every half converts exactly.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float f = halfToFloat(static_cast<uint16_t>(h));
    bool nan = (h & 0x7FFF) > 0x7C00;
    EXPECT_EQ(nan, std::isnan(f)) << h;
    if (!nan) {
      EXPECT_EQ(static_cast<double>(f), refHalfToDouble(static_cast<uint16_t>(h))) << h;
      EXPECT_EQ(h, floatToHalf(f)) << h;
    }
  }
  // Random floats against the arithmetic reference.
  std::mt19937 rng(5);
  for (int i = 0; i < 200000; ++i) {
    uint32_t bits = rng();
    if (i % 3 == 1) bits = (bits & 0x8FFFFFFF) | 0x30000000;  // concentrate near the binary16 range
    if (i % 3 == 2) {
      // Few mantissa bits and exponents around the binary16 range: many exact ties.
      bits = (bits & 0x807F0000u) | ((rng() % 60 + 80) << 23) | ((rng() & 1) << 12);
    }
    float f = std::bit_cast<float>(bits);
    ASSERT_EQ(refFloatToHalf(f), floatToHalf(f)) << std::hex << bits;
  }
}

TEST(HalfConversion, BFloat16EdgeCases) {
  using gloo::kernels::bfloat16ToFloat;
  using gloo::kernels::floatToBFloat16;
  EXPECT_EQ(0x0000, floatToBFloat16(0.0f));
  EXPECT_EQ(0x8000, floatToBFloat16(-0.0f));
  EXPECT_EQ(0x3F80, floatToBFloat16(1.0f));
  EXPECT_EQ(0x3F80, floatToBFloat16(std::bit_cast<float>(0x3F808000u)));  // tie -> even (down)
  EXPECT_EQ(0x3F82, floatToBFloat16(std::bit_cast<float>(0x3F818000u)));  // tie -> even (up)
  EXPECT_EQ(0x3F81, floatToBFloat16(std::bit_cast<float>(0x3F808001u)));
  EXPECT_EQ(0x7F80, floatToBFloat16(std::bit_cast<float>(0x7F7FFFFFu)));  // max float rounds to Inf
  EXPECT_EQ(0x7F80, floatToBFloat16(INFINITY));
  EXPECT_EQ(0xFF80, floatToBFloat16(-INFINITY));
  EXPECT_EQ(0x7FC0, floatToBFloat16(std::nanf("")));
  EXPECT_EQ(0x7FC0, floatToBFloat16(std::bit_cast<float>(0xFF800001u)));  // signalling, negative
  EXPECT_EQ(0x0001, floatToBFloat16(std::bit_cast<float>(0x00010000u)));  // subnormal
  EXPECT_EQ(0x0000, floatToBFloat16(std::bit_cast<float>(0x00008000u)));  // subnormal tie -> 0
  EXPECT_TRUE(std::isinf(bfloat16ToFloat(0x7F80)));
  std::mt19937 rng(6);
  for (int i = 0; i < 200000; ++i) {
    float f = std::bit_cast<float>(static_cast<uint32_t>(rng()));
    ASSERT_EQ(refFloatToBf16(f), floatToBFloat16(f)) << std::hex << std::bit_cast<uint32_t>(f);
  }
}

// ---- dispatch ----

class Dispatch : public ::testing::Test {
 protected:
  void TearDown() override {
    gloo::config::setOverride("GLOOMPI_KERNEL", std::nullopt);
    gloo::kernels::resetKernelDispatch();
  }
};

TEST_F(Dispatch, OverrideSelectsEachSupportedIsa) {
  for (Isa isa : supportedIsas()) {
    gloo::config::setOverride("GLOOMPI_KERNEL", gloo::kernels::isaName(isa));
    gloo::kernels::resetKernelDispatch();
    EXPECT_STREQ(gloo::kernels::isaName(isa), gloo::kernelIsa());
    EXPECT_EQ(gloo::kernels::kernelFor(DataType::kFloat32, ReduceOp::kSum, isa),
              gloo::kernelFor(DataType::kFloat32, ReduceOp::kSum));
    // A Reduction built now uses the selected kernels and still computes right.
    gloo::Reduction r(DataType::kFloat32, ReduceOp::kSum);
    std::vector<float> a(100, 1.5f), b(100, 2.0f), out(100);
    r.apply(out.data(), a.data(), b.data(), 100);
    for (float v : out) EXPECT_EQ(3.5f, v);
  }
  gloo::config::setOverride("GLOOMPI_KERNEL", "auto");
  gloo::kernels::resetKernelDispatch();
  Isa best = supportedIsas().back();
  EXPECT_STREQ(gloo::kernels::isaName(best), gloo::kernelIsa());
}

TEST_F(Dispatch, UnknownValueIsRejected) {
  gloo::config::setOverride("GLOOMPI_KERNEL", "sse9");
  gloo::kernels::resetKernelDispatch();
  try {
    gloo::kernelIsa();
    FAIL() << "GLOOMPI_KERNEL=sse9 accepted";
  } catch (const gloo::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("sse9"), std::string::npos) << e.what();
  }
}

TEST_F(Dispatch, ScalarIsAlwaysSupported) { EXPECT_TRUE(gloo::kernels::isaSupported(Isa::kScalar)); }

// ---- throughput (printed, not asserted) ----

TEST(Throughput, FloatSum64MiB) {
  const size_t n = (64u << 20) / sizeof(float);
  std::vector<float> a(n, 1.0f), b(n, 2.0f), out(n, 0.0f);
  {
    // Context: the same machine's memcpy of 64 MiB (read + write = 2 streams).
    std::memcpy(out.data(), a.data(), n * sizeof(float));
    double best = 1e9;
    for (int rep = 0; rep < 3; ++rep) {
      auto t0 = std::chrono::steady_clock::now();
      std::memcpy(out.data(), b.data(), n * sizeof(float));
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::printf("[ throughput ] memcpy 64 MiB (baseline)   : %.2f GB/s\n", 2.0 * n * sizeof(float) / best / 1e9);
  }
  for (Isa isa : supportedIsas()) {
    gloo::KernelFn k = gloo::kernels::kernelFor(DataType::kFloat32, ReduceOp::kSum, isa);
    k(out.data(), a.data(), b.data(), n);  // warm-up (page faults)
    double best = 1e9;
    for (int rep = 0; rep < 3; ++rep) {
      auto t0 = std::chrono::steady_clock::now();
      k(out.data(), a.data(), b.data(), n);
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      best = std::min(best, s);
    }
    // Bytes moved: read a and b, write out.
    std::printf("[ throughput ] float32 sum 64 MiB, %-6s : %.2f GB/s (%.2f ms)\n", gloo::kernels::isaName(isa),
                3.0 * n * sizeof(float) / best / 1e9, best * 1e3);
    EXPECT_EQ(3.0f, out[n - 1]);
  }
}

}  // namespace
