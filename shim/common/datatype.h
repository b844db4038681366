// Mapping of MPI datatypes onto the engine's element types.
//
// describe(dt) answers, for one MPI datatype: is its data contiguous (so the
// engine can move count*size bytes), how many bytes one element occupies,
// and, when it is (a contiguous repetition of) one predefined type the
// engine can reduce, which gloo::DataType and how many of those make one MPI
// element. Derived types are inspected with PMPI_Type_get_envelope/contents
// and the answer is cached per handle (MPI_Type_free evicts it: the preload
// face interposes MPI_Type_free for that).
#pragma once

#include <mpi.h>

#include <cstddef>
#include <optional>
#include <string>

#include "gloo/types.h"

namespace gloompi {

struct TypeInfo {
  // dense: the bytes of `count` elements are exactly count*size bytes at the
  // buffer address (lb == 0, size == extent, no holes). Non-dense data is
  // packed (PMPI_Pack) into a staging buffer for the non-reducing collectives.
  bool dense = false;
  size_t size = 0;    // bytes of data in one element (MPI_Type_size)
  size_t extent = 0;  // bytes from one element to the next in memory
  // reducible: base is set and elements can be reduced in place in memory,
  // each `extent` bytes = `multiplicity` base elements (true for dense types
  // of one base type and for the predefined pair types, whose padding is
  // part of the engine's pair layout).
  bool reducible = false;
  std::optional<gloo::DataType> base;
  size_t multiplicity = 1;   // base elements per MPI element
  bool isLogical = false;    // C bool / Fortran LOGICAL: only logical ops
  bool isByte = false;       // MPI_BYTE and friends: only bitwise ops
  std::string why;           // why not contiguous/reducible (for logs)
};

// Throws gloo::InvalidArgument for MPI_DATATYPE_NULL or an invalid handle.
TypeInfo describe(MPI_Datatype dt);

// Forget a cached derived type (called when it is freed).
void forgetType(MPI_Datatype dt);

// Name for logs: predefined name or "derived(0x...)".
std::string typeName(MPI_Datatype dt);

}  // namespace gloompi
