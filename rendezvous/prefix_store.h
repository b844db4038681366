// PrefixStore: namespaces another store by prepending "<prefix>/" to every
// key, so several jobs or contexts can share one store without collisions.
#pragma once

#include <memory>

#include "rendezvous/store.h"

namespace gloo::rendezvous {

class PrefixStore : public Store {
 public:
  // Non-owning.
  PrefixStore(std::string prefix, Store& store);
  // Owning.
  PrefixStore(std::string prefix, std::unique_ptr<Store> store);

  void set(const std::string& key, const Bytes& value) override;
  Bytes get(const std::string& key, std::chrono::milliseconds timeout) override;
  void wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) override;
  int64_t add(const std::string& key, int64_t delta) override;
  bool check(const std::vector<std::string>& keys) override;
  void erase(const std::string& key) override;
  std::string describe() const override;

 private:
  std::string join(const std::string& key) const { return prefix_ + "/" + key; }
  std::string prefix_;
  std::unique_ptr<Store> owned_;
  Store& store_;
};

}  // namespace gloo::rendezvous
