// Handshake encoding and validation (see handshake.h for the protocol).
#include "transport/tcp/handshake.h"

namespace gloo::transport::tcp {
namespace {

void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void put64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t get32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}
uint64_t get64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace

void encodeHello(const Hello& h, uint8_t out[kHelloSize]) {
  put32(out + 0, h.magic);
  put32(out + 4, h.version);
  put64(out + 8, h.nonce);
  put64(out + 16, h.tokenHash);
  put64(out + 24, h.contextId);
  put32(out + 32, h.src);
  put32(out + 36, h.dst);
}

Hello decodeHello(const uint8_t in[kHelloSize]) {
  Hello h;
  h.magic = get32(in + 0);
  h.version = get32(in + 4);
  h.nonce = get64(in + 8);
  h.tokenHash = get64(in + 16);
  h.contextId = get64(in + 24);
  h.src = get32(in + 32);
  h.dst = get32(in + 36);
  return h;
}

HelloStatus checkHello(const Hello& h, const HelloExpect& e) {
  if (h.magic != kHelloMagic) return HelloStatus::kBadMagic;
  if (h.version != kHelloVersion) return HelloStatus::kBadVersion;
  if (h.nonce != e.nonce) return HelloStatus::kWrongNonce;
  if (h.tokenHash != e.tokenHash) return HelloStatus::kWrongToken;
  if (h.contextId != e.contextId) return HelloStatus::kWrongContext;
  if (h.dst != static_cast<uint32_t>(e.rank)) return HelloStatus::kWrongRank;
  if (h.src >= static_cast<uint32_t>(e.size) || h.src == static_cast<uint32_t>(e.rank)) {
    return HelloStatus::kBadSource;
  }
  return HelloStatus::kOk;
}

const char* describe(HelloStatus s) {
  switch (s) {
    case HelloStatus::kOk: return "accepted";
    case HelloStatus::kBadMagic: return "not a gloompi handshake (bad magic)";
    case HelloStatus::kBadVersion: return "protocol version mismatch";
    case HelloStatus::kWrongNonce: return "wrong nonce (connection meant for another context or an earlier run)";
    case HelloStatus::kWrongToken: return "job token mismatch (GLOOMPI_JOB_TOKEN differs)";
    case HelloStatus::kWrongContext: return "context id mismatch";
    case HelloStatus::kWrongRank: return "destination rank is not this rank";
    case HelloStatus::kBadSource: return "source rank out of range";
    case HelloStatus::kDuplicate: return "source rank already connected";
  }
  return "unknown status";
}

uint64_t hashToken(const std::string& token) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 1099511628211ull;
  };
  for (char c : std::string("gloompi-tcp-token:")) mix(static_cast<unsigned char>(c));
  for (char c : token) mix(static_cast<unsigned char>(c));
  return h;
}

}  // namespace gloo::transport::tcp
