// Tests of the TCP transport: data integrity over the matching paths
// (expected, unexpected, same-slot order, self), robustness against stray
// clients, peer death, timeouts, address handling, and a latency/throughput
// microbenchmark that prints its numbers.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <random>
#include <thread>
#include <vector>

#include "common/error.h"
#include "transport/tcp/address.h"
#include "transport/tcp/context.h"
#include "transport/tcp/device.h"
#include "transport/tcp/handshake.h"

using namespace gloo::transport;
using namespace std::chrono_literals;
using gloo::transport::tcp::Options;

namespace {

// Configuration from the environment (GLOOMPI_SPIN_US etc.), bound to loopback.
Options loopbackOptions() {
  Options o = Options::fromConfig();
  o.ifname.clear();
  o.address = "127.0.0.1";
  return o;
}

Deadline in(std::chrono::milliseconds d) { return Clock::now() + d; }

using Group = std::vector<std::unique_ptr<Context>>;

Group makeGroup(int n, const Options& opts = loopbackOptions(), uint64_t id = 1) {
  auto dev = tcp::createDevice(opts);
  Group g;
  std::vector<std::string> addrs;
  for (int r = 0; r < n; ++r) {
    g.push_back(dev->createContext(r, n, id));
    addrs.push_back(g.back()->address());
  }
  for (auto& c : g) c->setPeerAddresses(addrs);
  return g;
}

Request makeReq(Op op, int peer, uint64_t slot, void* data, size_t size) {
  Request r;
  r.op = op;
  r.peer = peer;
  r.slot = slot;
  r.data = data;
  r.size = size;
  return r;
}

void sendBlocking(Context& c, int peer, uint64_t slot, const void* data, size_t size,
                  std::chrono::milliseconds t = 20s) {
  Request r = makeReq(Op::kSend, peer, slot, const_cast<void*>(data), size);
  c.post(r);
  Request* p = &r;
  c.wait(&p, 1, in(t));
}

void recvBlocking(Context& c, int peer, uint64_t slot, void* data, size_t size, std::chrono::milliseconds t = 20s) {
  Request r = makeReq(Op::kRecv, peer, slot, data, size);
  c.post(r);
  Request* p = &r;
  c.wait(&p, 1, in(t));
}

// Like makeGroup, with the concrete type (for its test accessors).
std::vector<std::unique_ptr<tcp::TcpContext>> makeTcpGroup(int n, const Options& opts = loopbackOptions(),
                                                          tcp::Tuning tuning = tcp::Tuning()) {
  auto bind = tcp::selectBindAddress(opts);
  std::vector<std::unique_ptr<tcp::TcpContext>> g;
  std::vector<std::string> addrs;
  for (int r = 0; r < n; ++r) {
    g.push_back(std::make_unique<tcp::TcpContext>(r, n, 1, opts, bind, tuning));
    addrs.push_back(g.back()->address());
  }
  for (auto& c : g) c->setPeerAddresses(addrs);
  return g;
}

// Runs fn(rank) on one thread per rank; rethrows the first failure.
void runRanks(int n, const std::function<void(int)>& fn) {
  std::vector<std::exception_ptr> errs(n);
  std::vector<std::thread> ts;
  for (int r = 0; r < n; ++r) {
    ts.emplace_back([&, r] {
      try {
        fn(r);
      } catch (...) {
        errs[r] = std::current_exception();
      }
    });
  }
  for (auto& t : ts) t.join();
  for (auto& e : errs) {
    if (e) std::rethrow_exception(e);
  }
}

std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    v[i] = static_cast<uint8_t>(x >> 24);
  }
  return v;
}

// Connects a plain blocking socket to `addr` (as a stray client would).
int rawConnect(const tcp::SockAddr& addr) {
  int fd = ::socket(addr.family(), SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::connect(fd, addr.get(), addr.len), 0) << strerror(errno);
  return fd;
}

// True if the server side closed `fd` within `t` (EOF or reset), skipping
// any status byte the server wrote first.
bool closedByServer(int fd, std::chrono::milliseconds t) {
  auto end = Clock::now() + t;
  while (Clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    char buf[64];
    ssize_t n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN)) return true;
  }
  return false;
}

}  // namespace

// ---- data paths ---------------------------------------------------------------

TEST(TcpTransport, PingPongSizes) {
  auto g = makeGroup(2);
  const std::vector<size_t> sizes = {0, 1, 7, 4096, 1 << 20, 64 << 20};
  runRanks(2, [&](int r) {
    for (size_t i = 0; i < sizes.size(); ++i) {
      size_t n = sizes[i];
      if (r == 0) {
        auto out = pattern(n, static_cast<uint32_t>(i));
        sendBlocking(*g[0], 1, i, out.data(), n);
        std::vector<uint8_t> back(n);
        recvBlocking(*g[0], 1, 100 + i, back.data(), n);
        ASSERT_TRUE(back == out) << "echo of " << n << " bytes differs";
      } else {
        std::vector<uint8_t> buf(n);
        recvBlocking(*g[1], 0, i, buf.data(), n);
        ASSERT_TRUE(buf == pattern(n, static_cast<uint32_t>(i))) << n << " bytes differ";
        sendBlocking(*g[1], 0, 100 + i, buf.data(), n);
      }
    }
  });
}

TEST(TcpTransport, UnexpectedMessagesOutOfOrder) {
  auto g = makeGroup(2);
  constexpr int kMsgs = 64;
  runRanks(2, [&](int r) {
    if (r == 0) {
      std::vector<std::vector<uint8_t>> data;
      std::vector<Request> reqs(kMsgs);
      std::vector<Request*> ptrs;
      for (int i = 0; i < kMsgs; ++i) data.push_back(pattern(100 + i * 997, i));
      for (int i = 0; i < kMsgs; ++i) {
        reqs[i] = makeReq(Op::kSend, 1, 1000 + i, data[i].data(), data[i].size());
        g[0]->post(reqs[i]);
        ptrs.push_back(&reqs[i]);
      }
      g[0]->wait(ptrs.data(), ptrs.size(), in(20s));
      // Completion handshake so rank 1's receives are all checked.
      uint8_t ok = 0;
      recvBlocking(*g[0], 1, 1, &ok, 1);
      EXPECT_EQ(ok, 1);
    } else {
      std::this_thread::sleep_for(100ms);  // let the messages arrive unexpected
      std::vector<std::vector<uint8_t>> bufs(kMsgs);
      std::vector<Request> reqs(kMsgs);
      std::vector<Request*> ptrs;
      for (int i = kMsgs - 1; i >= 0; --i) {
        bufs[i].resize(100 + i * 997);
        reqs[i] = makeReq(Op::kRecv, 0, 1000 + i, bufs[i].data(), bufs[i].size());
        g[1]->post(reqs[i]);
        ptrs.push_back(&reqs[i]);
      }
      g[1]->wait(ptrs.data(), ptrs.size(), in(20s));
      for (int i = 0; i < kMsgs; ++i) ASSERT_TRUE(bufs[i] == pattern(100 + i * 997, i)) << "message " << i;
      uint8_t ok = 1;
      sendBlocking(*g[1], 0, 1, &ok, 1);
    }
  });
}

TEST(TcpTransport, SameSlotKeepsOrder) {
  auto g = makeGroup(2);
  constexpr int kMsgs = 50;
  runRanks(2, [&](int r) {
    if (r == 0) {
      for (int i = 0; i < kMsgs; ++i) {
        uint32_t v = i;
        sendBlocking(*g[0], 1, 7, &v, sizeof(v));
        if (i == kMsgs / 2) std::this_thread::sleep_for(50ms);
      }
    } else {
      // The first half is posted before the data arrives, the rest after.
      std::vector<uint32_t> got(kMsgs, 999);
      std::vector<Request> reqs(kMsgs);
      std::vector<Request*> ptrs;
      for (int i = 0; i < kMsgs / 2; ++i) {
        reqs[i] = makeReq(Op::kRecv, 0, 7, &got[i], 4);
        g[1]->post(reqs[i]);
        ptrs.push_back(&reqs[i]);
      }
      g[1]->wait(ptrs.data(), ptrs.size(), in(20s));
      std::this_thread::sleep_for(100ms);
      for (int i = kMsgs / 2; i < kMsgs; ++i) recvBlocking(*g[1], 0, 7, &got[i], 4);
      for (int i = 0; i < kMsgs; ++i) ASSERT_EQ(got[i], static_cast<uint32_t>(i));
    }
  });
}

TEST(TcpTransport, BidirectionalLargeDoesNotDeadlock) {
  auto g = makeGroup(2);
  const size_t n = 64 << 20;
  runRanks(2, [&](int r) {
    auto out = pattern(n, 10 + r);
    sendBlocking(*g[r], 1 - r, 5, out.data(), n);
    std::vector<uint8_t> in(n);
    recvBlocking(*g[r], 1 - r, 5, in.data(), n);
    ASSERT_TRUE(in == pattern(n, 10 + (1 - r)));
  });
}

TEST(TcpTransport, AllToAllFiveRanksWithSelf) {
  constexpr int kRanks = 5;
  auto g = makeGroup(kRanks);
  runRanks(kRanks, [&](int r) {
    std::vector<std::vector<uint8_t>> out(kRanks), inb(kRanks);
    std::vector<Request> reqs(2 * kRanks);
    std::vector<Request*> ptrs;
    for (int p = 0; p < kRanks; ++p) {
      inb[p].resize(3000 + p * 10 + r);
      reqs[p] = makeReq(Op::kRecv, p, 42, inb[p].data(), inb[p].size());
      g[r]->post(reqs[p]);
      ptrs.push_back(&reqs[p]);
    }
    for (int p = 0; p < kRanks; ++p) {
      out[p] = pattern(3000 + r * 10 + p, r * 100 + p);
      reqs[kRanks + p] = makeReq(Op::kSend, p, 42, out[p].data(), out[p].size());
      g[r]->post(reqs[kRanks + p]);
      ptrs.push_back(&reqs[kRanks + p]);
    }
    g[r]->wait(ptrs.data(), ptrs.size(), in(20s));
    for (int p = 0; p < kRanks; ++p) ASSERT_TRUE(inb[p] == pattern(3000 + p * 10 + r, p * 100 + r)) << r << "<-" << p;
  });
}

TEST(TcpTransport, ReceivePostedWhileItsMessageIsArriving) {
  // The message starts arriving as unexpected; the receive then takes over
  // the partly buffered message and the rest lands in its buffer.
  auto g = makeTcpGroup(2);
  const size_t n = 64 << 20;
  const auto data = pattern(n, 21);
  runRanks(2, [&](int r) {
    if (r == 0) {
      sendBlocking(*g[0], 1, 1, data.data(), n);
    } else {
      uint32_t dummy;
      Request other = makeReq(Op::kRecv, 0, 99, &dummy, 4);
      g[1]->post(other);
      // Reads what has arrived into the unexpected buffer (a few socket
      // buffers' worth, far less than the message).
      auto until = Clock::now() + 15s;
      while (g[1]->unexpectedBytes() == 0 && Clock::now() < until) g[1]->test(other);
      ASSERT_GT(g[1]->unexpectedBytes(), 0u);
      ASSERT_LT(g[1]->unexpectedBytes(), n);
      std::vector<uint8_t> d(n);
      recvBlocking(*g[1], 0, 1, d.data(), n);
      EXPECT_TRUE(d == data);
      EXPECT_FALSE(other.complete);
      EXPECT_EQ(g[1]->unexpectedBytes(), 0u);
    }
  });
}

TEST(TcpTransport, RandomTrafficThreeRanks) {
  // Every rank sends every peer a random sequence of messages (random sizes,
  // slots drawn from a small set) and receives in a random order that keeps
  // each slot's order, in bursts with pauses: exercises expected,
  // unexpected and partly arrived matches together.
  constexpr int kRanks = 3, kMsgs = 60;
  auto g = makeGroup(kRanks);
  struct Msg {
    uint64_t slot;
    size_t size;
  };
  auto plan = [](int src, int dst) {
    std::mt19937 rng(src * 31 + dst);
    std::vector<Msg> v;
    for (int i = 0; i < kMsgs; ++i) {
      size_t size = rng() % 4 == 0 ? rng() % 400000 : rng() % 300;
      v.push_back({rng() % 4, size});
    }
    return v;
  };
  runRanks(kRanks, [&](int r) {
    Context& c = *g[r];
    std::mt19937 rng(1000 + r);
    std::vector<std::vector<uint8_t>> outData, inData;
    std::vector<Request> reqs;
    reqs.reserve(2 * kRanks * kMsgs);
    std::vector<Request*> ptrs;
    std::vector<std::pair<int, int>> expect;  // (src, index) per receive buffer
    for (int p = 0; p < kRanks; ++p) {
      auto msgs = plan(r, p);
      for (int i = 0; i < kMsgs; ++i) outData.push_back(pattern(msgs[i].size, r * 100000 + p * 1000 + i));
    }
    size_t k = 0;
    for (int p = 0; p < kRanks; ++p) {
      auto msgs = plan(r, p);
      for (int i = 0; i < kMsgs; ++i, ++k) {
        reqs.push_back(makeReq(Op::kSend, p, msgs[i].slot, outData[k].data(), msgs[i].size));
        c.post(reqs.back());
        ptrs.push_back(&reqs.back());
      }
    }
    // Receive order: random over (peer, slot) queues, each queue in order.
    std::vector<std::vector<std::vector<int>>> queues(kRanks, std::vector<std::vector<int>>(4));
    for (int p = 0; p < kRanks; ++p) {
      auto msgs = plan(p, r);
      for (int i = 0; i < kMsgs; ++i) queues[p][msgs[i].slot].push_back(i);
    }
    inData.reserve(kRanks * kMsgs);
    int left = kRanks * kMsgs;
    while (left > 0) {
      int p = rng() % kRanks, s = rng() % 4;
      if (queues[p][s].empty()) continue;
      int i = queues[p][s].front();
      queues[p][s].erase(queues[p][s].begin());
      auto msgs = plan(p, r);
      inData.emplace_back(msgs[i].size);
      reqs.push_back(makeReq(Op::kRecv, p, s, inData.back().data(), msgs[i].size));
      c.post(reqs.back());
      ptrs.push_back(&reqs.back());
      expect.push_back({p, i});
      --left;
      if (rng() % 16 == 0) {
        c.test(reqs.back());
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2000));
      }
    }
    c.wait(ptrs.data(), ptrs.size(), in(30s));
    for (size_t j = 0; j < expect.size(); ++j) {
      auto [p, i] = expect[j];
      ASSERT_TRUE(inData[j] == pattern(inData[j].size(), p * 100000 + r * 1000 + i))
          << "rank " << r << " message " << i << " from " << p;
    }
  });
}

TEST(TcpTransport, SelfSendBothOrders) {
  auto g = makeGroup(1);
  auto a = pattern(1000, 1);
  std::vector<uint8_t> b(1000);
  sendBlocking(*g[0], 0, 3, a.data(), a.size());  // buffered
  recvBlocking(*g[0], 0, 3, b.data(), b.size());
  EXPECT_TRUE(a == b);
  std::vector<uint8_t> c(1000);
  Request rr = makeReq(Op::kRecv, 0, 4, c.data(), c.size());
  g[0]->post(rr);  // posted first
  EXPECT_FALSE(rr.complete);
  sendBlocking(*g[0], 0, 4, a.data(), a.size());
  EXPECT_TRUE(rr.complete);
  EXPECT_TRUE(a == c);
}

TEST(TcpTransport, PeerThatFinishedIsNotAnError) {
  // Rank 1 sends and destroys its context; rank 0 then receives the buffered
  // data and keeps working with rank 2.
  auto g = makeGroup(3);
  uint32_t v = 77;
  sendBlocking(*g[1], 0, 1, &v, 4);
  g[1].reset();
  std::this_thread::sleep_for(50ms);
  runRanks(3, [&](int r) {
    if (r == 0) {
      uint32_t got = 0;
      recvBlocking(*g[0], 1, 1, &got, 4);
      EXPECT_EQ(got, 77u);
      recvBlocking(*g[0], 2, 2, &got, 4);
      EXPECT_EQ(got, 78u);
    } else if (r == 2) {
      std::this_thread::sleep_for(50ms);
      uint32_t w = 78;
      sendBlocking(*g[2], 0, 2, &w, 4);
    }
  });
}

TEST(TcpTransport, TestPollsToCompletion) {
  auto g = makeGroup(2);
  uint64_t out = 0x1122334455667788ull, in = 0;
  Request r = makeReq(Op::kRecv, 0, 1, &in, 8);
  g[1]->post(r);
  EXPECT_FALSE(g[1]->test(r));
  Request s = makeReq(Op::kSend, 1, 1, &out, 8);
  g[0]->post(s);
  auto end = Clock::now() + 5s;
  bool sent = false, got = false;
  while ((!sent || !got) && Clock::now() < end) {
    sent = sent || g[0]->test(s);
    got = got || g[1]->test(r);
  }
  EXPECT_TRUE(sent);
  ASSERT_TRUE(got);
  EXPECT_EQ(in, out);
}

TEST(TcpTransport, ConnectionsAreOpenedOnlyToPeersUsed) {
  auto countFds = [] {
    int n = 0;
    for (int fd = 0; fd < 4096; ++fd) n += fcntl(fd, F_GETFD) != -1 ? 1 : 0;
    return n;
  };
  auto g = makeGroup(16);  // 16 listeners, no connections yet
  int before = countFds();
  runRanks(2, [&](int r) {
    uint32_t v = 1;
    if (r == 0) {
      sendBlocking(*g[0], 1, 1, &v, 4);
      recvBlocking(*g[0], 1, 2, &v, 4);
    } else {
      recvBlocking(*g[1], 0, 1, &v, 4);
      sendBlocking(*g[1], 0, 2, &v, 4);
    }
  });
  // One connection per direction, two fds each (both ends live in this process).
  EXPECT_EQ(countFds() - before, 4);
}

TEST(TcpTransport, ProgressHookRunsWhileBlockedAndMayThrow) {
  auto g = makeGroup(2);
  int calls = 0;
  g[0]->setProgressHook({[&] { ++calls; }, std::chrono::microseconds(1000)});
  uint32_t v;
  Request r = makeReq(Op::kRecv, 1, 1, &v, 4);
  g[0]->post(r);
  Request* p = &r;
  EXPECT_THROW(g[0]->wait(&p, 1, in(200ms)), gloo::TimeoutError);
  EXPECT_GE(calls, 50);  // about one per millisecond over 200 ms
  EXPECT_LE(calls, 400);

  // An exception from the hook propagates but does not fail the context.
  auto h = makeGroup(2);
  bool armed = true;
  h[0]->setProgressHook({[&] {
                           if (armed) {
                             armed = false;
                             throw std::runtime_error("hook says stop");
                           }
                         },
                         std::chrono::microseconds(100)});
  Request r2 = makeReq(Op::kRecv, 1, 1, &v, 4);
  h[0]->post(r2);
  Request* p2 = &r2;
  EXPECT_THROW(h[0]->wait(&p2, 1, in(5s)), std::runtime_error);
  uint32_t w = 9;
  sendBlocking(*h[1], 0, 1, &w, 4);
  h[0]->wait(&p2, 1, in(5s));
  EXPECT_EQ(v, 9u);
}

// ---- errors ---------------------------------------------------------------------

TEST(TcpTransport, SizeMismatchIsIoErrorNamingSlot) {
  auto g = makeGroup(2);
  runRanks(2, [&](int r) {
    if (r == 0) {
      uint64_t v = 1;
      sendBlocking(*g[0], 1, 9, &v, 8);
    } else {
      uint32_t v;
      try {
        recvBlocking(*g[1], 0, 9, &v, 4);
        ADD_FAILURE() << "no error";
      } catch (const gloo::IoError& e) {
        EXPECT_NE(std::string(e.what()).find("slot 9"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("peer 0"), std::string::npos) << e.what();
      }
      // The context is failed: later calls rethrow.
      Request r2 = makeReq(Op::kRecv, 0, 10, &v, 4);
      EXPECT_THROW(g[1]->post(r2), gloo::IoError);
    }
  });
}

TEST(TcpTransport, UnmatchedRecvTimesOutNamingPeer) {
  auto g = makeGroup(2);
  uint32_t v;
  Request r = makeReq(Op::kRecv, 1, 123, &v, 4);
  g[0]->post(r);
  Request* p = &r;
  auto t0 = Clock::now();
  try {
    g[0]->wait(&p, 1, in(300ms));
    FAIL() << "no timeout";
  } catch (const gloo::TimeoutError& e) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    EXPECT_GE(ms, 290);
    EXPECT_LT(ms, 2000);
    std::string m = e.what();
    EXPECT_NE(m.find("rank 0"), std::string::npos) << m;
    EXPECT_NE(m.find("peer 1"), std::string::npos) << m;
    EXPECT_NE(m.find("slot 123"), std::string::npos) << m;
  }
  EXPECT_THROW(g[0]->test(r), gloo::TimeoutError);
}

TEST(TcpTransport, ConnectRefusedIsIoErrorAfterRetries) {
  auto g = makeGroup(2);
  // Point rank 0 at a port nobody listens on.
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(s);
  g[0]->setPeerAddresses({g[0]->address(), "tcp:ghost:127.0.0.1:" + std::to_string(port) + ":00000000000000ab"});
  uint32_t v = 1;
  try {
    sendBlocking(*g[0], 1, 1, &v, 4, 400ms);
    FAIL() << "no error";
  } catch (const gloo::IoError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("peer 1 (host ghost)"), std::string::npos) << m;
    EXPECT_NE(m.find("connect"), std::string::npos) << m;
  }
}

TEST(TcpTransport, StrayClientsAreRefusedAndJobContinues) {
  Options o = loopbackOptions();
  o.jobToken = "secret";
  auto bind = tcp::SockAddr::fromIp("127.0.0.1", 0);
  tcp::Tuning tuning;
  tuning.handshakeTimeout = 300ms;
  std::vector<std::unique_ptr<tcp::TcpContext>> g;
  for (int r = 0; r < 2; ++r) g.push_back(std::make_unique<tcp::TcpContext>(r, 2, 9, o, bind, tuning));
  std::vector<std::string> addrs = {g[0]->address(), g[1]->address()};
  for (auto& c : g) c->setPeerAddresses(addrs);
  auto target = tcp::parseAddress(addrs[1]);

  auto helloBytes = [&](uint64_t nonce, const std::string& token, uint32_t src, uint32_t dst) {
    tcp::Hello h;
    h.nonce = nonce;
    h.tokenHash = tcp::hashToken(token);
    h.contextId = 9;
    h.src = src;
    h.dst = dst;
    std::vector<uint8_t> b(tcp::kHelloSize);
    tcp::encodeHello(h, b.data());
    return b;
  };
  std::vector<int> strays;
  std::vector<std::vector<uint8_t>> payloads;
  std::mt19937 rng(1);
  std::vector<uint8_t> junk(4096);
  for (auto& b : junk) b = static_cast<uint8_t>(rng());
  payloads.push_back(junk);                                                   // random bytes
  payloads.push_back(helloBytes(target.nonce ^ 1, "secret", 0, 1));           // wrong nonce
  payloads.push_back(helloBytes(target.nonce, "wrong", 0, 1));                // wrong token
  payloads.push_back(helloBytes(target.nonce, "secret", 5, 1));               // src out of range
  payloads.push_back(helloBytes(target.nonce, "secret", 0, 0));               // wrong dst
  payloads.push_back({});                                                     // nothing at all
  for (auto& p : payloads) {
    int fd = rawConnect(target.sockaddr);
    if (!p.empty()) {
      ASSERT_EQ(::send(fd, p.data(), p.size(), MSG_NOSIGNAL), static_cast<ssize_t>(p.size()));
    }
    strays.push_back(fd);
  }
  // A real exchange while the strays are pending; rank 0 starts late so rank
  // 1 spends > the handshake timeout inside wait().
  runRanks(2, [&](int r) {
    if (r == 0) {
      std::this_thread::sleep_for(500ms);
      auto d = pattern(100000, 3);
      sendBlocking(*g[0], 1, 1, d.data(), d.size());
    } else {
      std::vector<uint8_t> d(100000);
      recvBlocking(*g[1], 0, 1, d.data(), d.size());
      EXPECT_TRUE(d == pattern(100000, 3));
    }
  });
  for (size_t i = 0; i < strays.size(); ++i) {
    EXPECT_TRUE(closedByServer(strays[i], 1s)) << "stray client " << i << " was not closed";
    ::close(strays[i]);
  }
  EXPECT_EQ(g[1]->pendingHandshakes(), 0u);
  // A duplicate of the genuine connection (valid hello for src 0) is refused too.
  int dup = rawConnect(target.sockaddr);
  auto hb = helloBytes(target.nonce, "secret", 0, 1);
  ASSERT_EQ(::send(dup, hb.data(), hb.size(), MSG_NOSIGNAL), static_cast<ssize_t>(hb.size()));
  runRanks(2, [&](int r) {
    uint32_t v = 5;
    if (r == 0) {
      sendBlocking(*g[0], 1, 2, &v, 4);
    } else {
      recvBlocking(*g[1], 0, 2, &v, 4);
      EXPECT_EQ(v, 5u);
      Request dummy = makeReq(Op::kRecv, 0, 3, &v, 4);  // drive progress a little
      g[1]->post(dummy);
      g[1]->test(dummy);
      std::this_thread::sleep_for(20ms);
      g[1]->test(dummy);
    }
  });
  EXPECT_TRUE(closedByServer(dup, 1s));
  ::close(dup);
}

TEST(TcpTransport, TokenMismatchBetweenRanksIsReported) {
  Options a = loopbackOptions(), b = loopbackOptions();
  a.jobToken = "x";
  b.jobToken = "y";
  auto c0 = tcp::createDevice(a)->createContext(0, 2, 1);
  auto c1 = tcp::createDevice(b)->createContext(1, 2, 1);
  std::vector<std::string> addrs = {c0->address(), c1->address()};
  c0->setPeerAddresses(addrs);
  c1->setPeerAddresses(addrs);
  runRanks(2, [&](int r) {
    uint32_t v = 0;
    if (r == 0) {
      try {
        // Larger than the socket buffers: the send sees the refusal (status
        // byte, or a reset racing it) while in flight.
        std::vector<uint8_t> big(32 << 20);
        sendBlocking(*c0, 1, 1, big.data(), big.size(), 2s);
        ADD_FAILURE() << "no error";
      } catch (const gloo::IoError& e) {
        EXPECT_NE(std::string(e.what()).find("token"), std::string::npos) << e.what();
      }
    } else {
      EXPECT_THROW(recvBlocking(*c1, 0, 1, &v, 4, 1s), gloo::TimeoutError);
    }
  });
}

// Forks rank 1 as a child process; addresses travel through pipes.
// `child` runs in the child with its context and must not return normally.
static pid_t forkPeer(std::unique_ptr<Context>& mine, const std::function<void(Context&)>& child) {
  int toChild[2], toParent[2];
  EXPECT_EQ(pipe(toChild), 0);
  EXPECT_EQ(pipe(toParent), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(toChild[1]);
    close(toParent[0]);
    auto ctx = tcp::createDevice(loopbackOptions())->createContext(1, 2, 1);
    std::string a = ctx->address();
    uint32_t len = a.size();
    (void)!write(toParent[1], &len, 4);
    (void)!write(toParent[1], a.data(), len);
    char buf[512];
    if (read(toChild[0], &len, 4) != 4 || len >= sizeof(buf) || read(toChild[0], buf, len) != len) _exit(3);
    ctx->setPeerAddresses({std::string(buf, len), a});
    try {
      child(*ctx);
    } catch (...) {
      _exit(4);
    }
    _exit(0);
  }
  close(toChild[0]);
  close(toParent[1]);
  mine = tcp::createDevice(loopbackOptions())->createContext(0, 2, 1);
  uint32_t len = 0;
  char buf[512];
  EXPECT_EQ(read(toParent[0], &len, 4), 4);
  EXPECT_EQ(read(toParent[0], buf, len), static_cast<ssize_t>(len));
  std::string a = mine->address();
  uint32_t alen = a.size();
  EXPECT_EQ(write(toChild[1], &alen, 4), 4);
  EXPECT_EQ(write(toChild[1], a.data(), alen), static_cast<ssize_t>(alen));
  mine->setPeerAddresses({a, std::string(buf, len)});
  close(toChild[1]);
  close(toParent[0]);
  return pid;
}

static void expectPeerLost(Context& c, Request& r, std::chrono::milliseconds limit) {
  Request* p = &r;
  auto t0 = Clock::now();
  try {
    c.wait(&p, 1, in(10s));
    ADD_FAILURE() << "no error";
  } catch (const gloo::IoError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("peer 1"), std::string::npos) << m;
    EXPECT_NE(m.find("host " + c.peerHost(1)), std::string::npos) << m;
    EXPECT_NE(m.find("lost"), std::string::npos) << m;
  }
  EXPECT_LT(Clock::now() - t0, limit);
}

TEST(TcpTransport, PeerKilledMidExchangeIsIoError) {
  std::unique_ptr<Context> mine;
  pid_t pid = forkPeer(mine, [](Context& c) {
    uint32_t v = 1;
    sendBlocking(c, 0, 1, &v, 4);
    pause();  // until killed
  });
  uint32_t v = 0;
  recvBlocking(*mine, 1, 1, &v, 4);
  EXPECT_EQ(v, 1u);
  Request r = makeReq(Op::kRecv, 1, 2, &v, 4);  // never sent
  mine->post(r);
  kill(pid, SIGKILL);
  expectPeerLost(*mine, r, 5s);
  int st;
  waitpid(pid, &st, 0);
}

TEST(TcpTransport, PeerExitingMidMessageIsIoError) {
  std::unique_ptr<Context> mine;
  pid_t pid = forkPeer(mine, [](Context& c) {
    std::vector<uint8_t> big(64 << 20, 1);
    Request r = makeReq(Op::kSend, 0, 1, big.data(), big.size());
    c.post(r);
    for (int i = 0; i < 3; ++i) c.test(r);
    _exit(0);  // with most of the message unsent
  });
  std::vector<uint8_t> big(64 << 20);
  Request r = makeReq(Op::kRecv, 1, 1, big.data(), big.size());
  mine->post(r);
  expectPeerLost(*mine, r, 5s);
  int st;
  waitpid(pid, &st, 0);
}

// ---- addresses -----------------------------------------------------------------

TEST(TcpAddress, EncodeParseRoundTrip) {
  tcp::PeerAddress a;
  a.host = "node7";
  a.sockaddr = tcp::SockAddr::fromIp("10.1.2.3", 40123);
  a.nonce = 0x0123456789abcdefull;
  std::string s = tcp::encodeAddress(a);
  EXPECT_EQ(s, "tcp:node7:10.1.2.3:40123:0123456789abcdef");
  auto b = tcp::parseAddress(s);
  EXPECT_EQ(b.host, "node7");
  EXPECT_EQ(b.sockaddr.str(), "10.1.2.3:40123");
  EXPECT_EQ(b.nonce, a.nonce);

  a.sockaddr = tcp::SockAddr::fromIp("[fd00::2]", 9);
  s = tcp::encodeAddress(a);
  EXPECT_EQ(s, "tcp:node7:[fd00::2]:9:0123456789abcdef");
  b = tcp::parseAddress(s);
  EXPECT_EQ(b.sockaddr.family(), AF_INET6);
  EXPECT_EQ(b.sockaddr.str(), "[fd00::2]:9");

  for (const char* bad : {"", "tcp:", "udp:h:1.2.3.4:5:6", "tcp:h:1.2.3.4:5", "tcp:h:1.2.3.4:0:1",
                          "tcp:h:1.2.3.4:70000:1", "tcp:h:[::1:5:1", "tcp:h:999.1.1.1:5:1", "tcp:h:1.2.3.4:5:xyz",
                          "tcp::1.2.3.4:5:1", "tcp:h:1.2.3.4:5:11111111111111111"}) {
    EXPECT_THROW(tcp::parseAddress(bad), gloo::InvalidArgument) << bad;
  }
}

TEST(TcpAddress, InterfaceListParsing) {
  auto a = tcp::parseInterfaceList("lo");
  EXPECT_EQ(a.include, std::vector<std::string>{"lo"});
  EXPECT_TRUE(a.exclude.empty());
  EXPECT_TRUE(a.allows("lo"));
  EXPECT_FALSE(a.allows("eth0"));

  auto b = tcp::parseInterfaceList("^lo");
  EXPECT_TRUE(b.include.empty());
  EXPECT_EQ(b.exclude, std::vector<std::string>{"lo"});
  EXPECT_FALSE(b.allows("lo"));
  EXPECT_TRUE(b.allows("eth0"));

  auto c = tcp::parseInterfaceList("eth0,lo");
  EXPECT_EQ(c.include, (std::vector<std::string>{"eth0", "lo"}));
  EXPECT_TRUE(c.allows("lo"));
  EXPECT_FALSE(c.allows("ib0"));

  auto d = tcp::parseInterfaceList(" eth0 , ^docker0,,");
  EXPECT_EQ(d.include, std::vector<std::string>{"eth0"});
  EXPECT_EQ(d.exclude, std::vector<std::string>{"docker0"});
  EXPECT_THROW(tcp::parseInterfaceList("eth0,^"), gloo::InvalidArgument);
  EXPECT_THROW(tcp::parseFamily("ipx"), gloo::InvalidArgument);
}

TEST(TcpAddress, BindAddressSelection) {
  Options o;
  o.ifname = "lo";
  o.family = "ipv4";
  EXPECT_EQ(tcp::selectBindAddress(o).ip(), "127.0.0.1");
  o.ifname = "no-such-if0";
  EXPECT_THROW(tcp::selectBindAddress(o), gloo::IoError);
  o.ifname = "";
  o.address = "127.0.0.1";
  EXPECT_EQ(tcp::selectBindAddress(o).ip(), "127.0.0.1");
  o.address = "localhost";  // a host name is resolved
  EXPECT_EQ(tcp::selectBindAddress(o).family(), AF_INET);
  o.address = "::1";
  EXPECT_THROW(tcp::selectBindAddress(o), gloo::InvalidArgument);  // family mismatch
  o.address = "";
  o.family = "auto";
  // Host name or loopback: always something bindable.
  auto s = tcp::selectBindAddress(o);
  EXPECT_TRUE(s.family() == AF_INET || s.family() == AF_INET6);
}

TEST(TcpTransport, Ipv6Loopback) {
  int probe = ::socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  bool ok = probe >= 0 && ::bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  if (probe >= 0) ::close(probe);
  if (!ok) GTEST_SKIP() << "IPv6 loopback [::1] is not available on this host";
  Options o;
  o.address = "::1";
  auto g = makeGroup(2, o);
  EXPECT_NE(g[0]->address().find("[::1]"), std::string::npos) << g[0]->address();
  runRanks(2, [&](int r) {
    auto d = pattern(300000, 8);
    if (r == 0) {
      sendBlocking(*g[0], 1, 1, d.data(), d.size());
    } else {
      std::vector<uint8_t> got(d.size());
      recvBlocking(*g[1], 0, 1, got.data(), got.size());
      EXPECT_TRUE(got == d);
    }
  });
}

// ---- microbenchmark (prints, asserts only correctness) -----------------------------

TEST(TcpBench, LatencyAndThroughput) {
  // Machines running this may be shared: report the best and the median of
  // several batches.
  auto g = makeGroup(2);
  constexpr int kBatches = 5, kIters = 2000;
  std::vector<double> us;
  runRanks(2, [&](int r) {
    uint32_t v = 0;
    Context& c = *g[r];
    for (int b = -1; b < kBatches; ++b) {  // batch -1 warms up
      auto t0 = Clock::now();
      for (int i = 0; i < kIters; ++i) {
        if (r == 0) {
          v = i;
          sendBlocking(c, 1, 1, &v, 4);
          recvBlocking(c, 1, 1, &v, 4);
          ASSERT_EQ(v, static_cast<uint32_t>(i + 1));
        } else {
          recvBlocking(c, 0, 1, &v, 4);
          ++v;
          sendBlocking(c, 0, 1, &v, 4);
        }
      }
      if (r == 0 && b >= 0) us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / kIters);
    }
  });
  std::sort(us.begin(), us.end());
  std::printf("[bench] tcp 4-byte ping-pong (%d x %d round trips): best %.2f us, median %.2f us per round trip\n",
              kBatches, kIters, us.front(), us[us.size() / 2]);

  // Both ranks send then receive (the pattern of a 2-rank allreduce).
  for (size_t bytes : {size_t(4), size_t(1) << 20}) {
    const int iters = bytes == 4 ? 2000 : 50;
    std::vector<double> ex;
    runRanks(2, [&](int r) {
      std::vector<uint8_t> out(bytes, 1), inb(bytes);
      Context& c = *g[r];
      for (int b = -1; b < kBatches; ++b) {
        auto t0 = Clock::now();
        for (int i = 0; i < iters; ++i) {
          Request reqs[2] = {makeReq(Op::kRecv, 1 - r, 9, inb.data(), bytes),
                             makeReq(Op::kSend, 1 - r, 9, out.data(), bytes)};
          c.post(reqs[0]);
          c.post(reqs[1]);
          Request* ps[2] = {&reqs[0], &reqs[1]};
          c.wait(ps, 2, in(20s));
        }
        if (r == 0 && b >= 0) ex.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / iters);
      }
    });
    std::sort(ex.begin(), ex.end());
    std::printf("[bench] tcp %zu-byte exchange (both send, then receive): best %.2f us, median %.2f us\n", bytes,
                ex.front(), ex[ex.size() / 2]);
  }

  const size_t n = 64 << 20;
  std::vector<uint8_t> a(n, 1), b(n, 0);
  constexpr int kReps = 5;
  std::vector<double> ms;
  runRanks(2, [&](int r) {
    for (int i = 0; i < kReps + 1; ++i) {
      auto t0 = Clock::now();
      if (r == 0) {
        sendBlocking(*g[0], 1, 2, a.data(), n);
        uint8_t ack;
        recvBlocking(*g[0], 1, 3, &ack, 1);
      } else {
        recvBlocking(*g[1], 0, 2, b.data(), n);
        uint8_t ack = 1;
        sendBlocking(*g[1], 0, 3, &ack, 1);
      }
      if (r == 0 && i > 0) ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
  });
  EXPECT_EQ(b[n - 1], 1);
  std::sort(ms.begin(), ms.end());
  std::printf("[bench] tcp 64 MiB one-way (+1-byte ack): best %.2f ms (%.2f GB/s), median %.2f ms\n", ms.front(),
              n / ms.front() / 1e6, ms[ms.size() / 2]);
}

TEST(TcpBench, ProcessExchange) {
  // Two processes (rank 1 forked), both send then receive, as a 2-rank
  // allreduce does; prints microseconds per exchange.
  constexpr int kIters = 3000;
  auto loop = [](Context& c, int peer, size_t bytes, int iters) {
    std::vector<uint8_t> out(bytes, 1), inb(bytes);
    for (int i = 0; i < iters; ++i) {
      Request reqs[2] = {makeReq(Op::kRecv, peer, 9, inb.data(), bytes), makeReq(Op::kSend, peer, 9, out.data(), bytes)};
      c.post(reqs[0]);
      c.post(reqs[1]);
      Request* ps[2] = {&reqs[0], &reqs[1]};
      c.wait(ps, 2, in(20s));
    }
  };
  std::unique_ptr<Context> mine;
  pid_t pid = forkPeer(mine, [&](Context& c) {
    loop(c, 0, 4, 200 + kIters);
    loop(c, 0, 1 << 20, 10 + 200);
  });
  loop(*mine, 1, 4, 200);
  auto t0 = Clock::now();
  loop(*mine, 1, 4, kIters);
  double small = std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / kIters;
  loop(*mine, 1, 1 << 20, 10);
  t0 = Clock::now();
  loop(*mine, 1, 1 << 20, 200);
  double large = std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / 200;
  int st = 0;
  waitpid(pid, &st, 0);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  std::printf("[bench] tcp 2 processes, exchange: 4 bytes %.2f us, 1 MiB %.2f us\n", small, large);
}
