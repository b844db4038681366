// Non-rooted collectives: barrier, allgather(v), alltoall(v),
// reduce_scatter(_block), scan/exscan. Every algorithm x P in
// {1,2,3,4,5,7,8} (threads) x sizes 0, 1, odd and larger, in-place variants,
// v-variants with uneven, zero-size and non-monotonic blocks, and a
// non-commutative op for reduce_scatter and scan. Expected results come from
// plain loops over the per-rank inputs.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "gloo/tests/collectives_test_util.h"

using namespace gloo;
using namespace gloo::testing;

namespace {

// ------------------------------------------------------------------ barrier

// No rank leaves barrier k before every rank has entered it: each rank bumps
// a shared counter before the barrier and checks it after.
TEST(BarrierTest, NoRankLeavesEarly) {
  for (int P : kRankCounts) {
    std::atomic<int> entered{0};
    runRanks(P, [&](Context& ctx) {
      for (int k = 1; k <= 20; k++) {
        if ((ctx.rank() + k) % P == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
        entered.fetch_add(1);
        EXPECT_STREQ(barrier(ctx, k % 2 ? "" : "dissemination"), "dissemination");
        EXPECT_GE(entered.load(), k * P) << "rank " << ctx.rank() << " left barrier " << k
                                         << " early";
        // Second barrier so nobody starts round k+1 before all have checked.
        barrier(ctx);
      }
    });
  }
}

// ---------------------------------------------------------------- allgather

class AllgatherTest : public ::testing::TestWithParam<std::string> {};

TEST_P(AllgatherTest, SizesAndInPlace) {
  const std::string algo = GetParam();
  for (int P : kRankCounts) {
    runRanks(P, [&](Context& ctx) {
      uint32_t salt = 0;
      for (size_t bytes : {size_t{0}, size_t{1}, size_t{7}, size_t{1000}, size_t{20001}}) {
        for (bool inPlace : {false, true}) {
          salt++;
          std::vector<uint8_t> want;
          for (int r = 0; r < P; r++) {
            auto b = patternBytes(r, bytes, salt);
            want.insert(want.end(), b.begin(), b.end());
          }
          auto in = patternBytes(ctx.rank(), bytes, salt);
          std::vector<uint8_t> out(bytes * P, 0xEE);
          AllgatherArgs a;
          a.bytes = bytes;
          a.algorithm = algo;
          a.out = out.data();
          if (inPlace) {
            std::copy(in.begin(), in.end(), out.begin() + bytes * ctx.rank());
          } else {
            a.in = in.data();
          }
          EXPECT_STREQ(allgather(ctx, a), algo.c_str());
          EXPECT_TRUE(sameBytes(out.data(), want.data(), want.size()))
              << algo << " P=" << P << " bytes=" << bytes << " inPlace=" << inPlace;
        }
      }
    });
  }
}

TEST_P(AllgatherTest, Large16MiBTotal) {
  const std::string algo = GetParam();
  const int P = 4;
  const size_t bytes = (4u << 20) + 1;
  runRanks(P, [&](Context& ctx) {
    std::vector<uint8_t> want;
    for (int r = 0; r < P; r++) {
      auto b = patternBytes(r, bytes, 42);
      want.insert(want.end(), b.begin(), b.end());
    }
    auto in = patternBytes(ctx.rank(), bytes, 42);
    std::vector<uint8_t> out(bytes * P);
    AllgatherArgs a{in.data(), out.data(), bytes, algo};
    EXPECT_STREQ(allgather(ctx, a), algo.c_str());
    EXPECT_TRUE(sameBytes(out.data(), want.data(), want.size()));
  });
}

INSTANTIATE_TEST_SUITE_P(Algorithms, AllgatherTest, ::testing::Values("ring", "bruck"));

struct VLayout {
  std::vector<size_t> bytes, displs;
  size_t extent = 0;
};
// Uneven block sizes (some zero) placed in reverse rank order with gaps.
VLayout unevenLayout(int P, uint32_t salt, size_t scale = 1) {
  VLayout l;
  l.bytes.resize(P);
  l.displs.resize(P);
  for (int i = 0; i < P; i++) {
    l.bytes[i] = (i + salt) % 3 == 0 ? 0 : ((i * 37 + salt * 11) % 500 + 1) * scale;
  }
  size_t off = 3;
  for (int i = P - 1; i >= 0; i--) {
    l.displs[i] = off;
    off += l.bytes[i] + (i % 2);
  }
  l.extent = off + 5;
  return l;
}

TEST(AllgathervTest, UnevenZeroAndNonMonotonic) {
  for (int P : kRankCounts) {
    runRanks(P, [&](Context& ctx) {
      uint32_t salt = 0;
      for (size_t scale : {size_t{1}, size_t{97}}) {
        for (bool inPlace : {false, true}) {
          salt++;
          const VLayout l = unevenLayout(P, salt, scale);
          std::vector<uint8_t> want(l.extent, 0xEE);
          for (int r = 0; r < P; r++) {
            auto b = patternBytes(r, l.bytes[r], salt);
            std::copy(b.begin(), b.end(), want.begin() + l.displs[r]);
          }
          auto in = patternBytes(ctx.rank(), l.bytes[ctx.rank()], salt);
          std::vector<uint8_t> out(l.extent, 0xEE);
          AllgathervArgs a;
          a.bytes = l.bytes;
          a.displs = l.displs;
          a.out = out.data();
          if (inPlace) {
            std::copy(in.begin(), in.end(), out.begin() + l.displs[ctx.rank()]);
          } else {
            a.in = in.data();
          }
          EXPECT_STREQ(allgatherv(ctx, a), "ring");
          EXPECT_TRUE(sameBytes(out.data(), want.data(), l.extent))
              << "P=" << P << " scale=" << scale << " inPlace=" << inPlace;
        }
      }
    });
  }
}

// ----------------------------------------------------------------- alltoall

// Block from rank `from` to rank `to`: pattern(from, ...) with a salt mixing `to`.
std::vector<uint8_t> a2aBlock(int from, int to, size_t bytes, uint32_t salt) {
  return patternBytes(from, bytes, salt * 64 + static_cast<uint32_t>(to));
}

TEST(AlltoallTest, SizesAndInPlace) {
  for (int P : kRankCounts) {
    runRanks(P, [&](Context& ctx) {
      const int me = ctx.rank();
      uint32_t salt = 0;
      // 100000 bytes per block: above the all-at-once limit, so the
      // step-by-step form runs too.
      for (size_t bytes : {size_t{0}, size_t{1}, size_t{7}, size_t{1000}, size_t{100000}}) {
        for (bool inPlace : {false, true}) {
          salt++;
          std::vector<uint8_t> in, want;
          for (int j = 0; j < P; j++) {
            auto b = a2aBlock(me, j, bytes, salt);
            in.insert(in.end(), b.begin(), b.end());
            auto w = a2aBlock(j, me, bytes, salt);
            want.insert(want.end(), w.begin(), w.end());
          }
          std::vector<uint8_t> out(bytes * P, 0xEE);
          AlltoallArgs a;
          a.bytes = bytes;
          a.algorithm = inPlace ? "" : "pairwise";
          if (inPlace) {
            out = in;
          } else {
            a.in = in.data();
          }
          a.out = out.data();
          EXPECT_STREQ(alltoall(ctx, a), "pairwise");
          EXPECT_TRUE(sameBytes(out.data(), want.data(), want.size()))
              << "P=" << P << " bytes=" << bytes << " inPlace=" << inPlace;
        }
      }
    });
  }
}

// Bytes rank i sends rank j (symmetric when `symmetric`, for in place).
size_t a2avSize(int i, int j, uint32_t salt, bool symmetric, size_t scale) {
  const int lo = symmetric ? std::min(i, j) : i, hi = symmetric ? std::max(i, j) : j;
  const size_t s = (lo * 5 + hi * 3 + salt) % 7;
  return s == 0 ? 0 : s * scale + (lo + hi) % 3;
}

TEST(AlltoallvTest, UnevenZeroNonMonotonicAndInPlace) {
  for (int P : kRankCounts) {
    runRanks(P, [&](Context& ctx) {
      const int me = ctx.rank();
      uint32_t salt = 0;
      for (size_t scale : {size_t{1}, size_t{50000}}) {
        for (bool inPlace : {false, true}) {
          salt++;
          AlltoallvArgs a;
          a.sendBytes.resize(P);
          a.sendDispls.resize(P);
          a.recvBytes.resize(P);
          a.recvDispls.resize(P);
          // Send blocks in reverse order, receive blocks rotated; odd gaps.
          size_t soff = 1, roff = 2;
          for (int k = P - 1; k >= 0; k--) {
            a.sendBytes[k] = a2avSize(me, k, salt, inPlace, scale);
            a.sendDispls[k] = soff;
            soff += a.sendBytes[k] + 1;
          }
          for (int k = 0; k < P; k++) {
            const int j = (k + 1) % P;
            a.recvBytes[j] = a2avSize(j, me, salt, inPlace, scale);
            a.recvDispls[j] = roff;
            roff += a.recvBytes[j] + (k % 2);
          }
          std::vector<uint8_t> in(soff, 0xAA), out(roff + 3, 0xEE), want(roff + 3, 0xEE);
          for (int j = 0; j < P; j++) {
            auto b = a2aBlock(me, j, a.sendBytes[j], salt);
            std::copy(b.begin(), b.end(), in.begin() + a.sendDispls[j]);
            auto w = a2aBlock(j, me, a.recvBytes[j], salt);
            std::copy(w.begin(), w.end(), want.begin() + a.recvDispls[j]);
          }
          if (inPlace) {
            // MPI_IN_PLACE: the data sent to j sits where j's data will land.
            for (int j = 0; j < P; j++) {
              auto b = a2aBlock(me, j, a.recvBytes[j], salt);
              std::copy(b.begin(), b.end(), out.begin() + a.recvDispls[j]);
            }
            a.sendBytes.clear();
            a.sendDispls.clear();
          } else {
            a.in = in.data();
          }
          a.out = out.data();
          EXPECT_STREQ(alltoallv(ctx, a), "pairwise");
          EXPECT_TRUE(sameBytes(out.data(), want.data(), want.size()))
              << "P=" << P << " scale=" << scale << " inPlace=" << inPlace;
        }
      }
    });
  }
}

// ----------------------------------------------------------- reduce_scatter

class ReduceScatterTest : public ::testing::TestWithParam<std::string> {};

std::vector<size_t> unevenCounts(int P, uint32_t salt, size_t scale) {
  std::vector<size_t> c(P);
  for (int i = 0; i < P; i++) c[i] = (i + salt) % 4 == 1 ? 0 : ((i * 13 + salt) % 9 + 1) * scale;
  return c;
}

TEST_P(ReduceScatterTest, Int32SumUnevenAndInPlace) {
  const std::string algo = GetParam();
  for (int P : kRankCounts) {
    runRanks(P, [&](Context& ctx) {
      const int me = ctx.rank();
      uint32_t salt = 0;
      for (size_t scale : {size_t{0}, size_t{1}, size_t{1000}}) {
        for (bool inPlace : {false, true}) {
          salt++;
          const auto counts = unevenCounts(P, salt, scale);
          size_t total = 0, off = 0;
          for (int i = 0; i < P; i++) {
            if (i < me) off += counts[i];
            total += counts[i];
          }
          std::vector<int32_t> in(total), want(counts[me], 0);
          for (size_t i = 0; i < total; i++) in[i] = smallValue<int32_t>(me, i, salt);
          for (int r = 0; r < P; r++) {
            for (size_t i = 0; i < counts[me]; i++) want[i] += smallValue<int32_t>(r, off + i, salt);
          }
          ReduceScatterArgs a;
          a.counts = counts;
          a.reduction = Reduction(DataType::kInt32, ReduceOp::kSum);
          a.algorithm = algo;
          std::vector<int32_t> out;
          if (inPlace) {
            out = in;
            a.in = salt % 4 == 0 ? out.data() : nullptr;  // both in-place spellings
          } else {
            out.assign(counts[me], -5);
            a.in = in.data();
          }
          a.out = out.data();
          EXPECT_STREQ(reduceScatter(ctx, a), algo.c_str());
          EXPECT_TRUE(sameValues(out.data(), want.data(), counts[me]))
              << algo << " P=" << P << " scale=" << scale << " inPlace=" << inPlace;
        }
      }
    });
  }
}

TEST_P(ReduceScatterTest, BlockFloatSumAndInt64Max) {
  const std::string algo = GetParam();
  for (int P : {1, 3, 4, 7}) {
    runRanks(P, [&](Context& ctx) {
      const int me = ctx.rank();
      for (size_t n : {size_t{0}, size_t{1}, size_t{333}}) {
        std::vector<float> in(n * P), out(n), want(n, 0.f);
        for (size_t i = 0; i < n * P; i++) in[i] = smallValue<float>(me, i, 8);
        for (int r = 0; r < P; r++)
          for (size_t i = 0; i < n; i++) want[i] += smallValue<float>(r, me * n + i, 8);
        EXPECT_STREQ(reduceScatterBlock(ctx, in.data(), out.data(), n,
                                        Reduction(DataType::kFloat32, ReduceOp::kSum), algo),
                     algo.c_str());
        EXPECT_TRUE(sameValues(out.data(), want.data(), n)) << "P=" << P << " n=" << n;

        std::vector<int64_t> buf(n * P), wmax(n, INT64_MIN);
        for (size_t i = 0; i < n * P; i++) buf[i] = smallValue<int64_t>(me, i, 9);
        for (int r = 0; r < P; r++)
          for (size_t i = 0; i < n; i++) wmax[i] = std::max(wmax[i], smallValue<int64_t>(r, me * n + i, 9));
        // In place: result at the front of buf.
        reduceScatterBlock(ctx, nullptr, buf.data(), n, Reduction(DataType::kInt64, ReduceOp::kMax),
                           algo);
        EXPECT_TRUE(sameValues(buf.data(), wmax.data(), n)) << "in place P=" << P << " n=" << n;
      }
    });
  }
}

INSTANTIATE_TEST_SUITE_P(Algorithms, ReduceScatterTest, ::testing::Values("ring", "rank_ordered"));

TEST(ReduceScatterNonCommutative, LeftFoldInRankOrder) {
  for (int P : kRankCounts) {
    runRanks(P, [&](Context& ctx) {
      const int me = ctx.rank();
      uint32_t salt = 200;
      for (size_t scale : {size_t{1}, size_t{777}}) {
        for (bool inPlace : {false, true}) {
          salt++;
          const auto counts = unevenCounts(P, salt, scale);
          size_t total = 0, off = 0;
          for (int i = 0; i < P; i++) {
            if (i < me) off += counts[i];
            total += counts[i];
          }
          const auto full = affineFold(0, P, total, salt);
          std::vector<Affine> in = affineInputs(me, total, salt), out;
          ReduceScatterArgs a;
          a.counts = counts;
          a.reduction = affineReduction(false);
          a.algorithm = "ring";  // replaced: the op is not commutative
          if (inPlace) {
            out = in;
          } else {
            out.assign(counts[me], Affine{0, 0});
            a.in = in.data();
          }
          a.out = out.data();
          EXPECT_STREQ(reduceScatter(ctx, a), "rank_ordered");
          EXPECT_TRUE(sameValues(out.data(), full.data() + off, counts[me]))
              << "P=" << P << " scale=" << scale << " inPlace=" << inPlace;
        }
      }
    });
  }
}

// --------------------------------------------------------------------- scan

struct ScanCase {
  std::string algorithm;
  bool exclusive;
};

class ScanTest : public ::testing::TestWithParam<ScanCase> {};

TEST_P(ScanTest, Int32SumAndInPlace) {
  const ScanCase sc = GetParam();
  for (int P : kRankCounts) {
    runRanks(P, [&](Context& ctx) {
      const int me = ctx.rank();
      uint32_t salt = 0;
      // 150001 int32 = 600 KB: the linear chain cuts it into chunks.
      for (size_t count : {size_t{0}, size_t{1}, size_t{9}, size_t{1001}, size_t{150001}}) {
        for (bool inPlace : {false, true}) {
          salt++;
          std::vector<int32_t> in(count), want(count, 0);
          for (size_t i = 0; i < count; i++) in[i] = smallValue<int32_t>(me, i, salt);
          const int upto = sc.exclusive ? me : me + 1;
          for (int r = 0; r < upto; r++)
            for (size_t i = 0; i < count; i++) want[i] += smallValue<int32_t>(r, i, salt);
          std::vector<int32_t> out(count, -31);
          ScanArgs a;
          a.count = count;
          a.reduction = Reduction(DataType::kInt32, ReduceOp::kSum);
          a.exclusive = sc.exclusive;
          a.algorithm = sc.algorithm;
          if (inPlace) {
            out = in;
          } else {
            a.in = in.data();
          }
          a.out = out.data();
          EXPECT_STREQ(scan(ctx, a), sc.algorithm.c_str());
          if (sc.exclusive && me == 0) {
            // Rank 0's exscan output is left untouched.
            const auto& before = inPlace ? in : std::vector<int32_t>(count, -31);
            EXPECT_TRUE(sameValues(out.data(), before.data(), count));
          } else {
            EXPECT_TRUE(sameValues(out.data(), want.data(), count))
                << sc.algorithm << (sc.exclusive ? " exscan" : " scan") << " P=" << P
                << " count=" << count << " inPlace=" << inPlace;
          }
        }
      }
    });
  }
}

// Non-commutative op. For recursive_doubling the op is flagged commutative
// so the selection keeps the requested algorithm; the result must still be
// the rank-order fold (the algorithm never reorders operands).
TEST_P(ScanTest, NonCommutativeLeftFold) {
  const ScanCase sc = GetParam();
  const bool flag = sc.algorithm == "recursive_doubling";
  for (int P : kRankCounts) {
    runRanks(P, [&](Context& ctx) {
      const int me = ctx.rank();
      uint32_t salt = 300;
      for (size_t count : {size_t{1}, size_t{5}, size_t{30001}}) {
        for (bool inPlace : {false, true}) {
          salt++;
          auto in = affineInputs(me, count, salt);
          std::vector<Affine> out(count, Affine{7, 7});
          ScanArgs a;
          a.count = count;
          a.reduction = affineReduction(flag);
          a.exclusive = sc.exclusive;
          a.algorithm = sc.algorithm;
          if (inPlace) {
            out = in;
          } else {
            a.in = in.data();
          }
          a.out = out.data();
          EXPECT_STREQ(scan(ctx, a), sc.algorithm.c_str());
          const int upto = sc.exclusive ? me : me + 1;
          if (upto > 0) {
            const auto want = affineFold(0, upto, count, salt);
            EXPECT_TRUE(sameValues(out.data(), want.data(), count))
                << sc.algorithm << " P=" << P << " count=" << count << " inPlace=" << inPlace;
          }
        }
      }
    });
  }
}

INSTANTIATE_TEST_SUITE_P(Algorithms, ScanTest,
                         ::testing::Values(ScanCase{"recursive_doubling", false},
                                           ScanCase{"recursive_doubling", true},
                                           ScanCase{"linear", false}, ScanCase{"linear", true}),
                         [](const auto& info) {
                           return info.param.algorithm + (info.param.exclusive ? "_ex" : "_in");
                         });

// Both scan algorithms keep rank order, so a non-commutative op keeps the
// table's choice (recursive doubling) and still equals the left fold.
TEST(ScanSelection, NonCommutativeKeepsOrderPreservingDefault) {
  runRanks(5, [](Context& ctx) {
    auto in = affineInputs(ctx.rank(), 4, 1);
    std::vector<Affine> out(4);
    ScanArgs a;
    a.in = in.data();
    a.out = out.data();
    a.count = 4;
    a.reduction = affineReduction(false);
    EXPECT_STREQ(scan(ctx, a), "recursive_doubling");
    const auto want = affineFold(0, ctx.rank() + 1, 4, 1);
    EXPECT_TRUE(sameValues(out.data(), want.data(), 4));
  });
}

}  // namespace
