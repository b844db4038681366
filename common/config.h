// The one configuration module: every GLOOMPI_* tunable of every layer is
// declared in the table in config.cc (name, default, documentation) and read
// through these accessors. docs/configuration.md is the user-facing copy of
// that table; config_test checks the two agree.
//
// Values are read from the environment on each call unless overridden with
// setOverride() (tests). Reading an undeclared name throws InvalidArgument:
// a tunable cannot exist without being documented.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gloo::config {

struct Variable {
  const char* name;         // e.g. "GLOOMPI_TIMEOUT"; a trailing '*' declares a family
  const char* defaultValue; // as a string; "" means unset
  const char* doc;          // one line for docs/configuration.md
};

// Every declared variable, in documentation order.
const std::vector<Variable>& variables();

// Raw value: override, else environment, else the declared default.
// `name` must be declared (families match by prefix).
std::string getString(const std::string& name);
// True if set in the environment (or overridden), whatever the value.
bool isSet(const std::string& name);
int64_t getInt(const std::string& name);      // throws InvalidArgument on junk
bool getBool(const std::string& name);        // 1/0 true/false yes/no on/off
double getDouble(const std::string& name);
// Size with optional suffix K/M/G (powers of 1024), e.g. "4M".
uint64_t getBytes(const std::string& name);

// The collective timeout (GLOOMPI_TIMEOUT, seconds, fractional allowed).
std::chrono::milliseconds timeout();

// For tests: force a value (empty optional removes the override).
void setOverride(const std::string& name, std::optional<std::string> value);

// Changes whenever setOverride() is called. Hot paths (the selection table,
// read on every collective) cache what they read and re-read it when the
// generation moves; they do not see setenv() calls made after their first
// read, which is the documented contract: GLOOMPI_* variables are read when
// the program starts using the engine.
uint64_t generation();

// Names of GLOOMPI_* variables in the environment that are not declared,
// each with the closest declared name (for "did you mean" warnings).
std::vector<std::pair<std::string, std::string>> unknownVariables();
// Logs one warning per unknown variable, once per process.
void warnUnknownOnce();

}  // namespace gloo::config
