#include "shim/common/op.h"

#include <climits>
#include <cstdio>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace gloompi {
namespace {

struct UserOp {
  MPI_User_function* fn;
  bool commute;
};

// State handed to the engine for one user-op reduction. Heap-allocated per
// (op, datatype) pair and kept for the life of the process: the engine holds
// a raw pointer to it inside the Reduction.
struct Adapter {
  MPI_User_function* fn;
  MPI_Datatype dt;
};

std::mutex gMu;
std::unordered_map<MPI_Op, UserOp>& userOps() {
  static std::unordered_map<MPI_Op, UserOp> m;
  return m;
}
std::unordered_map<uint64_t, std::unique_ptr<Adapter>>& adapters() {
  static std::unordered_map<uint64_t, std::unique_ptr<Adapter>> m;
  return m;
}

void callUser(const void* in, void* inout, size_t n, void* state) {
  auto* a = static_cast<Adapter*>(state);
  MPI_Aint lb = 0, extent = 0;
  PMPI_Type_get_extent(a->dt, &lb, &extent);
  auto* ip = static_cast<char*>(const_cast<void*>(in));
  auto* op = static_cast<char*>(inout);
  while (n > 0) {
    int chunk = n > static_cast<size_t>(INT_MAX) ? INT_MAX : static_cast<int>(n);
    MPI_Datatype dt = a->dt;
    a->fn(ip, op, &chunk, &dt);
    ip += static_cast<size_t>(chunk) * extent;
    op += static_cast<size_t>(chunk) * extent;
    n -= static_cast<size_t>(chunk);
  }
}

std::optional<gloo::ReduceOp> predefined(MPI_Op op) {
  using R = gloo::ReduceOp;
  if (op == MPI_SUM) return R::kSum;
  if (op == MPI_PROD) return R::kProd;
  if (op == MPI_MIN) return R::kMin;
  if (op == MPI_MAX) return R::kMax;
  if (op == MPI_LAND) return R::kLand;
  if (op == MPI_LOR) return R::kLor;
  if (op == MPI_LXOR) return R::kLxor;
  if (op == MPI_BAND) return R::kBand;
  if (op == MPI_BOR) return R::kBor;
  if (op == MPI_BXOR) return R::kBxor;
  if (op == MPI_MINLOC) return R::kMinloc;
  if (op == MPI_MAXLOC) return R::kMaxloc;
  return std::nullopt;
}

}  // namespace

void recordUserOp(MPI_Op op, MPI_User_function* fn, bool commute) {
  std::lock_guard<std::mutex> g(gMu);
  userOps()[op] = {fn, commute};
}

void forgetUserOp(MPI_Op op) {
  std::lock_guard<std::mutex> g(gMu);
  userOps().erase(op);
}

std::string opName(MPI_Op op) {
  static const std::pair<MPI_Op, const char*> names[] = {
      {MPI_SUM, "MPI_SUM"},   {MPI_PROD, "MPI_PROD"}, {MPI_MIN, "MPI_MIN"},       {MPI_MAX, "MPI_MAX"},
      {MPI_LAND, "MPI_LAND"}, {MPI_LOR, "MPI_LOR"},   {MPI_LXOR, "MPI_LXOR"},     {MPI_BAND, "MPI_BAND"},
      {MPI_BOR, "MPI_BOR"},   {MPI_BXOR, "MPI_BXOR"}, {MPI_MINLOC, "MPI_MINLOC"}, {MPI_MAXLOC, "MPI_MAXLOC"},
      {MPI_REPLACE, "MPI_REPLACE"}, {MPI_NO_OP, "MPI_NO_OP"}};
  for (const auto& [o, n] : names) {
    if (o == op) return n;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "user-op(0x%x)", static_cast<unsigned>(op));
  return buf;
}

std::optional<gloo::Reduction> makeReduction(MPI_Op op, MPI_Datatype dt, const TypeInfo& t,
                                             std::string& why) {
  if (auto r = predefined(op)) {
    if (!t.reducible) {
      why = typeName(dt) + " is not a type the engine reduces" + (t.why.empty() ? "" : ": " + t.why);
      return std::nullopt;
    }
    using R = gloo::ReduceOp;
    const bool logicalOp = *r == R::kLand || *r == R::kLor || *r == R::kLxor;
    const bool bitOp = *r == R::kBand || *r == R::kBor || *r == R::kBxor;
    if ((t.isLogical && !logicalOp) || (t.isByte && !bitOp) || !gloo::isValid(*t.base, *r)) {
      why = opName(op) + " is not defined on " + typeName(dt);
      return std::nullopt;
    }
    return gloo::Reduction(*t.base, *r);  // count is scaled by multiplicity by the caller
  }
  if (!t.dense && !t.reducible) {
    why = "user op on a non-contiguous datatype (" + t.why + ")";
    return std::nullopt;
  }
  UserOp u;
  {
    std::lock_guard<std::mutex> g(gMu);
    auto it = userOps().find(op);
    if (it == userOps().end()) {
      why = opName(op) + " was not created through MPI_Op_create while the shim was loaded";
      return std::nullopt;
    }
    u = it->second;
  }
  Adapter* a;
  {
    std::lock_guard<std::mutex> g(gMu);
    uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(op)) << 32) | static_cast<uint32_t>(dt);
    auto& slot = adapters()[key];
    if (!slot || slot->fn != u.fn) slot = std::make_unique<Adapter>(Adapter{u.fn, dt});
    a = slot.get();
  }
  return gloo::Reduction(t.base.value_or(gloo::DataType::kUint8), &callUser, a, u.commute, t.extent);
}

}  // namespace gloompi
