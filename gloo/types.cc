// Element sizes, names and the (type, op) validity table.
//
// Validity follows MPI's rules for predefined operations:
//   SUM, PROD          integers, reals (fp16, bf16, float, double, long double), complex
//   MIN, MAX           integers and reals (not complex)
//   LAND, LOR, LXOR    integers only (MPI's "C integer" and "logical" classes)
//   BAND, BOR, BXOR    integers only
//   MINLOC, MAXLOC     pair types only
//   USER               every type
#include "gloo/types.h"

#include "common/error.h"

namespace gloo {
namespace {

enum class Class { kInteger, kReal, kComplex, kPair };

Class classOf(DataType t) {
  switch (t) {
    case DataType::kInt8:
    case DataType::kUint8:
    case DataType::kInt16:
    case DataType::kUint16:
    case DataType::kInt32:
    case DataType::kUint32:
    case DataType::kInt64:
    case DataType::kUint64:
      return Class::kInteger;
    case DataType::kFloat16:
    case DataType::kBFloat16:
    case DataType::kFloat32:
    case DataType::kFloat64:
    case DataType::kLongDouble:
      return Class::kReal;
    case DataType::kComplex64:
    case DataType::kComplex128:
      return Class::kComplex;
    case DataType::kFloatInt:
    case DataType::kDoubleInt:
    case DataType::kLongInt:
    case DataType::kIntInt:
    case DataType::kShortInt:
    case DataType::kLongDoubleInt:
      return Class::kPair;
    case DataType::kCount:
      break;
  }
  throw InvalidArgument("gloompi: invalid DataType value " + std::to_string(static_cast<int>(t)));
}

}  // namespace

size_t elementSize(DataType t) {
  switch (t) {
    case DataType::kInt8: return 1;
    case DataType::kUint8: return 1;
    case DataType::kInt16: return 2;
    case DataType::kUint16: return 2;
    case DataType::kInt32: return 4;
    case DataType::kUint32: return 4;
    case DataType::kInt64: return 8;
    case DataType::kUint64: return 8;
    case DataType::kFloat16: return 2;
    case DataType::kBFloat16: return 2;
    case DataType::kFloat32: return 4;
    case DataType::kFloat64: return 8;
    case DataType::kLongDouble: return sizeof(long double);
    case DataType::kComplex64: return sizeof(std::complex<float>);
    case DataType::kComplex128: return sizeof(std::complex<double>);
    case DataType::kFloatInt: return sizeof(ValueIndex<float>);
    case DataType::kDoubleInt: return sizeof(ValueIndex<double>);
    case DataType::kLongInt: return sizeof(ValueIndex<long>);
    case DataType::kIntInt: return sizeof(ValueIndex<int>);
    case DataType::kShortInt: return sizeof(ValueIndex<short>);
    case DataType::kLongDoubleInt: return sizeof(ValueIndex<long double>);
    case DataType::kCount: break;
  }
  throw InvalidArgument("gloompi: invalid DataType value " + std::to_string(static_cast<int>(t)));
}

const char* name(DataType t) {
  switch (t) {
    case DataType::kInt8: return "int8";
    case DataType::kUint8: return "uint8";
    case DataType::kInt16: return "int16";
    case DataType::kUint16: return "uint16";
    case DataType::kInt32: return "int32";
    case DataType::kUint32: return "uint32";
    case DataType::kInt64: return "int64";
    case DataType::kUint64: return "uint64";
    case DataType::kFloat16: return "float16";
    case DataType::kBFloat16: return "bfloat16";
    case DataType::kFloat32: return "float32";
    case DataType::kFloat64: return "float64";
    case DataType::kLongDouble: return "long_double";
    case DataType::kComplex64: return "complex64";
    case DataType::kComplex128: return "complex128";
    case DataType::kFloatInt: return "float_int";
    case DataType::kDoubleInt: return "double_int";
    case DataType::kLongInt: return "long_int";
    case DataType::kIntInt: return "2int";
    case DataType::kShortInt: return "short_int";
    case DataType::kLongDoubleInt: return "long_double_int";
    case DataType::kCount: break;
  }
  return "invalid_type";
}

const char* name(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum: return "sum";
    case ReduceOp::kProd: return "prod";
    case ReduceOp::kMin: return "min";
    case ReduceOp::kMax: return "max";
    case ReduceOp::kLand: return "land";
    case ReduceOp::kLor: return "lor";
    case ReduceOp::kLxor: return "lxor";
    case ReduceOp::kBand: return "band";
    case ReduceOp::kBor: return "bor";
    case ReduceOp::kBxor: return "bxor";
    case ReduceOp::kMinloc: return "minloc";
    case ReduceOp::kMaxloc: return "maxloc";
    case ReduceOp::kUser: return "user";
    case ReduceOp::kCount: break;
  }
  return "invalid_op";
}

bool isValid(DataType t, ReduceOp op) {
  if (t >= DataType::kCount || op >= ReduceOp::kCount) return false;
  Class c = classOf(t);
  switch (op) {
    case ReduceOp::kSum:
    case ReduceOp::kProd:
      return c != Class::kPair;
    case ReduceOp::kMin:
    case ReduceOp::kMax:
      return c == Class::kInteger || c == Class::kReal;
    case ReduceOp::kLand:
    case ReduceOp::kLor:
    case ReduceOp::kLxor:
    case ReduceOp::kBand:
    case ReduceOp::kBor:
    case ReduceOp::kBxor:
      return c == Class::kInteger;
    case ReduceOp::kMinloc:
    case ReduceOp::kMaxloc:
      return c == Class::kPair;
    case ReduceOp::kUser:
      return true;
    case ReduceOp::kCount:
      break;
  }
  return false;
}

}  // namespace gloo
