// Local (in-process) transport.
//
// Every context owns an Inbox: the receives it has posted and the messages
// that arrived before their receive ("unexpected"), per source rank, guarded
// by the inbox mutex. The device's registry maps (context id, rank) to the
// inbox; a sender looks the receiver's inbox up and, holding that inbox's
// mutex, either copies straight into a matching posted receive or appends a
// copy to the unexpected list. Sends are therefore complete as soon as they
// are posted (eager); receives complete when a matching message is copied in.
// Matching is FIFO per (source, slot).
#include "transport/local/device.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <sstream>
#include <vector>

#include "common/error.h"

namespace gloo::transport::local {
namespace {

struct Unexpected {
  uint64_t slot;
  std::vector<uint8_t> data;
};

struct Inbox {
  std::mutex mu;
  std::condition_variable cv;
  bool closed = false;
  std::string error;  // set when a delivery failed (size mismatch)
  std::vector<std::deque<Request*>> posted;         // per source rank
  std::vector<std::deque<Unexpected>> unexpected;  // per source rank
};

std::atomic<uint64_t> gSerial{1};

class LocalDevice;

class LocalContext : public Context {
 public:
  LocalContext(std::shared_ptr<LocalDevice> dev, int rank, int size, uint64_t id);
  ~LocalContext() override;

  std::string address() const override {
    std::ostringstream os;
    os << "local:" << serial_ << ":" << id_ << ":" << rank_;
    return os.str();
  }
  void setPeerAddresses(const std::vector<std::string>& addresses) override;
  void post(Request& req) override;
  void wait(Request* const* reqs, size_t n, Deadline deadline) override;
  bool test(Request& req) override;
  std::string peerHost(int) const override { return "localhost"; }
  const char* name() const override { return "local"; }

 private:
  void throwIfFailed();
  void fail(const std::string& msg);
  std::shared_ptr<Inbox> peerInbox(int peer);

  std::shared_ptr<LocalDevice> dev_;
  uint64_t serial_;
  uint64_t id_;
  std::shared_ptr<Inbox> inbox_;
  std::string failed_;
};

class LocalDevice : public Device, public std::enable_shared_from_this<LocalDevice> {
 public:
  LocalDevice() : serial_(gSerial.fetch_add(1)) {}

  std::unique_ptr<Context> createContext(int rank, int size, uint64_t id) override {
    if (rank < 0 || size <= 0 || rank >= size) {
      throw InvalidArgument("local transport: invalid rank " + std::to_string(rank) + " of size " +
                            std::to_string(size));
    }
    return std::make_unique<LocalContext>(shared_from_this(), rank, size, id);
  }
  std::string describe() const override { return "local#" + std::to_string(serial_); }

  uint64_t serial() const { return serial_; }

  void add(uint64_t id, int rank, std::shared_ptr<Inbox> inbox) {
    std::lock_guard<std::mutex> g(mu_);
    auto& slot = registry_[{id, rank}];
    if (slot.lock()) {
      throw InvalidArgument("local transport: context id " + std::to_string(id) + " rank " +
                            std::to_string(rank) + " already exists on this device");
    }
    slot = inbox;
  }
  void remove(uint64_t id, int rank) {
    std::lock_guard<std::mutex> g(mu_);
    registry_.erase({id, rank});
  }
  std::shared_ptr<Inbox> find(uint64_t id, int rank) {
    std::lock_guard<std::mutex> g(mu_);
    auto it = registry_.find({id, rank});
    return it == registry_.end() ? nullptr : it->second.lock();
  }

 private:
  uint64_t serial_;
  std::mutex mu_;
  std::map<std::pair<uint64_t, int>, std::weak_ptr<Inbox>> registry_;
};

LocalContext::LocalContext(std::shared_ptr<LocalDevice> dev, int rank, int size, uint64_t id)
    : Context(rank, size), dev_(std::move(dev)), serial_(dev_->serial()), id_(id),
      inbox_(std::make_shared<Inbox>()) {
  inbox_->posted.resize(size);
  inbox_->unexpected.resize(size);
  dev_->add(id_, rank_, inbox_);
}

LocalContext::~LocalContext() {
  dev_->remove(id_, rank_);
  std::lock_guard<std::mutex> g(inbox_->mu);
  inbox_->closed = true;
  for (auto& q : inbox_->posted) q.clear();
}

void LocalContext::setPeerAddresses(const std::vector<std::string>& addresses) {
  if (addresses.size() != static_cast<size_t>(size_)) {
    throw InvalidArgument("local transport: expected " + std::to_string(size_) + " addresses, got " +
                          std::to_string(addresses.size()));
  }
  for (size_t i = 0; i < addresses.size(); ++i) {
    std::ostringstream want;
    want << "local:" << serial_ << ":" << id_ << ":" << i;
    if (addresses[i] != want.str()) {
      throw InvalidArgument("local transport: address '" + addresses[i] + "' of rank " +
                            std::to_string(i) + " is not on this device (expected '" + want.str() + "')");
    }
  }
}

void LocalContext::throwIfFailed() {
  if (failed_.empty()) {
    std::lock_guard<std::mutex> g(inbox_->mu);
    if (!inbox_->error.empty()) failed_ = inbox_->error;
  }
  if (!failed_.empty()) throw IoError(failed_);
}

void LocalContext::fail(const std::string& msg) {
  if (failed_.empty()) failed_ = msg;
  std::lock_guard<std::mutex> g(inbox_->mu);
  for (auto& q : inbox_->posted) q.clear();
  inbox_->closed = true;
}

std::shared_ptr<Inbox> LocalContext::peerInbox(int peer) {
  if (peer == rank_) return inbox_;
  auto box = dev_->find(id_, peer);
  if (!box) {
    fail("local transport: rank " + std::to_string(rank_) + ": peer " + std::to_string(peer) +
         " (context " + std::to_string(id_) + ") does not exist or has been closed");
  }
  return box;
}

void LocalContext::post(Request& req) {
  throwIfFailed();
  if (req.peer < 0 || req.peer >= size_) {
    throw InvalidArgument("local transport: rank " + std::to_string(rank_) + ": peer " +
                          std::to_string(req.peer) + " out of range [0," + std::to_string(size_) + ")");
  }
  req.complete = false;
  req.done = 0;
  req.next = nullptr;
  if (req.op == Op::kSend) {
    auto box = peerInbox(req.peer);
    throwIfFailed();
    std::unique_lock<std::mutex> g(box->mu);
    if (box->closed) {
      g.unlock();
      fail("local transport: rank " + std::to_string(rank_) + ": peer " + std::to_string(req.peer) +
           " has closed its context");
      throwIfFailed();
    }
    auto& q = box->posted[rank_];
    auto it = std::find_if(q.begin(), q.end(), [&](Request* r) { return r->slot == req.slot; });
    if (it != q.end()) {
      Request* r = *it;
      q.erase(it);
      if (r->size != req.size) {
        box->error = "local transport: rank " + std::to_string(req.peer) + ": message from peer " +
                     std::to_string(rank_) + " slot " + std::to_string(req.slot) + " has " +
                     std::to_string(req.size) + " bytes, the receive expects " + std::to_string(r->size);
      } else {
        if (req.size) std::memcpy(r->data, req.data, req.size);
        r->done = req.size;
        r->complete = true;
      }
      box->cv.notify_all();
    } else {
      const auto* p = static_cast<const uint8_t*>(req.data);
      box->unexpected[rank_].push_back({req.slot, std::vector<uint8_t>(p, p + req.size)});
      box->cv.notify_all();
    }
    req.done = req.size;
    req.complete = true;
    return;
  }
  // Receive: consume an unexpected message if one is there.
  std::lock_guard<std::mutex> g(inbox_->mu);
  auto& uq = inbox_->unexpected[req.peer];
  auto it = std::find_if(uq.begin(), uq.end(), [&](const Unexpected& u) { return u.slot == req.slot; });
  if (it != uq.end()) {
    if (it->data.size() != req.size) {
      failed_ = "local transport: rank " + std::to_string(rank_) + ": message from peer " +
                std::to_string(req.peer) + " slot " + std::to_string(req.slot) + " has " +
                std::to_string(it->data.size()) + " bytes, the receive expects " + std::to_string(req.size);
      uq.erase(it);
      throw IoError(failed_);
    }
    if (req.size) std::memcpy(req.data, it->data.data(), req.size);
    uq.erase(it);
    req.done = req.size;
    req.complete = true;
    return;
  }
  inbox_->posted[req.peer].push_back(&req);
}

bool LocalContext::test(Request& req) {
  throwIfFailed();
  std::lock_guard<std::mutex> g(inbox_->mu);
  return req.complete;
}

void LocalContext::wait(Request* const* reqs, size_t n, Deadline deadline) {
  throwIfFailed();
  std::unique_lock<std::mutex> g(inbox_->mu);
  auto nextHook = Clock::now() + hook_.interval;
  for (;;) {
    if (!inbox_->error.empty()) {
      failed_ = inbox_->error;
      g.unlock();
      fail(failed_);
      throw IoError(failed_);
    }
    size_t pending = 0;
    int firstPeer = -1;
    uint64_t firstSlot = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!reqs[i]->complete) {
        if (pending++ == 0) firstPeer = reqs[i]->peer, firstSlot = reqs[i]->slot;
      }
    }
    if (pending == 0) return;
    auto now = Clock::now();
    if (now >= deadline) {
      g.unlock();
      std::string msg = "local transport: rank " + std::to_string(rank_) + ": timed out waiting for " +
                        std::to_string(pending) + " operation(s), first: peer " +
                        std::to_string(firstPeer) + " (host localhost) slot " + std::to_string(firstSlot);
      fail(msg);
      throw TimeoutError(msg);
    }
    auto until = deadline;
    if (hook_.fn && nextHook < until) until = nextHook;
    inbox_->cv.wait_until(g, until);
    if (hook_.fn && Clock::now() >= nextHook) {
      g.unlock();
      hook_.fn();
      g.lock();
      nextHook = Clock::now() + hook_.interval;
    }
  }
}

}  // namespace

std::shared_ptr<Device> createDevice() { return std::make_shared<LocalDevice>(); }

}  // namespace gloo::transport::local
