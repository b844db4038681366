// The communicator registry: one engine context per MPI communicator,
// created on the first offloaded collective and cached as an attribute of
// the communicator.
//
// Lifetime: the attribute's delete callback (run by MPI_Comm_free and at
// MPI_Finalize) drops the context, so a reused handle never sees a stale
// context. The copy callback is "don't copy": MPI_Comm_dup gets its own
// context with its own channels and sequence numbers. An attribute on
// MPI_COMM_SELF, whose deletion MPI runs first thing in MPI_Finalize, tears
// every remaining context down (and prints statistics) while the real MPI is
// still fully usable.
#pragma once

#include <mpi.h>

#include <functional>
#include <memory>
#include <string>

#include "gloo/context.h"

namespace gloompi {

// Builds the engine context of an intracommunicator. Collective over comm:
// called by every member at the same point (the first offloaded collective).
using ContextFactory = std::function<std::shared_ptr<gloo::Context>(MPI_Comm comm)>;

void setContextFactory(ContextFactory f);

// The context of comm, created through the factory on first use.
// Throws gloo::Error if creation fails.
std::shared_ptr<gloo::Context> contextFor(MPI_Comm comm);

// Called from MPI_Finalize's teardown (and at most once).
void setFinalizeHook(std::function<void()> hook);

// Name used in messages: "MPI_COMM_WORLD", "MPI_COMM_SELF", the name set with
// MPI_Comm_set_name, or "comm 0x84000002".
std::string commName(MPI_Comm comm);

// Number of contexts alive (tests: no leak after many dup/free).
size_t liveContexts();

}  // namespace gloompi
