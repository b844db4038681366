// The TCP transport context: one rank's point-to-point channels to the other
// ranks of one communicator, driven by the calling thread (no background
// threads). See transport.h for the contract.
//
// Connections. The context owns one listening socket. Connections are
// unidirectional: this rank's sends to peer j travel on a connection this
// rank opens to j's listener (lazily, on the first send to j); receives from
// j arrive on the connection j opened. Every connection begins with the
// handshake of handshake.h; the acceptor validates it before the socket is
// bound to a peer. Accepted sockets that have not finished their handshake
// sit in a pending list and are dropped after a bounded time.
//
// Framing. Each message is a 16-byte header {u64 slot, u64 size} (host byte
// order; all supported hosts are little-endian) followed by `size` payload
// bytes. Messages of one connection are read strictly in order.
//
// Matching (per peer). Posted receives wait in a FIFO list; an arriving
// header matches the first posted receive with its slot and the payload is
// read straight into the receive's buffer. A message that matches no posted
// receive is read into a heap buffer on the peer's unexpected list (FIFO); a
// later receive takes the first unexpected message with its slot, even one
// still arriving (the rest then goes straight to the receive's buffer).
// Invariant: a peer never has both a posted receive and an unexpected
// message with the same slot.
//
// Sends. A send is queued per peer (FIFO) and written with writev as far as
// the kernel takes it, first in post(), then from wait()/test() on POLLOUT.
// A send is complete once all its bytes are in the kernel.
//
// Progress. wait() repeats rounds until its requests complete: while
// spinning (Options::spin since the last progress), a round reads the
// awaited connections directly (every 16th round polls every fd with a zero
// timeout) and then yields the core; after that, a round blocks in ppoll on
// every fd (listener, pending handshakes, inbound connections, outbound ones
// with POLLOUT while sends are queued) until the deadline, the progress hook,
// a connect retry or a handshake expiry. A context that finds itself
// descheduled while spinning (cores oversubscribed) skips spinning for a
// while (see context.cc).
//
// Failure. Any error closes every socket, drops every posted request and
// stores the exception; every later call rethrows it. A peer that closes its
// connections at a message boundary while nothing is expected from it has
// simply finished; a later receive from it, or a send to it, is an error.
#pragma once

#include <sys/poll.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "transport/tcp/address.h"
#include "transport/tcp/device.h"
#include "transport/tcp/handshake.h"
#include "transport/transport.h"

namespace gloo::transport::tcp {

// Internal knobs with fixed defaults (tests shorten them).
struct Tuning {
  // An accepted socket must complete its handshake within this time.
  std::chrono::milliseconds handshakeTimeout{10000};
  // Pending (not yet handshaken) sockets beyond this count are refused.
  size_t maxPending = 256;
};

class TcpContext final : public transport::Context {
 public:
  // Binds and listens on `bindAddr` (port 0: ephemeral). Throws IoError.
  TcpContext(int rank, int size, uint64_t id, const Options& opts, const SockAddr& bindAddr,
             Tuning tuning = Tuning());
  ~TcpContext() override;

  std::string address() const override { return address_; }
  void setPeerAddresses(const std::vector<std::string>& addresses) override;
  void post(Request& req) override;
  void wait(Request* const* reqs, size_t n, Deadline deadline) override;
  bool test(Request& req) override;
  std::string peerHost(int peer) const override;
  const char* name() const override { return "tcp"; }

  // For tests: sockets accepted but not yet handshaken.
  size_t pendingHandshakes() const;
  // For tests: bytes held in unexpected-message buffers, all peers.
  size_t unexpectedBytes() const;
  // For tests: the listener's address.
  SockAddr listenAddress() const { return listenAddr_; }

 private:
  enum class Out : uint8_t { kIdle, kConnecting, kOpen, kRetry, kClosed };
  enum class In : uint8_t { kNone, kOpen, kClosed };
  enum class Read : uint8_t { kHeader, kDirect, kBuffered };

  struct Unexpected {
    uint64_t slot = 0;
    size_t size = 0;
    size_t got = 0;
    std::unique_ptr<char[]> data;
  };

  struct Peer {
    PeerAddress addr;
    bool active = false;  // listed in active_

    // Outbound connection (this rank -> peer): carries our sends.
    int outFd = -1;
    Out out = Out::kIdle;
    uint8_t hello[kHelloSize] = {};
    size_t helloSent = kHelloSize;  // < kHelloSize: hello bytes still to write
    bool acked = false;
    Request* sendHead = nullptr;
    Request* sendTail = nullptr;
    Clock::time_point retryAt{};
    std::chrono::milliseconds retryDelay{1};
    int attempts = 0;
    std::string connectError;  // last failed connect attempt
    std::string closedReason;  // why out became kClosed

    // Inbound connection (peer -> this rank): carries the peer's sends.
    int inFd = -1;
    In in = In::kNone;
    Request* recvHead = nullptr;
    Request* recvTail = nullptr;
    Read rs = Read::kHeader;
    std::unique_ptr<char[]> stage;  // read buffer of kStageSize bytes
    size_t stageBegin = 0;
    size_t stageEnd = 0;
    uint64_t curSlot = 0;
    size_t curSize = 0;
    Request* curRecv = nullptr;     // Read::kDirect target
    Unexpected* curUx = nullptr;    // Read::kBuffered target
    std::list<Unexpected> unexpected;
  };

  struct PendingConn {
    int fd = -1;
    uint8_t buf[kHelloSize] = {};
    size_t got = 0;
    Clock::time_point expires{};
    std::string remote;
  };

  enum class Watch : uint8_t { kListener, kPending, kIn, kOut };

  static constexpr size_t kHeaderSize = 16;
  static constexpr size_t kStageSize = 64 << 10;

  // Polls every relevant fd with `timeout` (zero: no sleep) and handles what
  // is ready. Returns true if anything happened.
  bool pollOnce(std::chrono::nanoseconds timeout);
  // Spinning fast path: reads the inbound connections of the incomplete
  // receives in reqs directly (no poll). Returns false, doing nothing, when
  // some incomplete request needs the poll set (a send, a missing connection).
  bool probe(Request* const* reqs, size_t n, bool* progressed);
  void buildPollSet();
  Clock::time_point nextTimer(Clock::time_point now) const;
  void runTimers(Clock::time_point now);

  void activate(int peer);
  void startConnect(int peer);
  void scheduleRetry(int peer, const std::string& why);
  void onOutEvent(int peer, short revents);
  void progressSends(int peer);
  // The outbound connection to `peer` failed with sends in flight: throws
  // (the acceptor's refusal reason when it sent one).
  [[noreturn]] void outboundLost(int peer, const std::string& why);

  void acceptAll();
  void readPending(size_t index);
  void dropPending(size_t index, const std::string& why);
  void bindInbound(int peer, int fd);
  // Reads what the inbound connection of `peer` has; true if it read
  // anything (or hit EOF).
  bool readInbound(int peer);
  bool consumeStage(Peer& p, int peer);
  void beginMessage(Peer& p, int peer, uint64_t slot, size_t size);
  void finishPayload(Peer& p);
  void onInboundEof(int peer);

  void postSelf(Request& req);
  bool matchUnexpected(Peer& p, int peer, Request& req);

  std::string who(int peer) const;
  [[noreturn]] void fail(std::exception_ptr e);
  [[noreturn]] void failIo(const std::string& msg);
  [[noreturn]] void connectionLost(int peer, const std::string& why);
  [[noreturn]] void sizeMismatch(int peer, uint64_t slot, size_t got, size_t want);
  [[noreturn]] void timeout(Request* const* reqs, size_t n, Clock::time_point start);
  void checkFailed() const {
    if (failed_) std::rethrow_exception(failed_);
  }
  void closeAll();

  const uint64_t id_;
  const Options opts_;
  const Tuning tuning_;
  const uint64_t nonce_;
  const uint64_t tokenHash_;
  std::string hostname_;
  std::string address_;
  int listenFd_ = -1;
  SockAddr listenAddr_;
  bool haveAddresses_ = false;

  std::vector<Peer> peers_;
  std::vector<int> active_;  // peers with a connection (or connect retry) open
  std::vector<PendingConn> pending_;
  std::exception_ptr failed_;
  // Until then, wait() blocks without spinning (cores found oversubscribed).
  Clock::time_point noSpinUntil_{};
  Clock::time_point lastGap_{};  // last spinning round that lost its core
  int spinFailures_ = 0;         // waits in a row whose spinning did not suffice

  std::vector<pollfd> pfds_;
  std::vector<std::pair<Watch, int>> watches_;  // parallel to pfds_
};

}  // namespace gloo::transport::tcp
