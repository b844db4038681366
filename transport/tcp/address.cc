// Published-address encoding and listener address selection (see address.h).
#include "transport/tcp/address.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <cstdlib>

#include "common/error.h"
#include "common/logging.h"

namespace gloo::transport::tcp {
namespace {

std::string trimBlanks(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

[[noreturn]] void badAddress(const std::string& text, const std::string& why) {
  throw InvalidArgument("gloompi tcp: malformed peer address '" + text + "': " + why);
}

bool isLinkLocal6(const SockAddr& a) {
  if (a.family() != AF_INET6) return false;
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a.storage);
  return IN6_IS_ADDR_LINKLOCAL(&v6->sin6_addr);
}

bool familyMatches(int want, int have) { return want == AF_UNSPEC || want == have; }

// True if a socket can bind `a` (port 0) on this host.
bool canBind(const SockAddr& a) {
  int fd = ::socket(a.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  SockAddr probe = a;
  probe.setPort(0);
  bool ok = ::bind(fd, probe.get(), probe.len) == 0;
  ::close(fd);
  return ok;
}

struct IfAddr {
  std::string name;
  SockAddr addr;
  bool loopback;
};

std::vector<IfAddr> listInterfaces(int family) {
  std::vector<IfAddr> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) {
    throw IoError("gloompi tcp: getifaddrs failed: " + errnoString(errno));
  }
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || !(i->ifa_flags & IFF_UP)) continue;
    int f = i->ifa_addr->sa_family;
    if ((f != AF_INET && f != AF_INET6) || !familyMatches(family, f)) continue;
    IfAddr e;
    e.name = i->ifa_name;
    e.addr.len = f == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    std::memcpy(&e.addr.storage, i->ifa_addr, e.addr.len);
    e.addr.setPort(0);
    e.loopback = (i->ifa_flags & IFF_LOOPBACK) != 0;
    if (isLinkLocal6(e.addr)) continue;
    out.push_back(e);
  }
  freeifaddrs(list);
  return out;
}

// Stable order: IPv4 before IPv6 (only matters for family "auto").
void preferIpv4(std::vector<IfAddr>& v) {
  std::stable_sort(v.begin(), v.end(), [](const IfAddr& a, const IfAddr& b) {
    return a.addr.family() == AF_INET && b.addr.family() != AF_INET;
  });
}

SockAddr fromInterfaces(const Options& opts, int family) {
  InterfaceList list = parseInterfaceList(opts.ifname);
  std::vector<IfAddr> all = listInterfaces(family);
  preferIpv4(all);
  if (!list.include.empty()) {
    for (const auto& name : list.include) {
      if (!list.allows(name)) continue;
      for (const auto& e : all) {
        if (e.name == name) return e.addr;
      }
    }
  } else {
    // Only exclusions: any allowed interface, non-loopback first.
    for (int pass = 0; pass < 2; ++pass) {
      for (const auto& e : all) {
        if (e.loopback != (pass == 1) || !list.allows(e.name)) continue;
        return e.addr;
      }
    }
  }
  throw IoError("gloompi tcp: no usable " +
                std::string(family == AF_INET ? "IPv4 " : family == AF_INET6 ? "IPv6 " : "") +
                "address on the interfaces selected by GLOOMPI_IFNAME='" + opts.ifname + "'");
}

// The first address `name` resolves to in `family`; throws IoError.
SockAddr resolveName(const std::string& name, int family) {
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(name.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    throw IoError("gloompi tcp: GLOOMPI_ADDRESS=" + name + " is neither an IP address nor a resolvable host name: " +
                  gai_strerror(rc));
  }
  std::vector<IfAddr> found;
  for (addrinfo* r = res; r; r = r->ai_next) {
    if (r->ai_family != AF_INET && r->ai_family != AF_INET6) continue;
    IfAddr e;
    e.addr.len = r->ai_addrlen;
    std::memcpy(&e.addr.storage, r->ai_addr, r->ai_addrlen);
    e.addr.setPort(0);
    e.loopback = false;
    found.push_back(e);
  }
  freeaddrinfo(res);
  preferIpv4(found);
  if (found.empty()) throw IoError("gloompi tcp: host name " + name + " has no IPv4/IPv6 address");
  return found.front().addr;
}

SockAddr loopback(int family) {
  return SockAddr::fromIp(family == AF_INET6 ? "::1" : "127.0.0.1", 0);
}

}  // namespace

std::string encodeAddress(const PeerAddress& a) {
  char nonce[17];
  std::snprintf(nonce, sizeof(nonce), "%016llx", static_cast<unsigned long long>(a.nonce));
  std::string out = "tcp:";
  out += a.host;
  out += ':';
  out += a.sockaddr.str();  // ip:port, IPv6 in brackets
  out += ':';
  out += nonce;
  return out;
}

PeerAddress parseAddress(const std::string& text) {
  if (text.rfind("tcp:", 0) != 0) badAddress(text, "does not start with 'tcp:'");
  size_t pos = 4;
  size_t colon = text.find(':', pos);
  if (colon == std::string::npos) badAddress(text, "missing fields after the host name");
  PeerAddress a;
  a.host = text.substr(pos, colon - pos);
  if (a.host.empty()) badAddress(text, "empty host name");
  pos = colon + 1;
  std::string ip;
  if (pos < text.size() && text[pos] == '[') {
    size_t close = text.find(']', pos);
    if (close == std::string::npos) badAddress(text, "unterminated '[' around the IPv6 address");
    ip = text.substr(pos + 1, close - pos - 1);
    pos = close + 1;
    if (pos >= text.size() || text[pos] != ':') badAddress(text, "missing port");
  } else {
    colon = text.find(':', pos);
    if (colon == std::string::npos) badAddress(text, "missing port");
    ip = text.substr(pos, colon - pos);
    pos = colon;
  }
  ++pos;  // past ':'
  colon = text.find(':', pos);
  if (colon == std::string::npos) badAddress(text, "missing nonce");
  std::string portText = text.substr(pos, colon - pos);
  std::string nonceText = text.substr(colon + 1);
  char* end = nullptr;
  errno = 0;
  unsigned long port = std::strtoul(portText.c_str(), &end, 10);
  if (portText.empty() || *end != '\0' || errno != 0 || port == 0 || port > 65535) {
    badAddress(text, "bad port '" + portText + "'");
  }
  if (nonceText.empty() || nonceText.size() > 16) badAddress(text, "bad nonce '" + nonceText + "'");
  errno = 0;
  unsigned long long nonce = std::strtoull(nonceText.c_str(), &end, 16);
  if (*end != '\0' || errno != 0) badAddress(text, "bad nonce '" + nonceText + "'");
  try {
    a.sockaddr = SockAddr::fromIp(ip, static_cast<int>(port));
  } catch (const InvalidArgument&) {
    badAddress(text, "bad IP address '" + ip + "'");
  }
  a.nonce = nonce;
  return a;
}

bool InterfaceList::allows(const std::string& name) const {
  for (const auto& e : exclude) {
    if (e == name) return false;
  }
  if (include.empty()) return true;
  for (const auto& i : include) {
    if (i == name) return true;
  }
  return false;
}

InterfaceList parseInterfaceList(const std::string& text) {
  InterfaceList out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string item = trimBlanks(text.substr(pos, comma - pos));
    pos = comma + 1;
    if (item.empty()) continue;
    if (item[0] == '^') {
      item = trimBlanks(item.substr(1));
      if (item.empty()) throw InvalidArgument("gloompi tcp: '^' without an interface name in '" + text + "'");
      out.exclude.push_back(item);
    } else {
      out.include.push_back(item);
    }
  }
  return out;
}

int parseFamily(const std::string& family) {
  if (family.empty() || family == "auto") return AF_UNSPEC;
  if (family == "ipv4" || family == "inet" || family == "4") return AF_INET;
  if (family == "ipv6" || family == "inet6" || family == "6") return AF_INET6;
  throw InvalidArgument("gloompi tcp: address family '" + family + "' is not auto, ipv4 or ipv6");
}

SockAddr selectBindAddress(const Options& opts) {
  int family = parseFamily(opts.family);
  if (!opts.address.empty()) {
    SockAddr a;
    try {
      a = SockAddr::fromIp(opts.address, 0);
    } catch (const InvalidArgument&) {
      a = resolveName(opts.address, family);  // a host name instead of an IP
    }
    if (!familyMatches(family, a.family())) {
      throw InvalidArgument("gloompi tcp: GLOOMPI_ADDRESS=" + opts.address +
                            " does not match GLOOMPI_ADDRESS_FAMILY=" + opts.family);
    }
    return a;
  }
  if (!parseInterfaceList(opts.ifname).include.empty() ||
      !parseInterfaceList(opts.ifname).exclude.empty()) {
    return fromInterfaces(opts, family);
  }
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) == 0) {
    addrinfo hints{};
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(host, nullptr, &hints, &res) == 0) {
      std::vector<IfAddr> found;
      for (addrinfo* r = res; r; r = r->ai_next) {
        if (r->ai_family != AF_INET && r->ai_family != AF_INET6) continue;
        IfAddr e;
        e.addr.len = r->ai_addrlen;
        std::memcpy(&e.addr.storage, r->ai_addr, r->ai_addrlen);
        e.addr.setPort(0);
        e.loopback = false;
        if (!isLinkLocal6(e.addr)) found.push_back(e);
      }
      freeaddrinfo(res);
      preferIpv4(found);
      for (const auto& e : found) {
        if (canBind(e.addr)) return e.addr;
      }
    }
  }
  if (family == AF_UNSPEC) {
    SockAddr v4 = loopback(AF_INET);
    if (canBind(v4)) return v4;
    return loopback(AF_INET6);
  }
  return loopback(family);
}

}  // namespace gloo::transport::tcp
