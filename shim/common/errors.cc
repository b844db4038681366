#include "shim/common/errors.h"

#include <unistd.h>

#include "common/error.h"
#include "common/logging.h"
#include "shim/common/comm_registry.h"

namespace gloompi {

int errorClassOf(const std::exception& e) {
  if (auto* m = dynamic_cast<const MpiArgumentError*>(&e)) return m->errorClass();
  if (dynamic_cast<const gloo::InvalidArgument*>(&e)) return MPI_ERR_ARG;
  if (dynamic_cast<const gloo::TimeoutError*>(&e)) return MPI_ERR_OTHER;
  if (dynamic_cast<const gloo::IoError*>(&e)) return MPI_ERR_OTHER;
  if (dynamic_cast<const std::bad_alloc*>(&e)) return MPI_ERR_NO_MEM;
  return MPI_ERR_INTERN;
}

int raise(const Call& c, int errorClass, const std::string& detail) {
  int rank = -1;
  PMPI_Comm_rank(c.comm, &rank);
  char host[256] = "?";
  ::gethostname(host, sizeof host - 1);
  std::string msg = std::string(c.name) + " on " + commName(c.comm) + " failed at rank " +
                    std::to_string(rank) + " (host " + host + "): " + detail;
  MPI_Errhandler eh = MPI_ERRHANDLER_NULL;
  PMPI_Comm_get_errhandler(c.comm, &eh);
  if (eh == MPI_ERRORS_RETURN) {
    GLOO_WARN(msg);
    return errorClass;
  }
  if (eh == MPI_ERRORS_ARE_FATAL || eh == MPI_ERRORS_ABORT || eh == MPI_ERRHANDLER_NULL) {
    GLOO_ERROR(msg << " -- aborting (MPI_ERRORS_ARE_FATAL)");
    PMPI_Abort(c.comm, errorClass);
    return errorClass;
  }
  GLOO_WARN(msg);
  PMPI_Comm_call_errhandler(c.comm, errorClass);
  PMPI_Errhandler_free(&eh);
  return errorClass;
}

int raise(const Call& c, const std::exception& e) { return raise(c, errorClassOf(e), e.what()); }

}  // namespace gloompi
