// FileStore: a store in a directory of a (possibly shared) file system.
//
// Each key is one file, named by an escaped form of the key. A value is
// written to a temporary file in the same directory and published with
// rename(2), so readers see either nothing or the whole value, on one host or
// across hosts sharing the directory (NFS close-to-open consistency).
// add() serialises through an flock(2)-ed lock file next to the counter.
// Waiting polls the directory with a short back-off, so a rank that starts
// late simply finds the keys already there.
#pragma once

#include <mutex>

#include "rendezvous/store.h"

namespace gloo::rendezvous {

class FileStore : public Store {
 public:
  // Creates `dir` (and parents) if missing.
  explicit FileStore(const std::string& dir);
  ~FileStore() override;

  void set(const std::string& key, const Bytes& value) override;
  Bytes get(const std::string& key, std::chrono::milliseconds timeout) override;
  void wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) override;
  int64_t add(const std::string& key, int64_t delta) override;
  bool check(const std::vector<std::string>& keys) override;
  void erase(const std::string& key) override;
  std::string describe() const override;

  const std::string& directory() const { return dir_; }
  // Removes every file this store instance created (keys it set or added,
  // lock files). Safe to call when other ranks still read: only call it when
  // the job is done with the keys.
  void removeOwnFiles();
  // Removes the whole directory and its contents.
  static void removeAll(const std::string& dir);

 private:
  std::string pathFor(const std::string& key) const;
  std::string dir_;
  std::vector<std::string> created_;
  std::mutex mu_;
};

}  // namespace gloo::rendezvous
