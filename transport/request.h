// A point-to-point operation posted to a transport context.
//
// Ownership: the caller owns the Request object and the buffer it points to.
// Both must stay alive and untouched from post() until the request is
// complete (wait() returned, or test() returned true) or the context has
// failed (after which the transport never touches either again).
//
// Matching: a receive matches the first message from `peer` whose slot equals
// `slot`; messages from one peer with one slot are matched in the order they
// were sent. A message whose size differs from the receive's size is an error
// (IoError naming peer and slot): sizes are always known to both sides in a
// collective, so a mismatch means the ranks disagree about the operation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gloo::transport {

enum class Op : uint8_t { kSend, kRecv };

struct Request {
  // Set by the caller (through Context::isend/irecv helpers) before posting.
  Op op = Op::kSend;
  int peer = -1;
  uint64_t slot = 0;
  void* data = nullptr;  // send source (not written) or receive target
  size_t size = 0;

  // Owned by the transport while the request is posted.
  bool complete = false;
  size_t done = 0;          // bytes transferred so far
  Request* next = nullptr;  // intrusive queue link
  uint64_t aux = 0;         // transport-private
};

}  // namespace gloo::transport
