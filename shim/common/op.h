// Mapping of MPI reduction operations onto the engine's Reduction.
//
// Predefined ops map to gloo::ReduceOp. User ops are recorded when the
// program creates them (MPI_Op_create is interposed) together with their
// commutativity; the engine calls them back through an adapter that passes
// the MPI datatype, in chunks of at most INT_MAX elements.
#pragma once

#include <mpi.h>

#include <optional>
#include <string>

#include "gloo/reduction.h"
#include "shim/common/datatype.h"

namespace gloompi {

void recordUserOp(MPI_Op op, MPI_User_function* fn, bool commute);
void forgetUserOp(MPI_Op op);

// Builds the engine reduction for (op, datatype), or returns nullopt with
// `why` set when the engine cannot do it (unknown op, op not defined on the
// type, user op not recorded, non-reducible type).
std::optional<gloo::Reduction> makeReduction(MPI_Op op, MPI_Datatype dt, const TypeInfo& t,
                                             std::string& why);

std::string opName(MPI_Op op);

}  // namespace gloompi
