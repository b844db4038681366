// Per-process statistics of the shim: calls, bytes, time and algorithm per
// (collective, communicator), and counters of offloaded calls and fallbacks.
// Recording is a no-op unless GLOOMPI_STATS=1, except for the two global
// counters (relaxed atomics), which tests read through the exported C
// functions gloompi_offloaded_calls() / gloompi_fallback_calls().
#pragma once

#include <cstddef>
#include <string>

namespace gloompi::stats {

bool enabled();
void recordOffload(const char* collective, const std::string& comm, size_t bytes, double seconds,
                   const char* algorithm);
void recordFallback(const char* collective, const std::string& comm, const std::string& why);
// Prints the table to stderr (rank given for the heading).
void print(int rank);

unsigned long long offloaded();
unsigned long long fallbacks();

}  // namespace gloompi::stats
