// Tests of gloo::allreduce: every algorithm on many rank counts, element
// counts and in-place/out-of-place; every element type and predefined op;
// non-commutative and non-associative user ops (rank-ordered left fold);
// GLOOMPI_DETERMINISTIC bit-identity; back-to-back and concurrent contexts;
// algorithm overrides and argument errors; a subset in process mode (TCP +
// FileStore). Every expected value is computed here with plain loops, never
// with the engine's kernels.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/config.h"
#include "common/error.h"
#include "gloo/collectives.h"
#include "gloo/tests/harness.h"

using namespace gloo;
using gloo::testing::Mode;
using gloo::testing::runRanks;

namespace {

const std::vector<std::string> kAlgorithms = {"ring",     "ring_pipelined",   "recursive_doubling",
                                              "halving_doubling", "bcube", "rank_ordered"};

// Sets a configuration override for the lifetime of the object.
class Override {
 public:
  Override(std::string name, const std::string& value) : name_(std::move(name)) {
    config::setOverride(name_, value);
  }
  ~Override() { config::setOverride(name_, std::nullopt); }

 private:
  std::string name_;
};

// ---- int32 sums: the workhorse of the algorithm matrix ----------------------

int32_t intValue(int rank, size_t i) {
  return static_cast<int32_t>((i * 7919 + static_cast<size_t>(rank) * 104729 + 11) % 201) - 100;
}

int32_t intSum(int ranks, size_t i) {
  int32_t s = 0;
  for (int r = 0; r < ranks; ++r) s += intValue(r, i);
  return s;
}

// "" if out[i] == sum over ranks of intValue(r, first + i), else the first mismatch.
std::string checkIntSum(const int32_t* out, size_t n, int ranks, size_t first = 0) {
  for (size_t i = 0; i < n; ++i) {
    int32_t want = intSum(ranks, first + i);
    if (out[i] != want) {
      std::ostringstream os;
      os << "element " << first + i << " of " << n << ": got " << out[i] << ", want " << want;
      return os.str();
    }
  }
  return "";
}

enum class Placement { kOutOfPlace, kInNull, kInEqualsOut };
const char* placementName(Placement p) {
  switch (p) {
    case Placement::kOutOfPlace: return "out-of-place";
    case Placement::kInNull: return "in-place(in=nullptr)";
    case Placement::kInEqualsOut: return "in-place(in=out)";
  }
  return "?";
}

// One int32-sum allreduce with `algorithm` ("" = selection table); checks
// the result, that `in` is untouched, and returns the algorithm name.
std::string intAllreduce(Context& ctx, const std::string& algorithm, size_t count, Placement p) {
  std::vector<int32_t> in(count), out(count, 0x5a5a5a5a);
  for (size_t i = 0; i < count; ++i) in[i] = intValue(ctx.rank(), i);
  if (p != Placement::kOutOfPlace) out = in;
  AllreduceArgs a;
  a.in = p == Placement::kOutOfPlace ? in.data() : p == Placement::kInNull ? nullptr : out.data();
  a.out = out.data();
  a.count = count;
  a.reduction = Reduction(DataType::kInt32, ReduceOp::kSum);
  a.algorithm = algorithm;
  std::string name = allreduce(ctx, a);
  EXPECT_EQ(checkIntSum(out.data(), count, ctx.size()), "")
      << "algorithm " << name << ", " << ctx.size() << " ranks, count " << count << ", "
      << placementName(p) << ", rank " << ctx.rank();
  if (p == Placement::kOutOfPlace) {
    for (size_t i = 0; i < count; ++i) {
      if (in[i] != intValue(ctx.rank(), i)) {
        ADD_FAILURE() << "input modified at " << i << " by " << name;
        break;
      }
    }
  }
  return name;
}

const size_t kCounts[] = {0, 1, 3, 1001, 4099, 65537};

class AllreduceMatrix : public ::testing::TestWithParam<std::tuple<std::string, int>> {};

TEST_P(AllreduceMatrix, IntSumEveryCountAndPlacement) {
  const auto& [algo, ranks] = GetParam();
  runRanks(ranks, [&, algo = algo](Context& ctx) {
    for (size_t count : kCounts) {
      for (Placement p : {Placement::kOutOfPlace, Placement::kInNull, Placement::kInEqualsOut}) {
        EXPECT_EQ(intAllreduce(ctx, algo, count, p), algo);
        EXPECT_STREQ(ctx.lastAlgorithm(), algo.c_str());
      }
    }
  });
}

INSTANTIATE_TEST_SUITE_P(
    AllAlgorithms, AllreduceMatrix,
    ::testing::Combine(::testing::ValuesIn(kAlgorithms), ::testing::Values(1, 2, 3, 4, 5, 7, 8)),
    [](const auto& info) {
      return std::get<0>(info.param) + "_" + std::to_string(std::get<1>(info.param)) + "ranks";
    });

// Small segments make the pipelined ring run many segments per chunk, more
// than its receive window, with empty segments when chunks are short.
TEST(Allreduce, RingPipelinedSmallSegments) {
  // "0" asks for one-element segments too; "4" with 2 ranks and 4099
  // elements exceeds the message cap, so segments grow past the setting.
  for (const char* seg : {"0", "4", "64", "1000"}) {
    Override o("GLOOMPI_RING_SEGMENT", seg);
    for (int ranks : {2, 3, 5}) {
      runRanks(ranks, [&](Context& ctx) {
        for (size_t count : {size_t(1), size_t(3), size_t(17), size_t(1001), size_t(4099)}) {
          EXPECT_EQ(intAllreduce(ctx, "ring_pipelined", count, Placement::kOutOfPlace),
                    "ring_pipelined")
              << "segment " << seg;
          EXPECT_EQ(intAllreduce(ctx, "ring_pipelined", count, Placement::kInNull),
                    "ring_pipelined")
              << "segment " << seg;
        }
      });
    }
  }
}

// >= 16 MiB messages on a few algorithms (float sums of small integers are exact).
TEST(Allreduce, LargeMessages) {
  const size_t count = 4 * 1024 * 1024 + 3;  // 16 MiB + 12 bytes of float
  struct Case {
    const char* algo;
    int ranks;
    bool inPlace;
  };
  for (Case c : {Case{"ring_pipelined", 2, false}, Case{"ring_pipelined", 3, true},
                 Case{"halving_doubling", 4, false}, Case{"rank_ordered", 3, false},
                 Case{"", 2, true}}) {
    runRanks(c.ranks, [&](Context& ctx) {
      std::vector<float> in(count), out(count, -1.0f);
      for (size_t i = 0; i < count; ++i) in[i] = static_cast<float>(intValue(ctx.rank(), i));
      if (c.inPlace) out = in;
      AllreduceArgs a;
      a.in = c.inPlace ? nullptr : in.data();
      a.out = out.data();
      a.count = count;
      a.reduction = Reduction(DataType::kFloat32, ReduceOp::kSum);
      a.algorithm = c.algo;
      std::string name = allreduce(ctx, a);
      if (*c.algo) {
        EXPECT_EQ(name, c.algo);
      }
      size_t bad = count;
      for (size_t i = 0; i < count && bad == count; ++i) {
        if (out[i] != static_cast<float>(intSum(ctx.size(), i))) bad = i;
      }
      EXPECT_EQ(bad, count) << name << " wrong at element " << bad << " (" << c.ranks
                            << " ranks): " << (bad < count ? out[bad] : 0.0f);
    });
  }
}

// ---- every element type x every predefined op -------------------------------

// A value in a type-independent form: real/imaginary parts and an index.
struct Canon {
  double re = 0, im = 0;
  int64_t idx = 0;
  bool operator==(const Canon& o) const { return re == o.re && im == o.im && idx == o.idx; }
};

enum class Cls { kInteger, kReal, kComplex, kPair };

uint16_t toHalf(float f) {
  if (f == 0) return std::signbit(f) ? 0x8000 : 0;
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = x >> 31;
  int e = static_cast<int>((x >> 23) & 0xff) - 127 + 15;  // test values are normal halves
  return static_cast<uint16_t>((sign << 15) | (static_cast<uint32_t>(e) << 10) | ((x >> 13) & 0x3ff));
}
float fromHalf(uint16_t h) {
  int e = (h >> 10) & 0x1f;
  int m = h & 0x3ff;
  float v = e == 0 ? std::ldexp(static_cast<float>(m), -24)
                   : std::ldexp(1.0f + static_cast<float>(m) / 1024.0f, e - 15);
  if (e == 31) v = m ? NAN : INFINITY;
  return (h & 0x8000) ? -v : v;
}
uint16_t toBf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  return static_cast<uint16_t>(x >> 16);  // test values are exact in bfloat16
}
float fromBf16(uint16_t h) {
  uint32_t x = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

struct TypeCase {
  DataType type;
  Cls cls;
  bool isSigned;
  void (*encode)(void* p, const Canon& v);
  Canon (*decode)(const void* p);
};

template <typename T>
void encNum(void* p, const Canon& v) {
  T x = static_cast<T>(v.re);
  std::memcpy(p, &x, sizeof x);
}
template <typename T>
Canon decNum(const void* p) {
  T x;
  std::memcpy(&x, p, sizeof x);
  return Canon{static_cast<double>(x), 0, 0};
}
void encHalf(void* p, const Canon& v) {
  uint16_t h = toHalf(static_cast<float>(v.re));
  std::memcpy(p, &h, 2);
}
Canon decHalf(const void* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return Canon{fromHalf(h), 0, 0};
}
void encBf16(void* p, const Canon& v) {
  uint16_t h = toBf16(static_cast<float>(v.re));
  std::memcpy(p, &h, 2);
}
Canon decBf16(const void* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return Canon{fromBf16(h), 0, 0};
}
template <typename T>
void encComplex(void* p, const Canon& v) {
  std::complex<T> x(static_cast<T>(v.re), static_cast<T>(v.im));
  std::memcpy(p, &x, sizeof x);
}
template <typename T>
Canon decComplex(const void* p) {
  std::complex<T> x;
  std::memcpy(&x, p, sizeof x);
  return Canon{static_cast<double>(x.real()), static_cast<double>(x.imag()), 0};
}
template <typename T>
void encPair(void* p, const Canon& v) {
  ValueIndex<T> x;
  std::memset(&x, 0, sizeof x);
  x.value = static_cast<T>(v.re);
  x.index = static_cast<int>(v.idx);
  std::memcpy(p, &x, sizeof x);
}
template <typename T>
Canon decPair(const void* p) {
  ValueIndex<T> x;
  std::memcpy(&x, p, sizeof x);
  return Canon{static_cast<double>(x.value), 0, x.index};
}

const TypeCase kTypes[] = {
    {DataType::kInt8, Cls::kInteger, true, encNum<int8_t>, decNum<int8_t>},
    {DataType::kUint8, Cls::kInteger, false, encNum<uint8_t>, decNum<uint8_t>},
    {DataType::kInt16, Cls::kInteger, true, encNum<int16_t>, decNum<int16_t>},
    {DataType::kUint16, Cls::kInteger, false, encNum<uint16_t>, decNum<uint16_t>},
    {DataType::kInt32, Cls::kInteger, true, encNum<int32_t>, decNum<int32_t>},
    {DataType::kUint32, Cls::kInteger, false, encNum<uint32_t>, decNum<uint32_t>},
    {DataType::kInt64, Cls::kInteger, true, encNum<int64_t>, decNum<int64_t>},
    {DataType::kUint64, Cls::kInteger, false, encNum<uint64_t>, decNum<uint64_t>},
    {DataType::kFloat16, Cls::kReal, true, encHalf, decHalf},
    {DataType::kBFloat16, Cls::kReal, true, encBf16, decBf16},
    {DataType::kFloat32, Cls::kReal, true, encNum<float>, decNum<float>},
    {DataType::kFloat64, Cls::kReal, true, encNum<double>, decNum<double>},
    {DataType::kLongDouble, Cls::kReal, true, encNum<long double>, decNum<long double>},
    {DataType::kComplex64, Cls::kComplex, true, encComplex<float>, decComplex<float>},
    {DataType::kComplex128, Cls::kComplex, true, encComplex<double>, decComplex<double>},
    {DataType::kFloatInt, Cls::kPair, true, encPair<float>, decPair<float>},
    {DataType::kDoubleInt, Cls::kPair, true, encPair<double>, decPair<double>},
    {DataType::kLongInt, Cls::kPair, true, encPair<long>, decPair<long>},
    {DataType::kIntInt, Cls::kPair, true, encPair<int>, decPair<int>},
    {DataType::kShortInt, Cls::kPair, true, encPair<short>, decPair<short>},
    {DataType::kLongDoubleInt, Cls::kPair, true, encPair<long double>, decPair<long double>},
};

// Input of `rank` at element i for (type class, op): small values whose
// results are exact in every type of the class.
Canon inputValue(const TypeCase& tc, ReduceOp op, int rank, size_t i) {
  const int64_t r = rank, k = static_cast<int64_t>(i);
  Canon v;
  switch (op) {
    case ReduceOp::kSum:
      v.re = static_cast<double>((k + r) % 4);
      if (tc.cls != Cls::kInteger) v.re -= 1;
      if (tc.cls == Cls::kComplex) v.im = static_cast<double>((2 * k + r) % 3 - 1);
      break;
    case ReduceOp::kProd: {
      static const double kReal[] = {-2, -1, 1, 2};
      v.re = tc.cls == Cls::kInteger ? static_cast<double>(1 + (k + r) % 2) : kReal[(k + r) % 4];
      if (tc.cls == Cls::kComplex) v.im = static_cast<double>((k + 2 * r) % 3 - 1);
      break;
    }
    case ReduceOp::kMin:
    case ReduceOp::kMax:
      v.re = static_cast<double>((3 * k + 5 * r) % 11 - (tc.isSigned ? 5 : 0));
      break;
    case ReduceOp::kLand:
    case ReduceOp::kLor:
    case ReduceOp::kLxor:
      v.re = static_cast<double>((k + r) % 3 == 0 ? 0 : (k + r) % 3 == 1 ? 1 : 6);
      if (op == ReduceOp::kLand) v.re = ((k * 5 + r) % 7 == 0) ? 0 : v.re + 1;
      break;
    case ReduceOp::kBand:
    case ReduceOp::kBor:
    case ReduceOp::kBxor:
      v.re = static_cast<double>((5 * k + 3 * r + 1) % 16 + (op == ReduceOp::kBand ? 16 : 0));
      break;
    case ReduceOp::kMinloc:
    case ReduceOp::kMaxloc:
      v.re = static_cast<double>((k + 2 * r) % 3 - 1);
      v.idx = (7 * r + k) % 5;
      break;
    default:
      break;
  }
  return v;
}

// a (op) b, a being the lower ranks' value.
Canon applyRef(ReduceOp op, const Canon& a, const Canon& b) {
  auto i64 = [](double d) { return static_cast<int64_t>(d); };
  switch (op) {
    case ReduceOp::kSum: return Canon{a.re + b.re, a.im + b.im, 0};
    case ReduceOp::kProd:
      return Canon{a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re, 0};
    case ReduceOp::kMin: return Canon{std::min(a.re, b.re), 0, 0};
    case ReduceOp::kMax: return Canon{std::max(a.re, b.re), 0, 0};
    case ReduceOp::kLand: return Canon{(a.re != 0 && b.re != 0) ? 1.0 : 0.0, 0, 0};
    case ReduceOp::kLor: return Canon{(a.re != 0 || b.re != 0) ? 1.0 : 0.0, 0, 0};
    case ReduceOp::kLxor: return Canon{((a.re != 0) != (b.re != 0)) ? 1.0 : 0.0, 0, 0};
    case ReduceOp::kBand: return Canon{static_cast<double>(i64(a.re) & i64(b.re)), 0, 0};
    case ReduceOp::kBor: return Canon{static_cast<double>(i64(a.re) | i64(b.re)), 0, 0};
    case ReduceOp::kBxor: return Canon{static_cast<double>(i64(a.re) ^ i64(b.re)), 0, 0};
    case ReduceOp::kMinloc:
      if (a.re != b.re) return a.re < b.re ? a : b;
      return Canon{a.re, 0, std::min(a.idx, b.idx)};
    case ReduceOp::kMaxloc:
      if (a.re != b.re) return a.re > b.re ? a : b;
      return Canon{a.re, 0, std::min(a.idx, b.idx)};
    default: return a;
  }
}

std::string describe(const Canon& c) {
  std::ostringstream os;
  os << "(" << c.re << ", " << c.im << ", idx " << c.idx << ")";
  return os.str();
}

TEST(Allreduce, EveryTypeAndOpOnEveryAlgorithm) {
  const size_t count = 37;
  for (int ranks : {3, 4}) {
    runRanks(ranks, [&](Context& ctx) {
      int combos = 0;
      for (const TypeCase& tc : kTypes) {
        for (int o = 0; o < static_cast<int>(ReduceOp::kUser); ++o) {
          const ReduceOp op = static_cast<ReduceOp>(o);
          if (!isValid(tc.type, op)) continue;
          ++combos;
          const size_t es = elementSize(tc.type);
          std::vector<uint8_t> in(count * es), out(count * es), want(count * es);
          std::vector<Canon> expect(count);
          for (size_t i = 0; i < count; ++i) {
            tc.encode(&in[i * es], inputValue(tc, op, ctx.rank(), i));
            // Left fold in rank order; every operand and partial result is
            // rounded through the element type (exact for these inputs).
            std::vector<uint8_t> tmp(es);
            tc.encode(tmp.data(), inputValue(tc, op, 0, i));
            Canon acc = tc.decode(tmp.data());
            for (int r = 1; r < ctx.size(); ++r) {
              tc.encode(tmp.data(), inputValue(tc, op, r, i));
              acc = applyRef(op, acc, tc.decode(tmp.data()));
              tc.encode(tmp.data(), acc);
              acc = tc.decode(tmp.data());
            }
            expect[i] = acc;
          }
          for (const std::string& algo : kAlgorithms) {
            std::fill(out.begin(), out.end(), 0xee);
            AllreduceArgs a;
            a.in = in.data();
            a.out = out.data();
            a.count = count;
            a.reduction = Reduction(tc.type, op);
            a.algorithm = algo;
            EXPECT_EQ(allreduce(ctx, a), algo);
            for (size_t i = 0; i < count; ++i) {
              Canon got = tc.decode(&out[i * es]);
              if (!(got == expect[i])) {
                ADD_FAILURE() << "type " << name(tc.type) << " op " << name(op) << " algorithm "
                              << algo << " ranks " << ctx.size() << " element " << i << ": got "
                              << describe(got) << ", want " << describe(expect[i]);
                break;
              }
            }
          }
        }
      }
      // 8 int x 10 ops + 5 reals x 4 + 2 complex x 2 + 6 pairs x 2.
      EXPECT_EQ(combos, 8 * 10 + 5 * 4 + 2 * 2 + 6 * 2);
    });
  }
}

// ---- user ops ----------------------------------------------------------------

// 2x2 matrices of uint32 (row-major, arithmetic mod 2^32): associative, not
// commutative. MPI convention: inout = in x inout, `in` from lower ranks.
struct Mat {
  uint32_t m[4];
};
void matProduct(const void* in, void* inout, size_t n, void*) {
  const Mat* a = static_cast<const Mat*>(in);
  Mat* b = static_cast<Mat*>(inout);
  for (size_t i = 0; i < n; ++i) {
    Mat r;
    r.m[0] = a[i].m[0] * b[i].m[0] + a[i].m[1] * b[i].m[2];
    r.m[1] = a[i].m[0] * b[i].m[1] + a[i].m[1] * b[i].m[3];
    r.m[2] = a[i].m[2] * b[i].m[0] + a[i].m[3] * b[i].m[2];
    r.m[3] = a[i].m[2] * b[i].m[1] + a[i].m[3] * b[i].m[3];
    b[i] = r;
  }
}
Mat matInput(int rank, size_t i) {
  Mat x;
  for (int j = 0; j < 4; ++j) {
    x.m[j] = static_cast<uint32_t>((i * 31 + rank * 17 + j * 5 + (rank * j)) % 9);
  }
  return x;
}

// (a, b) -> (a * 10 + b) mod 1000003 on int64: neither commutative nor
// associative, so only an exact left fold in rank order gives the reference.
void digits(const void* in, void* inout, size_t n, void* state) {
  const int64_t* a = static_cast<const int64_t*>(in);
  int64_t* b = static_cast<int64_t*>(inout);
  const int64_t mod = *static_cast<const int64_t*>(state);
  for (size_t i = 0; i < n; ++i) b[i] = (a[i] * 10 + b[i]) % mod;
}

TEST(Allreduce, NonCommutativeUserOpsFoldInRankOrder) {
  for (int ranks : {3, 5}) {
    runRanks(ranks, [&](Context& ctx) {
      for (size_t count : {size_t(1), size_t(4), size_t(1001)}) {
        for (const std::string& requested : {std::string(""), std::string("ring"),
                                             std::string("recursive_doubling")}) {
          // Matrix product.
          std::vector<Mat> in(count), out(count);
          for (size_t i = 0; i < count; ++i) in[i] = matInput(ctx.rank(), i);
          AllreduceArgs a;
          a.in = in.data();
          a.out = out.data();
          a.count = count;
          a.reduction = Reduction(DataType::kUint32, matProduct, nullptr, false, sizeof(Mat));
          a.algorithm = requested;
          EXPECT_EQ(std::string(allreduce(ctx, a)), "rank_ordered") << "requested " << requested;
          for (size_t i = 0; i < count; ++i) {
            Mat acc = matInput(0, i);
            for (int r = 1; r < ctx.size(); ++r) {
              Mat next = matInput(r, i);
              matProduct(&acc, &next, 1, nullptr);  // next = acc x next
              acc = next;
            }
            if (std::memcmp(&acc, &out[i], sizeof(Mat)) != 0) {
              ADD_FAILURE() << "matrix product wrong at " << i << " (" << ctx.size() << " ranks)";
              break;
            }
          }
          // Non-associative digits, in place.
          int64_t mod = 1000003;
          std::vector<int64_t> d(count);
          for (size_t i = 0; i < count; ++i) d[i] = static_cast<int64_t>((i + ctx.rank() * 3) % 10);
          AllreduceArgs b;
          b.out = d.data();
          b.count = count;
          b.reduction = Reduction(DataType::kInt64, digits, &mod, false);
          b.algorithm = requested;
          EXPECT_EQ(std::string(allreduce(ctx, b)), "rank_ordered");
          for (size_t i = 0; i < count; ++i) {
            int64_t acc = static_cast<int64_t>(i % 10);
            for (int r = 1; r < ctx.size(); ++r) acc = (acc * 10 + static_cast<int64_t>((i + r * 3) % 10)) % mod;
            if (d[i] != acc) {
              ADD_FAILURE() << "digits fold wrong at " << i << ": got " << d[i] << ", want " << acc;
              break;
            }
          }
        }
      }
    });
  }
}

// ---- GLOOMPI_DETERMINISTIC ---------------------------------------------------

// Floats spread over many magnitudes, so that the order of additions shows
// in the rounding.
std::vector<float> detInput(int rank, size_t count) {
  std::vector<uint32_t> bits(count);
  gloo::testing::fillRandom(bits.data(), count * 4, 42, rank);
  std::vector<float> v(count);
  for (size_t i = 0; i < count; ++i) {
    int mant = static_cast<int>(bits[i] & 0xfffff) - 0x80000;
    int exp = static_cast<int>((bits[i] >> 20) % 40) - 40;
    v[i] = std::ldexp(static_cast<float>(mant), exp);
  }
  return v;
}

TEST(Allreduce, DeterministicIsBitIdenticalLeftFold) {
  Override det("GLOOMPI_DETERMINISTIC", "1");
  // 3 ranks x 600011 floats: each owner's block travels in several pieces.
  for (auto [ranks, count] : {std::pair<int, size_t>{3, 10007}, {4, 10007}, {5, 10007},
                              {3, 600011}}) {
    runRanks(ranks, [&, count = count](Context& ctx) {
      std::vector<std::vector<float>> inputs;
      for (int r = 0; r < ctx.size(); ++r) inputs.push_back(detInput(r, count));
      std::vector<float> fold = inputs[0];
      for (int r = 1; r < ctx.size(); ++r) {
        for (size_t i = 0; i < count; ++i) fold[i] = fold[i] + inputs[r][i];
      }
      // The data must make the order visible: a right fold differs somewhere.
      std::vector<float> rfold = inputs[ctx.size() - 1];
      for (int r = ctx.size() - 2; r >= 0; --r) {
        for (size_t i = 0; i < count; ++i) rfold[i] = inputs[r][i] + rfold[i];
      }
      EXPECT_NE(std::memcmp(fold.data(), rfold.data(), count * 4), 0);

      std::vector<std::string> requests = kAlgorithms;
      requests.push_back("");
      for (const std::string& algo : requests) {
        std::vector<float> out(count);
        AllreduceArgs a;
        a.in = inputs[ctx.rank()].data();
        a.out = out.data();
        a.count = count;
        a.reduction = Reduction(DataType::kFloat32, ReduceOp::kSum);
        a.algorithm = algo;
        EXPECT_EQ(std::string(allreduce(ctx, a)), "rank_ordered");
        EXPECT_EQ(std::memcmp(out.data(), fold.data(), count * 4), 0)
            << "algorithm '" << algo << "' differs from the left fold, " << ctx.size() << " ranks";
      }
      // Short vectors cut anywhere give the same bits as the long one.
      struct Piece {
        size_t offset, n;
      };
      for (Piece p : {Piece{0, 1}, Piece{17, 10}, Piece{5000, 333}, Piece{count - 7, 7}}) {
        std::vector<float> piece(inputs[ctx.rank()].begin() + p.offset,
                                 inputs[ctx.rank()].begin() + p.offset + p.n);
        AllreduceArgs a;
        a.out = piece.data();
        a.count = p.n;
        a.reduction = Reduction(DataType::kFloat32, ReduceOp::kSum);
        allreduce(ctx, a);
        EXPECT_EQ(std::memcmp(piece.data(), fold.data() + p.offset, p.n * 4), 0)
            << "piece at " << p.offset << " of " << p.n;
      }
    });
  }
}

// ---- sequencing, contexts, overrides, errors ----------------------------------

TEST(Allreduce, BackToBackAlgorithmsOnOneContext) {
  runRanks(5, [](Context& ctx) {
    for (int k = 0; k < 36; ++k) {
      const std::string& algo = kAlgorithms[k % kAlgorithms.size()];
      size_t count = static_cast<size_t>(k * 37 % 500 + 1);
      EXPECT_EQ(intAllreduce(ctx, algo, count, k % 2 ? Placement::kInNull : Placement::kOutOfPlace),
                algo);
    }
  });
}

TEST(Allreduce, ConcurrentContextsDoNotMix) {
  runRanks(4, [](Context& ctx) {
    auto other = ctx.dup("other");
    ASSERT_TRUE(other);
    std::string otherError;
    // The duplicate runs a different mix of algorithms and data (doubles of
    // value rank + 1000 * k) in its own thread while this thread runs int sums.
    std::thread t([&] {
      try {
        for (int k = 0; k < 30; ++k) {
          std::vector<double> v(1 + k * 13 % 300, ctx.rank() + 1000.0 * k);
          AllreduceArgs a;
          a.out = v.data();
          a.count = v.size();
          a.reduction = Reduction(DataType::kFloat64, ReduceOp::kSum);
          a.algorithm = kAlgorithms[(k + 3) % kAlgorithms.size()];
          allreduce(*other, a);
          const double want = 6.0 + 4 * 1000.0 * k;
          for (double x : v) {
            if (x != want && otherError.empty()) {
              otherError = "dup context: got " + std::to_string(x) + " want " + std::to_string(want);
            }
          }
        }
      } catch (const std::exception& e) {
        otherError = e.what();
      }
    });
    for (int k = 0; k < 30; ++k) {
      intAllreduce(ctx, kAlgorithms[k % kAlgorithms.size()], 1 + k * 29 % 700,
                   Placement::kOutOfPlace);
    }
    t.join();
    EXPECT_EQ(otherError, "");
  });
}

TEST(Allreduce, EnvironmentOverrideIsHonoured) {
  runRanks(3, [](Context& ctx) {
    {
      Override o("GLOOMPI_ALGO_ALLREDUCE", "bcube");
      EXPECT_EQ(intAllreduce(ctx, "", 100, Placement::kOutOfPlace), "bcube");
      EXPECT_STREQ(ctx.lastAlgorithm(), "bcube");
      // An explicit argument wins over the environment.
      EXPECT_EQ(intAllreduce(ctx, "ring", 100, Placement::kOutOfPlace), "ring");
    }
    // Without an override the selection table picks one of ours, whatever
    // its thresholds are.
    for (size_t count : {size_t(4), size_t(70000), size_t(3) << 20}) {
      std::string name = intAllreduce(ctx, "", count, Placement::kOutOfPlace);
      EXPECT_NE(std::find(kAlgorithms.begin(), kAlgorithms.end(), name), kAlgorithms.end())
          << name;
      EXPECT_STREQ(ctx.lastAlgorithm(), name.c_str());
    }
  });
}

TEST(Allreduce, UnknownAlgorithmIsInvalidArgument) {
  runRanks(2, [](Context& ctx) {
    std::vector<int32_t> v(10, 1);
    AllreduceArgs a;
    a.out = v.data();
    a.count = v.size();
    a.reduction = Reduction(DataType::kInt32, ReduceOp::kSum);
    {
      Override o("GLOOMPI_ALGO_ALLREDUCE", "no_such_algo");
      try {
        allreduce(ctx, a);
        ADD_FAILURE() << "unknown algorithm accepted";
      } catch (const InvalidArgument& e) {
        EXPECT_NE(std::string(e.what()).find("no_such_algo"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("allreduce"), std::string::npos) << e.what();
      }
      // Also for a zero count: the misconfiguration shows on the first call.
      a.count = 0;
      EXPECT_THROW(allreduce(ctx, a), InvalidArgument);
      a.count = v.size();
    }
    a.algorithm = "bogus_name";
    try {
      allreduce(ctx, a);
      ADD_FAILURE() << "unknown algorithm accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("bogus_name"), std::string::npos) << e.what();
    }
    // The context is still usable and in step on every rank.
    EXPECT_EQ(intAllreduce(ctx, "ring", 33, Placement::kOutOfPlace), "ring");
  });
}

TEST(Allreduce, BadArgumentsAreInvalidArgument) {
  runRanks(2, [](Context& ctx) {
    std::vector<int32_t> v(100, 1);
    AllreduceArgs a;
    a.reduction = Reduction(DataType::kInt32, ReduceOp::kSum);
    a.count = 10;
    a.out = nullptr;
    EXPECT_THROW(allreduce(ctx, a), InvalidArgument);
    a.in = v.data();
    a.out = v.data() + 5;  // overlaps in partially
    EXPECT_THROW(allreduce(ctx, a), InvalidArgument);
    // Zero count needs no buffers at all and sends nothing.
    a.in = nullptr;
    a.out = nullptr;
    a.count = 0;
    const uint64_t before = ctx.sequence();
    EXPECT_NO_THROW(allreduce(ctx, a));
    EXPECT_EQ(ctx.sequence(), before);
    EXPECT_EQ(intAllreduce(ctx, "halving_doubling", 10, Placement::kInNull), "halving_doubling");
  });
}

// Ranks that disagree on the count: the transport sees a size mismatch (or,
// on the rank whose peer failed before sending, a timeout), and the error
// that escapes keeps its type and names the collective.
TEST(Allreduce, TransportErrorsNameTheCollective) {
  runRanks(2, [](Context& ctx) {
    ctx.setTimeout(std::chrono::milliseconds(500));
    std::vector<float> v(10 + ctx.rank(), 1.0f);
    AllreduceArgs a;
    a.out = v.data();
    a.count = v.size();
    a.reduction = Reduction(DataType::kFloat32, ReduceOp::kSum);
    a.algorithm = "recursive_doubling";
    try {
      allreduce(ctx, a);
      ADD_FAILURE() << "mismatched counts went unnoticed on rank " << ctx.rank();
    } catch (const IoError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("allreduce: ", 0), 0u) << e.what();
    } catch (const TimeoutError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("allreduce: ", 0), 0u) << e.what();
    }
  });
}

// ---- process mode: real TCP and FileStore -------------------------------------

TEST(AllreduceProcesses, EveryAlgorithmThreeRanks) {
  runRanks(3, [](Context& ctx) {
    for (const std::string& algo : kAlgorithms) {
      for (size_t count : {size_t(1), size_t(1001), size_t(70001)}) {
        intAllreduce(ctx, algo, count, Placement::kOutOfPlace);
        intAllreduce(ctx, algo, count, Placement::kInNull);
      }
    }
  }, {Mode::kProcesses});
}

TEST(AllreduceProcesses, LargeAndUserOpsFiveRanks) {
  runRanks(5, [](Context& ctx) {
    EXPECT_EQ(intAllreduce(ctx, "ring_pipelined", 4 << 20, Placement::kInNull), "ring_pipelined");
    EXPECT_EQ(intAllreduce(ctx, "halving_doubling", 300000, Placement::kOutOfPlace),
              "halving_doubling");
    int64_t mod = 1000003;
    std::vector<int64_t> d(999);
    for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<int64_t>((i + ctx.rank() * 3) % 10);
    AllreduceArgs b;
    b.out = d.data();
    b.count = d.size();
    b.reduction = Reduction(DataType::kInt64, digits, &mod, false);
    EXPECT_EQ(std::string(allreduce(ctx, b)), "rank_ordered");
    for (size_t i = 0; i < d.size(); ++i) {
      int64_t acc = static_cast<int64_t>(i % 10);
      for (int r = 1; r < ctx.size(); ++r) acc = (acc * 10 + static_cast<int64_t>((i + r * 3) % 10)) % mod;
      ASSERT_EQ(d[i], acc) << "element " << i;
    }
  }, {Mode::kProcesses});
}

TEST(AllreduceProcesses, TwoRanksLargePipelined) {
  runRanks(2, [](Context& ctx) {
    EXPECT_EQ(intAllreduce(ctx, "ring_pipelined", (16 << 20) / 4 + 1, Placement::kOutOfPlace),
              "ring_pipelined");
    EXPECT_EQ(intAllreduce(ctx, "recursive_doubling", 1, Placement::kOutOfPlace),
              "recursive_doubling");
  }, {Mode::kProcesses});
}

}  // namespace
