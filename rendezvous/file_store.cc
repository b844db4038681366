// FileStore: one file per key in a directory shared by the ranks.
//
// File names in the directory (escape(k) is the key with every byte outside
// [A-Za-z0-9_.-] written as %XX, shortened with a hash suffix when too long):
//   k-<escape(key)>                    the published value of `key`
//   l-<escape(key)>                    the flock(2) lock serialising add(key)
//   t-<escape(key)>.<host>.<pid>.<n>   a value being written (never read)
// The prefixes keep the three kinds apart and keep every name clear of "."
// and "..". Publication protocol: write the whole value to a fresh temporary
// file, then rename(2) it over the key file; rename is atomic on one host and
// NFS clients see the whole new file at their next open (close-to-open
// consistency), so a reader that opens the key file reads one complete value.
// add() holds the key's lock file exclusively across read-modify-publish.
#include "rendezvous/file_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "rendezvous/store_support.h"

namespace gloo::rendezvous {
namespace {

// Keeps every file name (with its prefix and temp suffix) under NAME_MAX=255.
constexpr size_t kMaxEscaped = 160;

std::string errnoText(int err) { return std::strerror(err); }

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Injective for keys whose escaped form fits; longer keys keep a prefix of
// the escaped form plus a 64-bit hash of the whole key.
std::string escapeKey(const std::string& key) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(key.size());
  for (unsigned char c : key) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == '-';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  if (out.size() > kMaxEscaped) {
    char buf[24];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(fnv1a(key)));
    out = out.substr(0, kMaxEscaped - 18) + "~" + buf;
  }
  return out;
}

std::string hostTag() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "host";
  std::string h = escapeKey(buf);
  return h.substr(0, 40);
}

// Closes a descriptor on scope exit.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// Reads the whole key file at `path`. Returns false if it does not exist.
bool readFile(const std::string& store, const std::string& key, const std::string& path,
              Bytes* out) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ENOENT) return false;
    throw IoError(store + ": cannot open " + path + " (key \"" + detail::printableKey(key) +
                  "\"): " + errnoText(errno));
  }
  Fd guard(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    throw IoError(store + ": cannot stat " + path + ": " + errnoText(errno));
  }
  Bytes data;
  data.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  for (;;) {
    if (got == data.size()) data.resize(data.size() + 4096);  // the file is never appended to; this only confirms EOF
    ssize_t n = ::read(fd, data.data() + got, data.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw IoError(store + ": cannot read " + path + ": " + errnoText(errno));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  data.resize(got);
  *out = std::move(data);
  return true;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Called after a poll found a key missing. Opening the directory makes an NFS
// client revalidate the directory's cached attributes (close-to-open applies
// to directories too), so a file another host created since is not hidden by
// a cached negative lookup until the attribute cache times out. Best effort;
// a cheap no-op on local file systems.
void refreshDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) ::close(fd);
}

}  // namespace

FileStore::FileStore(const std::string& dir) : dir_(dir) {
  if (dir_.empty()) throw InvalidArgument("FileStore: empty directory name");
  while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec || !std::filesystem::is_directory(dir_)) {
    throw IoError(describe() + ": cannot create directory " + dir_ + ": " +
                  (ec ? ec.message() : std::string("a non-directory is in the way")));
  }
}

FileStore::~FileStore() = default;

std::string FileStore::describe() const { return "FileStore(" + dir_ + ")"; }

std::string FileStore::pathFor(const std::string& key) const {
  return dir_ + "/k-" + escapeKey(key);
}

namespace {

// Writes `value` to a fresh temporary file next to `path` and renames it over
// `path`. On failure the temporary file is removed and IoError thrown.
void publish(const std::string& store, const std::string& dir, const std::string& key,
             const std::string& path, const Bytes& value) {
  static std::atomic<uint64_t> counter{0};
  static const std::string host = hostTag();
  std::string tmp = dir + "/t-" + escapeKey(key) + "." + host + "." + std::to_string(::getpid()) +
                    "." + std::to_string(counter.fetch_add(1));
  int fd;
  do {
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    throw IoError(store + ": cannot create " + tmp + " (key \"" + detail::printableKey(key) +
                  "\"): " + errnoText(errno));
  }
  auto fail = [&](const std::string& what, int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw IoError(store + ": " + what + " " + tmp + " (key \"" + detail::printableKey(key) +
                  "\"): " + errnoText(err));
  };
  size_t off = 0;
  while (off < value.size()) {
    ssize_t n = ::write(fd, value.data() + off, value.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", errno);
    }
    off += static_cast<size_t>(n);
  }
  // close() reports deferred write errors on network file systems.
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw IoError(store + ": cannot close " + tmp + " (key \"" + detail::printableKey(key) +
                  "\"): " + errnoText(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw IoError(store + ": cannot rename " + tmp + " to " + path + ": " + errnoText(err));
  }
}

}  // namespace

void FileStore::set(const std::string& key, const Bytes& value) {
  std::string path = pathFor(key);
  publish(describe(), dir_, key, path, value);
  std::lock_guard<std::mutex> g(mu_);
  if (std::find(created_.begin(), created_.end(), path) == created_.end()) created_.push_back(path);
}

Bytes FileStore::get(const std::string& key, std::chrono::milliseconds timeout) {
  auto deadline = detail::deadlineAfter(timeout);
  std::string path = pathFor(key);
  detail::Backoff backoff;
  Bytes out;
  for (;;) {
    if (readFile(describe(), key, path, &out)) return out;
    if (!backoff.sleep(deadline)) break;
    refreshDirectory(dir_);
  }
  throw detail::makeStoreTimeout(describe(), timeout, {key}, 1);
}

void FileStore::wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) {
  auto deadline = detail::deadlineAfter(timeout);
  std::vector<std::string> missing = keys;
  std::vector<std::string> paths;
  paths.reserve(keys.size());
  for (const auto& k : keys) paths.push_back(pathFor(k));
  detail::Backoff backoff;
  for (;;) {
    // Keys once seen stay seen: erase() is cleanup, not part of a rendezvous.
    std::vector<std::string> still;
    std::vector<std::string> stillPaths;
    for (size_t i = 0; i < missing.size(); ++i) {
      if (!exists(paths[i])) {
        still.push_back(missing[i]);
        stillPaths.push_back(paths[i]);
      }
    }
    missing.swap(still);
    paths.swap(stillPaths);
    if (missing.empty()) return;
    if (!backoff.sleep(deadline)) break;
    refreshDirectory(dir_);
  }
  throw detail::makeStoreTimeout(describe(), timeout, std::move(missing), keys.size());
}

int64_t FileStore::add(const std::string& key, int64_t delta) {
  std::string path = pathFor(key);
  std::string lockPath = dir_ + "/l-" + escapeKey(key);
  int fd;
  do {
    fd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    throw IoError(describe() + ": cannot open lock file " + lockPath + ": " + errnoText(errno));
  }
  Fd guard(fd);
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      throw IoError(describe() + ": cannot lock " + lockPath + ": " + errnoText(errno));
    }
  }
  // The lock is released when `guard` closes the descriptor.
  Bytes current;
  int64_t value = 0;
  if (readFile(describe(), key, path, &current)) value = detail::parseCounter(describe(), key, current);
  int64_t result = detail::addCounter(describe(), key, value, delta);
  std::string text = std::to_string(result);
  publish(describe(), dir_, key, path, Bytes(text.begin(), text.end()));
  std::lock_guard<std::mutex> g(mu_);
  for (const std::string* p : {&path, &lockPath}) {
    if (std::find(created_.begin(), created_.end(), *p) == created_.end()) created_.push_back(*p);
  }
  return result;
}

bool FileStore::check(const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    if (!exists(pathFor(k))) return false;
  }
  return true;
}

void FileStore::erase(const std::string& key) {
  std::string path = pathFor(key);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    throw IoError(describe() + ": cannot remove " + path + ": " + errnoText(errno));
  }
  std::lock_guard<std::mutex> g(mu_);
  created_.erase(std::remove(created_.begin(), created_.end(), path), created_.end());
}

void FileStore::removeOwnFiles() {
  std::lock_guard<std::mutex> g(mu_);
  for (const auto& p : created_) ::unlink(p.c_str());
  created_.clear();
}

void FileStore::removeAll(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) throw IoError("FileStore(" + dir + "): cannot remove the directory: " + ec.message());
}

}  // namespace gloo::rendezvous
