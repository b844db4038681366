// allreduce_example: the smallest complete program using the gloompi engine.
//
// Run one process per rank; all of them must be given the same SIZE and the
// same store directory (a fresh, empty one per job; on several hosts, a
// shared file system):
//
//   ./allreduce_example 0 2 /tmp/job42 &  ./allreduce_example 1 2 /tmp/job42
//
// Each rank meets the others through a FileStore, connects over TCP, then
// runs an allreduce (sum of floats), a broadcast from rank 0 and a barrier,
// and checks the results. Exit status 0 means every check passed.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "gloo/collectives.h"
#include "gloo/context.h"
#include "rendezvous/file_store.h"
#include "transport/tcp/device.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s RANK SIZE STORE_DIR\n", argv[0]);
    return 2;
  }
  const int rank = std::atoi(argv[1]);
  const int size = std::atoi(argv[2]);
  const std::string dir = argv[3];

  try {
    // 1. Rendezvous: every rank publishes its address in the store and reads
    //    the others'. The TCP device picks the interface from GLOOMPI_IFNAME
    //    (or the host name's address); connections open on first use.
    gloo::rendezvous::FileStore store(dir);
    auto device = gloo::transport::tcp::createDevice();
    gloo::ContextOptions options;
    options.name = "example";
    auto ctx = gloo::Context::create(store, device, rank, size, options);

    // 2. Allreduce: element i of every rank's vector is rank + i; after the
    //    sum, element i is the same on every rank: sum(rank) + size * i.
    const size_t count = 1000;
    std::vector<float> data(count);
    for (size_t i = 0; i < count; ++i) data[i] = static_cast<float>(rank + i);

    gloo::AllreduceArgs ar;
    ar.in = nullptr;  // in place: the input is taken from `out`
    ar.out = data.data();
    ar.count = count;
    ar.reduction = gloo::Reduction(gloo::DataType::kFloat32, gloo::ReduceOp::kSum);
    const char* algorithm = gloo::allreduce(*ctx, ar);

    const float rankSum = static_cast<float>(size * (size - 1) / 2);
    for (size_t i = 0; i < count; ++i) {
      const float want = rankSum + static_cast<float>(size * i);
      if (data[i] != want) {
        std::fprintf(stderr, "rank %d: allreduce element %zu is %g, want %g\n", rank, i,
                     data[i], want);
        return 1;
      }
    }

    // 3. Broadcast: rank 0's text reaches everyone (sizes are in bytes).
    char message[32] = {};
    if (rank == 0) std::snprintf(message, sizeof(message), "hello from rank 0");
    gloo::BroadcastArgs bc;
    bc.data = message;
    bc.bytes = sizeof(message);
    bc.root = 0;
    gloo::broadcast(*ctx, bc);
    if (std::string(message) != "hello from rank 0") {
      std::fprintf(stderr, "rank %d: broadcast gave '%s'\n", rank, message);
      return 1;
    }

    // 4. Barrier: nobody leaves (and removes its store files) before all
    //    ranks have read what they need.
    gloo::barrier(*ctx);
    std::printf("rank %d/%d: allreduce (%s) and broadcast OK over %s\n", rank, size, algorithm,
                ctx->transport().name());
  } catch (const gloo::Error& e) {
    // Every engine error carries rank, peer, host and operation in its text.
    std::fprintf(stderr, "rank %d: %s\n", rank, e.what());
    return 1;
  }
  return 0;
}
