// The MPI collectives expressed on the engine, shared by both MPI faces.
//
// Each function takes the MPI arguments (counts widened to 64 bits, so the
// int and large-count `_c` entry points share it), decides whether the
// engine can run the call, and either runs it (returns true) or returns
// false with call.why set, in which case the face runs the real MPI (preload)
// or reports MPI_ERR_UNSUPPORTED_OPERATION (standalone). The decision uses
// only what MPI requires to be identical on every rank (communicator kind,
// datatype signature, op), so ranks never disagree on offloading.
// Engine errors propagate as gloo::Error; the face maps them.
#pragma once

#include <mpi.h>

#include <memory>
#include <string>
#include <vector>

#include "gloo/context.h"

namespace gloompi {

struct Call {
  const char* name;       // "MPI_Allreduce"
  MPI_Comm comm;
  std::string why;        // reason for a fallback
  const char* algorithm = "";
  size_t bytes = 0;       // payload per rank, for statistics
  std::shared_ptr<gloo::Context> ctx;
};

using Counts = std::vector<long long>;

bool allreduce(Call& c, const void* sbuf, void* rbuf, long long count, MPI_Datatype dt, MPI_Op op);
bool reduce(Call& c, const void* sbuf, void* rbuf, long long count, MPI_Datatype dt, MPI_Op op, int root);
bool bcast(Call& c, void* buf, long long count, MPI_Datatype dt, int root);
bool barrier(Call& c);
bool allgather(Call& c, const void* sbuf, long long scount, MPI_Datatype stype, void* rbuf, long long rcount,
               MPI_Datatype rtype);
bool allgatherv(Call& c, const void* sbuf, long long scount, MPI_Datatype stype, void* rbuf,
                const Counts& rcounts, const Counts& displs, MPI_Datatype rtype);
bool gather(Call& c, const void* sbuf, long long scount, MPI_Datatype stype, void* rbuf, long long rcount,
            MPI_Datatype rtype, int root);
bool gatherv(Call& c, const void* sbuf, long long scount, MPI_Datatype stype, void* rbuf, const Counts& rcounts,
             const Counts& displs, MPI_Datatype rtype, int root);
bool scatter(Call& c, const void* sbuf, long long scount, MPI_Datatype stype, void* rbuf, long long rcount,
             MPI_Datatype rtype, int root);
bool scatterv(Call& c, const void* sbuf, const Counts& scounts, const Counts& displs, MPI_Datatype stype,
              void* rbuf, long long rcount, MPI_Datatype rtype, int root);
bool alltoall(Call& c, const void* sbuf, long long scount, MPI_Datatype stype, void* rbuf, long long rcount,
              MPI_Datatype rtype);
bool alltoallv(Call& c, const void* sbuf, const Counts& scounts, const Counts& sdispls, MPI_Datatype stype,
               void* rbuf, const Counts& rcounts, const Counts& rdispls, MPI_Datatype rtype);
bool reduceScatter(Call& c, const void* sbuf, void* rbuf, const Counts& rcounts, MPI_Datatype dt, MPI_Op op);
bool reduceScatterBlock(Call& c, const void* sbuf, void* rbuf, long long rcount, MPI_Datatype dt, MPI_Op op);
bool scan(Call& c, const void* sbuf, void* rbuf, long long count, MPI_Datatype dt, MPI_Op op, bool exclusive);

// Reads a C array of n ints / MPI_Count / MPI_Aint into Counts.
template <typename T>
Counts widen(const T* p, int n) {
  Counts v(n > 0 ? n : 0);
  for (int i = 0; i < n; ++i) v[i] = static_cast<long long>(p[i]);
  return v;
}

}  // namespace gloompi
