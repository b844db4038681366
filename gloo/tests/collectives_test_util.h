// Helpers shared by the collectives tests: the rank counts and roots of the
// matrix, byte patterns that identify (rank, offset), reference results
// computed by plain loops in the test (never through the engine), and a
// non-commutative user op (composition of affine maps modulo 2^32).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "gloo/collectives.h"
#include "gloo/context.h"
#include "gloo/tests/harness.h"

namespace gloo::testing {

inline const std::vector<int> kRankCounts = {1, 2, 3, 4, 5, 7, 8};

// Roots exercised for P ranks: every root.
inline std::vector<int> rootsFor(int P) {
  std::vector<int> r;
  for (int i = 0; i < P; i++) r.push_back(i);
  return r;
}

// Byte i of rank `rank`'s data in test case `salt`.
inline uint8_t pattern(int rank, size_t i, uint32_t salt) {
  uint64_t x = (static_cast<uint64_t>(rank) + 1) * 0x9e3779b97f4a7c15ULL ^
               (static_cast<uint64_t>(i) * 0xbf58476d1ce4e5b9ULL) ^ salt * 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return static_cast<uint8_t>(x ^ (x >> 17));
}

inline std::vector<uint8_t> patternBytes(int rank, size_t n, uint32_t salt) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; i++) v[i] = pattern(rank, i, salt);
  return v;
}

// Compares n bytes; reports only the first difference (big buffers).
inline ::testing::AssertionResult sameBytes(const void* got, const void* want, size_t n) {
  const auto* g = static_cast<const uint8_t*>(got);
  const auto* w = static_cast<const uint8_t*>(want);
  for (size_t i = 0; i < n; i++) {
    if (g[i] != w[i]) {
      return ::testing::AssertionFailure()
             << "first difference at byte " << i << " of " << n << ": got " << int(g[i])
             << ", want " << int(w[i]);
    }
  }
  return ::testing::AssertionSuccess();
}

template <typename T>
::testing::AssertionResult sameValues(const T* got, const T* want, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (std::memcmp(&got[i], &want[i], sizeof(T)) != 0) {
      return ::testing::AssertionFailure() << "first difference at element " << i << " of " << n
                                           << ": got " << got[i] << ", want " << want[i];
    }
  }
  return ::testing::AssertionSuccess();
}

// ---- non-commutative op: affine maps t -> a*t + b (mod 2^32) ----
// x op y = "x then y": (y.a * x.a, y.a * x.b + y.b). Associative, not
// commutative; the reduction of ranks lo..hi is the composition in rank order.
struct Affine {
  uint32_t a, b;
  bool operator==(const Affine& o) const { return a == o.a && b == o.b; }
};
inline std::ostream& operator<<(std::ostream& os, const Affine& f) {
  return os << "(" << f.a << "," << f.b << ")";
}
inline Affine compose(Affine x, Affine y) { return {y.a * x.a, y.a * x.b + y.b}; }

// MPI-style user function: inout[i] = in[i] op inout[i], `in` the lower rank.
inline void affineUserFn(const void* in, void* inout, size_t n, void*) {
  const auto* x = static_cast<const Affine*>(in);
  auto* y = static_cast<Affine*>(inout);
  for (size_t i = 0; i < n; i++) y[i] = compose(x[i], y[i]);
}

// `commutativeFlag` lies on purpose in some tests: it lets a test force an
// algorithm the selection would otherwise replace, to prove that algorithm
// keeps rank order anyway.
inline Reduction affineReduction(bool commutativeFlag = false) {
  return Reduction(DataType::kUint64, &affineUserFn, nullptr, commutativeFlag, sizeof(Affine));
}

inline Affine affineInput(int rank, size_t i, uint32_t salt) {
  uint32_t a = (pattern(rank, i, salt) | 1u) + 2u * pattern(rank, i + 7, salt + 1);
  uint32_t b = pattern(rank, i, salt + 2) * 977u + static_cast<uint32_t>(rank);
  return {a | 1u, b};
}

inline std::vector<Affine> affineInputs(int rank, size_t n, uint32_t salt) {
  std::vector<Affine> v(n);
  for (size_t i = 0; i < n; i++) v[i] = affineInput(rank, i, salt);
  return v;
}

// Left fold of ranks [lo, hi) in rank order, element-wise.
inline std::vector<Affine> affineFold(int lo, int hi, size_t n, uint32_t salt) {
  std::vector<Affine> acc = affineInputs(lo, n, salt);
  for (int r = lo + 1; r < hi; r++) {
    for (size_t i = 0; i < n; i++) acc[i] = compose(acc[i], affineInput(r, i, salt));
  }
  return acc;
}

// Small integers so sums of floats are exact too.
template <typename T>
T smallValue(int rank, size_t i, uint32_t salt) {
  return static_cast<T>(static_cast<int>((pattern(rank, i, salt) % 19)) - 9 + rank);
}

}  // namespace gloo::testing
