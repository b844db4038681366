// Rooted collectives: broadcast, reduce, gather(v), scatter(v). Every
// algorithm x P in {1,2,3,4,5,7,8} (threads) x every root x sizes 0, 1, odd
// and larger ones, in-place variants, v-variants with uneven, zero-size and
// non-monotonic blocks, and a non-commutative op for reduce. Expected
// results come from plain loops over the per-rank inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "common/config.h"
#include "gloo/tests/collectives_test_util.h"

using namespace gloo;
using namespace gloo::testing;

namespace {

// ---------------------------------------------------------------- broadcast

class BroadcastTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BroadcastTest, EveryRootAndSize) {
  const std::string algo = GetParam();
  for (int P : kRankCounts) {
    runRanks(P, [&](Context& ctx) {
      uint32_t salt = 0;
      for (int root : rootsFor(P)) {
        for (size_t bytes : {size_t{0}, size_t{1}, size_t{13}, size_t{4097}, size_t{70001}}) {
          salt++;
          const auto want = patternBytes(root, bytes, salt);
          std::vector<uint8_t> buf(bytes, 0xEE);
          if (ctx.rank() == root) buf = want;
          BroadcastArgs a;
          a.data = buf.data();
          a.bytes = bytes;
          a.root = root;
          a.algorithm = algo;
          EXPECT_STREQ(broadcast(ctx, a), algo.c_str());
          EXPECT_TRUE(sameBytes(buf.data(), want.data(), bytes))
              << algo << " P=" << P << " root=" << root << " bytes=" << bytes;
        }
      }
    });
  }
}

TEST_P(BroadcastTest, Large16MiB) {
  const std::string algo = GetParam();
  const size_t bytes = (16u << 20) + 3;
  for (int P : {4, 5}) {
    runRanks(P, [&](Context& ctx) {
      const int root = P - 2;
      const auto want = patternBytes(root, bytes, 99);
      std::vector<uint8_t> buf(bytes, 0);
      if (ctx.rank() == root) buf = want;
      BroadcastArgs a{buf.data(), bytes, root, algo};
      EXPECT_STREQ(broadcast(ctx, a), algo.c_str());
      EXPECT_TRUE(sameBytes(buf.data(), want.data(), bytes));
    });
  }
}

INSTANTIATE_TEST_SUITE_P(Algorithms, BroadcastTest,
                         ::testing::Values("binomial", "scatter_allgather"));

TEST(BroadcastSelection, DefaultPicksByTable) {
  runRanks(4, [](Context& ctx) {
    std::vector<uint8_t> small(100), large(1 << 20);
    EXPECT_STREQ(broadcast(ctx, {small.data(), small.size(), 0, ""}), "binomial");
    EXPECT_STREQ(broadcast(ctx, {large.data(), large.size(), 1, ""}), "scatter_allgather");
    EXPECT_STREQ(ctx.lastAlgorithm(), "scatter_allgather");
  });
}

// ------------------------------------------------------------------- reduce

class ReduceTest : public ::testing::TestWithParam<std::string> {};

// int32 sum over every root and size; in place at the root every other case.
TEST_P(ReduceTest, Int32SumEveryRoot) {
  const std::string algo = GetParam();
  for (int P : kRankCounts) {
    runRanks(P, [&](Context& ctx) {
      uint32_t salt = 0;
      for (int root : rootsFor(P)) {
        for (size_t count : {size_t{0}, size_t{1}, size_t{7}, size_t{1001}, size_t{20011}}) {
          salt++;
          const bool inPlace = salt % 2 == 0;
          std::vector<int32_t> want(count, 0);
          for (int r = 0; r < P; r++) {
            for (size_t i = 0; i < count; i++) want[i] += smallValue<int32_t>(r, i, salt);
          }
          std::vector<int32_t> in(count), out(count, -777);
          for (size_t i = 0; i < count; i++) in[i] = smallValue<int32_t>(ctx.rank(), i, salt);
          ReduceArgs a;
          a.count = count;
          a.reduction = Reduction(DataType::kInt32, ReduceOp::kSum);
          a.root = root;
          a.algorithm = algo;
          if (inPlace && ctx.rank() == root) {
            out = in;
            a.in = nullptr;
          } else {
            a.in = in.data();
          }
          a.out = out.data();
          EXPECT_STREQ(reduce(ctx, a), algo.c_str());
          if (ctx.rank() == root) {
            EXPECT_TRUE(sameValues(out.data(), want.data(), count))
                << algo << " P=" << P << " root=" << root << " count=" << count
                << " inPlace=" << inPlace;
          } else {
            EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](int32_t v) { return v == -777; }))
                << "non-root out touched";
          }
          // The input is never modified (except in place at the root).
          if (!(inPlace && ctx.rank() == root)) {
            for (size_t i = 0; i < count; i++) {
              ASSERT_EQ(in[i], smallValue<int32_t>(ctx.rank(), i, salt));
            }
          }
        }
      }
    });
  }
}

// A few type x op combinations.
TEST_P(ReduceTest, TypesAndOps) {
  const std::string algo = GetParam();
  for (int P : {3, 4}) {
    runRanks(P, [&](Context& ctx) {
      const int root = P - 1;
      const size_t n = 3001;
      {
        std::vector<float> in(n), out(n), want(n, 0.f);
        for (size_t i = 0; i < n; i++) in[i] = smallValue<float>(ctx.rank(), i, 5);
        for (int r = 0; r < P; r++)
          for (size_t i = 0; i < n; i++) want[i] += smallValue<float>(r, i, 5);
        ReduceArgs a{in.data(), out.data(), n, Reduction(DataType::kFloat32, ReduceOp::kSum), root, algo};
        reduce(ctx, a);
        if (ctx.rank() == root) {
          EXPECT_TRUE(sameValues(out.data(), want.data(), n));
        }
      }
      {
        std::vector<double> in(n), out(n), want(n, -1e300);
        for (size_t i = 0; i < n; i++) in[i] = smallValue<double>(ctx.rank(), i, 6);
        for (int r = 0; r < P; r++)
          for (size_t i = 0; i < n; i++) want[i] = std::max(want[i], smallValue<double>(r, i, 6));
        ReduceArgs a{in.data(), out.data(), n, Reduction(DataType::kFloat64, ReduceOp::kMax), root, algo};
        reduce(ctx, a);
        if (ctx.rank() == root) {
          EXPECT_TRUE(sameValues(out.data(), want.data(), n));
        }
      }
      {
        std::vector<int64_t> in(n), out(n), want(n, INT64_MAX);
        for (size_t i = 0; i < n; i++) in[i] = smallValue<int64_t>(ctx.rank(), i, 7);
        for (int r = 0; r < P; r++)
          for (size_t i = 0; i < n; i++) want[i] = std::min(want[i], smallValue<int64_t>(r, i, 7));
        ReduceArgs a{in.data(), out.data(), n, Reduction(DataType::kInt64, ReduceOp::kMin), root, algo};
        reduce(ctx, a);
        if (ctx.rank() == root) {
          EXPECT_TRUE(sameValues(out.data(), want.data(), n));
        }
      }
    });
  }
}

INSTANTIATE_TEST_SUITE_P(Algorithms, ReduceTest,
                         ::testing::Values("binomial", "reduce_scatter_gather", "rank_ordered"));

// Non-commutative op: rank_ordered is chosen whatever is requested, and the
// result is the left fold in rank order, both below and above the size at
// which the algorithm switches from one owner to P owners.
TEST(ReduceNonCommutative, LeftFoldInRankOrder) {
  for (int P : kRankCounts) {
    runRanks(P, [&](Context& ctx) {
      uint32_t salt = 100;
      for (int root : rootsFor(P)) {
        for (size_t count : {size_t{1}, size_t{5}, size_t{12007}}) {
          for (const char* req : {"", "binomial", "rank_ordered"}) {
            salt++;
            const bool inPlace = salt % 2 == 1;
            const auto want = affineFold(0, P, count, salt);
            auto in = affineInputs(ctx.rank(), count, salt);
            std::vector<Affine> out(count, Affine{0, 0});
            ReduceArgs a;
            a.count = count;
            a.reduction = affineReduction(false);
            a.root = root;
            a.algorithm = req;
            if (inPlace && ctx.rank() == root) {
              out = in;
              a.in = nullptr;
            } else {
              a.in = in.data();
            }
            a.out = out.data();
            EXPECT_STREQ(reduce(ctx, a), "rank_ordered");
            if (ctx.rank() == root) {
              EXPECT_TRUE(sameValues(out.data(), want.data(), count))
                  << "P=" << P << " root=" << root << " count=" << count << " inPlace=" << inPlace;
            }
          }
        }
      }
    });
  }
}

// GLOOMPI_DETERMINISTIC: rank_ordered, bit-identical to a sequential float
// left fold of arbitrary (inexact) values.
TEST(ReduceDeterministic, BitIdenticalToSequentialFold) {
  config::setOverride("GLOOMPI_DETERMINISTIC", "1");
  for (int P : {3, 5, 8}) {
    runRanks(P, [&](Context& ctx) {
      for (size_t count : {size_t{33}, size_t{40000}}) {
        auto value = [](int r, size_t i) {
          return static_cast<float>(pattern(r, i, 3)) * 1.37e-3f + static_cast<float>(r) * 0.1f;
        };
        std::vector<float> want(count);
        for (size_t i = 0; i < count; i++) {
          float acc = value(0, i);
          for (int r = 1; r < P; r++) acc = acc + value(r, i);
          want[i] = acc;
        }
        std::vector<float> in(count), out(count);
        for (size_t i = 0; i < count; i++) in[i] = value(ctx.rank(), i);
        ReduceArgs a{in.data(), out.data(), count, Reduction(DataType::kFloat32, ReduceOp::kSum), 1, ""};
        EXPECT_STREQ(reduce(ctx, a), "rank_ordered");
        if (ctx.rank() == 1) {
          EXPECT_TRUE(sameValues(out.data(), want.data(), count));
        }
      }
    });
  }
  config::setOverride("GLOOMPI_DETERMINISTIC", std::nullopt);
}

// ------------------------------------------------------------------- gather

class GatherTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GatherTest, EveryRootAndSize) {
  const std::string algo = GetParam();
  for (int P : kRankCounts) {
    runRanks(P, [&](Context& ctx) {
      uint32_t salt = 0;
      for (int root : rootsFor(P)) {
        for (size_t bytes : {size_t{0}, size_t{1}, size_t{5}, size_t{1000}, size_t{9001}}) {
          for (bool inPlace : {false, true}) {
            salt++;
            std::vector<uint8_t> want;
            for (int r = 0; r < P; r++) {
              auto b = patternBytes(r, bytes, salt);
              want.insert(want.end(), b.begin(), b.end());
            }
            auto in = patternBytes(ctx.rank(), bytes, salt);
            std::vector<uint8_t> out;
            GatherArgs a;
            a.bytes = bytes;
            a.root = root;
            a.algorithm = algo;
            a.in = in.data();
            if (ctx.rank() == root) {
              out.assign(bytes * P, 0xEE);
              if (inPlace) {
                std::copy(in.begin(), in.end(), out.begin() + bytes * root);
                a.in = nullptr;
              }
              a.out = out.data();
            }
            EXPECT_STREQ(gather(ctx, a), algo.c_str());
            if (ctx.rank() == root) {
              EXPECT_TRUE(sameBytes(out.data(), want.data(), want.size()))
                  << algo << " P=" << P << " root=" << root << " bytes=" << bytes
                  << " inPlace=" << inPlace;
            }
          }
        }
      }
    });
  }
}

INSTANTIATE_TEST_SUITE_P(Algorithms, GatherTest, ::testing::Values("binomial", "linear"));

// Uneven block sizes (some zero) placed in reverse rank order with gaps.
struct VLayout {
  std::vector<size_t> bytes, displs;
  size_t extent = 0;
};
inline VLayout unevenLayout(int P, uint32_t salt) {
  VLayout l;
  l.bytes.resize(P);
  l.displs.resize(P);
  for (int i = 0; i < P; i++) l.bytes[i] = (i + salt) % 3 == 0 ? 0 : (i * 37 + salt * 11) % 500 + 1;
  size_t off = 3;
  for (int i = P - 1; i >= 0; i--) {
    l.displs[i] = off;
    off += l.bytes[i] + (i % 2);  // odd gaps
  }
  l.extent = off + 5;
  return l;
}

TEST(GathervTest, UnevenZeroAndNonMonotonic) {
  for (int P : kRankCounts) {
    runRanks(P, [&](Context& ctx) {
      uint32_t salt = 0;
      for (int root : rootsFor(P)) {
        for (bool inPlace : {false, true}) {
          salt++;
          const VLayout l = unevenLayout(P, salt);
          std::vector<uint8_t> want(l.extent, 0xEE);
          for (int r = 0; r < P; r++) {
            auto b = patternBytes(r, l.bytes[r], salt);
            std::copy(b.begin(), b.end(), want.begin() + l.displs[r]);
          }
          auto in = patternBytes(ctx.rank(), l.bytes[ctx.rank()], salt);
          std::vector<uint8_t> out;
          GathervArgs a;
          a.bytes = l.bytes;
          a.root = root;
          a.in = in.data();
          if (ctx.rank() == root) {
            a.displs = l.displs;
            out.assign(l.extent, 0xEE);
            if (inPlace) {
              std::copy(in.begin(), in.end(), out.begin() + l.displs[root]);
              a.in = nullptr;
            }
            a.out = out.data();
          }
          EXPECT_STREQ(gatherv(ctx, a), "linear");
          if (ctx.rank() == root) {
            EXPECT_TRUE(sameBytes(out.data(), want.data(), l.extent))
                << "P=" << P << " root=" << root << " inPlace=" << inPlace;
          }
        }
      }
    });
  }
}

// ------------------------------------------------------------------ scatter

class ScatterTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScatterTest, EveryRootAndSize) {
  const std::string algo = GetParam();
  for (int P : kRankCounts) {
    runRanks(P, [&](Context& ctx) {
      uint32_t salt = 0;
      for (int root : rootsFor(P)) {
        for (size_t bytes : {size_t{0}, size_t{1}, size_t{5}, size_t{1000}, size_t{9001}}) {
          for (bool inPlace : {false, true}) {
            salt++;
            std::vector<uint8_t> in;
            if (ctx.rank() == root) {
              for (int r = 0; r < P; r++) {
                auto b = patternBytes(r, bytes, salt);
                in.insert(in.end(), b.begin(), b.end());
              }
            }
            const auto want = patternBytes(ctx.rank(), bytes, salt);
            std::vector<uint8_t> out(bytes, 0xEE);
            ScatterArgs a;
            a.bytes = bytes;
            a.root = root;
            a.algorithm = algo;
            a.in = in.data();
            a.out = (inPlace && ctx.rank() == root) ? nullptr : out.data();
            EXPECT_STREQ(scatter(ctx, a), algo.c_str());
            if (inPlace && ctx.rank() == root) {
              EXPECT_TRUE(sameBytes(in.data() + bytes * root, want.data(), bytes));
              EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](uint8_t b) { return b == 0xEE; }));
            } else {
              EXPECT_TRUE(sameBytes(out.data(), want.data(), bytes))
                  << algo << " P=" << P << " root=" << root << " bytes=" << bytes;
            }
          }
        }
      }
    });
  }
}

INSTANTIATE_TEST_SUITE_P(Algorithms, ScatterTest, ::testing::Values("binomial", "linear"));

TEST(ScattervTest, UnevenZeroAndNonMonotonic) {
  for (int P : kRankCounts) {
    runRanks(P, [&](Context& ctx) {
      uint32_t salt = 0;
      for (int root : rootsFor(P)) {
        for (bool inPlace : {false, true}) {
          salt++;
          const VLayout l = unevenLayout(P, salt);
          std::vector<uint8_t> in;
          if (ctx.rank() == root) {
            in.assign(l.extent, 0xEE);
            for (int r = 0; r < P; r++) {
              auto b = patternBytes(r, l.bytes[r], salt);
              std::copy(b.begin(), b.end(), in.begin() + l.displs[r]);
            }
          }
          const size_t mine = l.bytes[ctx.rank()];
          const auto want = patternBytes(ctx.rank(), mine, salt);
          std::vector<uint8_t> out(mine, 0xEE);
          ScattervArgs a;
          a.bytes = l.bytes;
          a.root = root;
          a.in = in.data();
          a.out = out.data();
          if (ctx.rank() == root) {
            a.displs = l.displs;
            if (inPlace) a.out = nullptr;
          }
          EXPECT_STREQ(scatterv(ctx, a), "linear");
          if (!(inPlace && ctx.rank() == root)) {
            EXPECT_TRUE(sameBytes(out.data(), want.data(), mine))
                << "P=" << P << " root=" << root << " inPlace=" << inPlace;
          }
        }
      }
    });
  }
}

}  // namespace
