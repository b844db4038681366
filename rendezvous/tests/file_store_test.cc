// FileStore: the store contract, then what only a file-system store must do:
// rendezvous of forked processes (one starting late), add() atomic across
// processes, whole-value publication under concurrent rewrites, safe file
// names, and cleanup.
#include "rendezvous/file_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "rendezvous/tests/store_contract.h"

namespace gloo::rendezvous::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

std::string makeTempDir() {
  char tmpl[] = "/tmp/gloompi-filestore-XXXXXX";
  char* d = mkdtemp(tmpl);
  if (!d) throw std::runtime_error("mkdtemp failed");
  return d;
}

struct FileFactory {
  std::string skipReason() { return ""; }
  void setUp() { dir = makeTempDir(); }
  std::unique_ptr<Store> open() { return std::make_unique<FileStore>(dir); }
  void tearDown() {
    if (!dir.empty()) FileStore::removeAll(dir);
  }
  std::string dir;
};

INSTANTIATE_TYPED_TEST_SUITE_P(File, StoreContract, FileFactory);

// Runs `body` in `n` forked children (child index as argument); the child's
// exit status is 0 when body returns true, 1 when false, 2 on an exception.
// Returns the exit statuses.
template <class Body>
std::vector<int> runChildren(int n, Body body) {
  std::vector<pid_t> pids;
  for (int i = 0; i < n; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      int code = 2;
      try {
        code = body(i) ? 0 : 1;
      } catch (const std::exception& e) {
        fprintf(stderr, "child %d: %s\n", i, e.what());
      }
      _exit(code);
    }
    if (pid < 0) ADD_FAILURE() << "fork failed";
    pids.push_back(pid);
  }
  std::vector<int> codes;
  for (pid_t p : pids) {
    int status = 0;
    waitpid(p, &status, 0);
    codes.push_back(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  }
  return codes;
}

class FileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = makeTempDir(); }
  void TearDown() override { FileStore::removeAll(dir_); }

  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string dir_;
};

TEST_F(FileStoreTest, ProcessesRendezvousWithALateRank) {
  constexpr int kRanks = 4;
  std::vector<std::string> keys;
  for (int r = 0; r < kRanks; ++r) keys.push_back("rank/" + std::to_string(r) + "/addr");
  auto codes = runChildren(kRanks, [&](int rank) {
    if (rank == kRanks - 1) std::this_thread::sleep_for(milliseconds(300));  // the late rank
    FileStore s(dir_);
    s.setString(keys[rank], "10.0.0." + std::to_string(rank) + ":" + std::to_string(4000 + rank));
    s.wait(keys, milliseconds(10000));
    for (int r = 0; r < kRanks; ++r) {
      if (s.getString(keys[r], milliseconds(100)) != "10.0.0." + std::to_string(r) + ":" + std::to_string(4000 + r)) {
        return false;
      }
    }
    s.add("arrived", 1);
    return true;
  });
  for (int r = 0; r < kRanks; ++r) EXPECT_EQ(codes[r], 0) << "rank " << r;
  FileStore parent(dir_);
  EXPECT_EQ(parent.getString("arrived", milliseconds(100)), std::to_string(kRanks));
}

TEST_F(FileStoreTest, LateRankFindsKeysWithoutWaiting) {
  FileStore early(dir_);
  early.setString("ready", "yes");
  auto codes = runChildren(1, [&](int) {
    FileStore late(dir_);
    return late.check({"ready"}) && late.getString("ready", milliseconds(0)) == "yes";
  });
  EXPECT_EQ(codes[0], 0);
}

TEST_F(FileStoreTest, AddIsAtomicAcrossProcesses) {
  constexpr int kProcs = 4;
  constexpr int kEach = 100;
  auto codes = runChildren(kProcs, [&](int p) {
    FileStore s(dir_);
    std::ostringstream got;
    for (int i = 0; i < kEach; ++i) got << s.add("counter", 1) << ' ';
    s.setString("got/" + std::to_string(p), got.str());
    return true;
  });
  for (int p = 0; p < kProcs; ++p) ASSERT_EQ(codes[p], 0) << "process " << p;
  FileStore s(dir_);
  EXPECT_EQ(s.getString("counter", milliseconds(100)), std::to_string(kProcs * kEach));
  std::vector<int64_t> all;
  for (int p = 0; p < kProcs; ++p) {
    std::istringstream in(s.getString("got/" + std::to_string(p), milliseconds(100)));
    int64_t v;
    while (in >> v) all.push_back(v);
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), size_t(kProcs * kEach));
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], int64_t(i + 1)) << "lost or duplicated add";
}

TEST_F(FileStoreTest, ReaderNeverSeesAPartialValue) {
  constexpr size_t kSize = 1 << 20;
  FileStore writer(dir_);
  FileStore reader(dir_);
  writer.set("big", Bytes(kSize, 'A'));
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::thread w([&] {
    for (int i = 1; !stop.load(); ++i) {
      writer.set("big", Bytes(kSize, static_cast<uint8_t>('A' + i % 26)));
      writes.fetch_add(1);
    }
  });
  int reads = 0;
  int torn = 0;
  std::set<uint8_t> distinct;
  // Run for at least 200 ms and until enough reads overlapped enough writes;
  // the cap keeps a slow (sanitised, loaded) machine from hanging the test.
  auto start = std::chrono::steady_clock::now();
  auto enough = [&] {
    auto ran = std::chrono::steady_clock::now() - start;
    if (ran > std::chrono::seconds(10)) return true;
    return ran > milliseconds(200) && reads >= 20 && writes.load() >= 10 && distinct.size() >= 2;
  };
  while (!enough()) {
    Bytes v = reader.get("big", milliseconds(1000));
    ++reads;
    bool whole = v.size() == kSize && std::all_of(v.begin(), v.end(), [&](uint8_t c) { return c == v[0]; });
    if (!whole) ++torn;
    if (!v.empty()) distinct.insert(v[0]);
  }
  stop = true;
  w.join();
  EXPECT_EQ(torn, 0) << "of " << reads << " reads";
  EXPECT_GE(reads, 20);
  EXPECT_GE(writes.load(), 10);
  EXPECT_GE(distinct.size(), 2u) << "the reader never observed a rewrite";
  // Every temporary file was renamed away.
  EXPECT_EQ(entries().size(), 1u);
}

TEST_F(FileStoreTest, KeysBecomeFlatSafeFileNames) {
  FileStore s(dir_);
  std::vector<std::string> keys = {"a/b/c", "../../escape", "/abs", ":colon", "", ".", ".."};
  for (const auto& k : keys) s.setString(k, "v");
  auto names = entries();
  EXPECT_EQ(names.size(), keys.size());
  for (const auto& n : names) {
    EXPECT_TRUE(fs::is_regular_file(fs::path(dir_) / n)) << n;
    EXPECT_EQ(n.find('/'), std::string::npos) << n;
    EXPECT_NE(n, ".");
    EXPECT_NE(n, "..");
    EXPECT_LE(n.size(), 255u);
  }
  EXPECT_FALSE(fs::exists(fs::path(dir_).parent_path().parent_path() / "escape"));
}

TEST_F(FileStoreTest, RemoveOwnFilesLeavesOthersKeys) {
  FileStore mine(dir_);
  FileStore theirs(dir_);
  mine.setString("mine", "1");
  mine.add("my-counter", 3);
  theirs.setString("theirs", "2");
  EXPECT_GE(entries().size(), 4u);  // two values, a counter and its lock file
  mine.removeOwnFiles();
  EXPECT_FALSE(theirs.check({"mine"}));
  EXPECT_FALSE(theirs.check({"my-counter"}));
  EXPECT_TRUE(theirs.check({"theirs"}));
  EXPECT_EQ(entries().size(), 1u) << "lock files or values of `mine` left behind";
  mine.removeOwnFiles();  // nothing left to remove: no error
  theirs.removeOwnFiles();
  EXPECT_TRUE(entries().empty());
}

TEST_F(FileStoreTest, RemoveAllDeletesTheDirectory) {
  std::string sub = dir_ + "/job/42";
  FileStore s(sub);  // creates parents
  EXPECT_TRUE(fs::is_directory(sub));
  s.setString("k", "v");
  FileStore::removeAll(sub);
  EXPECT_FALSE(fs::exists(sub));
  EXPECT_NO_THROW(FileStore::removeAll(sub));  // already gone
}

TEST_F(FileStoreTest, DirectoryThatIsAFileIsAnError) {
  std::string file = dir_ + "/plain";
  FILE* f = fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  try {
    FileStore s(file);
    FAIL() << "a FileStore was opened on a regular file";
  } catch (const gloo::IoError& e) {
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
  }
}

TEST_F(FileStoreTest, DescribeNamesTheDirectory) {
  FileStore s(dir_ + "/");
  EXPECT_EQ(s.describe(), "FileStore(" + dir_ + ")");
  EXPECT_EQ(s.directory(), dir_);
}

}  // namespace
}  // namespace gloo::rendezvous::testing
