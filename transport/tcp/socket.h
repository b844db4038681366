// Socket helpers of the TCP transport: a value type for IPv4/IPv6 socket
// addresses and the few fd operations the transport needs (creation with
// SOCK_NONBLOCK|SOCK_CLOEXEC, TCP_NODELAY, buffer sizes, errno text).
//
// Every socket the transport creates is non-blocking and close-on-exec.
// Writes to sockets always use send/sendmsg with MSG_NOSIGNAL, so a peer
// that vanished yields EPIPE instead of SIGPIPE.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <string>

namespace gloo::transport::tcp {

// strerror text of an errno value, thread-safe.
std::string errnoString(int err);

struct SockAddr {
  sockaddr_storage storage{};
  socklen_t len = 0;

  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
  // Numeric IP without brackets ("10.0.0.1", "::1").
  std::string ip() const;
  int port() const;
  void setPort(int port);
  // "ip:port", IPv6 as "[ip]:port".
  std::string str() const;

  // Parses a numeric IPv4 or IPv6 address (brackets allowed around IPv6).
  // Throws InvalidArgument when `ip` is not one.
  static SockAddr fromIp(const std::string& ip, int port);
  // The local / remote name of a connected or bound socket.
  static SockAddr local(int fd);
  static SockAddr remote(int fd);
};

// A new TCP socket of `family`, non-blocking and close-on-exec. Throws IoError.
int createSocket(int family);
void setNoDelay(int fd);
// SO_SNDBUF and SO_RCVBUF; bytes == 0 leaves the kernel defaults (and
// autotuning) alone. Failures are logged, not thrown: buffer sizes are a
// tuning hint.
void setBufferSizes(int fd, size_t bytes);
// Closes fd if >= 0 and sets it to -1.
void closeFd(int& fd);

}  // namespace gloo::transport::tcp
