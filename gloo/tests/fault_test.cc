// Fault tests in process mode (real TCP, real FileStore): a rank that is
// SIGKILLed in the middle of a collective must make every survivor fail
// within its timeout, with an error naming the dead rank. A rank that stops
// answering (SIGSTOP) must make the survivors time out, not hang.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <vector>

#include "common/error.h"
#include "gloo/collectives.h"
#include "rendezvous/file_store.h"
#include "transport/tcp/device.h"

using namespace gloo;

namespace {

enum class Fault { kKill, kStop };

struct Outcome {
  int rank;
  int exitCode;
  std::string message;
};

// Forks n ranks. Rank `victim` runs a few allreduces, then kills or stops
// itself; the others loop on allreduce until they fail. Each survivor writes
// "<seconds-to-fail> <error message>" to its pipe.
std::vector<Outcome> run(int n, int victim, Fault fault, std::chrono::milliseconds timeout, size_t count) {
  char tmpl[] = "/tmp/gloompi-fault-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::vector<pid_t> pids;
  std::vector<int> fds;
  for (int r = 0; r < n; ++r) {
    int p[2];
    EXPECT_EQ(::pipe(p), 0);
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(p[0]);
      std::string out;
      int code = 0;
      try {
        rendezvous::FileStore store(dir);
        auto to = transport::tcp::Options::fromConfig();
        to.address = "127.0.0.1";
        auto dev = transport::tcp::createDevice(to);
        ContextOptions co;
        co.timeout = timeout;
        co.name = "fault";
        auto ctx = Context::create(store, dev, r, n, co);
        std::vector<float> buf(count, 1.0f);
        AllreduceArgs a;
        a.out = buf.data();
        a.count = count;
        a.reduction = Reduction(DataType::kFloat32, ReduceOp::kSum);
        for (int i = 0; i < 3; ++i) allreduce(*ctx, a);
        if (r == victim) {
          ::raise(fault == Fault::kKill ? SIGKILL : SIGSTOP);
          ::pause();
        }
        auto t0 = std::chrono::steady_clock::now();
        try {
          for (int i = 0; i < 1000000; ++i) allreduce(*ctx, a);
          out = "survivor completed every allreduce without an error";
          code = 2;
        } catch (const Error& e) {
          double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          out = std::to_string(s) + " " + e.what();
        }
      } catch (const std::exception& e) {
        out = std::string("setup failed: ") + e.what();
        code = 3;
      }
      ssize_t w = ::write(p[1], out.data(), out.size());
      (void)w;
      ::_exit(code);
    }
    ::close(p[1]);
    pids.push_back(pid);
    fds.push_back(p[0]);
  }
  std::vector<Outcome> res;
  for (int r = 0; r < n; ++r) {
    if (r == victim) continue;
    std::string msg;
    char buf[4096];
    ssize_t k;
    while ((k = ::read(fds[r], buf, sizeof buf)) > 0) msg.append(buf, k);
    int st = 0;
    ::waitpid(pids[r], &st, 0);
    res.push_back({r, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), msg});
  }
  ::kill(pids[victim], SIGKILL);
  int st;
  ::waitpid(pids[victim], &st, 0);
  for (int fd : fds) ::close(fd);
  rendezvous::FileStore::removeAll(dir);
  return res;
}

}  // namespace

TEST(Fault, KilledRankIsNamedBySurvivors) {
  const auto timeout = std::chrono::milliseconds(5000);
  for (size_t count : {size_t(1), size_t(1) << 20}) {
    auto res = run(4, 2, Fault::kKill, timeout, count);
    ASSERT_EQ(res.size(), 3u);
    for (const auto& o : res) {
      SCOPED_TRACE("rank " + std::to_string(o.rank) + " count " + std::to_string(count));
      EXPECT_EQ(o.exitCode, 0) << o.message;
      double secs = std::atof(o.message.c_str());
      EXPECT_LT(secs, 5.0 + 2.0) << o.message;
      // Ranks adjacent to the dead one see the connection drop and must name
      // it; the others may only see a neighbour's timeout, but must fail.
      EXPECT_NE(o.message.find("context 'fault'"), std::string::npos) << o.message;
      EXPECT_NE(o.message.find("peer"), std::string::npos) << o.message;
    }
    bool someoneNamedIt = false;
    for (const auto& o : res) someoneNamedIt |= o.message.find("peer 2") != std::string::npos;
    EXPECT_TRUE(someoneNamedIt) << "no survivor named the dead rank 2";
  }
}

TEST(Fault, StoppedRankCausesTimeoutNotHang) {
  const auto timeout = std::chrono::milliseconds(1500);
  auto res = run(3, 1, Fault::kStop, timeout, 16);
  ASSERT_EQ(res.size(), 2u);
  for (const auto& o : res) {
    SCOPED_TRACE("rank " + std::to_string(o.rank));
    EXPECT_EQ(o.exitCode, 0) << o.message;
    double secs = std::atof(o.message.c_str());
    EXPECT_LT(secs, 1.5 + 2.0) << o.message;
    EXPECT_NE(o.message.find("timed out"), std::string::npos) << o.message;
  }
}
