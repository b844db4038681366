// Preload face: the MPI_* collectives the shim defines in front of MPICH.
//
// Every entry point funnels into intercept(): pass through to PMPI_* when
// the shim is disabled, not ready (before MPI_Init, after teardown) or
// re-entered (the shim's own MPI calls, e.g. PMPI_Allgather during context
// set-up, use PMPI_* directly; the guard also protects against an MPI
// implementation that calls MPI_* internally); otherwise try the engine, and
// fall back to PMPI_* when the call cannot be offloaded. No C++ exception
// crosses this boundary. MPI_Op_create/MPI_Op_free/MPI_Type_free are
// interposed only to keep the op and datatype tables current.
#include <mpi.h>

#include <chrono>

#include "common/logging.h"
#include "shim/common/collectives.h"
#include "shim/common/comm_registry.h"
#include "shim/common/datatype.h"
#include "shim/common/errors.h"
#include "shim/common/op.h"
#include "shim/common/stats.h"
#include "shim/preload/bootstrap.h"

#define GLOOMPI_EXPORT extern "C" __attribute__((visibility("default")))

namespace gloompi::preload {
namespace {

thread_local int tDepth = 0;

struct Depth {
  Depth() { ++tDepth; }
  ~Depth() { --tDepth; }
};

template <typename Offload, typename Fallback>
int intercept(const char* name, MPI_Comm comm, Offload&& offload, Fallback&& fallback) {
  if (tDepth > 0 || disabled()) return fallback();
  Depth d;
  Call c{name, comm, {}, "", 0, nullptr};
  try {
    if (!ready()) return fallback();
    const auto t0 = std::chrono::steady_clock::now();
    if (offload(c)) {
      if (stats::enabled()) {
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        stats::recordOffload(name, c.ctx ? c.ctx->name() : commName(comm), c.bytes, s, c.algorithm);
      } else {
        stats::recordOffload(name, std::string(), c.bytes, 0, c.algorithm);
      }
      return MPI_SUCCESS;
    }
  } catch (const std::exception& e) {
    return raise(c, e);
  } catch (...) {
    return raise(c, MPI_ERR_INTERN, "unknown exception");
  }
  if (strict()) {
    return raise(c, MPI_ERR_UNSUPPORTED_OPERATION,
                 "GLOOMPI_STRICT=1 and the call cannot be offloaded: " + c.why);
  }
  GLOO_INFO(name << " on " << commName(comm) << " falls back to MPI: " << c.why);
  stats::recordFallback(name, commName(comm), c.why);
  return fallback();
}

int commSize(MPI_Comm comm) {
  int n = 0;
  PMPI_Comm_size(comm, &n);
  return n;
}

int commRank(MPI_Comm comm) {
  int r = 0;
  PMPI_Comm_rank(comm, &r);
  return r;
}

template <typename T>
Counts widenIf(const T* p, MPI_Comm comm) {
  return p ? widen(p, commSize(comm)) : Counts(commSize(comm), 0);
}

}  // namespace
}  // namespace gloompi::preload

using namespace gloompi;
using gloompi::preload::intercept;
using gloompi::preload::widenIf;

// ---- the three that matter most ---------------------------------------------

GLOOMPI_EXPORT int MPI_Allreduce(const void* s, void* r, int n, MPI_Datatype dt, MPI_Op op, MPI_Comm comm) {
  return intercept("MPI_Allreduce", comm, [&](Call& c) { return allreduce(c, s, r, n, dt, op); },
                   [&] { return PMPI_Allreduce(s, r, n, dt, op, comm); });
}
GLOOMPI_EXPORT int MPI_Allreduce_c(const void* s, void* r, MPI_Count n, MPI_Datatype dt, MPI_Op op,
                                   MPI_Comm comm) {
  return intercept("MPI_Allreduce_c", comm, [&](Call& c) { return allreduce(c, s, r, n, dt, op); },
                   [&] { return PMPI_Allreduce_c(s, r, n, dt, op, comm); });
}
GLOOMPI_EXPORT int MPI_Bcast(void* b, int n, MPI_Datatype dt, int root, MPI_Comm comm) {
  return intercept("MPI_Bcast", comm, [&](Call& c) { return bcast(c, b, n, dt, root); },
                   [&] { return PMPI_Bcast(b, n, dt, root, comm); });
}
GLOOMPI_EXPORT int MPI_Bcast_c(void* b, MPI_Count n, MPI_Datatype dt, int root, MPI_Comm comm) {
  return intercept("MPI_Bcast_c", comm, [&](Call& c) { return bcast(c, b, n, dt, root); },
                   [&] { return PMPI_Bcast_c(b, n, dt, root, comm); });
}
GLOOMPI_EXPORT int MPI_Barrier(MPI_Comm comm) {
  return intercept("MPI_Barrier", comm, [&](Call& c) { return barrier(c); }, [&] { return PMPI_Barrier(comm); });
}

// ---- reduce, scans, reduce-scatter ---------------------------------------------

GLOOMPI_EXPORT int MPI_Reduce(const void* s, void* r, int n, MPI_Datatype dt, MPI_Op op, int root, MPI_Comm comm) {
  return intercept("MPI_Reduce", comm, [&](Call& c) { return reduce(c, s, r, n, dt, op, root); },
                   [&] { return PMPI_Reduce(s, r, n, dt, op, root, comm); });
}
GLOOMPI_EXPORT int MPI_Reduce_c(const void* s, void* r, MPI_Count n, MPI_Datatype dt, MPI_Op op, int root,
                                MPI_Comm comm) {
  return intercept("MPI_Reduce_c", comm, [&](Call& c) { return reduce(c, s, r, n, dt, op, root); },
                   [&] { return PMPI_Reduce_c(s, r, n, dt, op, root, comm); });
}
GLOOMPI_EXPORT int MPI_Scan(const void* s, void* r, int n, MPI_Datatype dt, MPI_Op op, MPI_Comm comm) {
  return intercept("MPI_Scan", comm, [&](Call& c) { return scan(c, s, r, n, dt, op, false); },
                   [&] { return PMPI_Scan(s, r, n, dt, op, comm); });
}
GLOOMPI_EXPORT int MPI_Scan_c(const void* s, void* r, MPI_Count n, MPI_Datatype dt, MPI_Op op, MPI_Comm comm) {
  return intercept("MPI_Scan_c", comm, [&](Call& c) { return scan(c, s, r, n, dt, op, false); },
                   [&] { return PMPI_Scan_c(s, r, n, dt, op, comm); });
}
GLOOMPI_EXPORT int MPI_Exscan(const void* s, void* r, int n, MPI_Datatype dt, MPI_Op op, MPI_Comm comm) {
  return intercept("MPI_Exscan", comm, [&](Call& c) { return scan(c, s, r, n, dt, op, true); },
                   [&] { return PMPI_Exscan(s, r, n, dt, op, comm); });
}
GLOOMPI_EXPORT int MPI_Exscan_c(const void* s, void* r, MPI_Count n, MPI_Datatype dt, MPI_Op op, MPI_Comm comm) {
  return intercept("MPI_Exscan_c", comm, [&](Call& c) { return scan(c, s, r, n, dt, op, true); },
                   [&] { return PMPI_Exscan_c(s, r, n, dt, op, comm); });
}
GLOOMPI_EXPORT int MPI_Reduce_scatter(const void* s, void* r, const int rc[], MPI_Datatype dt, MPI_Op op,
                                      MPI_Comm comm) {
  return intercept("MPI_Reduce_scatter", comm,
                   [&](Call& c) { return reduceScatter(c, s, r, widenIf(rc, comm), dt, op); },
                   [&] { return PMPI_Reduce_scatter(s, r, rc, dt, op, comm); });
}
GLOOMPI_EXPORT int MPI_Reduce_scatter_c(const void* s, void* r, const MPI_Count rc[], MPI_Datatype dt, MPI_Op op,
                                        MPI_Comm comm) {
  return intercept("MPI_Reduce_scatter_c", comm,
                   [&](Call& c) { return reduceScatter(c, s, r, widenIf(rc, comm), dt, op); },
                   [&] { return PMPI_Reduce_scatter_c(s, r, rc, dt, op, comm); });
}
GLOOMPI_EXPORT int MPI_Reduce_scatter_block(const void* s, void* r, int n, MPI_Datatype dt, MPI_Op op,
                                            MPI_Comm comm) {
  return intercept("MPI_Reduce_scatter_block", comm,
                   [&](Call& c) { return reduceScatterBlock(c, s, r, n, dt, op); },
                   [&] { return PMPI_Reduce_scatter_block(s, r, n, dt, op, comm); });
}
GLOOMPI_EXPORT int MPI_Reduce_scatter_block_c(const void* s, void* r, MPI_Count n, MPI_Datatype dt, MPI_Op op,
                                              MPI_Comm comm) {
  return intercept("MPI_Reduce_scatter_block_c", comm,
                   [&](Call& c) { return reduceScatterBlock(c, s, r, n, dt, op); },
                   [&] { return PMPI_Reduce_scatter_block_c(s, r, n, dt, op, comm); });
}

// ---- gathering and scattering -----------------------------------------------------

GLOOMPI_EXPORT int MPI_Allgather(const void* s, int sc, MPI_Datatype st, void* r, int rc, MPI_Datatype rt,
                                 MPI_Comm comm) {
  return intercept("MPI_Allgather", comm, [&](Call& c) { return allgather(c, s, sc, st, r, rc, rt); },
                   [&] { return PMPI_Allgather(s, sc, st, r, rc, rt, comm); });
}
GLOOMPI_EXPORT int MPI_Allgather_c(const void* s, MPI_Count sc, MPI_Datatype st, void* r, MPI_Count rc,
                                   MPI_Datatype rt, MPI_Comm comm) {
  return intercept("MPI_Allgather_c", comm, [&](Call& c) { return allgather(c, s, sc, st, r, rc, rt); },
                   [&] { return PMPI_Allgather_c(s, sc, st, r, rc, rt, comm); });
}
GLOOMPI_EXPORT int MPI_Allgatherv(const void* s, int sc, MPI_Datatype st, void* r, const int rc[], const int d[],
                                  MPI_Datatype rt, MPI_Comm comm) {
  return intercept("MPI_Allgatherv", comm,
                   [&](Call& c) { return allgatherv(c, s, sc, st, r, widenIf(rc, comm), widenIf(d, comm), rt); },
                   [&] { return PMPI_Allgatherv(s, sc, st, r, rc, d, rt, comm); });
}
GLOOMPI_EXPORT int MPI_Allgatherv_c(const void* s, MPI_Count sc, MPI_Datatype st, void* r, const MPI_Count rc[],
                                    const MPI_Aint d[], MPI_Datatype rt, MPI_Comm comm) {
  return intercept("MPI_Allgatherv_c", comm,
                   [&](Call& c) { return allgatherv(c, s, sc, st, r, widenIf(rc, comm), widenIf(d, comm), rt); },
                   [&] { return PMPI_Allgatherv_c(s, sc, st, r, rc, d, rt, comm); });
}
GLOOMPI_EXPORT int MPI_Gather(const void* s, int sc, MPI_Datatype st, void* r, int rc, MPI_Datatype rt, int root,
                              MPI_Comm comm) {
  return intercept("MPI_Gather", comm, [&](Call& c) { return gather(c, s, sc, st, r, rc, rt, root); },
                   [&] { return PMPI_Gather(s, sc, st, r, rc, rt, root, comm); });
}
GLOOMPI_EXPORT int MPI_Gather_c(const void* s, MPI_Count sc, MPI_Datatype st, void* r, MPI_Count rc,
                                MPI_Datatype rt, int root, MPI_Comm comm) {
  return intercept("MPI_Gather_c", comm, [&](Call& c) { return gather(c, s, sc, st, r, rc, rt, root); },
                   [&] { return PMPI_Gather_c(s, sc, st, r, rc, rt, root, comm); });
}
GLOOMPI_EXPORT int MPI_Gatherv(const void* s, int sc, MPI_Datatype st, void* r, const int rc[], const int d[],
                               MPI_Datatype rt, int root, MPI_Comm comm) {
  return intercept(
      "MPI_Gatherv", comm,
      [&](Call& c) {
        const bool amRoot = gloompi::preload::commRank(comm) == root;
        return gatherv(c, s, sc, st, r, amRoot ? widenIf(rc, comm) : Counts(),
                       amRoot ? widenIf(d, comm) : Counts(), rt, root);
      },
      [&] { return PMPI_Gatherv(s, sc, st, r, rc, d, rt, root, comm); });
}
GLOOMPI_EXPORT int MPI_Gatherv_c(const void* s, MPI_Count sc, MPI_Datatype st, void* r, const MPI_Count rc[],
                                 const MPI_Aint d[], MPI_Datatype rt, int root, MPI_Comm comm) {
  return intercept(
      "MPI_Gatherv_c", comm,
      [&](Call& c) {
        const bool amRoot = gloompi::preload::commRank(comm) == root;
        return gatherv(c, s, sc, st, r, amRoot ? widenIf(rc, comm) : Counts(),
                       amRoot ? widenIf(d, comm) : Counts(), rt, root);
      },
      [&] { return PMPI_Gatherv_c(s, sc, st, r, rc, d, rt, root, comm); });
}
GLOOMPI_EXPORT int MPI_Scatter(const void* s, int sc, MPI_Datatype st, void* r, int rc, MPI_Datatype rt, int root,
                               MPI_Comm comm) {
  return intercept("MPI_Scatter", comm, [&](Call& c) { return scatter(c, s, sc, st, r, rc, rt, root); },
                   [&] { return PMPI_Scatter(s, sc, st, r, rc, rt, root, comm); });
}
GLOOMPI_EXPORT int MPI_Scatter_c(const void* s, MPI_Count sc, MPI_Datatype st, void* r, MPI_Count rc,
                                 MPI_Datatype rt, int root, MPI_Comm comm) {
  return intercept("MPI_Scatter_c", comm, [&](Call& c) { return scatter(c, s, sc, st, r, rc, rt, root); },
                   [&] { return PMPI_Scatter_c(s, sc, st, r, rc, rt, root, comm); });
}
GLOOMPI_EXPORT int MPI_Scatterv(const void* s, const int sc[], const int d[], MPI_Datatype st, void* r, int rc,
                                MPI_Datatype rt, int root, MPI_Comm comm) {
  return intercept(
      "MPI_Scatterv", comm,
      [&](Call& c) {
        const bool amRoot = gloompi::preload::commRank(comm) == root;
        return scatterv(c, s, amRoot ? widenIf(sc, comm) : Counts(), amRoot ? widenIf(d, comm) : Counts(), st, r,
                        rc, rt, root);
      },
      [&] { return PMPI_Scatterv(s, sc, d, st, r, rc, rt, root, comm); });
}
GLOOMPI_EXPORT int MPI_Scatterv_c(const void* s, const MPI_Count sc[], const MPI_Aint d[], MPI_Datatype st,
                                  void* r, MPI_Count rc, MPI_Datatype rt, int root, MPI_Comm comm) {
  return intercept(
      "MPI_Scatterv_c", comm,
      [&](Call& c) {
        const bool amRoot = gloompi::preload::commRank(comm) == root;
        return scatterv(c, s, amRoot ? widenIf(sc, comm) : Counts(), amRoot ? widenIf(d, comm) : Counts(), st, r,
                        rc, rt, root);
      },
      [&] { return PMPI_Scatterv_c(s, sc, d, st, r, rc, rt, root, comm); });
}
GLOOMPI_EXPORT int MPI_Alltoall(const void* s, int sc, MPI_Datatype st, void* r, int rc, MPI_Datatype rt,
                                MPI_Comm comm) {
  return intercept("MPI_Alltoall", comm, [&](Call& c) { return alltoall(c, s, sc, st, r, rc, rt); },
                   [&] { return PMPI_Alltoall(s, sc, st, r, rc, rt, comm); });
}
GLOOMPI_EXPORT int MPI_Alltoall_c(const void* s, MPI_Count sc, MPI_Datatype st, void* r, MPI_Count rc,
                                  MPI_Datatype rt, MPI_Comm comm) {
  return intercept("MPI_Alltoall_c", comm, [&](Call& c) { return alltoall(c, s, sc, st, r, rc, rt); },
                   [&] { return PMPI_Alltoall_c(s, sc, st, r, rc, rt, comm); });
}
GLOOMPI_EXPORT int MPI_Alltoallv(const void* s, const int sc[], const int sd[], MPI_Datatype st, void* r,
                                 const int rc[], const int rd[], MPI_Datatype rt, MPI_Comm comm) {
  return intercept("MPI_Alltoallv", comm,
                   [&](Call& c) {
                     const bool ip = s == MPI_IN_PLACE;
                     return alltoallv(c, s, ip ? Counts() : widenIf(sc, comm), ip ? Counts() : widenIf(sd, comm),
                                      st, r, widenIf(rc, comm), widenIf(rd, comm), rt);
                   },
                   [&] { return PMPI_Alltoallv(s, sc, sd, st, r, rc, rd, rt, comm); });
}
GLOOMPI_EXPORT int MPI_Alltoallv_c(const void* s, const MPI_Count sc[], const MPI_Aint sd[], MPI_Datatype st,
                                   void* r, const MPI_Count rc[], const MPI_Aint rd[], MPI_Datatype rt,
                                   MPI_Comm comm) {
  return intercept("MPI_Alltoallv_c", comm,
                   [&](Call& c) {
                     const bool ip = s == MPI_IN_PLACE;
                     return alltoallv(c, s, ip ? Counts() : widenIf(sc, comm), ip ? Counts() : widenIf(sd, comm),
                                      st, r, widenIf(rc, comm), widenIf(rd, comm), rt);
                   },
                   [&] { return PMPI_Alltoallv_c(s, sc, sd, st, r, rc, rd, rt, comm); });
}

// ---- bookkeeping of user ops and datatypes ---------------------------------------

GLOOMPI_EXPORT int MPI_Op_create(MPI_User_function* fn, int commute, MPI_Op* op) {
  int rc = PMPI_Op_create(fn, commute, op);
  if (rc == MPI_SUCCESS && !gloompi::preload::disabled()) recordUserOp(*op, fn, commute != 0);
  return rc;
}
GLOOMPI_EXPORT int MPI_Op_free(MPI_Op* op) {
  if (op) forgetUserOp(*op);
  return PMPI_Op_free(op);
}
GLOOMPI_EXPORT int MPI_Type_free(MPI_Datatype* dt) {
  if (dt) forgetType(*dt);
  return PMPI_Type_free(dt);
}
