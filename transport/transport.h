// The transport API: what the algorithms and gloo::Context see of the network.
//
// A Device is a configured endpoint factory (for TCP: interface, address
// family, socket options). A transport Context is one communicator's set of
// point-to-point channels: rank `rank` of `size`, able to send to and receive
// from every other rank. Contexts are independent: no state is shared between
// two contexts created from one device (each has its own listener/sockets), so
// different threads may drive different contexts at the same time. One
// context is driven by one thread at a time.
//
// Protocol for creating a context (done by gloo::Context, not by algorithms):
//   1. ctx = device.createContext(rank, size, id)
//   2. publish ctx->address() to the other ranks (store, or a parent context)
//   3. ctx->setPeerAddresses(all addresses, indexed by rank)
// Connections are opened lazily on first use of a peer.
//
// Progress: there is no background thread. post() starts the operation if
// it can without blocking; wait()/test() move every posted operation of the
// context forward (so a send to one peer progresses while waiting for a
// receive from another), spinning for a short budget and then blocking in the
// kernel (poll/futex) until something happens or the deadline passes.
//
// Errors: a failure (peer closed, reset, handshake refused, size mismatch,
// timeout) throws from wait()/test()/post(): IoError or TimeoutError whose
// message names this rank, the peer rank and host, and the slot. After any
// error the context is failed: all posted requests are dropped (their buffers
// are never touched again) and every later call throws the original error.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "transport/request.h"

namespace gloo::transport {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

// Called from inside a blocking wait, about every `interval` (e.g. so the MPI
// shim can keep the real MPI progressing). May throw; the exception
// propagates out of wait() without failing the context.
struct ProgressHook {
  std::function<void()> fn;
  std::chrono::microseconds interval{200};
};

class Context {
 public:
  virtual ~Context() = default;

  int rank() const { return rank_; }
  int size() const { return size_; }

  // Opaque address of this rank's endpoint, to be published to the peers.
  virtual std::string address() const = 0;
  // Addresses of all ranks (index = rank; own entry ignored). Must be called
  // once before any post().
  virtual void setPeerAddresses(const std::vector<std::string>& addresses) = 0;

  // Starts a send or receive; never blocks. A send to self or a receive from
  // self is allowed and matched locally.
  virtual void post(Request& req) = 0;

  // Blocks until every request in reqs[0..n) is complete.
  virtual void wait(Request* const* reqs, size_t n, Deadline deadline) = 0;
  // Makes progress without blocking; true if req is complete.
  virtual bool test(Request& req) = 0;

  // Host name of a peer as published in its address (for error messages).
  virtual std::string peerHost(int peer) const = 0;
  // Short name of the transport ("tcp", "local", "shm", ...).
  virtual const char* name() const = 0;

  void setProgressHook(ProgressHook hook) { hook_ = std::move(hook); }

 protected:
  Context(int rank, int size) : rank_(rank), size_(size) {}
  int rank_;
  int size_;
  ProgressHook hook_;
};

class Device {
 public:
  virtual ~Device() = default;
  // `id` distinguishes contexts of one job (handshakes carry it, so a
  // connection meant for another context is refused).
  virtual std::unique_ptr<Context> createContext(int rank, int size, uint64_t id) = 0;
  virtual std::string describe() const = 0;
};

}  // namespace gloo::transport
