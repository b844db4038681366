// Test support: run a function on N ranks of one context.
//
//  Mode::kThreads    N threads of this process, local transport, HashStore.
//  Mode::kProcesses  N forked processes meeting through a FileStore in a fresh
//                    temporary folder, over the TCP transport on loopback.
//
// A rank fails if `fn` throws or records a GoogleTest failure; the harness
// then makes the calling test fail with the rank number and the message. In
// process mode a child that crashes or hangs past `limit` is reported too
// (all children are killed on the way out, never left behind).
#pragma once

#include <chrono>
#include <functional>
#include <ostream>
#include <string>

#include "gloo/context.h"

namespace gloo::testing {

enum class Mode { kThreads, kProcesses };

std::string modeName(Mode m);
// GoogleTest prints a parameter with this (test names stay readable).
inline void PrintTo(Mode m, std::ostream* os) { *os << modeName(m); }

struct RunOptions {
  Mode mode = Mode::kThreads;
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};  // context timeout
  std::chrono::milliseconds limit{std::chrono::seconds(300)};   // whole run (process mode)
};

void runRanks(int n, const std::function<void(Context&)>& fn, const RunOptions& opts = {});

// Deterministic pseudo-random bytes for (seed, rank): fills n bytes.
void fillRandom(void* p, size_t n, uint64_t seed, int rank);

}  // namespace gloo::testing
