// The local transport: ranks are threads of one process. A message is
// copied straight from the sender's buffer into the receiver's (or into an
// unexpected-message buffer). Used by unit tests of the algorithms and as a
// reference implementation of the transport contract.
#pragma once

#include <memory>

#include "transport/transport.h"

namespace gloo::transport::local {

// Contexts created from one device can reach each other (same id, ranks
// 0..size-1). Addresses are "local:<device-serial>:<id>:<rank>".
std::shared_ptr<Device> createDevice();

}  // namespace gloo::transport::local
