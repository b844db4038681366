// See collectives.h. Order of work in every function: cheap argument checks
// that MPI itself would reject (negative counts, bad root), the offload
// decision, the communicator's context, staging of non-dense buffers, the
// engine call, unstaging.
#include "shim/common/collectives.h"

#include <cstring>

#include "common/error.h"
#include "gloo/collectives.h"
#include "shim/common/comm_registry.h"
#include "shim/common/errors.h"
#include "shim/common/op.h"
#include "shim/common/staging.h"

namespace gloompi {
namespace {

using gloo::InvalidArgument;

bool isInPlace(const void* p) { return p == MPI_IN_PLACE; }

void checkCount(const Call& c, long long n, const char* what) {
  if (n < 0) {
    throw MpiArgumentError(MPI_ERR_COUNT, std::string(c.name) + ": negative " + what + " " + std::to_string(n));
  }
}

// Intercommunicators are not offloaded.
bool intracomm(Call& c) {
  int inter = 0;
  if (PMPI_Comm_test_inter(c.comm, &inter) != MPI_SUCCESS) {
    throw MpiArgumentError(MPI_ERR_COMM, std::string(c.name) + ": invalid communicator");
  }
  if (inter) {
    c.why = "intercommunicator";
    return false;
  }
  return true;
}

void attach(Call& c) { c.ctx = contextFor(c.comm); }

void checkRoot(const Call& c, int root) {
  if (root < 0 || root >= c.ctx->size()) {
    throw MpiArgumentError(MPI_ERR_ROOT, std::string(c.name) + ": root " + std::to_string(root) +
                                             " out of range for " + commName(c.comm) + " of size " +
                                             std::to_string(c.ctx->size()));
  }
}


size_t engineCount(const TypeInfo& t, const gloo::Reduction& r, long long count) {
  // Predefined ops work on base elements; user ops on whole MPI elements.
  return r.op() == gloo::ReduceOp::kUser ? static_cast<size_t>(count)
                                         : static_cast<size_t>(count) * t.multiplicity;
}

void checkSameBytes(const Call& c, size_t a, size_t b) {
  if (a != b) {
    throw InvalidArgument(std::string(c.name) + ": send signature has " + std::to_string(a) +
                          " bytes, receive signature " + std::to_string(b) + " bytes");
  }
}

// The common prologue of the reducing collectives: the offload decision
// (intracommunicator, an op the engine has for this datatype), then the
// communicator's context. `count` is the per-rank element count used for
// the statistics.
struct Reducing {
  TypeInfo type;
  gloo::Reduction reduction;
};
std::optional<Reducing> prepareReduction(Call& c, MPI_Datatype dt, MPI_Op op, long long count) {
  if (!intracomm(c)) return std::nullopt;
  TypeInfo t = describe(dt);
  auto r = makeReduction(op, dt, t, c.why);
  if (!r) return std::nullopt;
  attach(c);
  c.bytes = static_cast<size_t>(count) * t.size;
  return Reducing{t, *r};
}

}  // namespace

bool allreduce(Call& c, const void* sbuf, void* rbuf, long long count, MPI_Datatype dt, MPI_Op op) {
  checkCount(c, count, "count");
  auto p = prepareReduction(c, dt, op, count);
  if (!p) return false;
  gloo::AllreduceArgs a;
  a.in = isInPlace(sbuf) ? nullptr : sbuf;
  a.out = rbuf;
  a.count = engineCount(p->type, p->reduction, count);
  a.reduction = p->reduction;
  c.algorithm = gloo::allreduce(*c.ctx, a);
  return true;
}

bool reduce(Call& c, const void* sbuf, void* rbuf, long long count, MPI_Datatype dt, MPI_Op op, int root) {
  checkCount(c, count, "count");
  auto p = prepareReduction(c, dt, op, count);
  if (!p) return false;
  checkRoot(c, root);
  gloo::ReduceArgs a;
  const bool amRoot = c.ctx->rank() == root;
  a.in = (amRoot && isInPlace(sbuf)) ? nullptr : sbuf;
  a.out = amRoot ? rbuf : nullptr;
  a.count = engineCount(p->type, p->reduction, count);
  a.reduction = p->reduction;
  a.root = root;
  c.algorithm = gloo::reduce(*c.ctx, a);
  return true;
}

bool bcast(Call& c, void* buf, long long count, MPI_Datatype dt, int root) {
  checkCount(c, count, "count");
  if (!intracomm(c)) return false;
  TypeInfo t = describe(dt);
  attach(c);
  checkRoot(c, root);
  Staged s(buf, count, dt, t, c.comm, c.ctx->rank() == root);
  c.bytes = s.bytes();
  gloo::BroadcastArgs a;
  a.data = s.data();
  a.bytes = s.bytes();
  a.root = root;
  c.algorithm = gloo::broadcast(*c.ctx, a);
  if (c.ctx->rank() != root) s.store();
  return true;
}

bool barrier(Call& c) {
  if (!intracomm(c)) return false;
  attach(c);
  c.algorithm = gloo::barrier(*c.ctx);
  return true;
}

bool allgather(Call& c, const void* sbuf, long long scount, MPI_Datatype stype, void* rbuf, long long rcount,
               MPI_Datatype rtype) {
  checkCount(c, rcount, "recvcount");
  if (!intracomm(c)) return false;
  attach(c);
  const int p = c.ctx->size(), me = c.ctx->rank();
  TypeInfo rt = describe(rtype);
  StagedBlocks out(rbuf, static_cast<size_t>(rcount), p, rtype, rt, c.comm, isInPlace(sbuf));
  gloo::AllgathervArgs a;  // blocks may sit at staged offsets: use the v form when packed
  Staged in;
  if (!isInPlace(sbuf)) {
    checkCount(c, scount, "sendcount");
    TypeInfo st = describe(stype);
    in = Staged(sbuf, scount, stype, st, c.comm, true);
    checkSameBytes(c, in.bytes(), out.bytes()[me]);
  }
  c.bytes = out.bytes()[me];
  bool regular = true;
  for (int i = 0; i < p; ++i) regular &= out.displs()[i] == static_cast<size_t>(i) * out.bytes()[me];
  if (regular) {
    gloo::AllgatherArgs g;
    g.in = isInPlace(sbuf) ? nullptr : in.data();
    g.out = out.data();
    g.bytes = out.bytes()[me];
    c.algorithm = gloo::allgather(*c.ctx, g);
  } else {
    a.in = isInPlace(sbuf) ? nullptr : in.data();
    a.out = out.data();
    a.bytes = out.bytes();
    a.displs = out.displs();
    c.algorithm = gloo::allgatherv(*c.ctx, a);
  }
  out.store();
  return true;
}

bool allgatherv(Call& c, const void* sbuf, long long scount, MPI_Datatype stype, void* rbuf,
                const Counts& rcounts, const Counts& displs, MPI_Datatype rtype) {
  if (!intracomm(c)) return false;
  attach(c);
  const int p = c.ctx->size(), me = c.ctx->rank();
  for (int i = 0; i < p; ++i) checkCount(c, rcounts[i], "recvcounts[i]");
  TypeInfo rt = describe(rtype);
  StagedBlocks out(rbuf, rcounts.data(), displs.data(), p, rtype, rt, c.comm, isInPlace(sbuf));
  Staged in;
  if (!isInPlace(sbuf)) {
    checkCount(c, scount, "sendcount");
    TypeInfo st = describe(stype);
    in = Staged(sbuf, scount, stype, st, c.comm, true);
    checkSameBytes(c, in.bytes(), out.bytes()[me]);
  }
  c.bytes = out.bytes()[me];
  gloo::AllgathervArgs a;
  a.in = isInPlace(sbuf) ? nullptr : in.data();
  a.out = out.data();
  a.bytes = out.bytes();
  a.displs = out.displs();
  c.algorithm = gloo::allgatherv(*c.ctx, a);
  out.store();
  return true;
}

bool gatherv(Call& c, const void* sbuf, long long scount, MPI_Datatype stype, void* rbuf, const Counts& rcounts,
             const Counts& displs, MPI_Datatype rtype, int root) {
  if (!intracomm(c)) return false;
  attach(c);
  checkRoot(c, root);
  const int p = c.ctx->size(), me = c.ctx->rank();
  const bool amRoot = me == root;
  gloo::GathervArgs a;
  a.root = root;
  std::unique_ptr<StagedBlocks> out;
  Staged in;
  const bool inPlace = amRoot && isInPlace(sbuf);
  if (!inPlace) {
    checkCount(c, scount, "sendcount");
    TypeInfo st = describe(stype);
    in = Staged(sbuf, scount, stype, st, c.comm, true);
    a.in = in.data();
  }
  if (amRoot) {
    for (int i = 0; i < p; ++i) checkCount(c, rcounts[i], "recvcounts[i]");
    TypeInfo rt = describe(rtype);
    out = std::make_unique<StagedBlocks>(rbuf, rcounts.data(), displs.data(), p, rtype, rt, c.comm, inPlace);
    if (!inPlace) checkSameBytes(c, in.bytes(), out->bytes()[me]);
    a.out = out->data();
    a.bytes = out->bytes();
    a.displs = out->displs();
  } else {
    // Only the root knows every block; a sender knows its own.
    a.bytes.assign(p, 0);
    a.displs.assign(p, 0);
    a.bytes[me] = in.bytes();
  }
  c.bytes = amRoot ? out->bytes()[me] : in.bytes();
  c.algorithm = gloo::gatherv(*c.ctx, a);
  if (amRoot) out->store();
  return true;
}

bool gather(Call& c, const void* sbuf, long long scount, MPI_Datatype stype, void* rbuf, long long rcount,
            MPI_Datatype rtype, int root) {
  if (!intracomm(c)) return false;
  attach(c);
  checkRoot(c, root);
  const int p = c.ctx->size(), me = c.ctx->rank();
  const bool amRoot = me == root;
  const bool inPlace = amRoot && isInPlace(sbuf);
  // Fast path: dense types on both sides, the fixed-size gather.
  TypeInfo st = inPlace ? TypeInfo{} : describe(stype);
  TypeInfo rt = amRoot ? describe(rtype) : TypeInfo{};
  if ((inPlace || st.dense) && (!amRoot || rt.dense)) {
    gloo::GatherArgs a;
    a.in = inPlace ? nullptr : sbuf;
    a.out = amRoot ? rbuf : nullptr;
    a.bytes = inPlace ? static_cast<size_t>(rcount) * rt.size : static_cast<size_t>(scount) * st.size;
    if (amRoot && !inPlace) checkSameBytes(c, a.bytes, static_cast<size_t>(rcount) * rt.size);
    a.root = root;
    c.bytes = a.bytes;
    c.algorithm = gloo::gather(*c.ctx, a);
    return true;
  }
  (void)p;
  Counts counts(c.ctx->size(), rcount), displs(c.ctx->size());
  for (int i = 0; i < c.ctx->size(); ++i) displs[i] = static_cast<long long>(i) * rcount;
  return gatherv(c, sbuf, scount, stype, rbuf, counts, displs, rtype, root);
}

bool scatterv(Call& c, const void* sbuf, const Counts& scounts, const Counts& displs, MPI_Datatype stype,
              void* rbuf, long long rcount, MPI_Datatype rtype, int root) {
  if (!intracomm(c)) return false;
  attach(c);
  checkRoot(c, root);
  const int p = c.ctx->size(), me = c.ctx->rank();
  const bool amRoot = me == root;
  const bool inPlace = amRoot && isInPlace(rbuf);
  gloo::ScattervArgs a;
  a.root = root;
  std::unique_ptr<StagedBlocks> in;
  Staged out;
  if (!inPlace) {
    checkCount(c, rcount, "recvcount");
    TypeInfo rt = describe(rtype);
    out = Staged(rbuf, rcount, rtype, rt, c.comm, false);
    a.out = out.data();
  }
  if (amRoot) {
    for (int i = 0; i < p; ++i) checkCount(c, scounts[i], "sendcounts[i]");
    TypeInfo st = describe(stype);
    in = std::make_unique<StagedBlocks>(sbuf, scounts.data(), displs.data(), p, stype, st, c.comm, true);
    if (!inPlace) checkSameBytes(c, in->bytes()[me], out.bytes());
    a.in = in->data();
    a.bytes = in->bytes();
    a.displs = in->displs();
  } else {
    a.bytes.assign(p, 0);
    a.displs.assign(p, 0);
    a.bytes[me] = out.bytes();
  }
  c.bytes = amRoot ? in->bytes()[me] : out.bytes();
  c.algorithm = gloo::scatterv(*c.ctx, a);
  if (!inPlace) out.store();
  return true;
}

bool scatter(Call& c, const void* sbuf, long long scount, MPI_Datatype stype, void* rbuf, long long rcount,
             MPI_Datatype rtype, int root) {
  if (!intracomm(c)) return false;
  attach(c);
  checkRoot(c, root);
  const bool amRoot = c.ctx->rank() == root;
  const bool inPlace = amRoot && isInPlace(rbuf);
  TypeInfo st = amRoot ? describe(stype) : TypeInfo{};
  TypeInfo rt = inPlace ? TypeInfo{} : describe(rtype);
  if ((!amRoot || st.dense) && (inPlace || rt.dense)) {
    gloo::ScatterArgs a;
    a.in = amRoot ? sbuf : nullptr;
    a.out = inPlace ? nullptr : rbuf;
    a.bytes = inPlace ? static_cast<size_t>(scount) * st.size : static_cast<size_t>(rcount) * rt.size;
    if (amRoot && !inPlace) checkSameBytes(c, static_cast<size_t>(scount) * st.size, a.bytes);
    a.root = root;
    c.bytes = a.bytes;
    c.algorithm = gloo::scatter(*c.ctx, a);
    return true;
  }
  Counts counts(c.ctx->size(), scount), displs(c.ctx->size());
  for (int i = 0; i < c.ctx->size(); ++i) displs[i] = static_cast<long long>(i) * scount;
  return scatterv(c, sbuf, counts, displs, stype, rbuf, rcount, rtype, root);
}

bool alltoallv(Call& c, const void* sbuf, const Counts& scounts, const Counts& sdispls, MPI_Datatype stype,
               void* rbuf, const Counts& rcounts, const Counts& rdispls, MPI_Datatype rtype) {
  if (!intracomm(c)) return false;
  attach(c);
  const int p = c.ctx->size();
  const bool inPlace = isInPlace(sbuf);
  TypeInfo rt = describe(rtype);
  StagedBlocks out(rbuf, rcounts.data(), rdispls.data(), p, rtype, rt, c.comm, inPlace);
  std::unique_ptr<StagedBlocks> in;
  gloo::AlltoallvArgs a;
  if (!inPlace) {
    TypeInfo st = describe(stype);
    in = std::make_unique<StagedBlocks>(sbuf, scounts.data(), sdispls.data(), p, stype, st, c.comm, true);
    a.in = in->data();
    a.sendBytes = in->bytes();
    a.sendDispls = in->displs();
  } else {
    a.sendBytes = out.bytes();
    a.sendDispls = out.displs();
  }
  a.out = out.data();
  a.recvBytes = out.bytes();
  a.recvDispls = out.displs();
  for (size_t b : a.sendBytes) c.bytes += b;
  c.algorithm = gloo::alltoallv(*c.ctx, a);
  out.store();
  return true;
}

bool alltoall(Call& c, const void* sbuf, long long scount, MPI_Datatype stype, void* rbuf, long long rcount,
              MPI_Datatype rtype) {
  checkCount(c, rcount, "recvcount");
  if (!intracomm(c)) return false;
  attach(c);
  const bool inPlace = isInPlace(sbuf);
  TypeInfo rt = describe(rtype);
  TypeInfo st = inPlace ? rt : describe(stype);
  if (rt.dense && st.dense) {
    gloo::AlltoallArgs a;
    a.in = inPlace ? nullptr : sbuf;
    a.out = rbuf;
    a.bytes = static_cast<size_t>(rcount) * rt.size;
    if (!inPlace) checkSameBytes(c, static_cast<size_t>(scount) * st.size, a.bytes);
    c.bytes = a.bytes * c.ctx->size();
    c.algorithm = gloo::alltoall(*c.ctx, a);
    return true;
  }
  const int p = c.ctx->size();
  Counts sc(p, scount), sd(p), rc(p, rcount), rd(p);
  for (int i = 0; i < p; ++i) sd[i] = static_cast<long long>(i) * scount, rd[i] = static_cast<long long>(i) * rcount;
  return alltoallv(c, sbuf, sc, sd, stype, rbuf, rc, rd, rtype);
}

bool reduceScatter(Call& c, const void* sbuf, void* rbuf, const Counts& rcounts, MPI_Datatype dt, MPI_Op op) {
  auto p = prepareReduction(c, dt, op, 0);
  if (!p) return false;
  const int n = c.ctx->size();
  gloo::ReduceScatterArgs a;
  a.in = isInPlace(sbuf) ? nullptr : sbuf;
  a.out = rbuf;
  a.counts.resize(n);
  for (int i = 0; i < n; ++i) {
    checkCount(c, rcounts[i], "recvcounts[i]");
    a.counts[i] = engineCount(p->type, p->reduction, rcounts[i]);
  }
  a.reduction = p->reduction;
  c.bytes = static_cast<size_t>(rcounts[c.ctx->rank()]) * p->type.size;
  c.algorithm = gloo::reduceScatter(*c.ctx, a);
  return true;
}

bool reduceScatterBlock(Call& c, const void* sbuf, void* rbuf, long long rcount, MPI_Datatype dt, MPI_Op op) {
  checkCount(c, rcount, "recvcount");
  auto p = prepareReduction(c, dt, op, rcount);
  if (!p) return false;
  c.algorithm = gloo::reduceScatterBlock(*c.ctx, isInPlace(sbuf) ? nullptr : sbuf, rbuf,
                                         engineCount(p->type, p->reduction, rcount), p->reduction);
  return true;
}

bool scan(Call& c, const void* sbuf, void* rbuf, long long count, MPI_Datatype dt, MPI_Op op, bool exclusive) {
  checkCount(c, count, "count");
  auto p = prepareReduction(c, dt, op, count);
  if (!p) return false;
  gloo::ScanArgs a;
  a.in = isInPlace(sbuf) ? nullptr : sbuf;
  a.out = rbuf;
  a.count = engineCount(p->type, p->reduction, count);
  a.reduction = p->reduction;
  a.exclusive = exclusive;
  c.algorithm = gloo::scan(*c.ctx, a);
  return true;
}

}  // namespace gloompi
