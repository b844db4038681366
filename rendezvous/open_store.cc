// openStore(): maps a rendezvous URL to a store.
//   file:<dir> | file://<dir-from-root>   FileStore(dir)
//   redis://[:password@]host[:port][/prefix]
//                                        RedisStore; a non-empty prefix wraps
//                                        it in an owning PrefixStore
//   hash:                                HashStore (this process only)
// The Redis connection is retried for the rendezvous timeout (GLOOMPI_TIMEOUT).
#include <memory>

#include "common/config.h"
#include "rendezvous/file_store.h"
#include "rendezvous/hash_store.h"
#include "rendezvous/prefix_store.h"
#include "rendezvous/redis_store.h"

namespace gloo::rendezvous {

std::unique_ptr<Store> openStore(const std::string& url) {
  auto startsWith = [&](const char* p) { return url.rfind(p, 0) == 0; };
  if (startsWith("redis://")) {
    RedisAddress addr = RedisAddress::parse(url);
    auto store = std::make_unique<RedisStore>(addr, config::timeout());
    if (addr.prefix.empty()) return store;
    return std::make_unique<PrefixStore>(addr.prefix, std::move(store));
  }
  if (startsWith("file:")) {
    std::string dir = url.substr(5);
    if (dir.rfind("//", 0) == 0) {
      // file://host/dir: only the empty host (file:///dir) names a local path.
      if (dir.size() < 3 || dir[2] != '/') {
        throw InvalidArgument("rendezvous URL '" + url +
                              "': use file:/dir or file:///dir (a host part is not supported)");
      }
      dir = dir.substr(2);
    }
    if (dir.empty()) throw InvalidArgument("rendezvous URL '" + url + "': missing directory");
    return std::make_unique<FileStore>(dir);
  }
  if (url == "hash:") return std::make_unique<HashStore>();
  throw InvalidArgument("rendezvous URL '" + url +
                        "': expected file:/dir, redis://[:password@]host:port[/prefix] or hash:");
}

}  // namespace gloo::rendezvous
