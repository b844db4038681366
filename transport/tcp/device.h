// The TCP transport: see transport.h for the contract.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "transport/transport.h"

namespace gloo::transport::tcp {

struct Options {
  // Interface selection: comma list of names, "^name" excludes (GLOOMPI_IFNAME,
  // else GLOO_SOCKET_IFNAME). Empty: the address the host name resolves to,
  // else loopback.
  std::string ifname;
  // Explicit bind address (GLOOMPI_ADDRESS); wins over ifname.
  std::string address;
  // "auto", "ipv4", "ipv6" (GLOOMPI_ADDRESS_FAMILY).
  std::string family = "auto";
  // SO_SNDBUF / SO_RCVBUF; 0 = kernel default (GLOOMPI_SOCKET_BUFFER).
  size_t socketBuffer = 4 << 20;
  // Spin budget before blocking in poll (GLOOMPI_SPIN_US).
  std::chrono::microseconds spin{1000};
  // Secret mixed into handshakes (GLOOMPI_JOB_TOKEN).
  std::string jobToken;

  // All fields from the configuration module.
  static Options fromConfig();
};

std::shared_ptr<Device> createDevice(const Options& opts = Options::fromConfig());

}  // namespace gloo::transport::tcp
