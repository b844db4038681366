// The connection handshake of the TCP transport.
//
// Protocol, on every connection (connections are unidirectional: the
// connector is the sending rank, the acceptor the receiving rank):
//   1. connector -> acceptor: a Hello of kHelloSize bytes (little-endian):
//        u32 magic 'GLMP' | u32 version | u64 acceptor's nonce (from its
//        published address) | u64 hash of the job token | u64 context id |
//        u32 src rank (connector) | u32 dst rank (acceptor)
//      followed at once by data frames (the connector does not wait).
//   2. acceptor -> connector, only on refusal: one status byte (HelloStatus,
//      never kOk), then the acceptor closes the socket. Acceptance is silent.
// The acceptor never writes anything else on the connection, and the
// connector never reads anything but that byte or EOF from it. (An ack on
// success would sit unread in a sender that finishes and closes, and the
// kernel would answer the close with a reset that can destroy data the
// receiver has not read yet.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace gloo::transport::tcp {

constexpr size_t kHelloSize = 40;
constexpr uint32_t kHelloMagic = 0x504d4c47;  // "GLMP" read as little-endian
constexpr uint32_t kHelloVersion = 1;

struct Hello {
  uint32_t magic = kHelloMagic;
  uint32_t version = kHelloVersion;
  uint64_t nonce = 0;
  uint64_t tokenHash = 0;
  uint64_t contextId = 0;
  uint32_t src = 0;
  uint32_t dst = 0;
};

enum class HelloStatus : uint8_t {
  kOk = 0,
  kBadMagic = 1,
  kBadVersion = 2,
  kWrongNonce = 3,
  kWrongToken = 4,
  kWrongContext = 5,
  kWrongRank = 6,
  kBadSource = 7,
  kDuplicate = 8,
};

void encodeHello(const Hello& h, uint8_t out[kHelloSize]);
Hello decodeHello(const uint8_t in[kHelloSize]);

// What the acceptor expects of a Hello.
struct HelloExpect {
  uint64_t nonce;
  uint64_t tokenHash;
  uint64_t contextId;
  int rank;
  int size;
};
// Checks every field but the duplicate-connection rule (the context knows
// which peers are connected).
HelloStatus checkHello(const Hello& h, const HelloExpect& e);

// Human-readable reason for a status, for logs and errors.
const char* describe(HelloStatus s);

// 64-bit hash of a job token (FNV-1a over a fixed prefix and the token).
// Guards against accidental cross-talk between jobs; it is not a MAC.
uint64_t hashToken(const std::string& token);

}  // namespace gloo::transport::tcp
