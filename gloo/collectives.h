// The engine's collectives: the public C++ API used by the MPI shim and by
// anyone embedding the engine.
//
// Conventions (all collectives):
//  - Every rank of the context calls the same collective with matching
//    arguments, in the same order as its other collectives.
//  - Sizes of non-reducing collectives are in BYTES; reducing collectives
//    take an element count and a Reduction.
//  - In-place: for allreduce/reduce/scan/exscan/reduce_scatter pass
//    in == nullptr or in == out (the data is taken from `out`). For
//    allgather(v)/gather(v) the MPI_IN_PLACE meaning is expressed with
//    in == nullptr (this rank's block already sits in `out`); for scatter(v)
//    out == nullptr leaves the root's block in place.
//  - `algorithm` empty selects through the selection table (selection.h),
//    which the GLOOMPI_ALGO_<COLLECTIVE> variable overrides; a name forces
//    one algorithm (InvalidArgument if unknown or not applicable).
//  - Each call returns the name of the algorithm that ran.
//  - Errors: gloo::Error subclasses with rank, peer, host, collective,
//    context name and sequence number in the message.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "gloo/context.h"
#include "gloo/reduction.h"

namespace gloo {

struct AllreduceArgs {
  const void* in = nullptr;
  void* out = nullptr;
  size_t count = 0;
  Reduction reduction;
  std::string algorithm;
};
const char* allreduce(Context& ctx, const AllreduceArgs& a);

struct ReduceArgs {
  const void* in = nullptr;
  void* out = nullptr;  // significant at root only (may be nullptr elsewhere)
  size_t count = 0;
  Reduction reduction;
  int root = 0;
  std::string algorithm;
};
const char* reduce(Context& ctx, const ReduceArgs& a);

struct BroadcastArgs {
  void* data = nullptr;
  size_t bytes = 0;
  int root = 0;
  std::string algorithm;
};
const char* broadcast(Context& ctx, const BroadcastArgs& a);

const char* barrier(Context& ctx, const std::string& algorithm = "");

struct AllgatherArgs {
  const void* in = nullptr;  // nullptr: in place (own block already in out)
  void* out = nullptr;       // size() * bytes
  size_t bytes = 0;          // per rank
  std::string algorithm;
};
const char* allgather(Context& ctx, const AllgatherArgs& a);

struct AllgathervArgs {
  const void* in = nullptr;  // nullptr: in place
  void* out = nullptr;
  std::vector<size_t> bytes;   // per rank
  std::vector<size_t> displs;  // byte offsets into out, per rank
  std::string algorithm;
};
const char* allgatherv(Context& ctx, const AllgathervArgs& a);

struct GatherArgs {
  const void* in = nullptr;  // nullptr at root: in place
  void* out = nullptr;       // root only
  size_t bytes = 0;          // per rank
  int root = 0;
  std::string algorithm;
};
const char* gather(Context& ctx, const GatherArgs& a);

struct GathervArgs {
  const void* in = nullptr;
  void* out = nullptr;
  std::vector<size_t> bytes;   // per rank (all ranks pass the full vector)
  std::vector<size_t> displs;  // root only meaningful
  int root = 0;
  std::string algorithm;
};
const char* gatherv(Context& ctx, const GathervArgs& a);

struct ScatterArgs {
  const void* in = nullptr;  // root only: size() * bytes
  void* out = nullptr;       // nullptr at root: in place
  size_t bytes = 0;
  int root = 0;
  std::string algorithm;
};
const char* scatter(Context& ctx, const ScatterArgs& a);

struct ScattervArgs {
  const void* in = nullptr;
  void* out = nullptr;
  std::vector<size_t> bytes;
  std::vector<size_t> displs;
  int root = 0;
  std::string algorithm;
};
const char* scatterv(Context& ctx, const ScattervArgs& a);

struct AlltoallArgs {
  const void* in = nullptr;  // nullptr: in place (data taken from out)
  void* out = nullptr;
  size_t bytes = 0;  // per destination block
  std::string algorithm;
};
const char* alltoall(Context& ctx, const AlltoallArgs& a);

struct AlltoallvArgs {
  const void* in = nullptr;  // nullptr: in place
  void* out = nullptr;
  std::vector<size_t> sendBytes, sendDispls;  // per destination
  std::vector<size_t> recvBytes, recvDispls;  // per source
  std::string algorithm;
};
const char* alltoallv(Context& ctx, const AlltoallvArgs& a);

struct ReduceScatterArgs {
  const void* in = nullptr;  // sum(counts) elements; nullptr: in place (in out)
  void* out = nullptr;       // counts[rank] elements (in place: full buffer, result at front)
  std::vector<size_t> counts;  // elements per rank
  Reduction reduction;
  std::string algorithm;
};
const char* reduceScatter(Context& ctx, const ReduceScatterArgs& a);
// reduce_scatter_block: every count equal.
const char* reduceScatterBlock(Context& ctx, const void* in, void* out, size_t countPerRank,
                               const Reduction& r, const std::string& algorithm = "");

struct ScanArgs {
  const void* in = nullptr;  // nullptr: in place
  void* out = nullptr;
  size_t count = 0;
  Reduction reduction;
  bool exclusive = false;  // exscan: rank 0's out is left untouched
  std::string algorithm;
};
const char* scan(Context& ctx, const ScanArgs& a);

}  // namespace gloo
