// Socket helpers of the TCP transport (see socket.h).
#include "transport/tcp/socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "common/logging.h"

namespace gloo::transport::tcp {

std::string errnoString(int err) {
  char buf[256];
  // GNU strerror_r returns the message pointer (maybe not buf).
  const char* s = strerror_r(err, buf, sizeof(buf));
  return std::string(s) + " (errno " + std::to_string(err) + ")";
}

std::string SockAddr::ip() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr, buf, sizeof(buf));
  } else if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr, buf, sizeof(buf));
  } else {
    return "?";
  }
  return buf;
}

int SockAddr::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  return 0;
}

void SockAddr::setPort(int port) {
  if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&storage)->sin_port = htons(port);
  if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = htons(port);
}

std::string SockAddr::str() const {
  // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on "[" + string.
  std::string out;
  if (family() == AF_INET6) out += '[';
  out += ip();
  if (family() == AF_INET6) out += ']';
  out += ':';
  out += std::to_string(port());
  return out;
}

SockAddr SockAddr::fromIp(const std::string& text, int port) {
  std::string ip = text;
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  SockAddr a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.len = sizeof(sockaddr_in);
    return a;
  }
  a.storage = {};
  if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.len = sizeof(sockaddr_in6);
    return a;
  }
  throw InvalidArgument("gloompi tcp: '" + text + "' is not a numeric IPv4 or IPv6 address");
}

SockAddr SockAddr::local(int fd) {
  SockAddr a;
  a.len = sizeof(a.storage);
  if (getsockname(fd, a.get(), &a.len) != 0) a.len = 0;
  return a;
}

SockAddr SockAddr::remote(int fd) {
  SockAddr a;
  a.len = sizeof(a.storage);
  if (getpeername(fd, a.get(), &a.len) != 0) a.len = 0;
  return a;
}

int createSocket(int family) {
  int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw IoError("gloompi tcp: socket() failed: " + errnoString(errno));
  return fd;
}

void setNoDelay(int fd) {
  int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
    GLOO_WARN("tcp: TCP_NODELAY failed: " << errnoString(errno));
  }
}

void setBufferSizes(int fd, size_t bytes) {
  if (bytes == 0) return;
  int v = bytes > (1u << 30) ? (1 << 30) : static_cast<int>(bytes);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) != 0) {
    GLOO_WARN("tcp: setting socket buffers to " << bytes << " bytes failed: " << errnoString(errno));
  }
}

void closeFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace gloo::transport::tcp
