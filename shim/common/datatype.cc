// See datatype.h. The predefined table is built from MPICH's mpi.h constants
// at compile time, so every handle has MPICH's value by construction.
#include "shim/common/datatype.h"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "common/error.h"

namespace gloompi {
namespace {

using gloo::DataType;

struct Predef {
  MPI_Datatype dt;
  const char* name;
  int kind;  // 0 none (copy only), 1 reducible, 2 logical, 3 byte
  DataType base;
};

constexpr int kCopy = 0, kRed = 1, kLogical = 2, kByte = 3;

// Integer types are mapped by size and signedness (C long is 64-bit on the
// platforms MPICH's Debian ABI targets).
const Predef kPredefined[] = {
    {MPI_CHAR, "MPI_CHAR", kRed, DataType::kInt8},
    {MPI_SIGNED_CHAR, "MPI_SIGNED_CHAR", kRed, DataType::kInt8},
    {MPI_UNSIGNED_CHAR, "MPI_UNSIGNED_CHAR", kRed, DataType::kUint8},
    {MPI_BYTE, "MPI_BYTE", kByte, DataType::kUint8},
    {MPI_WCHAR, "MPI_WCHAR", kRed, DataType::kInt32},
    {MPI_SHORT, "MPI_SHORT", kRed, DataType::kInt16},
    {MPI_UNSIGNED_SHORT, "MPI_UNSIGNED_SHORT", kRed, DataType::kUint16},
    {MPI_INT, "MPI_INT", kRed, DataType::kInt32},
    {MPI_UNSIGNED, "MPI_UNSIGNED", kRed, DataType::kUint32},
    {MPI_LONG, "MPI_LONG", kRed, DataType::kInt64},
    {MPI_UNSIGNED_LONG, "MPI_UNSIGNED_LONG", kRed, DataType::kUint64},
    {MPI_LONG_LONG_INT, "MPI_LONG_LONG", kRed, DataType::kInt64},
    {MPI_UNSIGNED_LONG_LONG, "MPI_UNSIGNED_LONG_LONG", kRed, DataType::kUint64},
    {MPI_FLOAT, "MPI_FLOAT", kRed, DataType::kFloat32},
    {MPI_DOUBLE, "MPI_DOUBLE", kRed, DataType::kFloat64},
    {MPI_LONG_DOUBLE, "MPI_LONG_DOUBLE", kRed, DataType::kLongDouble},
    {MPI_PACKED, "MPI_PACKED", kCopy, DataType::kUint8},
    {MPI_FLOAT_INT, "MPI_FLOAT_INT", kRed, DataType::kFloatInt},
    {MPI_DOUBLE_INT, "MPI_DOUBLE_INT", kRed, DataType::kDoubleInt},
    {MPI_LONG_INT, "MPI_LONG_INT", kRed, DataType::kLongInt},
    {MPI_SHORT_INT, "MPI_SHORT_INT", kRed, DataType::kShortInt},
    {MPI_2INT, "MPI_2INT", kRed, DataType::kIntInt},
    {MPI_LONG_DOUBLE_INT, "MPI_LONG_DOUBLE_INT", kRed, DataType::kLongDoubleInt},
    {MPI_COMPLEX, "MPI_COMPLEX", kRed, DataType::kComplex64},
    {MPI_DOUBLE_COMPLEX, "MPI_DOUBLE_COMPLEX", kRed, DataType::kComplex128},
    {MPI_LOGICAL, "MPI_LOGICAL", kLogical, DataType::kInt32},
    {MPI_REAL, "MPI_REAL", kRed, DataType::kFloat32},
    {MPI_DOUBLE_PRECISION, "MPI_DOUBLE_PRECISION", kRed, DataType::kFloat64},
    {MPI_INTEGER, "MPI_INTEGER", kRed, DataType::kInt32},
    {MPI_2INTEGER, "MPI_2INTEGER", kRed, DataType::kIntInt},
    {MPI_2REAL, "MPI_2REAL", kCopy, DataType::kUint8},
    {MPI_2DOUBLE_PRECISION, "MPI_2DOUBLE_PRECISION", kCopy, DataType::kUint8},
    {MPI_CHARACTER, "MPI_CHARACTER", kCopy, DataType::kUint8},
    {MPI_REAL4, "MPI_REAL4", kRed, DataType::kFloat32},
    {MPI_REAL8, "MPI_REAL8", kRed, DataType::kFloat64},
    {MPI_REAL16, "MPI_REAL16", kCopy, DataType::kUint8},
    {MPI_COMPLEX8, "MPI_COMPLEX8", kRed, DataType::kComplex64},
    {MPI_COMPLEX16, "MPI_COMPLEX16", kRed, DataType::kComplex128},
    {MPI_COMPLEX32, "MPI_COMPLEX32", kCopy, DataType::kUint8},
    {MPI_INTEGER1, "MPI_INTEGER1", kRed, DataType::kInt8},
    {MPI_INTEGER2, "MPI_INTEGER2", kRed, DataType::kInt16},
    {MPI_INTEGER4, "MPI_INTEGER4", kRed, DataType::kInt32},
    {MPI_INTEGER8, "MPI_INTEGER8", kRed, DataType::kInt64},
    {MPI_INT8_T, "MPI_INT8_T", kRed, DataType::kInt8},
    {MPI_INT16_T, "MPI_INT16_T", kRed, DataType::kInt16},
    {MPI_INT32_T, "MPI_INT32_T", kRed, DataType::kInt32},
    {MPI_INT64_T, "MPI_INT64_T", kRed, DataType::kInt64},
    {MPI_UINT8_T, "MPI_UINT8_T", kRed, DataType::kUint8},
    {MPI_UINT16_T, "MPI_UINT16_T", kRed, DataType::kUint16},
    {MPI_UINT32_T, "MPI_UINT32_T", kRed, DataType::kUint32},
    {MPI_UINT64_T, "MPI_UINT64_T", kRed, DataType::kUint64},
    {MPI_C_BOOL, "MPI_C_BOOL", kLogical, DataType::kUint8},
    {MPI_CXX_BOOL, "MPI_CXX_BOOL", kLogical, DataType::kUint8},
    {MPI_C_FLOAT_COMPLEX, "MPI_C_FLOAT_COMPLEX", kRed, DataType::kComplex64},
    {MPI_C_DOUBLE_COMPLEX, "MPI_C_DOUBLE_COMPLEX", kRed, DataType::kComplex128},
    {MPI_C_LONG_DOUBLE_COMPLEX, "MPI_C_LONG_DOUBLE_COMPLEX", kCopy, DataType::kUint8},
    {MPI_CXX_FLOAT_COMPLEX, "MPI_CXX_FLOAT_COMPLEX", kRed, DataType::kComplex64},
    {MPI_CXX_DOUBLE_COMPLEX, "MPI_CXX_DOUBLE_COMPLEX", kRed, DataType::kComplex128},
    {MPI_CXX_LONG_DOUBLE_COMPLEX, "MPI_CXX_LONG_DOUBLE_COMPLEX", kCopy, DataType::kUint8},
    {MPI_AINT, "MPI_AINT", kRed, DataType::kInt64},
    {MPI_OFFSET, "MPI_OFFSET", kRed, DataType::kInt64},
    {MPI_COUNT, "MPI_COUNT", kRed, DataType::kInt64},
};

const Predef* findPredef(MPI_Datatype dt) {
  for (const auto& p : kPredefined) {
    if (p.dt == dt) return &p;
  }
  return nullptr;
}

std::mutex gMu;
std::unordered_map<MPI_Datatype, TypeInfo>& cache() {
  static std::unordered_map<MPI_Datatype, TypeInfo> m;
  return m;
}

TypeInfo fromPredef(const Predef& p, MPI_Datatype dt) {
  TypeInfo t;
  MPI_Aint lb = 0, extent = 0;
  int size = 0;
  PMPI_Type_get_extent(dt, &lb, &extent);
  PMPI_Type_size(dt, &size);
  t.size = static_cast<size_t>(size);
  t.extent = static_cast<size_t>(extent);
  t.dense = lb == 0 && t.size == t.extent && size > 0;
  if (p.kind != kCopy && lb == 0 && gloo::elementSize(p.base) == t.extent) {
    t.base = p.base;
    t.reducible = true;
  }
  t.isLogical = p.kind == kLogical;
  t.isByte = p.kind == kByte;
  if (!t.reducible) t.why = std::string(p.name) + " is not a type the engine reduces";
  return t;
}

TypeInfo inspect(MPI_Datatype dt) {
  if (const Predef* p = findPredef(dt)) return fromPredef(*p, dt);
  int ni = 0, na = 0, nd = 0, combiner = 0;
  if (PMPI_Type_get_envelope(dt, &ni, &na, &nd, &combiner) != MPI_SUCCESS) {
    throw gloo::InvalidArgument("invalid datatype handle");
  }
  TypeInfo t;
  int size = 0;
  MPI_Aint lb = 0, extent = 0, tlb = 0, textent = 0;
  PMPI_Type_size(dt, &size);
  PMPI_Type_get_extent(dt, &lb, &extent);
  PMPI_Type_get_true_extent(dt, &tlb, &textent);
  t.size = static_cast<size_t>(size);
  t.extent = static_cast<size_t>(extent);
  t.dense = lb == 0 && tlb == 0 && extent == size && textent == size;
  if (!t.dense) {
    t.why = "derived datatype is not contiguous (size " + std::to_string(size) + ", extent " +
            std::to_string(extent) + ", lb " + std::to_string(lb) + ")";
    return t;
  }
  if (combiner == MPI_COMBINER_NAMED) {
    t.why = "unknown predefined datatype";
    return t;
  }
  if (combiner == MPI_COMBINER_DUP || combiner == MPI_COMBINER_CONTIGUOUS) {
    std::vector<int> ints(ni);
    std::vector<MPI_Aint> addrs(na);
    std::vector<MPI_Datatype> types(nd);
    PMPI_Type_get_contents(dt, ni, na, nd, ints.data(), addrs.data(), types.data());
    if (nd == 1) {
      TypeInfo inner = describe(types[0]);
      int innerCombiner = 0, a, b, c;
      PMPI_Type_get_envelope(types[0], &a, &b, &c, &innerCombiner);
      if (innerCombiner != MPI_COMBINER_NAMED) PMPI_Type_free(&types[0]);
      size_t reps = combiner == MPI_COMBINER_CONTIGUOUS ? static_cast<size_t>(ints[0]) : 1;
      if (inner.reducible &&
          inner.multiplicity * reps * gloo::elementSize(*inner.base) == t.extent) {
        t.base = inner.base;
        t.multiplicity = inner.multiplicity * reps;
        t.isLogical = inner.isLogical;
        t.isByte = inner.isByte;
        t.reducible = true;
      }
      return t;
    }
  }
  t.why = "derived datatype (combiner " + std::to_string(combiner) + ") has no single base type";
  return t;
}

// Predefined types are described once and then read without a lock (the
// table is immutable after the first call): the hot path of every
// collective on a predefined type takes no lock.
const std::vector<std::pair<MPI_Datatype, TypeInfo>>& predefinedInfo() {
  static const std::vector<std::pair<MPI_Datatype, TypeInfo>> table = [] {
    std::vector<std::pair<MPI_Datatype, TypeInfo>> t;
    for (const auto& p : kPredefined) {
      if (p.dt != MPI_DATATYPE_NULL) t.emplace_back(p.dt, fromPredef(p, p.dt));
    }
    std::sort(t.begin(), t.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return t;
  }();
  return table;
}

}  // namespace

TypeInfo describe(MPI_Datatype dt) {
  if (dt == MPI_DATATYPE_NULL) throw gloo::InvalidArgument("MPI_DATATYPE_NULL");
  const auto& pre = predefinedInfo();
  auto pit = std::lower_bound(pre.begin(), pre.end(), dt,
                              [](const auto& e, MPI_Datatype d) { return e.first < d; });
  if (pit != pre.end() && pit->first == dt) return pit->second;
  {
    std::lock_guard<std::mutex> g(gMu);
    auto it = cache().find(dt);
    if (it != cache().end()) return it->second;
  }
  TypeInfo t = inspect(dt);
  std::lock_guard<std::mutex> g(gMu);
  cache()[dt] = t;
  return t;
}

void forgetType(MPI_Datatype dt) {
  std::lock_guard<std::mutex> g(gMu);
  cache().erase(dt);
}

std::string typeName(MPI_Datatype dt) {
  if (const Predef* p = findPredef(dt)) return p->name;
  char buf[32];
  std::snprintf(buf, sizeof buf, "derived(0x%x)", static_cast<unsigned>(dt));
  return buf;
}

}  // namespace gloompi
