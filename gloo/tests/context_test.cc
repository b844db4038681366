// Tests of gloo::Context: store rendezvous, sequence numbers, derived
// contexts (split/dup) built over the parent, independence of contexts used
// concurrently, error messages naming the context and sequence number.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/error.h"
#include "gloo/context.h"
#include "gloo/tests/harness.h"
#include "rendezvous/hash_store.h"
#include "transport/local/device.h"

using namespace gloo;
using gloo::testing::Mode;
using gloo::testing::runRanks;

namespace {

// A tiny exchange written against the Context API only: every rank sends its
// rank to every other rank and checks what it receives.
void exchangeRanks(Context& ctx) {
  const uint64_t seq = ctx.nextSequence();
  std::vector<int> got(ctx.size(), -1);
  std::vector<Request> rr(ctx.size()), sr(ctx.size());
  std::vector<Request*> all;
  int me = ctx.rank();
  for (int p = 0; p < ctx.size(); ++p) {
    ctx.irecv(rr[p], p, Context::makeSlot(seq, 0), &got[p], sizeof(int));
    all.push_back(&rr[p]);
  }
  for (int p = 0; p < ctx.size(); ++p) {
    ctx.isend(sr[p], p, Context::makeSlot(seq, 0), &me, sizeof(int));
    all.push_back(&sr[p]);
  }
  ctx.waitAll(all.data(), all.size());
  for (int p = 0; p < ctx.size(); ++p) EXPECT_EQ(got[p], p);
}

class ContextTest : public ::testing::TestWithParam<Mode> {};

}  // namespace

TEST_P(ContextTest, RendezvousAndFullExchange) {
  for (int n : {1, 2, 3, 5}) {
    runRanks(n, [](Context& ctx) {
      exchangeRanks(ctx);
      exchangeRanks(ctx);
      EXPECT_EQ(ctx.sequence(), 2u);
    }, {GetParam()});
  }
}

TEST_P(ContextTest, SplitByParityOrdersByKey) {
  runRanks(5, [](Context& ctx) {
    // Key reverses the order inside each color.
    auto sub = ctx.split(ctx.rank() % 2, -ctx.rank(), "parity");
    ASSERT_TRUE(sub);
    const int members = ctx.rank() % 2 == 0 ? 3 : 2;  // {0,2,4} and {1,3}
    EXPECT_EQ(sub->size(), members);
    // Ranks sorted by key = -rank: the highest parent rank gets new rank 0.
    int expected = 0;
    for (int r = ctx.size() - 1; r > ctx.rank(); --r) {
      if (r % 2 == ctx.rank() % 2) ++expected;
    }
    EXPECT_EQ(sub->rank(), expected);
    EXPECT_EQ(sub->name(), "parity");
    exchangeRanks(*sub);
    exchangeRanks(ctx);  // the parent still works, sequence numbers distinct
  }, {GetParam()});
}

TEST_P(ContextTest, NegativeColorIsNotAMember) {
  runRanks(4, [](Context& ctx) {
    auto sub = ctx.split(ctx.rank() == 2 ? -1 : 7, 0);
    if (ctx.rank() == 2) {
      EXPECT_EQ(sub, nullptr);
    } else {
      ASSERT_TRUE(sub);
      EXPECT_EQ(sub->size(), 3);
      exchangeRanks(*sub);
    }
  }, {GetParam()});
}

TEST_P(ContextTest, DupsAreIndependentAndConcurrent) {
  runRanks(3, [](Context& ctx) {
    auto a = ctx.dup("a");
    auto b = ctx.dup("b");
    EXPECT_NE(a->id(), b->id());
    // Drive the two duplicates from two threads at once.
    std::thread t([&] {
      for (int i = 0; i < 20; ++i) exchangeRanks(*a);
    });
    for (int i = 0; i < 20; ++i) exchangeRanks(*b);
    t.join();
    // Many created and dropped in a loop.
    for (int i = 0; i < 10; ++i) {
      auto d = ctx.dup();
      exchangeRanks(*d);
    }
  }, {GetParam()});
}

TEST_P(ContextTest, TimeoutNamesContextSequenceAndPeer) {
  runRanks(2, [](Context& ctx) {
    ctx.setTimeout(std::chrono::milliseconds(300));
    const uint64_t seq = ctx.nextSequence();
    if (ctx.rank() == 0) {
      int x = 0;
      try {
        ctx.recv(1, Context::makeSlot(seq, 3), &x, sizeof x);  // rank 1 never sends
        ADD_FAILURE() << "no timeout";
      } catch (const TimeoutError& e) {
        std::string m = e.what();
        EXPECT_NE(m.find("context 'test'"), std::string::npos) << m;
        EXPECT_NE(m.find("sequence 1"), std::string::npos) << m;
        EXPECT_NE(m.find("peer 1"), std::string::npos) << m;
      }
    }
  }, {GetParam()});
}

TEST(ContextCreate, MissingRankTimesOutNamingTheKey) {
  rendezvous::HashStore store;
  auto dev = transport::local::createDevice();
  ContextOptions o;
  o.timeout = std::chrono::milliseconds(200);
  try {
    Context::create(store, dev, 0, 3, o);
    FAIL() << "no timeout";
  } catch (const rendezvous::StoreTimeout& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("addr/1"), std::string::npos) << m;
    EXPECT_NE(m.find("addr/2"), std::string::npos) << m;
  }
}

TEST(ContextCreate, RejectsBadRank) {
  rendezvous::HashStore store;
  auto dev = transport::local::createDevice();
  EXPECT_THROW(Context::create(store, dev, 3, 3), InvalidArgument);
  EXPECT_THROW(Context::create(store, dev, -1, 3), InvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Modes, ContextTest, ::testing::Values(Mode::kThreads, Mode::kProcesses),
                         [](const auto& info) { return gloo::testing::modeName(info.param); });
