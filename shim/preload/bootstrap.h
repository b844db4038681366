// Preload face: how the engine meets the real MPI.
//
// ready() is false until MPI is initialised (and after teardown), so calls
// made before MPI_Init or from the launcher's own processes are never
// touched. The first offloaded collective installs the context factory:
// a communicator's context is built over the real MPI (PMPI_Bcast of a
// context id from rank 0, PMPI_Allgather of the transport addresses), or,
// for MPI_COMM_WORLD with GLOOMPI_RENDEZVOUS set, through that store.
// While an engine collective waits, the real MPI is progressed
// (PMPI_Iprobe on MPI_COMM_WORLD every ~200 µs), so outstanding non-blocking
// point-to-point operations of the program keep moving.
#pragma once

namespace gloompi::preload {

bool disabled();  // GLOOMPI_DISABLE=1
bool strict();    // GLOOMPI_STRICT=1
bool ready();     // MPI initialised, not finalised, set-up done (lazily)

}  // namespace gloompi::preload
