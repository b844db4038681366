// Addresses of the TCP transport: the string a context publishes to its
// peers, and the choice of the local address its listener binds to.
//
// Published address format (one line, no spaces):
//   tcp:<hostname>:<ip>:<port>:<nonce as 16 hex digits>
// with an IPv6 ip in brackets, e.g. "tcp:node7:[fd00::2]:40123:0123456789abcdef".
// The host name is informational (error messages); connections use the ip.
// The nonce is random per context and is echoed in every handshake, so a
// connection meant for an earlier context on the same port is refused.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "transport/tcp/device.h"
#include "transport/tcp/socket.h"

namespace gloo::transport::tcp {

struct PeerAddress {
  std::string host;
  SockAddr sockaddr;  // ip and port
  uint64_t nonce = 0;
};

std::string encodeAddress(const PeerAddress& a);
// Throws InvalidArgument naming the text on any malformed field.
PeerAddress parseAddress(const std::string& text);

// An interface list as in GLOOMPI_IFNAME: comma separated names, "^name"
// entries exclude; blanks around names are ignored.
struct InterfaceList {
  std::vector<std::string> include;  // in preference order
  std::vector<std::string> exclude;
  // True if `name` may be used: listed in include (or include is empty) and
  // not excluded.
  bool allows(const std::string& name) const;
};
InterfaceList parseInterfaceList(const std::string& text);

// AF_INET, AF_INET6 or AF_UNSPEC for "auto"; throws InvalidArgument otherwise.
int parseFamily(const std::string& family);

// The local address (port 0) a context's listener binds to, per Options:
// Options::address if set (an IP, or a host name resolved here); else the first usable address of the interfaces
// named by Options::ifname (in list order; IPv4 before IPv6 for "auto";
// IPv6 link-local addresses skipped; loopback only when named or nothing
// else qualifies); else the first bindable address the host name resolves
// to; else loopback. Throws IoError when an explicit choice cannot be met.
SockAddr selectBindAddress(const Options& opts);

}  // namespace gloo::transport::tcp
