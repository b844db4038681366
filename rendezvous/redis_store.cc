// RedisStore: the store on a Redis server, through one hiredis connection.
//
// Connection protocol: connect (TCP), AUTH <password> when one is given, then
// PING; a NOAUTH or WRONGPASS answer is final (IoError), while a refused or
// dropped connection is retried with back-off until the connect deadline.
// Every command runs under mu_ on the one connection. When a command finds
// the connection dead, the connection is re-established (for up to
// connectTimeout) and the command re-sent once if it is idempotent (SET, GET,
// EXISTS, MGET, DEL). INCRBY is not: add() first PINGs (reconnecting if need
// be) and sends INCRBY once; if the connection dies during the INCRBY itself
// the increment may or may not have been applied, and add() says so in an
// IoError rather than guess.
// Polls (get, wait) hold mu_ only for one command at a time, never while
// sleeping, so other threads' operations interleave with a long wait.
#include "rendezvous/redis_store.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <thread>

#include "common/logging.h"
#include "rendezvous/store_support.h"

namespace gloo::rendezvous {
namespace {

using detail::Clock;

std::string endpointOf(const RedisAddress& a) {
  bool v6 = a.host.find(':') != std::string::npos;
  return (v6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port);
}

// The URL with its password (if any) masked, for error messages.
std::string redactUrl(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t slash = url.find('/', start);
  size_t at = url.rfind('@', slash == std::string::npos ? std::string::npos : slash);
  if (at == std::string::npos || at < start) return url;
  return url.substr(0, start) + ":***" + url.substr(at);
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct timeval toTimeval(std::chrono::microseconds d) {
  if (d.count() < 1000) d = std::chrono::microseconds(1000);
  struct timeval tv;
  tv.tv_sec = static_cast<time_t>(d.count() / 1000000);
  tv.tv_usec = static_cast<suseconds_t>(d.count() % 1000000);
  return tv;
}

struct ReplyDeleter {
  void operator()(redisReply* r) const {
    if (r) freeReplyObject(r);
  }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

std::string replyText(const redisReply* r) { return std::string(r->str, r->len); }

// Opens one connection and runs the AUTH/PING handshake. Returns nullptr with
// `*err` set when the server cannot be reached (retryable); throws IoError
// when the server answers but refuses us (not retryable).
redisContext* connectOnce(const RedisAddress& addr, std::chrono::microseconds attemptTimeout,
                          std::chrono::milliseconds ioTimeout, const std::string& store,
                          std::string* err) {
  redisContext* c = redisConnectWithTimeout(addr.host.c_str(), addr.port, toTimeval(attemptTimeout));
  if (!c) {
    *err = "cannot allocate a hiredis context";
    return nullptr;
  }
  if (c->err) {
    *err = c->errstr;
    redisFree(c);
    return nullptr;
  }
  redisSetTimeout(c, toTimeval(ioTimeout));
  auto handshake = [&](const char* what, Reply r) -> bool {
    if (!r) {
      *err = std::string(what) + ": " + c->errstr;
      redisFree(c);
      return false;
    }
    if (r->type == REDIS_REPLY_ERROR) {
      std::string msg = replyText(r.get());
      redisFree(c);
      if (msg.rfind("LOADING", 0) == 0) {
        *err = msg;
        return false;
      }
      throw IoError(store + ": " + what + " refused by the server: " + msg +
                    (addr.password.empty() ? " (no password was given; use redis://:password@host:port)"
                                           : ""));
    }
    return true;
  };
  if (!addr.password.empty()) {
    Reply r(static_cast<redisReply*>(
        redisCommand(c, "AUTH %b", addr.password.data(), addr.password.size())));
    if (!handshake("AUTH", std::move(r))) return nullptr;
  }
  Reply r(static_cast<redisReply*>(redisCommand(c, "PING")));
  if (!handshake("PING", std::move(r))) return nullptr;
  return c;
}

// Makes `*ctx` a live connection, retrying with back-off until `deadline`.
void ensureConnected(redisContext** ctx, const RedisAddress& addr, Clock::time_point deadline,
                     std::chrono::milliseconds window, std::chrono::milliseconds ioTimeout,
                     const std::string& store) {
  if (*ctx) return;
  detail::Backoff backoff(std::chrono::milliseconds(5), std::chrono::milliseconds(250));
  std::string err;
  int attempts = 0;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
    auto attempt = std::clamp(left, std::chrono::microseconds(10000), std::chrono::microseconds(1000000));
    ++attempts;
    *ctx = connectOnce(addr, attempt, ioTimeout, store, &err);
    if (*ctx) return;
    if (!backoff.sleep(deadline)) break;
  }
  throw IoError(store + ": cannot connect to the Redis server at " + endpointOf(addr) + " within " +
                std::to_string(window.count()) + " ms (" + std::to_string(attempts) +
                " attempts; last error: " + err + ")");
}

}  // namespace

RedisAddress RedisAddress::parse(const std::string& url) {
  const std::string scheme = "redis://";
  auto bad = [&](const std::string& why) {
    return InvalidArgument("Redis URL '" + redactUrl(url) + "': " + why +
                           " (expected redis://[:password@]host:port[/prefix])");
  };
  if (url.rfind(scheme, 0) != 0) throw bad("does not start with redis://");
  std::string rest = url.substr(scheme.size());
  RedisAddress a;
  // Userinfo is what precedes an '@' that comes before the first '/';
  // a password holding '/' or '@' must write them as %2F and %40.
  size_t slash = rest.find('/');
  size_t at = rest.find('@');
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
    std::string user = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (user.empty() || user[0] != ':') throw bad("user names are not supported; write :password@");
    for (size_t i = 1; i < user.size(); ++i) {
      if (user[i] == '%') {
        int hi = i + 2 < user.size() ? hexValue(user[i + 1]) : -1;
        int lo = i + 2 < user.size() ? hexValue(user[i + 2]) : -1;
        if (hi < 0 || lo < 0) throw bad("bad %-escape in the password");
        a.password.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
      } else {
        a.password.push_back(user[i]);
      }
    }
    slash = rest.find('/');
  }
  std::string hostport = rest.substr(0, slash);
  if (slash != std::string::npos) a.prefix = rest.substr(slash + 1);
  std::string portText;
  bool hasPort = false;
  if (!hostport.empty() && hostport[0] == '[') {
    size_t close = hostport.find(']');
    if (close == std::string::npos) throw bad("unterminated '[' in the host");
    a.host = hostport.substr(1, close - 1);
    std::string after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') throw bad("unexpected text after ']'");
      hasPort = true;
      portText = after.substr(1);
    }
  } else {
    size_t colon = hostport.find(':');
    if (colon != std::string::npos && hostport.find(':', colon + 1) != std::string::npos) {
      throw bad("an IPv6 host must be written in brackets, e.g. [::1]:6379");
    }
    a.host = hostport.substr(0, colon);
    if (colon != std::string::npos) {
      hasPort = true;
      portText = hostport.substr(colon + 1);
    }
  }
  if (a.host.empty()) throw bad("missing host");
  if (a.host.find_first_of(" \t[]@") != std::string::npos) throw bad("bad character in the host");
  if (hasPort) {
    if (portText.empty() || portText.size() > 5 ||
        portText.find_first_not_of("0123456789") != std::string::npos) {
      throw bad("the port must be a number from 1 to 65535");
    }
    a.port = std::stoi(portText);
    if (a.port < 1 || a.port > 65535) throw bad("the port must be a number from 1 to 65535");
  }
  return a;
}

RedisStore::RedisStore(const RedisAddress& addr, std::chrono::milliseconds connectTimeout)
    : addr_(addr), connectTimeout_(connectTimeout) {
  std::lock_guard<std::mutex> g(mu_);
  ensureConnected(&ctx_, addr_, detail::deadlineAfter(connectTimeout_), connectTimeout_,
                  std::max(connectTimeout_, std::chrono::milliseconds(1000)), describe());
}

RedisStore::~RedisStore() {
  if (ctx_) redisFree(ctx_);
}

std::string RedisStore::describe() const { return "RedisStore(" + endpointOf(addr_) + ")"; }

namespace {

// Runs one command on the store's connection (the caller holds its mutex).
// `issue` sends the command and returns its reply, or nullptr when the
// connection failed. A failed connection is dropped and re-established; the
// command is re-sent once if `idempotent`. Error replies are returned to the
// caller, who knows what they mean.
Reply runCommand(redisContext** ctx, const RedisAddress& addr, std::chrono::milliseconds window,
                 const std::string& store, const std::string& what, bool idempotent,
                 const std::function<redisReply*(redisContext*)>& issue) {
  auto ioTimeout = std::max(window, std::chrono::milliseconds(1000));
  for (int attempt = 0;; ++attempt) {
    ensureConnected(ctx, addr, detail::deadlineAfter(window), window, ioTimeout, store);
    Reply r(issue(*ctx));
    if (r) return r;
    std::string err = (*ctx)->errstr;
    redisFree(*ctx);
    *ctx = nullptr;
    if (!idempotent) {
      throw IoError(store + ": connection to " + endpointOf(addr) + " lost during " + what + " (" + err +
                    "); it may or may not have been applied");
    }
    if (attempt >= 1) {
      throw IoError(store + ": " + what + " failed twice on fresh connections to " + endpointOf(addr) +
                    ": " + err);
    }
    GLOO_WARN(store << ": connection lost during " << what << " (" << err << "); reconnecting");
  }
}

[[noreturn]] void throwReplyError(const std::string& store, const std::string& what, const redisReply* r) {
  throw IoError(store + ": " + what + " failed: " + replyText(r));
}

// hiredis's %b wants a non-null pointer even for an empty argument.
const char* bytesOf(const std::string& s) { return s.empty() ? "" : s.data(); }
const char* bytesOf(const Bytes& b) { return b.empty() ? "" : reinterpret_cast<const char*>(b.data()); }

}  // namespace

void RedisStore::set(const std::string& key, const Bytes& value) {
  std::lock_guard<std::mutex> g(mu_);
  std::string what = "SET \"" + detail::printableKey(key) + "\"";
  Reply r = runCommand(&ctx_, addr_, connectTimeout_, describe(), what, true, [&](redisContext* c) {
    return static_cast<redisReply*>(
        redisCommand(c, "SET %b %b", bytesOf(key), key.size(), bytesOf(value), value.size()));
  });
  if (r->type == REDIS_REPLY_ERROR) throwReplyError(describe(), what, r.get());
}

Bytes RedisStore::get(const std::string& key, std::chrono::milliseconds timeout) {
  auto deadline = detail::deadlineAfter(timeout);
  std::string what = "GET \"" + detail::printableKey(key) + "\"";
  detail::Backoff backoff;
  for (;;) {
    {
      std::lock_guard<std::mutex> g(mu_);
      Reply r = runCommand(&ctx_, addr_, connectTimeout_, describe(), what, true, [&](redisContext* c) {
        return static_cast<redisReply*>(redisCommand(c, "GET %b", bytesOf(key), key.size()));
      });
      if (r->type == REDIS_REPLY_STRING) {
        return Bytes(reinterpret_cast<const uint8_t*>(r->str),
                     reinterpret_cast<const uint8_t*>(r->str) + r->len);
      }
      if (r->type == REDIS_REPLY_ERROR) throwReplyError(describe(), what, r.get());
    }
    if (!backoff.sleep(deadline)) break;
  }
  throw detail::makeStoreTimeout(describe(), timeout, {key}, 1);
}

namespace {

// Sends `cmd key...` binary-safely.
redisReply* commandWithKeys(redisContext* c, const char* cmd, const std::vector<std::string>& keys) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(keys.size() + 1);
  lens.reserve(keys.size() + 1);
  argv.push_back(cmd);
  lens.push_back(std::char_traits<char>::length(cmd));
  for (const auto& k : keys) {
    argv.push_back(bytesOf(k));
    lens.push_back(k.size());
  }
  return static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
}

}  // namespace

void RedisStore::wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) {
  if (keys.empty()) return;
  auto deadline = detail::deadlineAfter(timeout);
  detail::Backoff backoff;
  // EXISTS counts a key once per mention, so the count reaches keys.size()
  // exactly when every key exists.
  for (;;) {
    if (check(keys)) return;
    if (!backoff.sleep(deadline)) break;
  }
  std::vector<std::string> missing;
  {
    std::lock_guard<std::mutex> g(mu_);
    Reply r = runCommand(&ctx_, addr_, connectTimeout_, describe(), "MGET", true,
                         [&](redisContext* c) { return commandWithKeys(c, "MGET", keys); });
    if (r->type != REDIS_REPLY_ARRAY || r->elements != keys.size()) {
      throw IoError(describe() + ": unexpected reply to MGET");
    }
    for (size_t i = 0; i < keys.size(); ++i) {
      if (r->element[i]->type == REDIS_REPLY_NIL) missing.push_back(keys[i]);
    }
  }
  if (missing.empty()) return;
  throw detail::makeStoreTimeout(describe(), timeout, std::move(missing), keys.size());
}

int64_t RedisStore::add(const std::string& key, int64_t delta) {
  std::lock_guard<std::mutex> g(mu_);
  std::string what = "INCRBY \"" + detail::printableKey(key) + "\" " + std::to_string(delta);
  // A PING first re-establishes a connection that died while idle, so that
  // only a failure during the INCRBY itself is ambiguous.
  Reply ping = runCommand(&ctx_, addr_, connectTimeout_, describe(), "PING", true,
                          [&](redisContext* c) { return static_cast<redisReply*>(redisCommand(c, "PING")); });
  if (ping->type == REDIS_REPLY_ERROR) throwReplyError(describe(), "PING", ping.get());
  Reply r = runCommand(&ctx_, addr_, connectTimeout_, describe(), what, false, [&](redisContext* c) {
    return static_cast<redisReply*>(
        redisCommand(c, "INCRBY %b %lld", bytesOf(key), key.size(), static_cast<long long>(delta)));
  });
  if (r->type == REDIS_REPLY_ERROR) {
    throw InvalidArgument(describe() + ": " + what + " failed: " + replyText(r.get()));
  }
  if (r->type != REDIS_REPLY_INTEGER) throw IoError(describe() + ": unexpected reply to " + what);
  return r->integer;
}

bool RedisStore::check(const std::vector<std::string>& keys) {
  if (keys.empty()) return true;
  std::lock_guard<std::mutex> g(mu_);
  Reply r = runCommand(&ctx_, addr_, connectTimeout_, describe(), "EXISTS", true,
                       [&](redisContext* c) { return commandWithKeys(c, "EXISTS", keys); });
  if (r->type == REDIS_REPLY_ERROR) throwReplyError(describe(), "EXISTS", r.get());
  if (r->type != REDIS_REPLY_INTEGER) throw IoError(describe() + ": unexpected reply to EXISTS");
  return r->integer == static_cast<long long>(keys.size());
}

void RedisStore::erase(const std::string& key) {
  std::lock_guard<std::mutex> g(mu_);
  std::string what = "DEL \"" + detail::printableKey(key) + "\"";
  Reply r = runCommand(&ctx_, addr_, connectTimeout_, describe(), what, true, [&](redisContext* c) {
    return static_cast<redisReply*>(redisCommand(c, "DEL %b", bytesOf(key), key.size()));
  });
  if (r->type == REDIS_REPLY_ERROR) throwReplyError(describe(), what, r.get());
}

}  // namespace gloo::rendezvous
