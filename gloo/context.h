// gloo::Context: one communicator of the engine.
//
// A context knows its rank and size, owns one transport context (the
// point-to-point channels to every peer) and hands out collective sequence
// numbers. Every collective call takes the next sequence number; all ranks
// call collectives on a context in the same order, so they agree on it.
// Messages are matched by (source rank, slot), slot = makeSlot(seq, step),
// so messages of back-to-back collectives can never be confused.
//
// Threading: a context is used by one thread at a time; different contexts
// are fully independent and may be driven concurrently. There is no global
// or thread-local state.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "rendezvous/store.h"
#include "transport/transport.h"

namespace gloo {

using transport::Request;

struct ContextOptions {
  // Deadline for each wait inside a collective (and for rendezvous).
  // Default: config::timeout() (GLOOMPI_TIMEOUT).
  std::chrono::milliseconds timeout{0};
  // Free-form name used in error messages ("MPI_COMM_WORLD", "split#3").
  std::string name = "ctx";
};

class Context : public std::enable_shared_from_this<Context> {
 public:
  // Rendezvous through a store: publishes this rank's address under
  // "<prefix>addr/<rank>", waits for every peer's, records them.
  // Connections are made lazily. Throws StoreTimeout naming missing ranks.
  static std::shared_ptr<Context> create(rendezvous::Store& store,
                                         std::shared_ptr<transport::Device> device, int rank,
                                         int size, ContextOptions opts = {});

  // Wraps an already connected transport context (tests, derived contexts).
  Context(std::unique_ptr<transport::Context> tc, std::shared_ptr<transport::Device> device,
          uint64_t id, ContextOptions opts);
  ~Context();

  // Collective over this context (every rank calls it, in the same order as
  // other collectives): ranks with the same color form a new context, ordered
  // by (key, rank in this context). color < 0 means "not a member": returns
  // nullptr. Addresses are exchanged over this context; no store involved.
  std::shared_ptr<Context> split(int color, int key, const std::string& name = "split");
  // split(0, rank): a duplicate with its own channels and sequence numbers.
  std::shared_ptr<Context> dup(const std::string& name = "dup");

  int rank() const { return rank_; }
  int size() const { return size_; }
  uint64_t id() const { return id_; }
  const std::string& name() const { return opts_.name; }
  std::chrono::milliseconds timeout() const { return opts_.timeout; }
  void setTimeout(std::chrono::milliseconds t) { opts_.timeout = t; }
  transport::Context& transport() { return *tc_; }
  std::string peerHost(int peer) const { return tc_->peerHost(peer); }

  // ---- used by the algorithms ----

  // Starts a new collective: returns its sequence number.
  uint64_t nextSequence() { return ++seq_; }
  uint64_t sequence() const { return seq_; }
  // Slot of step `step` (< 2^24) of collective `seq`.
  static uint64_t makeSlot(uint64_t seq, uint32_t step) { return (seq << 24) | step; }

  void isend(Request& r, int peer, uint64_t slot, const void* data, size_t size);
  void irecv(Request& r, int peer, uint64_t slot, void* data, size_t size);
  // Waits for all, with this context's timeout. Errors are rethrown with the
  // context name and sequence number added.
  void wait(Request& r);
  void wait(std::initializer_list<Request*> reqs);
  void waitAll(Request* const* reqs, size_t n);
  // Blocking helpers.
  void send(int peer, uint64_t slot, const void* data, size_t size);
  void recv(int peer, uint64_t slot, void* data, size_t size);
  // Sends to `to` and receives from `from` concurrently.
  void sendrecv(int to, uint64_t sslot, const void* sdata, size_t ssize, int from,
                uint64_t rslot, void* rdata, size_t rsize);

  // Name of the algorithm run by the last collective (for statistics).
  const char* lastAlgorithm() const { return lastAlgo_; }
  void setLastAlgorithm(const char* a) { lastAlgo_ = a; }

  // Scratch memory reused across collectives (grows, never shrinks).
  void* scratch(size_t bytes, int which = 0);

 private:
  transport::Deadline deadline() const;
  [[noreturn]] void rethrow(const Error& e, const char* what);

  std::unique_ptr<transport::Context> tc_;
  std::shared_ptr<transport::Device> device_;
  uint64_t id_;
  ContextOptions opts_;
  int rank_;
  int size_;
  uint64_t seq_ = 0;
  uint64_t childCount_ = 0;
  const char* lastAlgo_ = "";
  std::vector<std::unique_ptr<uint8_t[]>> scratch_;
  std::vector<size_t> scratchSize_;
};

}  // namespace gloo
