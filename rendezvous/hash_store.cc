// HashStore: the in-process store. Every operation holds mu_; set() and add()
// notify cv_ so that waiters re-check their keys.
#include "rendezvous/hash_store.h"

#include "rendezvous/store_support.h"

namespace gloo::rendezvous {

void HashStore::set(const std::string& key, const Bytes& value) {
  {
    std::lock_guard<std::mutex> g(mu_);
    map_[key] = value;
  }
  cv_.notify_all();
}

Bytes HashStore::get(const std::string& key, std::chrono::milliseconds timeout) {
  auto deadline = detail::deadlineAfter(timeout);
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    auto it = map_.find(key);
    if (it != map_.end()) return it->second;
    if (cv_.wait_until(lk, deadline) == std::cv_status::timeout && map_.count(key) == 0) {
      throw detail::makeStoreTimeout(describe(), timeout, {key}, 1);
    }
  }
}

void HashStore::wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) {
  auto deadline = detail::deadlineAfter(timeout);
  std::unique_lock<std::mutex> lk(mu_);
  auto missing = [&] {
    std::vector<std::string> out;
    for (const auto& k : keys) {
      if (map_.count(k) == 0) out.push_back(k);
    }
    return out;
  };
  for (;;) {
    auto absent = missing();
    if (absent.empty()) return;
    if (cv_.wait_until(lk, deadline) == std::cv_status::timeout) {
      absent = missing();
      if (absent.empty()) return;
      throw detail::makeStoreTimeout(describe(), timeout, std::move(absent), keys.size());
    }
  }
}

int64_t HashStore::add(const std::string& key, int64_t delta) {
  int64_t result;
  {
    std::lock_guard<std::mutex> g(mu_);
    int64_t current = 0;
    auto it = map_.find(key);
    if (it != map_.end()) {
      current = detail::parseCounter(describe(), key, it->second);
    }
    result = detail::addCounter(describe(), key, current, delta);
    std::string text = std::to_string(result);
    map_[key] = Bytes(text.begin(), text.end());
  }
  cv_.notify_all();
  return result;
}

bool HashStore::check(const std::vector<std::string>& keys) {
  std::lock_guard<std::mutex> g(mu_);
  for (const auto& k : keys) {
    if (map_.count(k) == 0) return false;
  }
  return true;
}

void HashStore::erase(const std::string& key) {
  std::lock_guard<std::mutex> g(mu_);
  map_.erase(key);
}

}  // namespace gloo::rendezvous
