// gloo-bench: an OSU-style latency sweep of the engine's collectives.
//
// Two ways to run it:
//   gloo-bench -n N [options]       forks N ranks on this host; they meet
//                                   through a FileStore in a private temporary
//                                   folder and talk over TCP (loopback unless
//                                   GLOOMPI_IFNAME says otherwise).
//   gloo-bench --rank R --size N --rendezvous file:DIR|redis://HOST:PORT[/PREFIX]
//                                   one rank of a run spread over hosts.
//
// Method (the same as mpi-tests/osu_coll.c, so that the two compare line by
// line): for each message size, `warmup` untimed calls, a barrier, then
// `iters` timed calls back to back; each rank's average latency is its elapsed
// time / iters. The printed avg/min/max are the mean/min/max of those
// per-rank averages (as OSU does). Bus bandwidth follows the NCCL-tests
// convention: allreduce S*2(P-1)/P / t, allgather S*(P-1) / t (S per rank),
// broadcast and reduce S / t; 1 GB/s = 1e9 bytes/s.
// Validation (-c) runs one extra, untimed call per size on known data after
// the timed loop and checks every element on every rank.
//
// Output: rank 0 prints a '#' header naming collective, ranks, transport and
// algorithm choice, then one line per size:
//   size  avg_us  min_us  max_us  busbw_GBps  algorithm  [check]
// (--csv: the same fields comma-separated with a header row).
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "gloo/collectives.h"
#include "gloo/context.h"
#include "rendezvous/file_store.h"
#include "rendezvous/store.h"
#include "transport/tcp/device.h"

namespace {

using Clock = std::chrono::steady_clock;

enum class Coll { kAllreduce, kBroadcast, kBarrier, kReduce, kAllgather };

struct Options {
  Coll coll = Coll::kAllreduce;
  std::string collName = "allreduce";
  std::string algorithm;  // empty: the selection table
  size_t minSize = 4;
  size_t maxSize = size_t(256) << 20;
  long iters = -1;   // -1: by size (itersFor)
  long warmup = -1;  // -1: by size (warmupFor)
  bool validate = false;
  bool csv = false;
  int forkRanks = 0;  // -n
  int rank = -1;      // --rank
  int size = 0;       // --size
  std::string rendezvous;
};

// Iterations scaled down for large messages so that a full sweep to 256 MiB
// stays in seconds (mirrored in mpi-tests/osu_coll.c).
long itersFor(size_t bytes) {
  if (bytes <= 8192) return 1000;
  if (bytes <= (size_t(1) << 20)) return 100;
  return std::max<long>(5, long(100 * (size_t(1) << 20) / bytes));
}
long warmupFor(size_t bytes) {
  if (bytes <= 8192) return 100;
  if (bytes <= (size_t(1) << 20)) return 10;
  return 2;
}

[[noreturn]] void usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: gloo-bench [-n N | --rank R --size N --rendezvous URL] [options]\n"
               "  -n, --ranks N          fork N ranks on this host (default 2)\n"
               "  --rank R --size N      run as rank R of N (multi-host); needs --rendezvous\n"
               "  --rendezvous URL       file:/shared/dir or redis://host:port[/prefix]\n"
               "  -t, --collective NAME  allreduce (default), broadcast|bcast, barrier, reduce,\n"
               "                         allgather\n"
               "  -a, --algorithm NAME   force an algorithm (default: the selection table)\n"
               "  -m, --sizes MIN:MAX    message sizes in bytes, powers of 2 (default 4:256M;\n"
               "                         K/M/G suffixes allowed; 'MAX' alone keeps MIN=4)\n"
               "  -i, --iterations N     timed iterations per size (default: 1000, scaled down\n"
               "                         for large sizes)\n"
               "  -x, --warmup N         untimed iterations per size\n"
               "  -c, --validate         check results (adds a 'check' column)\n"
               "  --csv                  comma-separated output\n");
  std::exit(code);
}

size_t parseSize(const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || v < 0) throw gloo::InvalidArgument("gloo-bench: bad size '" + s + "'");
  std::string suf(end);
  double mult = 1;
  if (suf == "" || suf == "B") mult = 1;
  else if (suf == "K" || suf == "k") mult = 1024.0;
  else if (suf == "M" || suf == "m") mult = 1024.0 * 1024;
  else if (suf == "G" || suf == "g") mult = 1024.0 * 1024 * 1024;
  else throw gloo::InvalidArgument("gloo-bench: bad size suffix in '" + s + "'");
  return size_t(v * mult);
}

Options parseArgs(int argc, char** argv) {
  Options o;
  enum { kRank = 1000, kSize, kRendezvous, kCsv };
  static const option longOpts[] = {
      {"ranks", required_argument, nullptr, 'n'},
      {"rank", required_argument, nullptr, kRank},
      {"size", required_argument, nullptr, kSize},
      {"rendezvous", required_argument, nullptr, kRendezvous},
      {"collective", required_argument, nullptr, 't'},
      {"algorithm", required_argument, nullptr, 'a'},
      {"sizes", required_argument, nullptr, 'm'},
      {"iterations", required_argument, nullptr, 'i'},
      {"warmup", required_argument, nullptr, 'x'},
      {"validate", no_argument, nullptr, 'c'},
      {"csv", no_argument, nullptr, kCsv},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "n:t:a:m:i:x:ch", longOpts, nullptr)) != -1) {
    switch (c) {
      case 'n': o.forkRanks = std::atoi(optarg); break;
      case kRank: o.rank = std::atoi(optarg); break;
      case kSize: o.size = std::atoi(optarg); break;
      case kRendezvous: o.rendezvous = optarg; break;
      case 't': o.collName = optarg; break;
      case 'a': o.algorithm = optarg; break;
      case 'm': {
        std::string s(optarg);
        size_t colon = s.find(':');
        if (colon == std::string::npos) {
          o.maxSize = parseSize(s);
        } else {
          if (colon > 0) o.minSize = parseSize(s.substr(0, colon));
          if (colon + 1 < s.size()) o.maxSize = parseSize(s.substr(colon + 1));
        }
        break;
      }
      case 'i': o.iters = std::atol(optarg); break;
      case 'x': o.warmup = std::atol(optarg); break;
      case 'c': o.validate = true; break;
      case kCsv: o.csv = true; break;
      case 'h': usage(0);
      default: usage(2);
    }
  }
  if (optind != argc) usage(2);
  const std::string& n = o.collName;
  if (n == "allreduce") o.coll = Coll::kAllreduce;
  else if (n == "broadcast" || n == "bcast") o.coll = Coll::kBroadcast, o.collName = "broadcast";
  else if (n == "barrier") o.coll = Coll::kBarrier;
  else if (n == "reduce") o.coll = Coll::kReduce;
  else if (n == "allgather") o.coll = Coll::kAllgather;
  else {
    std::fprintf(stderr, "gloo-bench: unknown collective '%s'\n", n.c_str());
    usage(2);
  }
  if (o.rank >= 0 || !o.rendezvous.empty()) {
    if (o.rank < 0 || o.size <= 0 || o.rank >= o.size || o.rendezvous.empty() || o.forkRanks) {
      std::fprintf(stderr, "gloo-bench: --rank R --size N --rendezvous URL go together (0 <= R < N), "
                           "without -n\n");
      usage(2);
    }
  } else if (o.forkRanks <= 0) {
    o.forkRanks = 2;
  }
  if (o.minSize == 0 || o.minSize > o.maxSize) {
    std::fprintf(stderr, "gloo-bench: need 0 < MIN <= MAX in -m MIN:MAX\n");
    usage(2);
  }
  if (o.iters == 0 || o.warmup < -1) usage(2);
  return o;
}

// Values for validation: small integers so that float sums are exact.
float inputValue(int rank, size_t i) { return float((rank + 1) * int(i % 13 + 1)); }
uint8_t byteValue(int rank, size_t i) { return uint8_t(rank * 31 + i * 7 + 3); }

// One rank's benchmark. Returns 0 when every size ran (and validated).
class Bench {
 public:
  Bench(const Options& o, gloo::Context& ctx) : o_(o), ctx_(ctx) {
    const size_t p = size_t(ctx.size());
    const size_t maxOut = o.coll == Coll::kAllgather ? o.maxSize * p : o.maxSize;
    in_.assign(o.coll == Coll::kBarrier ? 0 : o.maxSize, 1);
    out_.assign(o.coll == Coll::kBarrier ? 0 : maxOut, 0);
  }

  int run() {
    printHeader();
    int failures = 0;
    if (o_.coll == Coll::kBarrier) {
      failures += runSize(0);
    } else {
      for (size_t s = o_.minSize; s <= o_.maxSize; s *= 2) {
        failures += runSize(s);
        if (s > o_.maxSize / 2) break;  // no overflow past the largest size
      }
    }
    return failures == 0 ? 0 : 1;
  }

 private:
  // The collective on `bytes` bytes; returns the algorithm that ran.
  const char* once(size_t bytes) {
    const size_t count = bytes / sizeof(float);
    switch (o_.coll) {
      case Coll::kAllreduce: {
        gloo::AllreduceArgs a;
        a.in = in_.data();
        a.out = out_.data();
        a.count = count;
        a.reduction = sum_;
        a.algorithm = o_.algorithm;
        return gloo::allreduce(ctx_, a);
      }
      case Coll::kReduce: {
        gloo::ReduceArgs a;
        a.in = in_.data();
        a.out = ctx_.rank() == 0 ? out_.data() : nullptr;
        a.count = count;
        a.reduction = sum_;
        a.root = 0;
        a.algorithm = o_.algorithm;
        return gloo::reduce(ctx_, a);
      }
      case Coll::kBroadcast: {
        gloo::BroadcastArgs a;
        a.data = out_.data();
        a.bytes = bytes;
        a.root = 0;
        a.algorithm = o_.algorithm;
        return gloo::broadcast(ctx_, a);
      }
      case Coll::kAllgather: {
        gloo::AllgatherArgs a;
        a.in = in_.data();
        a.out = out_.data();
        a.bytes = bytes;
        a.algorithm = o_.algorithm;
        return gloo::allgather(ctx_, a);
      }
      case Coll::kBarrier:
        return gloo::barrier(ctx_, o_.algorithm);
    }
    return "?";
  }

  // Fills the inputs with known data, runs once, checks. True if correct.
  bool validateOnce(size_t bytes) {
    const int rank = ctx_.rank();
    const int p = ctx_.size();
    const size_t count = bytes / sizeof(float);
    float* fin = reinterpret_cast<float*>(in_.data());
    float* fout = reinterpret_cast<float*>(out_.data());
    switch (o_.coll) {
      case Coll::kAllreduce:
      case Coll::kReduce: {
        for (size_t i = 0; i < count; ++i) fin[i] = inputValue(rank, i);
        std::fill(out_.begin(), out_.begin() + bytes, 0xee);
        once(bytes);
        if (o_.coll == Coll::kReduce && rank != 0) return true;
        const float ranks = float(p * (p + 1) / 2);
        for (size_t i = 0; i < count; ++i) {
          if (fout[i] != ranks * float(i % 13 + 1)) return false;
        }
        return true;
      }
      case Coll::kBroadcast: {
        for (size_t i = 0; i < bytes; ++i) out_[i] = rank == 0 ? byteValue(0, i) : 0;
        once(bytes);
        for (size_t i = 0; i < bytes; ++i) {
          if (out_[i] != byteValue(0, i)) return false;
        }
        return true;
      }
      case Coll::kAllgather: {
        for (size_t i = 0; i < bytes; ++i) in_[i] = byteValue(rank, i);
        std::fill(out_.begin(), out_.begin() + bytes * p, 0);
        once(bytes);
        for (int r = 0; r < p; ++r) {
          for (size_t i = 0; i < bytes; ++i) {
            if (out_[r * bytes + i] != byteValue(r, i)) return false;
          }
        }
        return true;
      }
      case Coll::kBarrier:
        once(0);
        return true;
    }
    return false;
  }

  int runSize(size_t bytes) {
    const long iters = o_.iters > 0 ? o_.iters : itersFor(bytes);
    const long warmup = o_.warmup >= 0 ? o_.warmup : warmupFor(bytes);
    const char* algo = "";
    for (long i = 0; i < warmup; ++i) algo = once(bytes);
    gloo::barrier(ctx_);
    const auto t0 = Clock::now();
    for (long i = 0; i < iters; ++i) algo = once(bytes);
    const auto t1 = Clock::now();
    const double myUs = std::chrono::duration<double, std::micro>(t1 - t0).count() / double(iters);

    int ok = 1;
    if (o_.validate) ok = validateOnce(bytes) ? 1 : 0;

    // Gather every rank's average latency and verdict at every rank.
    struct Sample {
      double us;
      double ok;
    } mine{myUs, double(ok)};
    std::vector<Sample> all(size_t(ctx_.size()));
    gloo::AllgatherArgs g;
    g.in = &mine;
    g.out = all.data();
    g.bytes = sizeof(Sample);
    gloo::allgather(ctx_, g);

    double sum = 0, mn = all[0].us, mx = all[0].us;
    bool allOk = true;
    for (const Sample& s : all) {
      sum += s.us;
      mn = std::min(mn, s.us);
      mx = std::max(mx, s.us);
      allOk = allOk && s.ok != 0;
    }
    const double avg = sum / double(all.size());
    if (ctx_.rank() == 0) printRow(bytes, avg, mn, mx, algo, allOk);
    return allOk ? 0 : 1;
  }

  double busBandwidth(size_t bytes, double us) const {
    if (us <= 0) return 0;
    const double p = ctx_.size();
    double factor = 0;
    switch (o_.coll) {
      case Coll::kAllreduce: factor = 2 * (p - 1) / p; break;
      case Coll::kAllgather: factor = p - 1; break;
      case Coll::kBroadcast:
      case Coll::kReduce: factor = 1; break;
      case Coll::kBarrier: factor = 0; break;
    }
    return double(bytes) * factor / (us * 1e-6) / 1e9;
  }

  void printHeader() const {
    if (ctx_.rank() != 0) return;
    if (o_.csv) {
      std::printf("collective,size,avg_us,min_us,max_us,busbw_GBps,algorithm%s\n",
                  o_.validate ? ",check" : "");
    } else {
      const bool reducing = o_.coll == Coll::kAllreduce || o_.coll == Coll::kReduce;
      std::printf("# gloo-bench: %s%s, %d ranks, transport %s, algorithm: %s\n",
                  o_.collName.c_str(), reducing ? " (float32 sum)" : "", ctx_.size(),
                  ctx_.transport().name(),
                  o_.algorithm.empty() ? "selection table" : o_.algorithm.c_str());
      std::printf("# %-10s %16s %16s %16s %14s  %s%s\n", "Size", "Avg Latency(us)",
                  "Min Latency(us)", "Max Latency(us)", "Bus BW(GB/s)", "Algorithm",
                  o_.validate ? "  Check" : "");
    }
    std::fflush(stdout);
  }

  void printRow(size_t bytes, double avg, double mn, double mx, const char* algo, bool ok) const {
    const double bw = busBandwidth(bytes, avg);
    if (o_.csv) {
      std::printf("%s,%zu,%.2f,%.2f,%.2f,%.3f,%s%s\n", o_.collName.c_str(), bytes, avg, mn, mx, bw,
                  algo, o_.validate ? (ok ? ",pass" : ",FAIL") : "");
    } else {
      std::printf("  %-10zu %16.2f %16.2f %16.2f %14.3f  %s%s\n", bytes, avg, mn, mx, bw, algo,
                  o_.validate ? (ok ? "  pass" : "  FAIL") : "");
    }
    std::fflush(stdout);
  }

  const Options& o_;
  gloo::Context& ctx_;
  gloo::Reduction sum_{gloo::DataType::kFloat32, gloo::ReduceOp::kSum};
  std::vector<uint8_t> in_, out_;
};

int runRank(const Options& o, gloo::rendezvous::Store& store, int rank, int size) {
  try {
    auto device = gloo::transport::tcp::createDevice();
    gloo::ContextOptions copts;
    copts.name = "gloo-bench";
    auto ctx = gloo::Context::create(store, device, rank, size, copts);
    return Bench(o, *ctx).run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gloo-bench rank %d: %s\n", rank, e.what());
    return 1;
  }
}

// -n N: forks the ranks, waits for them; the first failure kills the rest.
int forkRanks(const Options& o) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string pattern = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/gloo-bench.XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) {
    std::perror("gloo-bench: mkdtemp");
    return 1;
  }
  const std::string dir(buf.data());

  std::fflush(stdout);
  std::vector<pid_t> pids;
  for (int r = 0; r < o.forkRanks; ++r) {
    pid_t pid = fork();
    if (pid < 0) {
      std::perror("gloo-bench: fork");
      for (pid_t p : pids) kill(p, SIGKILL);
      break;
    }
    if (pid == 0) {
      int rc;
      {
        gloo::rendezvous::FileStore store(dir);
        rc = runRank(o, store, r, o.forkRanks);
      }
      std::fflush(stdout);
      std::fflush(stderr);
      _exit(rc);
    }
    pids.push_back(pid);
  }
  // After the first failure the other ranks get a grace period to fail on
  // their own (they see the dead peer and print what they know), then any
  // still running are terminated.
  int status = pids.size() == size_t(o.forkRanks) ? 0 : 1;
  size_t left = pids.size();
  std::chrono::steady_clock::time_point killAt = std::chrono::steady_clock::time_point::max();
  bool killed = false;
  std::vector<bool> reaped(pids.size(), false);
  while (left > 0) {
    int ws = 0;
    pid_t p = waitpid(-1, &ws, status == 0 ? 0 : WNOHANG);
    if (p < 0) break;
    if (p == 0) {
      if (!killed && std::chrono::steady_clock::now() >= killAt) {
        for (size_t i = 0; i < pids.size(); ++i) {
          if (!reaped[i]) kill(pids[i], SIGTERM);
        }
        killed = true;
      }
      usleep(20000);
      continue;
    }
    --left;
    const int rank = int(std::find(pids.begin(), pids.end(), p) - pids.begin());
    if (rank < int(pids.size())) reaped[size_t(rank)] = true;
    const bool ok = WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
    if (!ok) {
      if (WIFSIGNALED(ws) && !killed) {
        std::fprintf(stderr, "gloo-bench: rank %d killed by signal %d\n", rank, WTERMSIG(ws));
      }
      if (status == 0) {
        status = 1;
        killAt = std::chrono::steady_clock::now() + std::chrono::seconds(3);
      }
    }
  }
  gloo::rendezvous::FileStore::removeAll(dir);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    o = parseArgs(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  if (o.forkRanks > 0) return forkRanks(o);
  try {
    auto store = gloo::rendezvous::openStore(o.rendezvous);
    return runRank(o, *store, o.rank, o.size);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gloo-bench rank %d: %s\n", o.rank, e.what());
    return 1;
  }
}
