// See harness.h. Process mode protocol: the parent creates a temporary
// folder for the FileStore and one pipe per child; each child runs `fn`,
// writes a failure description (if any) to its pipe and _exit()s with 0
// (success) or 1 (failure). The parent collects every child within the
// limit, kills whatever is left, and removes the folder.
#include "gloo/tests/harness.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "rendezvous/file_store.h"
#include "rendezvous/hash_store.h"
#include "transport/local/device.h"
#include "transport/tcp/device.h"

namespace gloo::testing {

std::string modeName(Mode m) { return m == Mode::kThreads ? "threads" : "processes"; }

void fillRandom(void* p, size_t n, uint64_t seed, int rank) {
  uint64_t x = seed * 0x9e3779b97f4a7c15ULL + static_cast<uint64_t>(rank) * 0xd1b54a32d192ed03ULL + 1;
  auto* b = static_cast<uint8_t*>(p);
  size_t i = 0;
  while (i < n) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    for (int k = 0; k < 8 && i < n; ++k, ++i) b[i] = static_cast<uint8_t>(x >> (8 * k));
  }
}

namespace {

ContextOptions contextOptions(const RunOptions& opts) {
  ContextOptions co;
  co.timeout = opts.timeout;
  co.name = "test";
  return co;
}

void runThreads(int n, const std::function<void(Context&)>& fn, const RunOptions& opts) {
  rendezvous::HashStore store;
  auto device = transport::local::createDevice();
  std::mutex mu;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r) {
    threads.emplace_back([&, r] {
      try {
        auto ctx = Context::create(store, device, r, n, contextOptions(opts));
        fn(*ctx);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> g(mu);
        errors.push_back("rank " + std::to_string(r) + ": " + e.what());
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) ADD_FAILURE() << "[threads, " << n << " ranks] " << e;
}

void runProcesses(int n, const std::function<void(Context&)>& fn, const RunOptions& opts) {
  char tmpl[] = "/tmp/gloompi-test-XXXXXX";
  char* dir = ::mkdtemp(tmpl);
  ASSERT_NE(dir, nullptr) << "mkdtemp: " << std::strerror(errno);
  std::string storeDir = dir;

  std::vector<pid_t> pids(n, -1);
  std::vector<int> fds(n, -1);
  for (int r = 0; r < n; ++r) {
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    std::fflush(nullptr);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0) << "fork: " << std::strerror(errno);
    if (pid == 0) {
      ::close(p[0]);
      std::string failure;
      // The child inherits the parent's record of the current test: only
      // assertion results added from here on are this rank's.
      const ::testing::TestResult* result =
          ::testing::UnitTest::GetInstance()->current_test_info()->result();
      const int partsBefore = result->total_part_count();
      try {
        rendezvous::FileStore store(storeDir);
        transport::tcp::Options to = transport::tcp::Options::fromConfig();
        to.address = "127.0.0.1";
        auto device = transport::tcp::createDevice(to);
        auto ctx = Context::create(store, device, r, n, contextOptions(opts));
        fn(*ctx);
      } catch (const std::exception& e) {
        failure = e.what();
      }
      for (int i = partsBefore; failure.empty() && i < result->total_part_count(); ++i) {
        if (result->GetTestPartResult(i).failed()) {
          failure = std::string("GoogleTest assertion failed: ") + result->GetTestPartResult(i).summary();
        }
      }
      if (!failure.empty()) {
        ssize_t w = ::write(p[1], failure.data(), failure.size());
        (void)w;
      }
      ::close(p[1]);
      std::fflush(nullptr);
      ::_exit(failure.empty() ? 0 : 1);
    }
    ::close(p[1]);
    pids[r] = pid;
    fds[r] = p[0];
  }

  auto deadline = std::chrono::steady_clock::now() + opts.limit;
  std::vector<std::string> msgs(n);
  std::vector<int> status(n, -1);
  int remaining = n;
  while (remaining > 0) {
    // Drain pipes so a child never blocks writing its message.
    for (int r = 0; r < n; ++r) {
      if (fds[r] < 0) continue;
      char buf[4096];
      int fl = ::fcntl(fds[r], F_GETFL);
      ::fcntl(fds[r], F_SETFL, fl | O_NONBLOCK);
      ssize_t k;
      while ((k = ::read(fds[r], buf, sizeof buf)) > 0) msgs[r].append(buf, k);
      if (k == 0) {
        ::close(fds[r]);
        fds[r] = -1;
      }
    }
    for (int r = 0; r < n; ++r) {
      if (pids[r] <= 0 || status[r] != -1) continue;
      int st = 0;
      pid_t w = ::waitpid(pids[r], &st, WNOHANG);
      if (w == pids[r]) {
        status[r] = st;
        --remaining;
      }
    }
    if (remaining == 0) break;
    if (std::chrono::steady_clock::now() > deadline) {
      for (int r = 0; r < n; ++r) {
        if (status[r] == -1) {
          ::kill(pids[r], SIGKILL);
          int st = 0;
          ::waitpid(pids[r], &st, 0);
          status[r] = st;
          msgs[r] += " [killed: still running after the harness limit]";
        }
      }
      break;
    }
    ::usleep(2000);
  }
  for (int r = 0; r < n; ++r) {
    if (fds[r] >= 0) {
      char buf[4096];
      ssize_t k;
      while ((k = ::read(fds[r], buf, sizeof buf)) > 0) msgs[r].append(buf, k);
      ::close(fds[r]);
    }
    int st = status[r];
    bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    if (!ok) {
      std::string how = WIFSIGNALED(st) ? "killed by signal " + std::to_string(WTERMSIG(st))
                                        : "exit code " + std::to_string(WEXITSTATUS(st));
      ADD_FAILURE() << "[processes, " << n << " ranks] rank " << r << " failed (" << how << "): " << msgs[r];
    }
  }
  rendezvous::FileStore::removeAll(storeDir);
}

}  // namespace

void runRanks(int n, const std::function<void(Context&)>& fn, const RunOptions& opts) {
  if (opts.mode == Mode::kThreads) runThreads(n, fn, opts);
  else runProcesses(n, fn, opts);
}

}  // namespace gloo::testing
