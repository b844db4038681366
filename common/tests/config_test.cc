// Tests of the configuration module (common/config.h): value parsing, the
// override/environment/default precedence, the "did you mean" detection of
// misspelled variables, and the agreement between the declared table in
// common/config.cc and the user documentation in docs/configuration.md.
//
// Every test restores the environment and the overrides it touched (the
// EnvGuard fixture), so the tests do not depend on their order or on the
// caller's shell.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "common/config.h"
#include "common/error.h"

namespace {

using gloo::InvalidArgument;
namespace config = gloo::config;

// Saves the named environment variables on construction and puts them back
// (and drops any override of them) on destruction.
class EnvGuard {
 public:
  explicit EnvGuard(std::initializer_list<const char*> names) {
    for (const char* n : names) {
      const char* v = std::getenv(n);
      saved_[n] = v ? std::optional<std::string>(v) : std::nullopt;
      unsetenv(n);
    }
  }
  ~EnvGuard() {
    for (const auto& [n, v] : saved_) {
      if (v) setenv(n.c_str(), v->c_str(), 1);
      else unsetenv(n.c_str());
      if (n.rfind("GLOOMPI_", 0) == 0 || n == "GLOO_SOCKET_IFNAME") {
        try {
          config::setOverride(n, std::nullopt);
        } catch (const InvalidArgument&) {
          // Undeclared names (the misspelled ones) have no override to drop.
        }
      }
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

std::string readFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) return {};
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string docPath() { return std::string(GLOOMPI_SOURCE_DIR) + "/docs/configuration.md"; }

// The table rows of docs/configuration.md, keyed by the variable name in the
// first cell ("| `NAME` | ..."), value = the whole line.
std::map<std::string, std::string> documentedRows() {
  std::map<std::string, std::string> rows;
  std::istringstream in(readFile(docPath()));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    size_t end = line.find('`', 3);
    if (end == std::string::npos) continue;
    rows[line.substr(3, end - 3)] = line;
  }
  return rows;
}

TEST(ConfigTable, NamesAreUniqueAndDocumentedInTheSource) {
  std::set<std::string> seen;
  for (const auto& v : config::variables()) {
    EXPECT_TRUE(seen.insert(v.name).second) << "declared twice: " << v.name;
    EXPECT_GT(std::string(v.doc).size(), 10u) << "no useful doc line for " << v.name;
    std::string n(v.name);
    EXPECT_TRUE(n.rfind("GLOOMPI_", 0) == 0 || n.rfind("GLOO_", 0) == 0) << n;
  }
  EXPECT_FALSE(seen.empty());
}

TEST(ConfigTable, EveryDeclaredVariableHasARowInConfigurationMd) {
  std::string doc = readFile(docPath());
  ASSERT_FALSE(doc.empty()) << "cannot read " << docPath();
  auto rows = documentedRows();
  for (const auto& v : config::variables()) {
    auto it = rows.find(v.name);
    ASSERT_NE(it, rows.end()) << v.name << " is declared in common/config.cc but has no row "
                              << "\"| `" << v.name << "` | ...\" in docs/configuration.md";
    std::string def(v.defaultValue);
    if (!def.empty()) {
      EXPECT_NE(it->second.find("`" + def + "`"), std::string::npos)
          << "docs/configuration.md row of " << v.name << " does not show the default `" << def
          << "`: " << it->second;
    }
  }
}

TEST(ConfigTable, EveryDocumentedVariableIsDeclared) {
  std::set<std::string> declared;
  for (const auto& v : config::variables()) declared.insert(v.name);
  auto rows = documentedRows();
  ASSERT_FALSE(rows.empty());
  for (const auto& [name, line] : rows) {
    EXPECT_TRUE(declared.count(name)) << "docs/configuration.md documents " << name
                                      << " which common/config.cc does not declare";
  }
}

TEST(ConfigValues, DefaultsApplyWhenUnset) {
  EnvGuard g({"GLOOMPI_SPIN_US", "GLOOMPI_SOCKET_BUFFER", "GLOOMPI_DETERMINISTIC", "GLOOMPI_LOG"});
  EXPECT_FALSE(config::isSet("GLOOMPI_SPIN_US"));
  EXPECT_EQ(config::getInt("GLOOMPI_SPIN_US"), 1000);
  EXPECT_EQ(config::getBytes("GLOOMPI_SOCKET_BUFFER"), 4u << 20);
  EXPECT_FALSE(config::getBool("GLOOMPI_DETERMINISTIC"));
  EXPECT_EQ(config::getString("GLOOMPI_LOG"), "warn");
}

TEST(ConfigValues, GetIntParsesDecimalHexAndSpaces) {
  EnvGuard g({"GLOOMPI_SPIN_US"});
  const std::pair<const char*, int64_t> cases[] = {
      {"42", 42}, {" 7 ", 7}, {"-3", -3}, {"0x10", 16}, {"0", 0}, {"9000000000", 9000000000LL}};
  for (const auto& [text, want] : cases) {
    setenv("GLOOMPI_SPIN_US", text, 1);
    EXPECT_EQ(config::getInt("GLOOMPI_SPIN_US"), want) << "'" << text << "'";
  }
  // An empty value counts as 0 (the variable is set but says nothing).
  setenv("GLOOMPI_SPIN_US", "", 1);
  EXPECT_EQ(config::getInt("GLOOMPI_SPIN_US"), 0);
}

TEST(ConfigValues, GetIntRejectsJunkNamingTheVariable) {
  EnvGuard g({"GLOOMPI_SPIN_US"});
  for (const char* bad : {"abc", "12x", "1.5", "99999999999999999999999"}) {
    setenv("GLOOMPI_SPIN_US", bad, 1);
    try {
      config::getInt("GLOOMPI_SPIN_US");
      ADD_FAILURE() << "getInt accepted '" << bad << "'";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("GLOOMPI_SPIN_US"), std::string::npos) << e.what();
    }
  }
}

TEST(ConfigValues, GetBoolAcceptsTheUsualSpellings) {
  EnvGuard g({"GLOOMPI_DETERMINISTIC"});
  for (const char* t : {"1", "true", "TRUE", "yes", "on", " On "}) {
    setenv("GLOOMPI_DETERMINISTIC", t, 1);
    EXPECT_TRUE(config::getBool("GLOOMPI_DETERMINISTIC")) << "'" << t << "'";
  }
  for (const char* f : {"0", "false", "No", "off", ""}) {
    setenv("GLOOMPI_DETERMINISTIC", f, 1);
    EXPECT_FALSE(config::getBool("GLOOMPI_DETERMINISTIC")) << "'" << f << "'";
  }
  for (const char* bad : {"2", "maybe", "yess"}) {
    setenv("GLOOMPI_DETERMINISTIC", bad, 1);
    EXPECT_THROW(config::getBool("GLOOMPI_DETERMINISTIC"), InvalidArgument) << "'" << bad << "'";
  }
}

TEST(ConfigValues, GetBytesUnderstandsSuffixes) {
  EnvGuard g({"GLOOMPI_RING_SEGMENT"});
  const std::pair<const char*, uint64_t> cases[] = {
      {"4096", 4096},     {"64K", 64u << 10}, {"64k", 64u << 10},  {"4M", 4u << 20},
      {"4MiB", 4u << 20}, {"1G", 1ull << 30}, {"1.5K", 1536},      {"512B", 512},
      {" 2M ", 2u << 20}, {"0", 0}};
  for (const auto& [text, want] : cases) {
    setenv("GLOOMPI_RING_SEGMENT", text, 1);
    EXPECT_EQ(config::getBytes("GLOOMPI_RING_SEGMENT"), want) << "'" << text << "'";
  }
  for (const char* bad : {"-1", "4X", "abc", "M", "4 TB"}) {
    setenv("GLOOMPI_RING_SEGMENT", bad, 1);
    EXPECT_THROW(config::getBytes("GLOOMPI_RING_SEGMENT"), InvalidArgument) << "'" << bad << "'";
  }
}

TEST(ConfigValues, TimeoutIsFractionalSecondsAndMustBePositive) {
  EnvGuard g({"GLOOMPI_TIMEOUT"});
  EXPECT_EQ(config::timeout(), std::chrono::milliseconds(300000));  // the declared default
  setenv("GLOOMPI_TIMEOUT", "0.25", 1);
  EXPECT_EQ(config::timeout(), std::chrono::milliseconds(250));
  setenv("GLOOMPI_TIMEOUT", "12", 1);
  EXPECT_EQ(config::timeout(), std::chrono::milliseconds(12000));
  for (const char* bad : {"0", "-5", "soon", "inf"}) {
    setenv("GLOOMPI_TIMEOUT", bad, 1);
    EXPECT_THROW(config::timeout(), InvalidArgument) << "'" << bad << "'";
  }
}

TEST(ConfigOverride, OverrideBeatsEnvironmentAndCanBeRemoved) {
  EnvGuard g({"GLOOMPI_SPIN_US"});
  setenv("GLOOMPI_SPIN_US", "5", 1);
  EXPECT_EQ(config::getInt("GLOOMPI_SPIN_US"), 5);
  config::setOverride("GLOOMPI_SPIN_US", "9");
  EXPECT_EQ(config::getInt("GLOOMPI_SPIN_US"), 9);
  EXPECT_TRUE(config::isSet("GLOOMPI_SPIN_US"));
  config::setOverride("GLOOMPI_SPIN_US", std::nullopt);
  EXPECT_EQ(config::getInt("GLOOMPI_SPIN_US"), 5);
  unsetenv("GLOOMPI_SPIN_US");
  EXPECT_FALSE(config::isSet("GLOOMPI_SPIN_US"));
  EXPECT_EQ(config::getInt("GLOOMPI_SPIN_US"), 1000);
}

TEST(ConfigOverride, FamilyMembersAreDeclaredThroughTheirPrefix) {
  EnvGuard g({"GLOOMPI_ALGO_ALLREDUCE", "GLOOMPI_ALGO_BARRIER"});
  EXPECT_EQ(config::getString("GLOOMPI_ALGO_ALLREDUCE"), "");
  config::setOverride("GLOOMPI_ALGO_ALLREDUCE", "ring");
  EXPECT_EQ(config::getString("GLOOMPI_ALGO_ALLREDUCE"), "ring");
  EXPECT_EQ(config::getString("GLOOMPI_ALGO_BARRIER"), "");
  setenv("GLOOMPI_ALGO_BARRIER", "dissemination", 1);
  EXPECT_EQ(config::getString("GLOOMPI_ALGO_BARRIER"), "dissemination");
}

TEST(ConfigOverride, UndeclaredNamesAreRejected) {
  EXPECT_THROW(config::getString("GLOOMPI_NO_SUCH_THING"), InvalidArgument);
  EXPECT_THROW(config::getInt("GLOOMPI_TIMEOT"), InvalidArgument);
  EXPECT_THROW(config::setOverride("GLOOMPI_NO_SUCH_THING", "1"), InvalidArgument);
  EXPECT_THROW(config::isSet("NOT_OURS"), InvalidArgument);
  try {
    config::getString("GLOOMPI_NO_SUCH_THING");
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("GLOOMPI_NO_SUCH_THING"), std::string::npos);
  }
}

TEST(ConfigUnknown, MisspelledVariableGetsADidYouMean) {
  EnvGuard g({"GLOOMPI_TIMEOT", "GLOOMPI_SPINUS", "GLOOMPI_TIMEOUT"});
  setenv("GLOOMPI_TIMEOT", "5", 1);
  setenv("GLOOMPI_SPINUS", "10", 1);
  setenv("GLOOMPI_TIMEOUT", "5", 1);  // declared: must not be reported
  std::map<std::string, std::string> unknown;
  for (const auto& [name, best] : config::unknownVariables()) unknown[name] = best;
  ASSERT_TRUE(unknown.count("GLOOMPI_TIMEOT"));
  EXPECT_EQ(unknown["GLOOMPI_TIMEOT"], "GLOOMPI_TIMEOUT");
  ASSERT_TRUE(unknown.count("GLOOMPI_SPINUS"));
  EXPECT_EQ(unknown["GLOOMPI_SPINUS"], "GLOOMPI_SPIN_US");
  EXPECT_FALSE(unknown.count("GLOOMPI_TIMEOUT"));
}

TEST(ConfigUnknown, DeclaredAndFamilyNamesAreNotReported) {
  EnvGuard g({"GLOOMPI_ALGO_SCAN", "GLOOMPI_LOG", "GLOOMPI_TIMEOT", "GLOOMPI_SPINUS"});
  setenv("GLOOMPI_ALGO_SCAN", "linear", 1);
  setenv("GLOOMPI_LOG", "warn", 1);
  for (const auto& [name, best] : config::unknownVariables()) {
    EXPECT_NE(name, "GLOOMPI_ALGO_SCAN");
    EXPECT_NE(name, "GLOOMPI_LOG");
  }
}

}  // namespace
