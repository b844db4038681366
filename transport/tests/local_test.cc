// Tests of the local transport against the transport contract (transport.h,
// request.h): matching by (peer, slot), FIFO per slot, unexpected messages,
// size mismatch, timeout, failure of a closed peer.
#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

#include "common/error.h"
#include "transport/local/device.h"

using namespace gloo;
using namespace gloo::transport;

namespace {

struct Pair2 {
  std::shared_ptr<Device> dev = local::createDevice();
  std::unique_ptr<Context> a = dev->createContext(0, 2, 7);
  std::unique_ptr<Context> b = dev->createContext(1, 2, 7);
  Pair2() {
    std::vector<std::string> addrs{a->address(), b->address()};
    a->setPeerAddresses(addrs);
    b->setPeerAddresses(addrs);
  }
};

Deadline soon(int ms = 2000) { return Clock::now() + std::chrono::milliseconds(ms); }

Request make(Op op, int peer, uint64_t slot, void* p, size_t n) {
  Request r;
  r.op = op;
  r.peer = peer;
  r.slot = slot;
  r.data = p;
  r.size = n;
  return r;
}

}  // namespace

TEST(LocalTransport, SendBeforeAndAfterReceive) {
  Pair2 p;
  int x = 42, y = 0, z = 0;
  Request s1 = make(Op::kSend, 1, 5, &x, sizeof x);
  p.a->post(s1);  // unexpected at b
  Request r1 = make(Op::kRecv, 0, 5, &y, sizeof y);
  p.b->post(r1);
  Request* rs[] = {&r1};
  p.b->wait(rs, 1, soon());
  EXPECT_EQ(y, 42);
  Request r2 = make(Op::kRecv, 0, 6, &z, sizeof z);
  p.b->post(r2);  // posted first
  x = 43;
  Request s2 = make(Op::kSend, 1, 6, &x, sizeof x);
  p.a->post(s2);
  Request* rs2[] = {&r2};
  p.b->wait(rs2, 1, soon());
  EXPECT_EQ(z, 43);
}

TEST(LocalTransport, SameSlotIsFifoAndSlotsAreIndependent) {
  Pair2 p;
  int v[3] = {1, 2, 3};
  Request s[3] = {make(Op::kSend, 1, 9, &v[0], 4), make(Op::kSend, 1, 8, &v[1], 4),
                  make(Op::kSend, 1, 9, &v[2], 4)};
  for (auto& r : s) p.a->post(r);
  int o[3] = {0, 0, 0};
  Request r[3] = {make(Op::kRecv, 0, 9, &o[0], 4), make(Op::kRecv, 0, 9, &o[1], 4),
                  make(Op::kRecv, 0, 8, &o[2], 4)};
  for (auto& q : r) p.b->post(q);
  Request* all[] = {&r[0], &r[1], &r[2]};
  p.b->wait(all, 3, soon());
  EXPECT_EQ(o[0], 1);
  EXPECT_EQ(o[1], 3);
  EXPECT_EQ(o[2], 2);
}

TEST(LocalTransport, SizeMismatchIsAnError) {
  Pair2 p;
  int64_t x = 1;
  int32_t y = 0;
  Request r = make(Op::kRecv, 0, 1, &y, sizeof y);
  p.b->post(r);
  Request s = make(Op::kSend, 1, 1, &x, sizeof x);
  p.a->post(s);
  Request* rs[] = {&r};
  try {
    p.b->wait(rs, 1, soon());
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("slot 1"), std::string::npos) << e.what();
  }
  // The context is failed from now on.
  Request r2 = make(Op::kRecv, 0, 2, &y, sizeof y);
  EXPECT_THROW(p.b->post(r2), IoError);
}

TEST(LocalTransport, TimeoutNamesPeer) {
  Pair2 p;
  int y = 0;
  Request r = make(Op::kRecv, 0, 77, &y, sizeof y);
  p.b->post(r);
  Request* rs[] = {&r};
  auto t0 = Clock::now();
  try {
    p.b->wait(rs, 1, soon(100));
    FAIL() << "no timeout";
  } catch (const TimeoutError& e) {
    EXPECT_NE(std::string(e.what()).find("peer 0"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("slot 77"), std::string::npos) << e.what();
  }
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(2));
}

TEST(LocalTransport, ThreadsExchangeLargeMessages) {
  Pair2 p;
  const size_t n = 8 << 20;
  std::vector<uint8_t> a(n, 0xab), b(n, 0xcd), ra(n), rb(n);
  std::thread t([&] {
    Request r = make(Op::kRecv, 0, 3, rb.data(), n);
    Request s = make(Op::kSend, 0, 3, b.data(), n);
    p.b->post(r);
    p.b->post(s);
    Request* w[] = {&r, &s};
    p.b->wait(w, 2, soon(10000));
  });
  Request r = make(Op::kRecv, 1, 3, ra.data(), n);
  Request s = make(Op::kSend, 1, 3, a.data(), n);
  p.a->post(r);
  p.a->post(s);
  Request* w[] = {&r, &s};
  p.a->wait(w, 2, soon(10000));
  t.join();
  EXPECT_EQ(ra, b);
  EXPECT_EQ(rb, a);
}

TEST(LocalTransport, ClosedPeerFailsTheSender) {
  Pair2 p;
  p.b.reset();
  int x = 1;
  Request s = make(Op::kSend, 1, 1, &x, sizeof x);
  EXPECT_THROW(p.a->post(s), IoError);
}

TEST(LocalTransport, ProgressHookIsCalledWhileWaiting) {
  Pair2 p;
  int calls = 0;
  p.b->setProgressHook({[&] { ++calls; }, std::chrono::microseconds(1000)});
  int y = 0;
  Request r = make(Op::kRecv, 0, 1, &y, sizeof y);
  p.b->post(r);
  Request* rs[] = {&r};
  EXPECT_THROW(p.b->wait(rs, 1, soon(50)), TimeoutError);
  EXPECT_GT(calls, 5);
}
