// RedisStore: a store on a Redis server, through hiredis.
//
// set = SET, get/wait poll with EXISTS/MGET and a short back-off, add = INCRBY,
// erase = DEL. The connection is retried until the deadline of the first
// operation while the server is not up yet, and re-established after a
// dropped connection. One hiredis context guarded by a mutex.
#pragma once

#include <mutex>

#include "rendezvous/store.h"

struct redisContext;

namespace gloo::rendezvous {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;  // empty: no AUTH
  std::string prefix;    // applied by openStore() through PrefixStore
  // Parses redis://[:password@]host:port[/prefix] (IPv6 host in brackets).
  static RedisAddress parse(const std::string& url);
};

class RedisStore : public Store {
 public:
  // `connectTimeout`: how long to keep retrying the first connection.
  explicit RedisStore(const RedisAddress& addr,
                      std::chrono::milliseconds connectTimeout = Store::kDefaultTimeout);
  ~RedisStore() override;

  void set(const std::string& key, const Bytes& value) override;
  Bytes get(const std::string& key, std::chrono::milliseconds timeout) override;
  void wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) override;
  int64_t add(const std::string& key, int64_t delta) override;
  bool check(const std::vector<std::string>& keys) override;
  void erase(const std::string& key) override;
  std::string describe() const override;

 private:
  RedisAddress addr_;
  std::chrono::milliseconds connectTimeout_;
  redisContext* ctx_ = nullptr;
  std::mutex mu_;
};

}  // namespace gloo::rendezvous
