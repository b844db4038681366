#include "shim/preload/bootstrap.h"

#include <mpi.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>

#include "common/config.h"
#include "common/logging.h"
#include "rendezvous/prefix_store.h"
#include "shim/common/comm_registry.h"
#include "shim/common/stats.h"
#include "transport/tcp/device.h"

namespace gloompi::preload {
namespace {

std::once_flag gSetup;
std::atomic<bool> gReady{false};
std::atomic<bool> gDone{false};
std::shared_ptr<gloo::transport::Device> gDevice;

void progressMpi() {
  int flag = 0;
  PMPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
}

// A 64-bit id drawn by one rank and broadcast (job and context ids).
uint64_t randomId() {
  std::random_device rd;
  return ((static_cast<uint64_t>(rd()) << 32) ^ rd()) ^
         static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

std::vector<std::string> allgatherStrings(MPI_Comm comm, const std::string& mine, int size) {
  int len = static_cast<int>(mine.size());
  std::vector<int> lens(size), displs(size);
  PMPI_Allgather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, comm);
  int total = 0;
  for (int i = 0; i < size; ++i) displs[i] = total, total += lens[i];
  std::string all(total, '\0');
  PMPI_Allgatherv(mine.data(), len, MPI_CHAR, all.data(), lens.data(), displs.data(), MPI_CHAR, comm);
  std::vector<std::string> out(size);
  for (int i = 0; i < size; ++i) out[i] = all.substr(displs[i], lens[i]);
  return out;
}

std::shared_ptr<gloo::Context> buildContext(MPI_Comm comm) {
  int rank = 0, size = 1;
  PMPI_Comm_rank(comm, &rank);
  PMPI_Comm_size(comm, &size);
  gloo::ContextOptions opts;
  opts.name = commName(comm);
  std::shared_ptr<gloo::Context> ctx;
  const std::string url = gloo::config::getString("GLOOMPI_RENDEZVOUS");
  if (comm == MPI_COMM_WORLD && !url.empty()) {
    // The store holds the addresses; a job id drawn by rank 0 keeps jobs
    // that share a store (one folder, one Redis) apart. Each rank removes
    // its keys once everyone has read them.
    uint64_t job = rank == 0 ? randomId() : 0;
    PMPI_Bcast(&job, 1, MPI_UINT64_T, 0, comm);
    auto store = gloo::rendezvous::openStore(url);
    gloo::rendezvous::PrefixStore world("gloompi-" + std::to_string(job) + "/world", *store);
    ctx = gloo::Context::create(world, gDevice, rank, size, opts);
    PMPI_Barrier(comm);
    world.erase("addr/" + std::to_string(rank));
    if (rank == 0) world.erase("ctx/id");
  } else {
    uint64_t id = rank == 0 ? randomId() : 0;
    PMPI_Bcast(&id, 1, MPI_UINT64_T, 0, comm);
    auto tc = gDevice->createContext(rank, size, id);
    tc->setPeerAddresses(allgatherStrings(comm, tc->address(), size));
    ctx = std::make_shared<gloo::Context>(std::move(tc), gDevice, id, opts);
  }
  ctx->transport().setProgressHook({&progressMpi, std::chrono::microseconds(200)});
  return ctx;
}

void setup() {
  gloo::config::warnUnknownOnce();
  gDevice = gloo::transport::tcp::createDevice();
  setContextFactory(&buildContext);
  setFinalizeHook([] {
    gDone = true;
    int rank = 0;
    PMPI_Comm_rank(MPI_COMM_WORLD, &rank);
    stats::print(rank);
  });
}

}  // namespace

bool disabled() {
  static const bool d = [] {
    try {
      return gloo::config::getBool("GLOOMPI_DISABLE");
    } catch (const std::exception& e) {
      GLOO_WARN(e.what());
      return false;
    }
  }();
  return d;
}

bool strict() {
  static const bool s = [] {
    try {
      return gloo::config::getBool("GLOOMPI_STRICT");
    } catch (const std::exception&) {
      return false;
    }
  }();
  return s;
}

bool ready() {
  if (gReady.load(std::memory_order_acquire)) return !gDone.load(std::memory_order_relaxed);
  int init = 0, fin = 0;
  PMPI_Initialized(&init);
  PMPI_Finalized(&fin);
  if (!init || fin) return false;
  std::call_once(gSetup, setup);
  gReady.store(true, std::memory_order_release);
  return !gDone.load();
}

}  // namespace gloompi::preload
