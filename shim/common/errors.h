// The error boundary of the MPI faces: engine exceptions become MPI error
// codes and go through the communicator's error handler.
//
//  MPI_ERRORS_ARE_FATAL / MPI_ERRORS_ABORT: print the full message (the
//    collective, communicator, rank, host, and the engine's facts: peer,
//    peer host, sequence number) and PMPI_Abort the communicator.
//  MPI_ERRORS_RETURN: log the message (GLOOMPI_LOG=warn) and return the code.
//  a user handler: PMPI_Comm_call_errhandler, then return the code.
#pragma once

#include <mpi.h>

#include <exception>
#include <string>

#include "common/error.h"

#include "shim/common/collectives.h"

namespace gloompi {

// A bad argument for which MPI defines its own error class (MPI_ERR_ROOT,
// MPI_ERR_COUNT, MPI_ERR_COMM); any other gloo::InvalidArgument maps to
// MPI_ERR_ARG.
class MpiArgumentError : public gloo::InvalidArgument {
 public:
  MpiArgumentError(int errorClass, const std::string& what)
      : gloo::InvalidArgument(what), errorClass_(errorClass) {}
  int errorClass() const { return errorClass_; }

 private:
  int errorClass_;
};

// Error class for an exception thrown by the engine.
int errorClassOf(const std::exception& e);

// Handles an exception of collective `c` as described above; returns the
// MPI error code to hand back to the caller.
int raise(const Call& c, const std::exception& e);

// Same, for an error detected by the shim itself (e.g. GLOOMPI_STRICT).
int raise(const Call& c, int errorClass, const std::string& message);

}  // namespace gloompi
