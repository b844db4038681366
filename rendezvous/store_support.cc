// Deadline arithmetic, poll back-off, StoreTimeout construction and counter
// parsing shared by the store implementations (see store_support.h).
#include "rendezvous/store_support.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <sstream>
#include <thread>

namespace gloo::rendezvous::detail {

Clock::time_point deadlineAfter(std::chrono::milliseconds timeout) {
  auto now = Clock::now();
  if (timeout.count() <= 0) return now;
  auto room = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::max() - now);
  if (timeout >= room) return Clock::time_point::max();
  return now + timeout;
}

bool Backoff::sleep(Clock::time_point deadline) {
  auto now = Clock::now();
  if (now >= deadline) return false;
  auto left = deadline - now;
  if (left < next_) {
    std::this_thread::sleep_for(left);
  } else {
    std::this_thread::sleep_for(next_);
  }
  next_ = std::min(next_ * 2, max_);
  return true;
}

std::string printableKey(const std::string& key) {
  std::string out;
  out.reserve(key.size());
  for (unsigned char c : key) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

StoreTimeout makeStoreTimeout(const std::string& store, std::chrono::milliseconds timeout,
                              std::vector<std::string> missing, size_t total) {
  // Enough keys to act on without flooding a log line at large scale.
  constexpr size_t kListed = 16;
  std::ostringstream msg;
  msg << store << ": timed out after " << timeout.count() << " ms waiting for " << missing.size()
      << " of " << total << (total == 1 ? " key" : " keys") << "; missing: ";
  for (size_t i = 0; i < missing.size() && i < kListed; ++i) {
    msg << (i ? ", " : "") << '"' << printableKey(missing[i]) << '"';
  }
  if (missing.size() > kListed) msg << " and " << (missing.size() - kListed) << " more";
  return StoreTimeout(msg.str(), std::move(missing));
}

int64_t parseCounter(const std::string& store, const std::string& key, const Bytes& value) {
  const char* b = reinterpret_cast<const char*>(value.data());
  const char* e = b + value.size();
  int64_t v = 0;
  auto [p, ec] = std::from_chars(b, e, v);
  if (b == e || ec != std::errc() || p != e) {
    throw InvalidArgument(store + ": add(\"" + printableKey(key) +
                          "\"): the key holds a value that is not a decimal integer");
  }
  return v;
}

int64_t addCounter(const std::string& store, const std::string& key, int64_t current, int64_t delta) {
  int64_t result;
  if (__builtin_add_overflow(current, delta, &result)) {
    throw InvalidArgument(store + ": add(\"" + printableKey(key) + "\", " + std::to_string(delta) +
                          ") overflows the counter (now " + std::to_string(current) + ")");
  }
  return result;
}

}  // namespace gloo::rendezvous::detail
