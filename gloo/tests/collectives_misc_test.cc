// Collectives beyond the per-algorithm matrix: argument validation (the
// InvalidArgument names the collective and the argument), zero sizes with
// null pointers, the GLOOMPI_ALGO_<COLLECTIVE> override, back-to-back
// different collectives on one context, transport errors carrying the
// collective's name, and a subset run in process mode (forked ranks, TCP,
// FileStore).
#include <gtest/gtest.h>

#include <limits>

#include "common/config.h"
#include "common/error.h"
#include "gloo/tests/collectives_test_util.h"

using namespace gloo;
using namespace gloo::testing;

namespace {

// Expects `fn` to throw InvalidArgument whose message contains every word.
template <typename F>
void expectInvalid(F&& fn, std::initializer_list<const char*> words) {
  try {
    fn();
    ADD_FAILURE() << "no exception; expected InvalidArgument with '" << *words.begin() << "'";
  } catch (const InvalidArgument& e) {
    for (const char* w : words) EXPECT_NE(std::string(e.what()).find(w), std::string::npos)
        << "message '" << e.what() << "' lacks '" << w << "'";
  }
}

// Checks that fail on every rank alike (no rank starts communicating).
TEST(CollectivesValidation, EveryRankRejects) {
  runRanks(3, [](Context& ctx) {
    std::vector<uint8_t> buf(64);
    const int P = ctx.size();
    expectInvalid([&] { broadcast(ctx, {buf.data(), 4, 3, ""}); }, {"broadcast", "root 3"});
    expectInvalid([&] { broadcast(ctx, {buf.data(), 4, -1, ""}); }, {"broadcast", "root -1"});
    expectInvalid([&] { broadcast(ctx, {nullptr, 4, 0, ""}); }, {"broadcast", "'data'"});
    expectInvalid([&] { broadcast(ctx, {buf.data(), 4, 0, "no_such_algo"}); },
                  {"BROADCAST", "no_such_algo"});
    expectInvalid([&] { barrier(ctx, "ring"); }, {"BARRIER", "ring"});
    expectInvalid([&] {
      ReduceArgs a{nullptr, nullptr, 4, Reduction(DataType::kInt32, ReduceOp::kSum), 0, ""};
      reduce(ctx, a);
    }, {"reduce", "is nullptr"});  // root: 'out', others: 'in (in place: out)'
    expectInvalid([&] {
      ReduceArgs a{buf.data(), buf.data(), 4, Reduction(DataType::kInt32, ReduceOp::kSum), P, ""};
      reduce(ctx, a);
    }, {"reduce", "root"});
    expectInvalid([&] { allgather(ctx, {buf.data(), nullptr, 4, ""}); }, {"allgather", "'out'"});
    expectInvalid([&] {
      allgather(ctx, {buf.data(), buf.data(), std::numeric_limits<size_t>::max() / 2, ""});
    }, {"allgather", "overflow"});
    expectInvalid([&] {
      AllgathervArgs a;
      a.out = buf.data();
      a.bytes = {1, 2};
      a.displs = {0, 1, 3};
      allgatherv(ctx, a);
    }, {"allgatherv", "'bytes'", "2 entries"});
    expectInvalid([&] {
      AllgathervArgs a;
      a.out = buf.data();
      a.bytes = {1, 2, 5};
      a.displs = {0, 1, std::numeric_limits<size_t>::max() - 2};
      allgatherv(ctx, a);
    }, {"allgatherv", "overflow", "displs"});
    expectInvalid([&] { gather(ctx, {buf.data(), buf.data(), 4, 7, ""}); }, {"gather", "root 7"});
    expectInvalid([&] {
      GathervArgs a;
      a.in = buf.data();
      a.out = buf.data();
      a.bytes = {1};
      gatherv(ctx, a);
    }, {"gatherv", "'bytes'"});
    expectInvalid([&] {
      ScattervArgs a;
      a.in = buf.data();
      a.out = buf.data();
      a.bytes = {1, 1, 1, 1};
      scatterv(ctx, a);
    }, {"scatterv", "'bytes'"});
    expectInvalid([&] { alltoall(ctx, {buf.data(), nullptr, 2, ""}); }, {"alltoall", "'out'"});
    expectInvalid([&] {
      AlltoallvArgs a;
      a.in = buf.data();
      a.out = buf.data();
      a.sendBytes = {1, 1, 1};
      a.sendDispls = {0, 1, 2};
      a.recvBytes = {1, 1};
      a.recvDispls = {0, 1};
      alltoallv(ctx, a);
    }, {"alltoallv", "'recvBytes'"});
    expectInvalid([&] {
      AlltoallvArgs a;
      a.in = buf.data();
      a.out = buf.data();
      a.sendBytes = {2, 2, 2};
      a.sendDispls = {0, 2, 4};
      a.recvBytes = {1, 1, 1};
      a.recvDispls = {0, 1, 2};
      alltoallv(ctx, a);
    }, {"alltoallv", "sends itself"});
    expectInvalid([&] {
      ReduceScatterArgs a;
      a.in = buf.data();
      a.out = buf.data();
      a.counts = {1, 1};
      a.reduction = Reduction(DataType::kInt32, ReduceOp::kSum);
      reduceScatter(ctx, a);
    }, {"reduce_scatter", "'counts'"});
    expectInvalid([&] {
      reduceScatterBlock(ctx, buf.data(), nullptr, 1, Reduction(DataType::kInt32, ReduceOp::kSum));
    }, {"reduce_scatter", "'out'"});
    expectInvalid([&] {
      ScanArgs a;
      a.out = buf.data();
      a.count = std::numeric_limits<size_t>::max() / 2;
      a.reduction = Reduction(DataType::kInt32, ReduceOp::kSum);
      scan(ctx, a);
    }, {"scan", "overflow"});
    expectInvalid([&] {
      ScanArgs a;
      a.count = 3;
      a.exclusive = true;
      a.reduction = Reduction(DataType::kInt32, ReduceOp::kSum);
      scan(ctx, a);
    }, {"exscan", "'out'"});
    // The context is still usable afterwards (nothing was sent).
    EXPECT_STREQ(barrier(ctx), "dissemination");
  });
}

// Checks only the root makes: run on one rank.
TEST(CollectivesValidation, RootOnlyArguments) {
  runRanks(1, [](Context& ctx) {
    std::vector<uint8_t> buf(64);
    expectInvalid([&] {
      GathervArgs a;
      a.in = buf.data();
      a.out = buf.data();
      a.bytes = {3};
      a.displs = {};
      gatherv(ctx, a);
    }, {"gatherv", "'displs'"});
    expectInvalid([&] {
      ScattervArgs a;
      a.out = buf.data();
      a.bytes = {3};
      a.displs = {0};
      scatterv(ctx, a);
    }, {"scatterv", "'in'"});
    expectInvalid([&] { gather(ctx, {buf.data(), nullptr, 3, 0, ""}); }, {"gather", "'out'"});
    expectInvalid([&] { scatter(ctx, {nullptr, buf.data(), 3, 0, ""}); }, {"scatter", "'in'"});
  });
}

// Zero sizes are collectives too, and may pass null pointers.
TEST(CollectivesZero, NullPointersWithZeroSizes) {
  for (int P : {1, 3}) {
    runRanks(P, [&](Context& ctx) {
      const Reduction sum(DataType::kInt32, ReduceOp::kSum);
      EXPECT_STREQ(broadcast(ctx, {nullptr, 0, P - 1, ""}), "binomial");
      EXPECT_STREQ(reduce(ctx, {nullptr, nullptr, 0, sum, 0, ""}), "binomial");
      EXPECT_STREQ(allgather(ctx, {nullptr, nullptr, 0, ""}), "bruck");
      EXPECT_STREQ(gather(ctx, {nullptr, nullptr, 0, 0, ""}), "binomial");
      EXPECT_STREQ(scatter(ctx, {nullptr, nullptr, 0, 0, ""}), "binomial");
      EXPECT_STREQ(alltoall(ctx, {nullptr, nullptr, 0, ""}), "pairwise");
      EXPECT_STREQ(reduceScatterBlock(ctx, nullptr, nullptr, 0, sum), "ring");
      ScanArgs s;
      s.reduction = sum;
      EXPECT_STREQ(scan(ctx, s), "recursive_doubling");
      AllgathervArgs v;
      v.bytes.assign(P, 0);
      v.displs.assign(P, 0);
      EXPECT_STREQ(allgatherv(ctx, v), "ring");
      AlltoallvArgs w;
      w.in = nullptr;
      w.recvBytes.assign(P, 0);
      w.recvDispls.assign(P, 0);
      EXPECT_STREQ(alltoallv(ctx, w), "pairwise");
      // Still in step with each other.
      int x = ctx.rank() == 0 ? 17 : 0;
      broadcast(ctx, {&x, sizeof x, 0, ""});
      EXPECT_EQ(x, 17);
    });
  }
}

TEST(CollectivesSelection, EnvironmentOverride) {
  config::setOverride("GLOOMPI_ALGO_ALLGATHER", "ring");
  config::setOverride("GLOOMPI_ALGO_GATHER", "linear");
  runRanks(3, [](Context& ctx) {
    int in = ctx.rank(), out[3] = {};
    EXPECT_STREQ(allgather(ctx, {&in, out, sizeof in, ""}), "ring");
    EXPECT_EQ(out[2], 2);
    EXPECT_STREQ(allgather(ctx, {&in, out, sizeof in, "bruck"}), "bruck");  // argument wins
    EXPECT_STREQ(gather(ctx, {&in, out, sizeof in, 1, ""}), "linear");
  });
  config::setOverride("GLOOMPI_ALGO_ALLGATHER", std::nullopt);
  config::setOverride("GLOOMPI_ALGO_GATHER", std::nullopt);
}

// GLOOMPI_DETERMINISTIC: reduce_scatter runs rank_ordered and matches a
// sequential float left fold bit for bit.
TEST(CollectivesSelection, DeterministicReduceScatter) {
  config::setOverride("GLOOMPI_DETERMINISTIC", "1");
  runRanks(5, [](Context& ctx) {
    const int P = ctx.size(), me = ctx.rank();
    const size_t n = 1001;
    auto value = [](int r, size_t i) {
      return static_cast<float>(pattern(r, i, 11)) * 3.1e-3f + static_cast<float>(r) * 0.7f;
    };
    std::vector<float> in(n * P), out(n), want(n);
    for (size_t i = 0; i < n * P; i++) in[i] = value(me, i);
    for (size_t i = 0; i < n; i++) {
      float acc = value(0, me * n + i);
      for (int r = 1; r < P; r++) acc = acc + value(r, me * n + i);
      want[i] = acc;
    }
    EXPECT_STREQ(reduceScatterBlock(ctx, in.data(), out.data(), n,
                                    Reduction(DataType::kFloat32, ReduceOp::kSum)),
                 "rank_ordered");
    EXPECT_TRUE(sameValues(out.data(), want.data(), n));
  });
  config::setOverride("GLOOMPI_DETERMINISTIC", std::nullopt);
}

// A sequence of different collectives on one context, repeated; every
// result checked. Exercises sequence numbers and scratch reuse across
// collectives.
void mixedSequence(Context& ctx, int rounds) {
  const int P = ctx.size(), me = ctx.rank();
  const Reduction sum(DataType::kInt32, ReduceOp::kSum);
  for (int round = 0; round < rounds; round++) {
    const uint32_t salt = 1000 + round;
    const int root = round % P;
    // broadcast, both algorithms
    for (const char* algo : {"binomial", "scatter_allgather"}) {
      const size_t bytes = 3000 + round;
      auto want = patternBytes(root, bytes, salt);
      std::vector<uint8_t> buf(bytes);
      if (me == root) buf = want;
      broadcast(ctx, {buf.data(), bytes, root, algo});
      EXPECT_TRUE(sameBytes(buf.data(), want.data(), bytes)) << "broadcast " << algo;
    }
    // allgather
    {
      auto in = patternBytes(me, 33, salt);
      std::vector<uint8_t> out(33 * P), want;
      for (int r = 0; r < P; r++) {
        auto b = patternBytes(r, 33, salt);
        want.insert(want.end(), b.begin(), b.end());
      }
      allgather(ctx, {in.data(), out.data(), 33, round % 2 ? "ring" : "bruck"});
      EXPECT_TRUE(sameBytes(out.data(), want.data(), want.size())) << "allgather";
    }
    // reduce + barrier
    {
      std::vector<int32_t> in(100, me + round), out(100, 0);
      reduce(ctx, {in.data(), out.data(), 100, sum, root, ""});
      if (me == root) {
        EXPECT_EQ(out[99], P * (P - 1) / 2 + P * round);
      }
      barrier(ctx);
    }
    // scan and exscan
    {
      std::vector<int32_t> in(10, me + 1), out(10, -1);
      ScanArgs a;
      a.in = in.data();
      a.out = out.data();
      a.count = 10;
      a.reduction = sum;
      scan(ctx, a);
      EXPECT_EQ(out[0], (me + 1) * (me + 2) / 2);
      a.exclusive = true;
      a.algorithm = "linear";
      scan(ctx, a);
      if (me > 0) {
        EXPECT_EQ(out[9], me * (me + 1) / 2);
      }
    }
    // alltoall
    {
      std::vector<int32_t> in(P), out(P);
      for (int j = 0; j < P; j++) in[j] = me * 100 + j;
      alltoall(ctx, {in.data(), out.data(), sizeof(int32_t), ""});
      for (int j = 0; j < P; j++) EXPECT_EQ(out[j], j * 100 + me);
    }
    // gather then scatter back
    {
      int32_t mine = me * 7 + round, back = -1;
      std::vector<int32_t> all(P, -1);
      gather(ctx, {&mine, all.data(), sizeof mine, root, ""});
      if (me == root) {
        for (int r = 0; r < P; r++) EXPECT_EQ(all[r], r * 7 + round);
      }
      scatter(ctx, {all.data(), &back, sizeof back, root, round % 2 ? "linear" : "binomial"});
      EXPECT_EQ(back, mine);
    }
    // reduce_scatter_block
    {
      std::vector<int32_t> in(2 * P), out(2);
      for (int i = 0; i < 2 * P; i++) in[i] = i + me;
      reduceScatterBlock(ctx, in.data(), out.data(), 2, sum);
      EXPECT_EQ(out[0], P * (2 * me) + P * (P - 1) / 2);
    }
  }
}

TEST(CollectivesMixed, BackToBackOnOneContext) {
  for (int P : {1, 2, 3, 5, 8}) {
    runRanks(P, [](Context& ctx) { mixedSequence(ctx, 6); });
  }
}

// Ranks disagreeing on a size: the error that escapes names the collective
// and algorithm (and, from the context, the sequence number).
TEST(CollectivesErrors, TransportErrorNamesCollective) {
  RunOptions opts;
  opts.timeout = std::chrono::milliseconds(1500);
  runRanks(2, [](Context& ctx) {
    std::vector<uint8_t> buf(16, 1);
    const size_t bytes = ctx.rank() == 0 ? 16 : 8;
    try {
      broadcast(ctx, {buf.data(), bytes, 0, "binomial"});
      EXPECT_EQ(ctx.rank(), 0) << "the receiving rank must see the size mismatch";
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("broadcast (binomial, rank " + std::to_string(ctx.rank())),
                std::string::npos)
          << what;
    }
  }, opts);
}

// Process mode: forked ranks over TCP, meeting through a FileStore.
TEST(CollectivesProcess, Subset) {
  RunOptions opts;
  opts.mode = Mode::kProcesses;
  opts.limit = std::chrono::seconds(120);
  for (int P : {3, 4}) {
    runRanks(P, [](Context& ctx) {
      mixedSequence(ctx, 2);
      const int P = ctx.size(), me = ctx.rank();
      // Larger messages: broadcast 1 MiB + 1 with both algorithms, allgatherv.
      for (const char* algo : {"binomial", "scatter_allgather"}) {
        const size_t bytes = (1u << 20) + 1;
        auto want = patternBytes(1, bytes, 5);
        std::vector<uint8_t> buf(bytes);
        if (me == 1) buf = want;
        broadcast(ctx, {buf.data(), bytes, 1, algo});
        EXPECT_TRUE(sameBytes(buf.data(), want.data(), bytes)) << algo;
      }
      {
        AllgathervArgs a;
        a.bytes.resize(P);
        a.displs.resize(P);
        size_t off = 0;
        for (int r = P - 1; r >= 0; r--) {
          a.bytes[r] = r == 1 ? 0 : 70000 + r;
          a.displs[r] = off;
          off += a.bytes[r];
        }
        std::vector<uint8_t> out(off), want(off);
        for (int r = 0; r < P; r++) {
          auto b = patternBytes(r, a.bytes[r], 6);
          std::copy(b.begin(), b.end(), want.begin() + a.displs[r]);
        }
        auto in = patternBytes(me, a.bytes[me], 6);
        a.in = in.data();
        a.out = out.data();
        allgatherv(ctx, a);
        EXPECT_TRUE(sameBytes(out.data(), want.data(), off));
      }
      {
        const size_t n = 50001;
        auto in = affineInputs(me, n, 9);
        std::vector<Affine> out(n);
        ReduceArgs a{in.data(), out.data(), n, affineReduction(false), P - 1, ""};
        EXPECT_STREQ(reduce(ctx, a), "rank_ordered");
        if (me == P - 1) {
          auto want = affineFold(0, P, n, 9);
          EXPECT_TRUE(sameValues(out.data(), want.data(), n));
        }
      }
    }, opts);
  }
}

}  // namespace
