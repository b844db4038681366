// Tests of element types, the (type, op) validity table and the Reduction
// value: predefined ops (validation, errors), user ops (non-commutative,
// every aliasing case, chunked staging), integer wraparound.
#include <gtest/gtest.h>

#include <complex>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "gloo/reduction.h"
#include "gloo/types.h"

namespace {

using gloo::DataType;
using gloo::ReduceOp;

constexpr int kTypes = static_cast<int>(DataType::kCount);
constexpr int kOps = static_cast<int>(ReduceOp::kCount);

TEST(Types, ElementSizesMatchMpiLayouts) {
  EXPECT_EQ(1u, gloo::elementSize(DataType::kInt8));
  EXPECT_EQ(1u, gloo::elementSize(DataType::kUint8));
  EXPECT_EQ(2u, gloo::elementSize(DataType::kInt16));
  EXPECT_EQ(2u, gloo::elementSize(DataType::kUint16));
  EXPECT_EQ(4u, gloo::elementSize(DataType::kInt32));
  EXPECT_EQ(4u, gloo::elementSize(DataType::kUint32));
  EXPECT_EQ(8u, gloo::elementSize(DataType::kInt64));
  EXPECT_EQ(8u, gloo::elementSize(DataType::kUint64));
  EXPECT_EQ(2u, gloo::elementSize(DataType::kFloat16));
  EXPECT_EQ(2u, gloo::elementSize(DataType::kBFloat16));
  EXPECT_EQ(4u, gloo::elementSize(DataType::kFloat32));
  EXPECT_EQ(8u, gloo::elementSize(DataType::kFloat64));
  EXPECT_EQ(sizeof(long double), gloo::elementSize(DataType::kLongDouble));
  EXPECT_EQ(8u, gloo::elementSize(DataType::kComplex64));
  EXPECT_EQ(16u, gloo::elementSize(DataType::kComplex128));
#if defined(__x86_64__)
  EXPECT_EQ(16u, gloo::elementSize(DataType::kLongDouble));
  EXPECT_EQ(8u, gloo::elementSize(DataType::kFloatInt));
  EXPECT_EQ(16u, gloo::elementSize(DataType::kDoubleInt));
  EXPECT_EQ(16u, gloo::elementSize(DataType::kLongInt));
  EXPECT_EQ(8u, gloo::elementSize(DataType::kIntInt));
  EXPECT_EQ(8u, gloo::elementSize(DataType::kShortInt));
  EXPECT_EQ(32u, gloo::elementSize(DataType::kLongDoubleInt));
#endif
  // The index sits where C puts the second member of struct {T; int;}.
  struct LdInt {
    long double v;
    int i;
  };
  EXPECT_EQ(offsetof(LdInt, i), offsetof(gloo::ValueIndex<long double>, index));
  EXPECT_EQ(sizeof(LdInt), gloo::elementSize(DataType::kLongDoubleInt));
}

TEST(Types, NamesAreDistinct) {
  std::set<std::string> types, ops;
  for (int t = 0; t < kTypes; ++t) types.insert(gloo::name(static_cast<DataType>(t)));
  for (int o = 0; o < kOps; ++o) ops.insert(gloo::name(static_cast<ReduceOp>(o)));
  EXPECT_EQ(static_cast<size_t>(kTypes), types.size());
  EXPECT_EQ(static_cast<size_t>(kOps), ops.size());
  EXPECT_STREQ("float32", gloo::name(DataType::kFloat32));
  EXPECT_STREQ("minloc", gloo::name(ReduceOp::kMinloc));
}

// The MPI rules, spelled out per type class.
bool expectedValid(DataType t, ReduceOp op) {
  int ti = static_cast<int>(t);
  bool isInt = ti <= static_cast<int>(DataType::kUint64);
  bool isReal = t == DataType::kFloat16 || t == DataType::kBFloat16 || t == DataType::kFloat32 ||
                t == DataType::kFloat64 || t == DataType::kLongDouble;
  bool isComplex = t == DataType::kComplex64 || t == DataType::kComplex128;
  bool isPair = ti >= static_cast<int>(DataType::kFloatInt);
  switch (op) {
    case ReduceOp::kSum:
    case ReduceOp::kProd: return isInt || isReal || isComplex;
    case ReduceOp::kMin:
    case ReduceOp::kMax: return isInt || isReal;
    case ReduceOp::kLand:
    case ReduceOp::kLor:
    case ReduceOp::kLxor:
    case ReduceOp::kBand:
    case ReduceOp::kBor:
    case ReduceOp::kBxor: return isInt;
    case ReduceOp::kMinloc:
    case ReduceOp::kMaxloc: return isPair;
    case ReduceOp::kUser: return true;
    default: return false;
  }
}

TEST(Types, ValidityTable) {
  int valid = 0;
  for (int t = 0; t < kTypes; ++t) {
    for (int o = 0; o < kOps; ++o) {
      auto dt = static_cast<DataType>(t);
      auto op = static_cast<ReduceOp>(o);
      EXPECT_EQ(expectedValid(dt, op), gloo::isValid(dt, op)) << gloo::name(dt) << " " << gloo::name(op);
      valid += gloo::isValid(dt, op);
    }
  }
  // 8 integer types x 10 ops + 5 reals x 4 + 2 complex x 2 + 6 pairs x 2, plus USER on all 21.
  EXPECT_EQ(8 * 10 + 5 * 4 + 2 * 2 + 6 * 2 + 21, valid);
  EXPECT_FALSE(gloo::isValid(DataType::kCount, ReduceOp::kSum));
  EXPECT_FALSE(gloo::isValid(DataType::kFloat32, ReduceOp::kCount));
}

TEST(Reduction, InvalidPredefinedOpNamesTypeAndOp) {
  struct Case {
    DataType t;
    ReduceOp op;
  };
  for (Case c : {Case{DataType::kFloat32, ReduceOp::kBand}, Case{DataType::kComplex64, ReduceOp::kMin},
                 Case{DataType::kInt32, ReduceOp::kMinloc}, Case{DataType::kFloatInt, ReduceOp::kSum},
                 Case{DataType::kFloat64, ReduceOp::kLand}, Case{DataType::kFloat16, ReduceOp::kBxor}}) {
    try {
      gloo::Reduction r(c.t, c.op);
      FAIL() << "accepted " << gloo::name(c.t) << " " << gloo::name(c.op);
    } catch (const gloo::InvalidArgument& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find(gloo::name(c.t)), std::string::npos) << msg;
      EXPECT_NE(msg.find(gloo::name(c.op)), std::string::npos) << msg;
    }
  }
  EXPECT_THROW(gloo::Reduction(DataType::kFloat32, ReduceOp::kUser), gloo::InvalidArgument);
  EXPECT_THROW(gloo::Reduction(DataType::kFloat32, nullptr, nullptr, true), gloo::InvalidArgument);
}

TEST(Reduction, PredefinedProperties) {
  gloo::Reduction r(DataType::kFloat64, ReduceOp::kMax);
  EXPECT_EQ(DataType::kFloat64, r.type());
  EXPECT_EQ(ReduceOp::kMax, r.op());
  EXPECT_EQ(8u, r.elementSize());
  EXPECT_TRUE(r.commutative());
  std::vector<double> a = {1, 5, -3}, b = {2, 4, -4}, out(3);
  r.apply(out.data(), a.data(), b.data(), 3);
  EXPECT_EQ((std::vector<double>{2, 5, -3}), out);
  // A default Reduction is float32 SUM.
  gloo::Reduction d;
  std::vector<float> x = {1, 2}, y = {3, 4}, z(2);
  d.apply(z.data(), x.data(), y.data(), 2);
  EXPECT_EQ((std::vector<float>{4, 6}), z);
}

TEST(Reduction, IntegerWraparound) {
  gloo::Reduction sum(DataType::kInt64, ReduceOp::kSum);
  std::vector<int64_t> a = {INT64_MAX, INT64_MIN, -1}, b = {1, -1, INT64_MIN}, out(3);
  sum.apply(out.data(), a.data(), b.data(), 3);
  EXPECT_EQ(INT64_MIN, out[0]);
  EXPECT_EQ(INT64_MAX, out[1]);
  EXPECT_EQ(INT64_MAX, out[2]);
  gloo::Reduction prod(DataType::kUint32, ReduceOp::kProd);
  std::vector<uint32_t> c = {0x10000, 0xFFFFFFFF}, d = {0x10000, 0xFFFFFFFF}, o2(2);
  prod.apply(o2.data(), c.data(), d.data(), 2);
  EXPECT_EQ(0u, o2[0]);
  EXPECT_EQ(1u, o2[1]);
  gloo::Reduction p8(DataType::kInt8, ReduceOp::kProd);
  std::vector<int8_t> e = {-128, 16}, f = {-1, 16}, o3(2);
  p8.apply(o3.data(), e.data(), f.data(), 2);
  EXPECT_EQ(-128, o3[0]);
  EXPECT_EQ(0, o3[1]);
}

// ---- user ops ----

// 2x2 integer matrices: inout = in * inout (in is the left, lower-rank factor).
struct Mat {
  int64_t m[4];
  bool operator==(const Mat& o) const { return std::memcmp(m, o.m, sizeof m) == 0; }
};

Mat mul(const Mat& x, const Mat& y) {
  return Mat{{x.m[0] * y.m[0] + x.m[1] * y.m[2], x.m[0] * y.m[1] + x.m[1] * y.m[3],
              x.m[2] * y.m[0] + x.m[3] * y.m[2], x.m[2] * y.m[1] + x.m[3] * y.m[3]}};
}

struct CallLog {
  size_t calls = 0;
  size_t elements = 0;
  bool inAliasedInout = false;
};

void matUser(const void* in, void* inout, size_t n, void* state) {
  auto* log = static_cast<CallLog*>(state);
  ++log->calls;
  log->elements += n;
  if (in == inout) log->inAliasedInout = true;
  const Mat* a = static_cast<const Mat*>(in);
  Mat* b = static_cast<Mat*>(inout);
  for (size_t i = 0; i < n; ++i) b[i] = mul(a[i], b[i]);
}

std::vector<Mat> randomMats(size_t n, int seed) {
  std::vector<Mat> v(n);
  for (size_t i = 0; i < n; ++i) {
    for (int k = 0; k < 4; ++k) v[i].m[k] = static_cast<int64_t>((i * 31 + k * 7 + seed * 13) % 11) - 5;
  }
  return v;
}

TEST(Reduction, UserOpNonCommutativeAllAliasingCases) {
  // 5000 elements of 32 bytes: larger than the staging buffer, so the
  // out == a case runs in several chunks.
  for (size_t n : {size_t{0}, size_t{1}, size_t{3}, size_t{5000}}) {
    std::vector<Mat> a = randomMats(n, 1), b = randomMats(n, 2), want(n);
    for (size_t i = 0; i < n; ++i) want[i] = mul(a[i], b[i]);
    if (n >= 3) {
      ASSERT_FALSE(mul(a[1], b[1]) == mul(b[1], a[1]));  // really non-commutative
    }

    CallLog log;
    gloo::Reduction r(DataType::kUint8, matUser, &log, false, sizeof(Mat));
    EXPECT_EQ(ReduceOp::kUser, r.op());
    EXPECT_EQ(sizeof(Mat), r.elementSize());
    EXPECT_FALSE(r.commutative());

    {  // distinct out
      std::vector<Mat> xa = a, xb = b, out(n);
      r.apply(out.data(), xa.data(), xb.data(), n);
      EXPECT_EQ(want, out) << "distinct n=" << n;
      EXPECT_EQ(a, xa);
      EXPECT_EQ(b, xb);
    }
    {  // out == a
      std::vector<Mat> xa = a, xb = b;
      r.apply(xa.data(), xa.data(), xb.data(), n);
      EXPECT_EQ(want, xa) << "out==a n=" << n;
      EXPECT_EQ(b, xb);
    }
    {  // out == b
      std::vector<Mat> xa = a, xb = b;
      r.apply(xb.data(), xa.data(), xb.data(), n);
      EXPECT_EQ(want, xb) << "out==b n=" << n;
      EXPECT_EQ(a, xa);
    }
    {  // out == a == b: squares
      std::vector<Mat> x = a;
      r.apply(x.data(), x.data(), x.data(), n);
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(mul(a[i], a[i]), x[i]) << i;
    }
    EXPECT_FALSE(log.inAliasedInout);
    EXPECT_EQ(4 * n, log.elements);
    if (n == 0) {
      EXPECT_EQ(0u, log.calls);
    }
    if (n == 5000) {
      EXPECT_GT(log.calls, 4u);  // the out == a cases were staged in chunks
    }
  }
}

void concatUser(const void* in, void* inout, size_t n, void* state) {
  // Elements are 4-char strings; inout = first two chars of in + first two of inout.
  const char* a = static_cast<const char*>(in);
  char* b = static_cast<char*>(inout);
  for (size_t i = 0; i < n; ++i) {
    char r[4] = {a[4 * i], a[4 * i + 1], b[4 * i], b[4 * i + 1]};
    std::memcpy(b + 4 * i, r, 4);
  }
}

TEST(Reduction, UserOpElementSizeDefaultsToTypeSize) {
  gloo::Reduction r(DataType::kInt32, concatUser, nullptr, false);
  EXPECT_EQ(4u, r.elementSize());
  char a[] = "abcdefgh", b[] = "ABCDEFGH", out[9] = {};
  r.apply(out, a, b, 2);
  EXPECT_STREQ("abABefEF", out);
  r.apply(a, a, b, 2);
  EXPECT_STREQ("abABefEF", a);
}

}  // namespace
