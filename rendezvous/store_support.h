// Helpers shared by the store implementations: deadline arithmetic, the
// sleep schedule between polls of a polling store (FileStore, RedisStore),
// the construction of the StoreTimeout every wait throws, and the decimal
// counter format of add().
//
// Internal to rendezvous/: not part of the public store API.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "rendezvous/store.h"

namespace gloo::rendezvous::detail {

using Clock = std::chrono::steady_clock;

// now + timeout, saturating instead of overflowing for huge timeouts.
Clock::time_point deadlineAfter(std::chrono::milliseconds timeout);

// Exponential back-off between polls: the first sleep is `first`, each next
// one doubles, capped at `max`. A sleep never extends past the deadline, so a
// poller that checks once more after the last sleep observes the state at
// (about) the deadline before giving up.
class Backoff {
 public:
  explicit Backoff(std::chrono::microseconds first = std::chrono::microseconds(100),
                   std::chrono::microseconds max = std::chrono::milliseconds(10))
      : next_(first), max_(max) {}

  // Sleeps the next interval, cut short at `deadline`. Returns false without
  // sleeping when the deadline has already passed.
  bool sleep(Clock::time_point deadline);

 private:
  std::chrono::microseconds next_;
  std::chrono::microseconds max_;
};

// Renders a key for a message: printable ASCII as is, other bytes as \xNN.
std::string printableKey(const std::string& key);

// Builds the StoreTimeout of a wait on `total` keys of which `missing` are
// still absent. The message names the store (its describe()), the timeout and
// the missing keys (the first few; missingKeys() carries all of them).
StoreTimeout makeStoreTimeout(const std::string& store, std::chrono::milliseconds timeout,
                              std::vector<std::string> missing, size_t total);

// Parses the decimal ASCII value of a counter key (the format add() writes).
// Throws InvalidArgument naming the store and key for anything else.
int64_t parseCounter(const std::string& store, const std::string& key, const Bytes& value);
// current + delta; throws InvalidArgument naming the store and key on overflow.
int64_t addCounter(const std::string& store, const std::string& key, int64_t current, int64_t delta);

}  // namespace gloo::rendezvous::detail
