// The rendezvous store: a small key-value service through which the ranks of a
// job find each other before any connection exists.
//
// Contract shared by every implementation:
//  - set(k, v) publishes v under k; a later set of the same key replaces it.
//    A reader never sees a partially written value.
//  - get(k, timeout) waits until k exists and returns its value, or throws
//    StoreTimeout naming k.
//  - wait(keys, timeout) returns when every key exists; on timeout throws
//    StoreTimeout whose message and missingKeys() list the keys still absent.
//  - add(k, delta) atomically adds delta to the integer stored under k
//    (created as 0) and returns the new value. Values written by add are
//    decimal ASCII, so get() of such a key returns e.g. "3".
//  - check(keys) tells, without waiting, whether every key exists.
//  - erase(k) removes a key if present (cleanup; not needed for correctness).
// Implementations are safe to use from several threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"

namespace gloo::rendezvous {

using Bytes = std::vector<uint8_t>;

class StoreTimeout : public gloo::TimeoutError {
 public:
  StoreTimeout(const std::string& what, std::vector<std::string> missing)
      : gloo::TimeoutError(what), missing_(std::move(missing)) {}
  const std::vector<std::string>& missingKeys() const { return missing_; }

 private:
  std::vector<std::string> missing_;
};

class Store {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{std::chrono::seconds(300)};

  virtual ~Store() = default;

  virtual void set(const std::string& key, const Bytes& value) = 0;
  virtual Bytes get(const std::string& key, std::chrono::milliseconds timeout) = 0;
  virtual void wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) = 0;
  virtual int64_t add(const std::string& key, int64_t delta) = 0;
  virtual bool check(const std::vector<std::string>& keys) = 0;
  virtual void erase(const std::string& key) = 0;

  // Human-readable description for error messages, e.g. "FileStore(/tmp/x)".
  virtual std::string describe() const = 0;

  // Convenience wrappers.
  void setString(const std::string& key, const std::string& value) {
    set(key, Bytes(value.begin(), value.end()));
  }
  std::string getString(const std::string& key, std::chrono::milliseconds timeout) {
    Bytes b = get(key, timeout);
    return std::string(b.begin(), b.end());
  }
};

// Opens a store from a URL:
//   file:/path/to/dir          FileStore
//   redis://[:password@]host:port[/prefix]   RedisStore (prefix applied via PrefixStore)
//   hash:                      HashStore (this process only)
// Throws InvalidArgument for an unknown scheme or malformed URL.
std::unique_ptr<Store> openStore(const std::string& url);

}  // namespace gloo::rendezvous
