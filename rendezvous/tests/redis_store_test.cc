// RedisStore: the store contract against a real redis-server started by the
// test on a free loopback port, then the Redis specifics: connecting before
// the server is up, giving up with the address named, passwords, prefixes
// through openStore(), reconnecting after a server restart, add() across
// processes, and the URL grammar. Skipped (with a message) where
// redis-server is not installed.
#include "rendezvous/redis_store.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <filesystem>
#include <sstream>

#include "rendezvous/prefix_store.h"
#include "rendezvous/tests/store_contract.h"

namespace gloo::rendezvous::testing {
namespace {

using std::chrono::milliseconds;

std::string findRedisServer() {
  if (const char* path = getenv("PATH")) {
    std::istringstream dirs(path);
    std::string d;
    while (std::getline(dirs, d, ':')) {
      if (d.empty()) continue;
      std::string cand = d + "/redis-server";
      if (access(cand.c_str(), X_OK) == 0) return cand;
    }
  }
  if (access("/usr/bin/redis-server", X_OK) == 0) return "/usr/bin/redis-server";
  return "";
}

const char* kNoServer = "redis-server is not installed (not in PATH nor /usr/bin): Redis tests skipped";

// A free TCP port on 127.0.0.1, found by binding port 0.
int freePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    throw std::runtime_error("bind to port 0 failed");
  }
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

bool accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  close(fd);
  return ok;
}

// One redis-server child process: no persistence, loopback only, killed
// with the test (and with this process, through PR_SET_PDEATHSIG; that
// signal fires when the forking *thread* ends, so start servers only from
// the test's main thread).
class RedisServer {
 public:
  ~RedisServer() { stop(); }

  void start(int port, const std::string& password = "") {
    stop();
    port_ = port;
    std::string bin = findRedisServer();
    if (bin.empty()) throw std::runtime_error(kNoServer);
    std::string dir = std::filesystem::temp_directory_path().string();
    std::vector<std::string> args = {bin,        "--port",       std::to_string(port),
                                     "--bind",   "127.0.0.1",    "--save",
                                     "",         "--appendonly", "no",
                                     "--daemonize", "no",        "--dir",
                                     dir};
    if (!password.empty()) {
      args.push_back("--requirepass");
      args.push_back(password);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      int null = open("/dev/null", O_RDWR);
      dup2(null, 1);
      dup2(null, 2);
      execv(argv[0], argv.data());
      _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!accepts(port)) {
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("redis-server exited at start (port " + std::to_string(port) + ")");
      }
      if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("redis-server did not start");
      std::this_thread::sleep_for(milliseconds(2));
    }
  }

  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

  int port() const { return port_; }
  RedisAddress address() const {
    RedisAddress a;
    a.host = "127.0.0.1";
    a.port = port_;
    return a;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

struct RedisFactory {
  std::string skipReason() { return findRedisServer().empty() ? kNoServer : ""; }
  void setUp() { server.start(freePort()); }
  std::unique_ptr<Store> open() { return std::make_unique<RedisStore>(server.address(), milliseconds(5000)); }
  void tearDown() { server.stop(); }
  RedisServer server;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Redis, StoreContract, RedisFactory);

class RedisStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (findRedisServer().empty()) GTEST_SKIP() << kNoServer;
  }
  RedisServer server_;
};

TEST_F(RedisStoreTest, ConnectRetriesUntilTheServerStarts) {
  int port = freePort();
  RedisAddress addr;
  addr.port = port;
  std::unique_ptr<RedisStore> store;
  std::string error;
  auto t0 = std::chrono::steady_clock::now();
  std::thread client([&] {
    try {
      store = std::make_unique<RedisStore>(addr, milliseconds(10000));
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  std::this_thread::sleep_for(milliseconds(300));
  server_.start(port);
  client.join();
  ASSERT_TRUE(store) << error;
  EXPECT_GE(std::chrono::steady_clock::now() - t0, milliseconds(290));
  store->setString("k", "v");
  EXPECT_EQ(store->getString("k", milliseconds(1000)), "v");
}

TEST_F(RedisStoreTest, ConnectTimeoutNamesTheAddress) {
  RedisAddress addr;
  addr.port = freePort();  // nobody listens
  auto t0 = std::chrono::steady_clock::now();
  try {
    RedisStore s(addr, milliseconds(300));
    FAIL() << "connected to a port nobody listens on";
  } catch (const gloo::IoError& e) {
    auto elapsed = std::chrono::steady_clock::now() - t0;
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(addr.port)), std::string::npos)
        << e.what();
    EXPECT_GE(elapsed, milliseconds(280));
    EXPECT_LT(elapsed, milliseconds(3000));
  }
}

TEST_F(RedisStoreTest, PasswordIsSentWithAuth) {
  const std::string password = "s3cr/et@x";
  server_.start(freePort(), password);
  std::string base = "127.0.0.1:" + std::to_string(server_.port());
  auto store = openStore("redis://:s3cr%2Fet%40x@" + base);
  store->setString("k", "v");
  EXPECT_EQ(store->getString("k", milliseconds(1000)), "v");

  // Without or with a wrong password the server refuses: fail at once, not
  // after retrying for the whole connect timeout.
  auto t0 = std::chrono::steady_clock::now();
  try {
    RedisStore s(server_.address(), milliseconds(10000));
    FAIL() << "connected without the password";
  } catch (const gloo::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("NOAUTH"), std::string::npos) << e.what();
  }
  RedisAddress wrong = server_.address();
  wrong.password = "guess";
  EXPECT_THROW(RedisStore(wrong, milliseconds(10000)), gloo::IoError);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(3000));
}

TEST_F(RedisStoreTest, UrlPrefixIsolatesKeys) {
  server_.start(freePort());
  std::string base = "redis://127.0.0.1:" + std::to_string(server_.port());
  auto pfx = openStore(base + "/pfx");
  auto other = openStore(base + "/other");
  RedisStore raw(server_.address(), milliseconds(5000));
  pfx->setString("k", "in pfx");
  other->setString("k", "in other");
  EXPECT_EQ(pfx->getString("k", milliseconds(1000)), "in pfx");
  EXPECT_EQ(other->getString("k", milliseconds(1000)), "in other");
  EXPECT_EQ(raw.getString("pfx/k", milliseconds(1000)), "in pfx");
  EXPECT_FALSE(raw.check({"k"}));
  EXPECT_NE(pfx->describe().find("pfx"), std::string::npos) << pfx->describe();
  EXPECT_NE(pfx->describe().find(std::to_string(server_.port())), std::string::npos) << pfx->describe();
  auto plain = openStore(base);
  EXPECT_TRUE(plain->check({"pfx/k", "other/k"}));
}

TEST_F(RedisStoreTest, ReconnectsAfterServerRestart) {
  int port = freePort();
  server_.start(port);
  RedisStore store(server_.address(), milliseconds(5000));
  store.setString("before", "1");
  server_.stop();
  server_.start(port);  // a new, empty server on the same port
  store.setString("after", "2");
  EXPECT_EQ(store.getString("after", milliseconds(1000)), "2");
  EXPECT_FALSE(store.check({"before"})) << "the old server's data should be gone";
  server_.stop();
  server_.start(port);
  EXPECT_EQ(store.add("n", 1), 1);  // add reconnects through its PING

  // An operation issued while the server is down waits for it to return.
  // (The server is started from the main thread: its death signal follows
  // the thread that forked it.)
  server_.stop();
  std::string error;
  std::thread op([&] {
    try {
      store.setString("during", "3");
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  std::this_thread::sleep_for(milliseconds(200));
  server_.start(port);
  op.join();
  EXPECT_EQ(error, "");
  EXPECT_EQ(store.getString("during", milliseconds(1000)), "3");
}

TEST_F(RedisStoreTest, AddIsAtomicAcrossProcesses) {
  server_.start(freePort());
  constexpr int kProcs = 4;
  constexpr int kEach = 100;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    if (pid == 0) {
      int code = 2;
      try {
        RedisStore s(server_.address(), milliseconds(5000));
        for (int i = 0; i < kEach; ++i) s.add("counter", 1);
        code = 0;
      } catch (const std::exception& e) {
        fprintf(stderr, "child %d: %s\n", p, e.what());
      }
      _exit(code);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  RedisStore s(server_.address(), milliseconds(5000));
  EXPECT_EQ(s.getString("counter", milliseconds(1000)), std::to_string(kProcs * kEach));
}

TEST(RedisAddress, ParsesUrls) {
  struct Case {
    const char* url;
    const char* host;
    int port;
    const char* password;
    const char* prefix;
  };
  const Case cases[] = {
      {"redis://127.0.0.1:6379", "127.0.0.1", 6379, "", ""},
      {"redis://db.example.org:7000/", "db.example.org", 7000, "", ""},
      {"redis://localhost", "localhost", 6379, "", ""},
      {"redis://:pw@h:1234/pre/fix", "h", 1234, "pw", "pre/fix"},
      {"redis://[::1]:6379", "::1", 6379, "", ""},
      {"redis://[fe80::1:2]:1/job", "fe80::1:2", 1, "", "job"},
      {"redis://[::1]", "::1", 6379, "", ""},
      {"redis://:p%40ss%2Fw:rd@10.1.2.3:65535/x", "10.1.2.3", 65535, "p@ss/w:rd", "x"},
      {"redis://:@h:5", "h", 5, "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    RedisAddress a = RedisAddress::parse(c.url);
    EXPECT_EQ(a.host, c.host);
    EXPECT_EQ(a.port, c.port);
    EXPECT_EQ(a.password, c.password);
    EXPECT_EQ(a.prefix, c.prefix);
  }
}

TEST(RedisAddress, RejectsBadUrls) {
  const char* bad[] = {
      "http://h:1",      "redis:/h:1",      "redis://",        "redis://:6379",
      "redis://h:",      "redis://h:abc",   "redis://h:0",     "redis://h:65536",
      "redis://h:123456", "redis://::1:6379", "redis://[::1",   "redis://[::1]6379",
      "redis://[]:1",    "redis://user:pw@h:1", "redis://:p%zz@h:1", "redis://h:-1",
  };
  for (const char* url : bad) {
    SCOPED_TRACE(url);
    EXPECT_THROW(RedisAddress::parse(url), gloo::InvalidArgument);
    EXPECT_THROW(openStore(url), gloo::InvalidArgument);
  }
  try {
    RedisAddress::parse("redis://:topsecret@h:abc");
    FAIL() << "bad port accepted";
  } catch (const gloo::InvalidArgument& e) {
    EXPECT_EQ(std::string(e.what()).find("topsecret"), std::string::npos) << "password leaked: " << e.what();
    EXPECT_NE(std::string(e.what()).find("port"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gloo::rendezvous::testing
