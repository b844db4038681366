// Error types shared by every layer of the engine.
//
// Invariant: every error thrown by the engine derives from gloo::Error, so a
// caller (the MPI shim) can catch one type at its boundary. The message always
// carries the facts needed to act on it (rank, peer, host, key, slot, ...); the
// subclass tells the caller which kind of failure it was.
#pragma once

#include <stdexcept>
#include <string>

namespace gloo {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Bad arguments from the caller (mismatched sizes, unknown algorithm name, ...).
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// A deadline passed (store wait, collective wait).
class TimeoutError : public Error {
 public:
  using Error::Error;
};

// The network or a peer failed: connection refused/reset, peer exited, bad handshake.
class IoError : public Error {
 public:
  using Error::Error;
};

// Rethrows `e` as the same kind of error (InvalidArgument, TimeoutError,
// IoError, else Error) with `prefix` in front of its message: how an outer
// layer adds its facts (context, collective, algorithm) to an inner error.
[[noreturn]] inline void rethrowWithPrefix(const Error& e, const std::string& prefix) {
  const std::string msg = prefix + e.what();
  if (dynamic_cast<const InvalidArgument*>(&e)) throw InvalidArgument(msg);
  if (dynamic_cast<const TimeoutError*>(&e)) throw TimeoutError(msg);
  if (dynamic_cast<const IoError*>(&e)) throw IoError(msg);
  throw Error(msg);
}

}  // namespace gloo
