// gloo::Context: rendezvous, derived contexts, and the messaging helpers the
// algorithms use.
//
// Rendezvous protocol through a store (Context::create):
//   rank 0 :  set "ctx/id" = random 64-bit id (decimal)
//   every r:  id = get "ctx/id"; tc = device.createContext(r, size, id);
//             set "addr/<r>" = tc.address(); wait for all "addr/<i>";
//             tc.setPeerAddresses(...)
// Keys are relative to the store given; use a PrefixStore to keep several
// jobs or top-level contexts apart.
//
// Derived contexts (split/dup) exchange over the parent, never the store:
//   1. allgather of (color, key) records over the parent
//   2. each member computes its new rank; new id = mix(parent id, child
//      counter, color); creates its transport context
//   3. allgather of the new addresses over the parent (ring, variable size)
// Steps 1 and 3 each use one parent sequence number.
#include "gloo/context.h"

#include <algorithm>
#include <cstring>
#include <random>

#include "common/config.h"
#include "common/logging.h"

namespace gloo {
namespace {

uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t randomId() {
  std::random_device rd;
  uint64_t v = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  return mix(v ^ static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
}

std::chrono::milliseconds resolveTimeout(std::chrono::milliseconds t) {
  return t.count() > 0 ? t : config::timeout();
}

}  // namespace

std::shared_ptr<Context> Context::create(rendezvous::Store& store,
                                         std::shared_ptr<transport::Device> device, int rank,
                                         int size, ContextOptions opts) {
  if (size <= 0 || rank < 0 || rank >= size) {
    throw InvalidArgument("gloompi: Context::create: invalid rank " + std::to_string(rank) +
                          " for size " + std::to_string(size));
  }
  if (!device) throw InvalidArgument("gloompi: Context::create: no transport device");
  config::warnUnknownOnce();
  opts.timeout = resolveTimeout(opts.timeout);
  if (rank == 0) store.setString("ctx/id", std::to_string(randomId()));
  uint64_t id = std::stoull(store.getString("ctx/id", opts.timeout));

  auto tc = device->createContext(rank, size, id);
  store.setString("addr/" + std::to_string(rank), tc->address());
  std::vector<std::string> keys;
  for (int i = 0; i < size; ++i) keys.push_back("addr/" + std::to_string(i));
  store.wait(keys, opts.timeout);
  std::vector<std::string> addrs;
  addrs.reserve(size);
  for (const auto& k : keys) addrs.push_back(store.getString(k, opts.timeout));
  tc->setPeerAddresses(addrs);
  return std::make_shared<Context>(std::move(tc), std::move(device), id, std::move(opts));
}

Context::Context(std::unique_ptr<transport::Context> tc, std::shared_ptr<transport::Device> device,
                 uint64_t id, ContextOptions opts)
    : tc_(std::move(tc)), device_(std::move(device)), id_(id), opts_(std::move(opts)),
      rank_(tc_->rank()), size_(tc_->size()), scratch_(8), scratchSize_(8, 0) {
  opts_.timeout = resolveTimeout(opts_.timeout);
}

Context::~Context() = default;

transport::Deadline Context::deadline() const { return transport::Clock::now() + opts_.timeout; }

void Context::rethrow(const Error& e, const char* what) {
  rethrowWithPrefix(e, std::string("context '") + opts_.name + "' rank " + std::to_string(rank_) + "/" +
                           std::to_string(size_) + " sequence " + std::to_string(seq_) + " (" + what + "): ");
}

void Context::isend(Request& r, int peer, uint64_t slot, const void* data, size_t size) {
  r.op = transport::Op::kSend;
  r.peer = peer;
  r.slot = slot;
  r.data = const_cast<void*>(data);
  r.size = size;
  try {
    tc_->post(r);
  } catch (const Error& e) {
    rethrow(e, "send");
  }
}

void Context::irecv(Request& r, int peer, uint64_t slot, void* data, size_t size) {
  r.op = transport::Op::kRecv;
  r.peer = peer;
  r.slot = slot;
  r.data = data;
  r.size = size;
  try {
    tc_->post(r);
  } catch (const Error& e) {
    rethrow(e, "recv");
  }
}

void Context::waitAll(Request* const* reqs, size_t n) {
  try {
    tc_->wait(reqs, n, deadline());
  } catch (const Error& e) {
    rethrow(e, "wait");
  }
}

void Context::wait(Request& r) {
  Request* p = &r;
  waitAll(&p, 1);
}

void Context::wait(std::initializer_list<Request*> reqs) { waitAll(reqs.begin(), reqs.size()); }

void Context::send(int peer, uint64_t slot, const void* data, size_t size) {
  Request r;
  isend(r, peer, slot, data, size);
  wait(r);
}

void Context::recv(int peer, uint64_t slot, void* data, size_t size) {
  Request r;
  irecv(r, peer, slot, data, size);
  wait(r);
}

void Context::sendrecv(int to, uint64_t sslot, const void* sdata, size_t ssize, int from,
                       uint64_t rslot, void* rdata, size_t rsize) {
  Request rr, sr;
  irecv(rr, from, rslot, rdata, rsize);
  isend(sr, to, sslot, sdata, ssize);
  wait({&rr, &sr});
}

void* Context::scratch(size_t bytes, int which) {
  if (which < 0 || which >= static_cast<int>(scratch_.size())) {
    throw InvalidArgument("gloompi: scratch buffer index " + std::to_string(which) + " out of range");
  }
  if (scratchSize_[which] < bytes) {
    // Round up so slowly growing requests do not reallocate every time.
    size_t n = std::max<size_t>(bytes, scratchSize_[which] + scratchSize_[which] / 2);
    n = (n + 63) & ~size_t(63);
    scratch_[which].reset(new uint8_t[n]);
    scratchSize_[which] = n;
  }
  return scratch_[which].get();
}

namespace {

// Ring allgather of variable-size blobs over `ctx` (2(P-1) messages per
// rank: at step s a rank forwards the blob of rank (rank - s) to rank+1,
// sending its size first, then the bytes). Uses one sequence number.
std::vector<std::string> allgatherBlobs(Context& ctx, const std::string& mine) {
  const int p = ctx.size(), r = ctx.rank();
  std::vector<std::string> out(p);
  out[r] = mine;
  if (p == 1) return out;
  const uint64_t seq = ctx.nextSequence();
  const int right = (r + 1) % p, left = (r - 1 + p) % p;
  for (int s = 0; s < p - 1; ++s) {
    const int sendIdx = (r - s + p) % p;
    const int recvIdx = (r - s - 1 + p) % p;
    uint64_t ssize = out[sendIdx].size(), rsize = 0;
    ctx.sendrecv(right, Context::makeSlot(seq, 2 * s), &ssize, sizeof ssize, left,
                 Context::makeSlot(seq, 2 * s), &rsize, sizeof rsize);
    out[recvIdx].resize(rsize);
    ctx.sendrecv(right, Context::makeSlot(seq, 2 * s + 1), out[sendIdx].data(), ssize, left,
                 Context::makeSlot(seq, 2 * s + 1), out[recvIdx].data(), rsize);
  }
  return out;
}

}  // namespace

std::shared_ptr<Context> Context::split(int color, int key, const std::string& name) {
  struct Rec {
    int64_t color, key;
  };
  Rec mine{color, key};
  std::string blob(reinterpret_cast<const char*>(&mine), sizeof mine);
  auto recs = allgatherBlobs(*this, blob);
  const uint64_t child = ++childCount_;

  std::vector<std::pair<int64_t, int>> members;  // (key, parent rank)
  for (int i = 0; i < size_; ++i) {
    Rec r;
    std::memcpy(&r, recs[i].data(), sizeof r);
    if (r.color == color && color >= 0) members.emplace_back(r.key, i);
  }
  std::stable_sort(members.begin(), members.end());
  int newRank = -1;
  for (size_t i = 0; i < members.size(); ++i) {
    if (members[i].second == rank_) newRank = static_cast<int>(i);
  }
  const uint64_t newId = mix(id_ ^ mix(child) ^ mix(static_cast<uint64_t>(color) + 0x1234567));

  std::unique_ptr<transport::Context> tc;
  std::string addr;
  if (color >= 0) {
    tc = device_->createContext(newRank, static_cast<int>(members.size()), newId);
    addr = tc->address();
  }
  auto addrs = allgatherBlobs(*this, addr);
  if (color < 0) return nullptr;
  std::vector<std::string> peerAddrs;
  for (const auto& m : members) peerAddrs.push_back(addrs[m.second]);
  tc->setPeerAddresses(peerAddrs);
  ContextOptions o = opts_;
  o.name = name;
  return std::make_shared<Context>(std::move(tc), device_, newId, std::move(o));
}

std::shared_ptr<Context> Context::dup(const std::string& name) { return split(0, rank_, name); }

}  // namespace gloo
