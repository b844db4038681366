// Minimal leveled logging to stderr. The level comes from GLOOMPI_LOG
// (error|warn|info|debug; default warn). Thread-safe: each line is written
// with a single write(2).
#pragma once

#include <sstream>
#include <string>

namespace gloo::log {

enum class Level : int { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

// Current threshold (read once from the configuration, overridable for tests).
Level level();
void setLevel(Level l);

// Writes "gloompi[<pid>] <level>: <msg>\n" to stderr if l <= level().
void write(Level l, const std::string& msg);

}  // namespace gloo::log

#define GLOO_LOG_AT(lvl, expr)                                   \
  do {                                                           \
    if (static_cast<int>(lvl) <= static_cast<int>(::gloo::log::level())) { \
      std::ostringstream gloo_log_ss_;                           \
      gloo_log_ss_ << expr;                                      \
      ::gloo::log::write(lvl, gloo_log_ss_.str());               \
    }                                                            \
  } while (0)

#define GLOO_ERROR(expr) GLOO_LOG_AT(::gloo::log::Level::kError, expr)
#define GLOO_WARN(expr) GLOO_LOG_AT(::gloo::log::Level::kWarn, expr)
#define GLOO_INFO(expr) GLOO_LOG_AT(::gloo::log::Level::kInfo, expr)
#define GLOO_DEBUG(expr) GLOO_LOG_AT(::gloo::log::Level::kDebug, expr)
