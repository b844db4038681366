// Element types and reduction operations of the engine.
//
// The engine reduces arrays of one DataType with one ReduceOp. Pair types
// (value + int index) exist for MINLOC/MAXLOC and have the exact layout of
// MPI's MPI_FLOAT_INT, MPI_DOUBLE_INT, MPI_LONG_INT, MPI_2INT,
// MPI_SHORT_INT and MPI_LONG_DOUBLE_INT (C struct {T value; int index;}).
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <string>

namespace gloo {

enum class DataType : uint8_t {
  kInt8,
  kUint8,
  kInt16,
  kUint16,
  kInt32,
  kUint32,
  kInt64,
  kUint64,
  kFloat16,   // IEEE binary16, stored as uint16_t
  kBFloat16,  // bfloat16, stored as uint16_t
  kFloat32,
  kFloat64,
  kLongDouble,  // x87 80-bit in 16 bytes (sizeof(long double))
  kComplex64,   // std::complex<float>
  kComplex128,  // std::complex<double>
  kFloatInt,    // struct {float; int;}
  kDoubleInt,   // struct {double; int;}
  kLongInt,     // struct {long; int;}
  kIntInt,      // struct {int; int;}
  kShortInt,    // struct {short; int;}
  kLongDoubleInt,  // struct {long double; int;}
  kCount
};

enum class ReduceOp : uint8_t {
  kSum,
  kProd,
  kMin,
  kMax,
  kLand,
  kLor,
  kLxor,
  kBand,
  kBor,
  kBxor,
  kMinloc,
  kMaxloc,
  kUser,
  kCount
};

template <typename T>
struct ValueIndex {
  T value;
  int index;
};

size_t elementSize(DataType t);
const char* name(DataType t);
const char* name(ReduceOp op);

// Whether op is defined for type t (e.g. no BAND on floats, MINLOC only on
// pair types, no MIN on complex). kUser is valid for every type.
bool isValid(DataType t, ReduceOp op);

}  // namespace gloo
