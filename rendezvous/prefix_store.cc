// PrefixStore: forwards every operation to the wrapped store with the key
// rewritten to "<prefix>/<key>". Thread safety is the wrapped store's; the
// prefix itself is immutable. A timeout of the wrapped store is rethrown with
// the caller's (unprefixed) key names and this store's description.
#include "rendezvous/prefix_store.h"

#include "rendezvous/store_support.h"

namespace gloo::rendezvous {
namespace {

Store& nonNull(const std::unique_ptr<Store>& s, const std::string& prefix) {
  if (!s) throw InvalidArgument("PrefixStore(\"" + prefix + "\"): the wrapped store is null");
  return *s;
}

}  // namespace

PrefixStore::PrefixStore(std::string prefix, Store& store)
    : prefix_(std::move(prefix)), store_(store) {}

PrefixStore::PrefixStore(std::string prefix, std::unique_ptr<Store> store)
    : prefix_(std::move(prefix)), owned_(std::move(store)), store_(nonNull(owned_, prefix_)) {}

std::string PrefixStore::describe() const {
  return "PrefixStore(\"" + detail::printableKey(prefix_) + "\" in " + store_.describe() + ")";
}

void PrefixStore::set(const std::string& key, const Bytes& value) { store_.set(join(key), value); }

Bytes PrefixStore::get(const std::string& key, std::chrono::milliseconds timeout) {
  try {
    return store_.get(join(key), timeout);
  } catch (const StoreTimeout&) {
    throw detail::makeStoreTimeout(describe(), timeout, {key}, 1);
  }
}

void PrefixStore::wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) {
  std::vector<std::string> joined;
  joined.reserve(keys.size());
  for (const auto& k : keys) joined.push_back(join(k));
  try {
    store_.wait(joined, timeout);
  } catch (const StoreTimeout& e) {
    std::string head = prefix_ + "/";
    std::vector<std::string> missing;
    for (const auto& k : e.missingKeys()) {
      missing.push_back(k.compare(0, head.size(), head) == 0 ? k.substr(head.size()) : k);
    }
    throw detail::makeStoreTimeout(describe(), timeout, std::move(missing), keys.size());
  }
}

int64_t PrefixStore::add(const std::string& key, int64_t delta) { return store_.add(join(key), delta); }

bool PrefixStore::check(const std::vector<std::string>& keys) {
  std::vector<std::string> joined;
  joined.reserve(keys.size());
  for (const auto& k : keys) joined.push_back(join(k));
  return store_.check(joined);
}

void PrefixStore::erase(const std::string& key) { store_.erase(join(key)); }

}  // namespace gloo::rendezvous
