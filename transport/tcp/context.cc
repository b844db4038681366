// The TCP transport context: connection management, matching and the
// progress loop (see context.h for the protocols and invariants).
#include "transport/tcp/context.h"

#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <random>
#include <sstream>

#include "common/error.h"
#include "common/logging.h"

namespace gloo::transport::tcp {
namespace {

static_assert(std::endian::native == std::endian::little, "frame headers are little-endian host order");

// Sends gathered per sendmsg call (each contributes a header and a payload).
constexpr int kMaxBatch = 16;

// Spinning pays only when every spinning rank has a core. A spinning round
// that made no progress takes a microsecond or two. One that took longer
// than kPreemptedGap means the thread lost its core for a scheduler time
// slice (the sched_yield handed it to another runnable task); interrupts and
// hypervisor blips are far shorter. Two such rounds within kGapWindow mean
// the cores are oversubscribed, where spinning only delays the peers it
// waits for: the context then blocks at once for kNoSpinPeriod before it
// tries spinning again.
constexpr std::chrono::microseconds kPreemptedGap{200};
constexpr std::chrono::milliseconds kGapWindow{500};
constexpr std::chrono::milliseconds kNoSpinPeriod{200};
// Spinning also stops paying when waits keep outlasting the spin budget
// (a starved or slow peer): after kMaxSpinFailures waits in a row had to
// block anyway, the context skips spinning for kNoSpinPeriod too.
constexpr int kMaxSpinFailures = 4;

uint64_t randomNonce() {
  std::random_device rd;
  uint64_t v = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  v ^= static_cast<uint64_t>(Clock::now().time_since_epoch().count()) * 0x9e3779b97f4a7c15ull;
  v ^= static_cast<uint64_t>(getpid()) << 17;
  return v;
}

std::string localHostName() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') return "localhost";
  // ':' would break the address format; host names never contain it.
  std::string h(host);
  std::replace(h.begin(), h.end(), ':', '_');
  return h;
}

void unlink(Request*& head, Request*& tail, Request* prev, Request* r) {
  if (prev) prev->next = r->next;
  else head = r->next;
  if (tail == r) tail = prev;
  r->next = nullptr;
}

void append(Request*& head, Request*& tail, Request* r) {
  r->next = nullptr;
  if (tail) tail->next = r;
  else head = r;
  tail = r;
}

}  // namespace

TcpContext::TcpContext(int rank, int size, uint64_t id, const Options& opts, const SockAddr& bindAddr,
                       Tuning tuning)
    : transport::Context(rank, size),
      id_(id),
      opts_(opts),
      tuning_(tuning),
      nonce_(randomNonce()),
      tokenHash_(hashToken(opts.jobToken)),
      hostname_(localHostName()),
      peers_(size) {
  if (size < 1 || rank < 0 || rank >= size) {
    throw InvalidArgument("gloompi tcp: bad rank " + std::to_string(rank) + " of size " + std::to_string(size));
  }
  listenFd_ = createSocket(bindAddr.family());
  int one = 1;
  setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  // Accepted sockets inherit the buffer sizes (they must be set before the
  // handshake for the window scale to take them into account).
  setBufferSizes(listenFd_, opts_.socketBuffer);
  SockAddr a = bindAddr;
  a.setPort(0);
  if (::bind(listenFd_, a.get(), a.len) != 0) {
    int err = errno;
    closeFd(listenFd_);
    throw IoError("gloompi tcp: rank " + std::to_string(rank) + ": cannot bind listener to " + a.str() + ": " +
                  errnoString(err));
  }
  if (::listen(listenFd_, SOMAXCONN) != 0) {
    int err = errno;
    closeFd(listenFd_);
    throw IoError("gloompi tcp: rank " + std::to_string(rank) + ": listen failed: " + errnoString(err));
  }
  listenAddr_ = SockAddr::local(listenFd_);
  PeerAddress self;
  self.host = hostname_;
  self.sockaddr = listenAddr_;
  self.nonce = nonce_;
  address_ = encodeAddress(self);
  peers_[rank].addr = self;
}

TcpContext::~TcpContext() { closeAll(); }

void TcpContext::closeAll() {
  closeFd(listenFd_);
  for (auto& pc : pending_) closeFd(pc.fd);
  pending_.clear();
  for (auto& p : peers_) {
    closeFd(p.outFd);
    closeFd(p.inFd);
  }
}

void TcpContext::setPeerAddresses(const std::vector<std::string>& addresses) {
  if (addresses.size() != static_cast<size_t>(size_)) {
    throw InvalidArgument("gloompi tcp: rank " + std::to_string(rank_) + ": got " +
                          std::to_string(addresses.size()) + " peer addresses for a context of size " +
                          std::to_string(size_));
  }
  for (int r = 0; r < size_; ++r) {
    if (r == rank_) continue;
    try {
      peers_[r].addr = parseAddress(addresses[r]);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument("rank " + std::to_string(rank_) + ": address of rank " + std::to_string(r) + ": " +
                            e.what());
    }
  }
  haveAddresses_ = true;
}

size_t TcpContext::pendingHandshakes() const {
  size_t n = 0;
  for (const auto& pc : pending_) n += pc.fd >= 0 ? 1 : 0;
  return n;
}

size_t TcpContext::unexpectedBytes() const {
  size_t n = 0;
  for (const auto& p : peers_) {
    for (const auto& ux : p.unexpected) n += ux.got;
  }
  return n;
}

std::string TcpContext::peerHost(int peer) const {
  if (peer < 0 || peer >= size_) return "?";
  return peers_[peer].addr.host.empty() ? "?" : peers_[peer].addr.host;
}

std::string TcpContext::who(int peer) const {
  return "peer " + std::to_string(peer) + " (host " + peerHost(peer) + ")";
}

// ---- failure ---------------------------------------------------------------

void TcpContext::fail(std::exception_ptr e) {
  failed_ = e;
  closeAll();
  for (auto& p : peers_) {
    p.sendHead = p.sendTail = nullptr;
    p.recvHead = p.recvTail = nullptr;
    p.curRecv = nullptr;
    p.curUx = nullptr;
    p.unexpected.clear();
    p.stage.reset();
  }
  std::rethrow_exception(e);
}

void TcpContext::failIo(const std::string& msg) {
  fail(std::make_exception_ptr(IoError("gloompi tcp: rank " + std::to_string(rank_) + ": " + msg)));
}

void TcpContext::connectionLost(int peer, const std::string& why) {
  failIo("connection to " + who(peer) + " lost: " + why);
}

void TcpContext::sizeMismatch(int peer, uint64_t slot, size_t got, size_t want) {
  failIo("message from " + who(peer) + " on slot " + std::to_string(slot) + " has " + std::to_string(got) +
         " bytes but the receive expects " + std::to_string(want) +
         " (the ranks disagree about the operation)");
}

void TcpContext::timeout(Request* const* reqs, size_t n, Clock::time_point start) {
  // A send whose connection never came up is a connect failure, not a slow peer.
  for (size_t i = 0; i < n; ++i) {
    const Request& r = *reqs[i];
    if (r.complete || r.op != Op::kSend || r.peer == rank_) continue;
    const Peer& p = peers_[r.peer];
    if ((p.out == Out::kRetry || p.out == Out::kConnecting) && !p.connectError.empty()) {
      failIo("cannot connect to " + who(r.peer) + " at " + p.addr.sockaddr.str() + " after " +
             std::to_string(p.attempts) + " attempts: " + p.connectError);
    }
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  std::ostringstream os;
  os << "gloompi tcp: rank " << rank_ << ": timed out after " << ms << " ms waiting for";
  int listed = 0;
  for (size_t i = 0; i < n; ++i) {
    const Request& r = *reqs[i];
    if (r.complete) continue;
    if (listed == 8) {
      os << " ...";
      break;
    }
    os << (listed++ ? "; " : " ") << (r.op == Op::kSend ? "send to " : "recv from ") << who(r.peer)
       << " slot " << r.slot << " (" << r.done << " of " << r.size << " bytes done";
    if (r.peer != rank_) {
      const Peer& p = peers_[r.peer];
      if (r.op == Op::kSend && p.out == Out::kConnecting) os << "; still connecting to " << p.addr.sockaddr.str();
      if (r.op == Op::kRecv && p.in == In::kNone) os << "; the peer has not connected";
    }
    os << ")";
  }
  fail(std::make_exception_ptr(TimeoutError(os.str())));
}

// ---- posting -----------------------------------------------------------------

void TcpContext::post(Request& req) {
  checkFailed();
  if (!haveAddresses_ && req.peer != rank_) {
    throw InvalidArgument("gloompi tcp: rank " + std::to_string(rank_) + ": post() before setPeerAddresses()");
  }
  if (req.peer < 0 || req.peer >= size_) {
    throw InvalidArgument("gloompi tcp: rank " + std::to_string(rank_) + ": peer " + std::to_string(req.peer) +
                          " out of range (size " + std::to_string(size_) + ")");
  }
  if (req.size > 0 && req.data == nullptr) {
    throw InvalidArgument("gloompi tcp: rank " + std::to_string(rank_) + ": null buffer of " +
                          std::to_string(req.size) + " bytes (peer " + std::to_string(req.peer) + ", slot " +
                          std::to_string(req.slot) + ")");
  }
  req.complete = false;
  req.done = 0;
  req.aux = 0;
  req.next = nullptr;
  if (req.peer == rank_) {
    postSelf(req);
    return;
  }
  Peer& p = peers_[req.peer];
  if (req.op == Op::kSend) {
    if (p.out == Out::kClosed) connectionLost(req.peer, p.closedReason);
    append(p.sendHead, p.sendTail, &req);
    if (p.out == Out::kOpen) {
      progressSends(req.peer);
    } else if (p.out == Out::kIdle) {
      startConnect(req.peer);
    }
    return;
  }
  if (matchUnexpected(p, req.peer, req)) return;
  if (p.in == In::kClosed || (p.in == In::kNone && p.out == Out::kClosed)) {
    connectionLost(req.peer, "the peer closed its connection before sending slot " + std::to_string(req.slot));
  }
  append(p.recvHead, p.recvTail, &req);
}

void TcpContext::postSelf(Request& req) {
  Peer& p = peers_[rank_];
  if (req.op == Op::kRecv) {
    if (!matchUnexpected(p, rank_, req)) append(p.recvHead, p.recvTail, &req);
    return;
  }
  Request* prev = nullptr;
  for (Request* r = p.recvHead; r; prev = r, r = r->next) {
    if (r->slot != req.slot) continue;
    if (r->size != req.size) sizeMismatch(rank_, req.slot, req.size, r->size);
    unlink(p.recvHead, p.recvTail, prev, r);
    if (req.size) std::memcpy(r->data, req.data, req.size);
    r->done = r->size;
    r->complete = true;
    req.done = req.size;
    req.complete = true;
    return;
  }
  Unexpected ux;
  ux.slot = req.slot;
  ux.size = ux.got = req.size;
  ux.data.reset(new char[req.size ? req.size : 1]);
  if (req.size) std::memcpy(ux.data.get(), req.data, req.size);
  p.unexpected.push_back(std::move(ux));
  req.done = req.size;
  req.complete = true;
}

bool TcpContext::matchUnexpected(Peer& p, int peer, Request& req) {
  for (auto it = p.unexpected.begin(); it != p.unexpected.end(); ++it) {
    if (it->slot != req.slot) continue;
    if (it->size != req.size) sizeMismatch(peer, req.slot, it->size, req.size);
    if (it->got) std::memcpy(req.data, it->data.get(), it->got);
    req.done = it->got;
    if (it->got == it->size) {
      req.complete = true;
    } else {
      // Still arriving: the rest goes straight into the receive's buffer.
      GLOO_DEBUG("tcp: rank " << rank_ << ": receive of slot " << req.slot << " from peer " << peer
                              << " takes over a message with " << it->got << " of " << it->size << " bytes in");
      p.curUx = nullptr;
      p.curRecv = &req;
      p.rs = Read::kDirect;
    }
    p.unexpected.erase(it);
    return true;
  }
  return false;
}

// ---- outbound connections and sends ------------------------------------------

void TcpContext::activate(int peer) {
  if (peers_[peer].active) return;
  peers_[peer].active = true;
  active_.push_back(peer);
}

void TcpContext::startConnect(int peer) {
  Peer& p = peers_[peer];
  activate(peer);
  ++p.attempts;
  int fd = -1;
  try {
    fd = createSocket(p.addr.sockaddr.family());
  } catch (const IoError& e) {
    failIo("cannot open a connection to " + who(peer) + ": " + e.what());
  }
  setNoDelay(fd);
  setBufferSizes(fd, opts_.socketBuffer);
  Hello h;
  h.nonce = p.addr.nonce;
  h.tokenHash = tokenHash_;
  h.contextId = id_;
  h.src = static_cast<uint32_t>(rank_);
  h.dst = static_cast<uint32_t>(peer);
  encodeHello(h, p.hello);
  p.helloSent = 0;
  p.acked = false;
  int rc;
  do {
    rc = ::connect(fd, p.addr.sockaddr.get(), p.addr.sockaddr.len);
  } while (rc != 0 && errno == EINTR);
  if (rc == 0) {
    p.outFd = fd;
    p.out = Out::kOpen;
    progressSends(peer);
  } else if (errno == EINPROGRESS) {
    p.outFd = fd;
    p.out = Out::kConnecting;
  } else {
    int err = errno;
    ::close(fd);
    scheduleRetry(peer, errnoString(err));
  }
}

void TcpContext::scheduleRetry(int peer, const std::string& why) {
  Peer& p = peers_[peer];
  closeFd(p.outFd);
  p.out = Out::kRetry;
  p.connectError = why;
  p.retryAt = Clock::now() + p.retryDelay;
  p.retryDelay = std::min(p.retryDelay * 2, std::chrono::milliseconds(500));
  GLOO_DEBUG("tcp: rank " << rank_ << ": connect to " << who(peer) << " at " << p.addr.sockaddr.str()
                          << " failed (" << why << "), retrying");
}

void TcpContext::onOutEvent(int peer, short revents) {
  Peer& p = peers_[peer];
  if (p.out == Out::kConnecting) {
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(p.outFd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err == 0 && !(revents & (POLLOUT | POLLERR | POLLHUP))) return;
    if (err != 0) {
      scheduleRetry(peer, errnoString(err));
      return;
    }
    p.out = Out::kOpen;
    p.connectError.clear();
    progressSends(peer);
    return;
  }
  if (p.out != Out::kOpen) return;
  if (revents & (POLLIN | POLLHUP | POLLERR)) {
    uint8_t buf[64];
    ssize_t n;
    do {
      n = ::recv(p.outFd, buf, sizeof(buf), MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
      if (p.acked || n > 1) connectionLost(peer, "protocol error: unexpected bytes from the receiving side");
      auto status = static_cast<HelloStatus>(buf[0]);
      if (status != HelloStatus::kOk) {
        failIo(who(peer) + " at " + p.addr.sockaddr.str() + " refused the connection: " + describe(status));
      }
      p.acked = true;
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
      std::string why = n == 0 ? "the peer closed the connection" : errnoString(errno);
      if (p.sendHead || p.helloSent < kHelloSize) outboundLost(peer, why);
      // Nothing in flight: a clean close (the peer finished). A later send fails.
      closeFd(p.outFd);
      p.out = Out::kClosed;
      p.closedReason = why;
      // The peer's context is gone; if it never connected to us, nothing
      // will ever arrive from it. Its connection to us may still wait in the
      // listener's queue or among the accepted sockets whose handshake we
      // have not read yet (it connected, sent everything and closed before
      // we got to it in this poll round): take those first.
      if (p.in == In::kNone && p.recvHead) {
        acceptAll();
        for (size_t i = 0; i < pending_.size(); ++i) readPending(i);
      }
      if (p.in == In::kNone && p.recvHead) {
        connectionLost(peer, "the peer closed its end before sending slot " + std::to_string(p.recvHead->slot));
      }
      return;
    }
  }
  if (revents & POLLOUT) progressSends(peer);
}

void TcpContext::outboundLost(int peer, const std::string& why) {
  Peer& p = peers_[peer];
  // A refusing acceptor writes its status byte and closes; the close may
  // reset the connection before we read the byte. Report the refusal, not
  // the reset, when the byte is there.
  uint8_t status = 0;
  if (!p.acked && p.outFd >= 0 && ::recv(p.outFd, &status, 1, MSG_DONTWAIT) == 1 &&
      status != static_cast<uint8_t>(HelloStatus::kOk)) {
    failIo(who(peer) + " at " + p.addr.sockaddr.str() +
           " refused the connection: " + describe(static_cast<HelloStatus>(status)));
  }
  connectionLost(peer, why);
}

void TcpContext::progressSends(int peer) {
  Peer& p = peers_[peer];
  for (;;) {
    iovec iov[2 * kMaxBatch + 1];
    uint64_t headers[kMaxBatch][2];
    int cnt = 0;
    size_t want = 0;
    if (p.helloSent < kHelloSize) {
      iov[cnt].iov_base = p.hello + p.helloSent;
      iov[cnt].iov_len = kHelloSize - p.helloSent;
      want += iov[cnt++].iov_len;
    }
    int batch = 0;
    for (Request* r = p.sendHead; r && batch < kMaxBatch; r = r->next, ++batch) {
      size_t sent = r->aux;  // bytes of header + payload written so far
      if (sent < kHeaderSize) {
        headers[batch][0] = r->slot;
        headers[batch][1] = r->size;
        iov[cnt].iov_base = reinterpret_cast<char*>(headers[batch]) + sent;
        iov[cnt].iov_len = kHeaderSize - sent;
        want += iov[cnt++].iov_len;
        sent = kHeaderSize;
      }
      if (r->size > sent - kHeaderSize) {
        iov[cnt].iov_base = static_cast<char*>(r->data) + (sent - kHeaderSize);
        iov[cnt].iov_len = r->size - (sent - kHeaderSize);
        want += iov[cnt++].iov_len;
      }
    }
    if (cnt == 0) return;
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = cnt;
    ssize_t n = ::sendmsg(p.outFd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      outboundLost(peer, errnoString(errno));
    }
    size_t left = static_cast<size_t>(n);
    if (p.helloSent < kHelloSize) {
      size_t take = std::min(left, kHelloSize - p.helloSent);
      p.helloSent += take;
      left -= take;
    }
    while (left > 0 || (p.sendHead && p.sendHead->aux == kHeaderSize + p.sendHead->size)) {
      Request* r = p.sendHead;
      size_t take = std::min(left, kHeaderSize + r->size - r->aux);
      r->aux += take;
      left -= take;
      r->done = r->aux > kHeaderSize ? r->aux - kHeaderSize : 0;
      if (r->aux < kHeaderSize + r->size) break;
      unlink(p.sendHead, p.sendTail, nullptr, r);
      r->complete = true;
    }
    if (static_cast<size_t>(n) < want) return;  // kernel buffer full
  }
}

// ---- accepting and handshakes ------------------------------------------------

void TcpContext::acceptAll() {
  for (;;) {
    SockAddr remote;
    remote.len = sizeof(remote.storage);
    int fd = ::accept4(listenFd_, remote.get(), &remote.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      // EMFILE and friends: leave the connection in the backlog for later.
      GLOO_WARN("tcp: rank " << rank_ << ": accept failed: " << errnoString(errno));
      return;
    }
    if (pending_.size() >= tuning_.maxPending) {
      GLOO_WARN("tcp: rank " << rank_ << ": refused connection from " << remote.str() << ": "
                             << pending_.size() << " handshakes already pending");
      ::close(fd);
      continue;
    }
    PendingConn pc;
    pc.fd = fd;
    pc.expires = Clock::now() + tuning_.handshakeTimeout;
    pc.remote = remote.str();
    pending_.push_back(std::move(pc));
    readPending(pending_.size() - 1);
  }
}

void TcpContext::dropPending(size_t index, const std::string& why) {
  GLOO_WARN("tcp: rank " << rank_ << ": closed connection from " << pending_[index].remote << ": " << why);
  closeFd(pending_[index].fd);
}

void TcpContext::readPending(size_t index) {
  PendingConn& pc = pending_[index];
  if (pc.fd < 0) return;
  // Exactly the hello: data frames that follow belong to the inbound reader.
  ssize_t n;
  do {
    n = ::recv(pc.fd, pc.buf + pc.got, kHelloSize - pc.got, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n == 0) return dropPending(index, "closed before completing the handshake");
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    return dropPending(index, "error before completing the handshake: " + errnoString(errno));
  }
  pc.got += static_cast<size_t>(n);
  if (pc.got < kHelloSize) return;
  Hello h = decodeHello(pc.buf);
  HelloStatus st = checkHello(h, HelloExpect{nonce_, tokenHash_, id_, rank_, size_});
  if (st == HelloStatus::kOk && peers_[h.src].in != In::kNone) st = HelloStatus::kDuplicate;
  // Only a refusal is answered (one status byte, then close). Acceptance is
  // silent: no byte ever travels receiver -> sender on a data connection, so
  // a sender that closes its socket never leaves unread data behind, which
  // would make the kernel reset the connection and could destroy data the
  // receiver has not read yet.
  if (st != HelloStatus::kOk) {
    uint8_t status = static_cast<uint8_t>(st);
    ssize_t w = ::send(pc.fd, &status, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)w;
    std::ostringstream os;
    os << "handshake refused: " << describe(st) << " (claims src " << h.src << ", dst " << h.dst << ", context "
       << h.contextId << ")";
    return dropPending(index, os.str());
  }
  int fd = pc.fd;
  pc.fd = -1;  // now owned by the peer
  bindInbound(static_cast<int>(h.src), fd);
}

void TcpContext::bindInbound(int peer, int fd) {
  Peer& p = peers_[peer];
  setNoDelay(fd);
  p.inFd = fd;
  p.in = In::kOpen;
  p.rs = Read::kHeader;
  p.stage.reset(new char[kStageSize]);
  p.stageBegin = p.stageEnd = 0;
  activate(peer);
  readInbound(peer);  // frames often follow the hello at once
}

// ---- inbound data ----------------------------------------------------------------

void TcpContext::beginMessage(Peer& p, int peer, uint64_t slot, size_t size) {
  p.curSlot = slot;
  p.curSize = size;
  Request* prev = nullptr;
  for (Request* r = p.recvHead; r; prev = r, r = r->next) {
    if (r->slot != slot) continue;
    if (r->size != size) sizeMismatch(peer, slot, size, r->size);
    unlink(p.recvHead, p.recvTail, prev, r);
    if (size == 0) {
      r->complete = true;
      return;
    }
    p.curRecv = r;
    p.rs = Read::kDirect;
    return;
  }
  Unexpected ux;
  ux.slot = slot;
  ux.size = size;
  ux.data.reset(new char[size ? size : 1]);
  p.unexpected.push_back(std::move(ux));
  if (size == 0) return;
  p.curUx = &p.unexpected.back();
  p.rs = Read::kBuffered;
}

void TcpContext::finishPayload(Peer& p) {
  if (p.rs == Read::kDirect) {
    p.curRecv->complete = true;
    p.curRecv = nullptr;
  } else {
    p.curUx = nullptr;
  }
  p.rs = Read::kHeader;
}

// Parses headers and copies payload out of the stage. Returns true if it
// consumed anything.
bool TcpContext::consumeStage(Peer& p, int peer) {
  bool any = false;
  for (;;) {
    size_t avail = p.stageEnd - p.stageBegin;
    if (p.rs == Read::kHeader) {
      if (avail < kHeaderSize) break;
      uint64_t hdr[2];
      std::memcpy(hdr, p.stage.get() + p.stageBegin, kHeaderSize);
      p.stageBegin += kHeaderSize;
      any = true;
      beginMessage(p, peer, hdr[0], static_cast<size_t>(hdr[1]));
      continue;
    }
    if (avail == 0) break;
    char* dst;
    size_t* got;
    size_t size;
    if (p.rs == Read::kDirect) {
      dst = static_cast<char*>(p.curRecv->data);
      got = &p.curRecv->done;
      size = p.curRecv->size;
    } else {
      dst = p.curUx->data.get();
      got = &p.curUx->got;
      size = p.curUx->size;
    }
    size_t take = std::min(avail, size - *got);
    std::memcpy(dst + *got, p.stage.get() + p.stageBegin, take);
    *got += take;
    p.stageBegin += take;
    any = true;
    if (*got == size) finishPayload(p);
  }
  if (p.stageBegin == p.stageEnd) p.stageBegin = p.stageEnd = 0;
  return any;
}

bool TcpContext::readInbound(int peer) {
  Peer& p = peers_[peer];
  bool any = false;
  // Bounded, so a peer streaming without pause cannot starve the others.
  for (int round = 0; round < 64; ++round) {
    consumeStage(p, peer);
    char* dst;
    size_t ask;
    bool direct = false;
    if (p.rs != Read::kHeader) {
      size_t got = p.rs == Read::kDirect ? p.curRecv->done : p.curUx->got;
      size_t left = p.curSize - got;
      if (left >= kStageSize / 2) {
        direct = true;
        dst = (p.rs == Read::kDirect ? static_cast<char*>(p.curRecv->data) : p.curUx->data.get()) + got;
        ask = left;
      }
    }
    if (!direct) {
      if (p.stageBegin > 0) {
        std::memmove(p.stage.get(), p.stage.get() + p.stageBegin, p.stageEnd - p.stageBegin);
        p.stageEnd -= p.stageBegin;
        p.stageBegin = 0;
      }
      dst = p.stage.get() + p.stageEnd;
      ask = kStageSize - p.stageEnd;
    }
    ssize_t n;
    do {
      n = ::recv(p.inFd, dst, ask, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n == 0) {
      onInboundEof(peer);
      return true;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return any;
      connectionLost(peer, errnoString(errno));
    }
    any = true;
    if (direct) {
      const bool intoRecv = p.rs == Read::kDirect;
      size_t* got = intoRecv ? &p.curRecv->done : &p.curUx->got;
      *got += static_cast<size_t>(n);
      if (*got == p.curSize) {
        finishPayload(p);
        // A posted receive just completed and nothing else is expected from
        // this peer: leave the next message in the kernel instead of reading
        // it into an unexpected-message buffer. Its receive is usually posted
        // a moment later (back-to-back collectives), and then the payload goes
        // straight into the user's buffer: no allocation, no page faults, no
        // second copy. Safe to stop: the stage is empty, so whatever follows
        // is still in the socket and poll() reports it; any later wait()
        // drains it as before when it is needed.
        if (intoRecv && !p.recvHead && p.stageBegin == p.stageEnd) return true;
      }
    } else {
      p.stageEnd += static_cast<size_t>(n);
    }
    if (static_cast<size_t>(n) < ask) {  // drained for now
      consumeStage(p, peer);
      return true;
    }
  }
  consumeStage(p, peer);
  return any;
}

void TcpContext::onInboundEof(int peer) {
  Peer& p = peers_[peer];
  if (p.rs != Read::kHeader || p.stageEnd != p.stageBegin) {
    connectionLost(peer, "the peer closed the connection in the middle of a message (slot " +
                             std::to_string(p.curSlot) + ")");
  }
  if (p.recvHead) {
    connectionLost(peer, "the peer closed the connection while a receive of slot " +
                             std::to_string(p.recvHead->slot) + " was posted");
  }
  // A clean close at a message boundary with nothing expected: the peer is done.
  closeFd(p.inFd);
  p.in = In::kClosed;
  p.stage.reset();
}

// ---- progress ---------------------------------------------------------------------

void TcpContext::buildPollSet() {
  pfds_.clear();
  watches_.clear();
  auto add = [this](int fd, short ev, Watch w, int i) {
    pfds_.push_back(pollfd{fd, ev, 0});
    watches_.emplace_back(w, i);
  };
  if (listenFd_ >= 0) add(listenFd_, POLLIN, Watch::kListener, 0);
  for (size_t i = 0; i < pending_.size(); ++i) {
    if (pending_[i].fd >= 0) add(pending_[i].fd, POLLIN, Watch::kPending, static_cast<int>(i));
  }
  for (int peer : active_) {
    const Peer& p = peers_[peer];
    if (p.inFd >= 0) add(p.inFd, POLLIN, Watch::kIn, peer);
    if (p.outFd >= 0) {
      short ev = POLLIN;
      if (p.out == Out::kConnecting || p.sendHead || p.helloSent < kHelloSize) ev |= POLLOUT;
      add(p.outFd, ev, Watch::kOut, peer);
    }
  }
}

Clock::time_point TcpContext::nextTimer(Clock::time_point now) const {
  Clock::time_point t = Clock::time_point::max();
  for (const auto& pc : pending_) {
    if (pc.fd >= 0) t = std::min(t, pc.expires);
  }
  for (int peer : active_) {
    if (peers_[peer].out == Out::kRetry) t = std::min(t, peers_[peer].retryAt);
  }
  return t;
}

void TcpContext::runTimers(Clock::time_point now) {
  for (size_t i = 0; i < pending_.size(); ++i) {
    if (pending_[i].fd >= 0 && now >= pending_[i].expires) {
      dropPending(i, "no complete handshake within " + std::to_string(tuning_.handshakeTimeout.count()) + " ms");
    }
  }
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(), [](const PendingConn& pc) { return pc.fd < 0; }),
                 pending_.end());
  for (int peer : active_) {
    if (peers_[peer].out == Out::kRetry && now >= peers_[peer].retryAt) startConnect(peer);
  }
}

bool TcpContext::pollOnce(std::chrono::nanoseconds timeout) {
  if (!pending_.empty() || timeout.count() > 0) runTimers(Clock::now());
  buildPollSet();
  timespec ts;
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000000000);
  ts.tv_nsec = static_cast<long>(timeout.count() % 1000000000);
  int rc = ::ppoll(pfds_.data(), pfds_.size(), &ts, nullptr);
  if (rc < 0) {
    if (errno == EINTR) return false;
    failIo("poll failed: " + errnoString(errno));
  }
  if (rc == 0) return false;
  for (size_t i = 0; i < pfds_.size(); ++i) {
    short rev = pfds_[i].revents;
    if (!rev) continue;
    auto [w, idx] = watches_[i];
    switch (w) {
      case Watch::kListener:
        acceptAll();
        break;
      case Watch::kPending:
        if (pending_[idx].fd == pfds_[i].fd) readPending(static_cast<size_t>(idx));
        break;
      case Watch::kIn:
        if (peers_[idx].inFd == pfds_[i].fd) readInbound(idx);
        break;
      case Watch::kOut:
        if (peers_[idx].outFd == pfds_[i].fd) onOutEvent(idx, rev);
        break;
    }
  }
  return true;
}

bool TcpContext::probe(Request* const* reqs, size_t n, bool* progressed) {
  for (size_t i = 0; i < n; ++i) {
    const Request& r = *reqs[i];
    if (r.complete) continue;
    if (r.op != Op::kRecv || r.peer == rank_ || peers_[r.peer].inFd < 0) return false;
  }
  *progressed = false;
  int last = -1;
  for (size_t i = 0; i < n; ++i) {
    const Request& r = *reqs[i];
    if (r.complete || r.peer == last || peers_[r.peer].inFd < 0) continue;
    last = r.peer;
    if (readInbound(r.peer)) *progressed = true;
  }
  return true;
}

bool TcpContext::test(Request& req) {
  checkFailed();
  if (req.complete) return true;
  runTimers(Clock::now());
  pollOnce(std::chrono::nanoseconds(0));
  return req.complete;
}

void TcpContext::wait(Request* const* reqs, size_t n, Deadline deadline) {
  checkFailed();
  auto allDone = [reqs, n] {
    for (size_t i = 0; i < n; ++i) {
      if (!reqs[i]->complete) return false;
    }
    return true;
  };
  if (allDone()) return;
  const Clock::time_point start = Clock::now();
  const std::chrono::nanoseconds spin = start < noSpinUntil_ ? std::chrono::nanoseconds(0) : opts_.spin;
  Clock::time_point lastProgress = start;
  Clock::time_point nextHook = start + hook_.interval;
  Clock::time_point roundStart = start;
  bool spinning = spin.count() > 0;
  unsigned iteration = 0;
  for (;;) {
    std::chrono::nanoseconds sleep(0);
    Clock::time_point now = roundStart;
    if (!spinning) {
      Clock::time_point until = std::min(deadline, nextTimer(now));
      if (hook_.fn) until = std::min(until, nextHook);
      // Wake at least every second to re-check timers cheaply.
      until = std::min(until, now + std::chrono::seconds(1));
      sleep = until > now ? until - now : std::chrono::nanoseconds(0);
    }
    bool progressed;
    // While spinning, most rounds read the awaited connections directly;
    // every 16th round (and whenever probing does not apply) polls all fds.
    if (!spinning || (++iteration & 15) == 0 || !probe(reqs, n, &progressed)) progressed = pollOnce(sleep);
    if (allDone()) {
      if (spinning) spinFailures_ = 0;
      return;
    }
    now = Clock::now();
    if (progressed) lastProgress = now;
    if (now >= deadline) timeout(reqs, n, start);
    if (hook_.fn && now >= nextHook) {
      nextHook = now + hook_.interval;
      hook_.fn();
      checkFailed();
      now = Clock::now();
    }
    if (spinning && !progressed && now - roundStart > kPreemptedGap) {
      if (now - lastGap_ < kGapWindow) {
        noSpinUntil_ = now + kNoSpinPeriod;
        spinning = false;
      }
      lastGap_ = now;
    }
    if (spinning && now - lastProgress >= spin) {
      spinning = false;
      if (++spinFailures_ >= kMaxSpinFailures) {
        spinFailures_ = 0;
        noSpinUntil_ = now + kNoSpinPeriod;
      }
    }
    if (spinning && !progressed) {
      runTimers(now);
      // Hands the core to another runnable task, if any (see above).
      sched_yield();
      now = Clock::now();
    }
    roundStart = now;
  }
}

}  // namespace gloo::transport::tcp
