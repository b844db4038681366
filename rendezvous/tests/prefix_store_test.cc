// PrefixStore: the store contract over a HashStore and over a FileStore, and
// the prefixing itself (isolation, key mapping, timeouts reported in the
// caller's key names).
#include "rendezvous/prefix_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "rendezvous/file_store.h"
#include "rendezvous/hash_store.h"
#include "rendezvous/tests/store_contract.h"

namespace gloo::rendezvous::testing {
namespace {

struct PrefixOverHashFactory {
  std::string skipReason() { return ""; }
  void setUp() { inner = std::make_unique<HashStore>(); }
  std::unique_ptr<Store> open() { return std::make_unique<PrefixStore>("job7", *inner); }
  void tearDown() { inner.reset(); }
  std::unique_ptr<HashStore> inner;
};

struct PrefixOverFileFactory {
  std::string skipReason() { return ""; }
  void setUp() {
    char tmpl[] = "/tmp/gloompi-prefix-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir = tmpl;
  }
  std::unique_ptr<Store> open() {
    return std::make_unique<PrefixStore>("ctx/3", std::make_unique<FileStore>(dir));
  }
  void tearDown() {
    if (!dir.empty()) FileStore::removeAll(dir);
  }
  std::string dir;
};

INSTANTIATE_TYPED_TEST_SUITE_P(PrefixOverHash, StoreContract, PrefixOverHashFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(PrefixOverFile, StoreContract, PrefixOverFileFactory);

TEST(PrefixStore, PrefixesIsolateKeys) {
  HashStore inner;
  PrefixStore a("a", inner);
  PrefixStore b("b", inner);
  a.setString("k", "from a");
  b.setString("k", "from b");
  EXPECT_EQ(a.getString("k", std::chrono::seconds(1)), "from a");
  EXPECT_EQ(b.getString("k", std::chrono::seconds(1)), "from b");
  EXPECT_EQ(inner.getString("a/k", std::chrono::seconds(1)), "from a");
  EXPECT_FALSE(inner.check({"k"}));
  EXPECT_EQ(a.add("n", 2), 2);
  EXPECT_FALSE(b.check({"n"}));
  EXPECT_TRUE(inner.check({"a/n"}));
  b.erase("k");
  EXPECT_TRUE(a.check({"k"}));
  EXPECT_FALSE(inner.check({"b/k"}));
}

TEST(PrefixStore, NestedPrefixesCompose) {
  auto inner = std::make_unique<HashStore>();
  HashStore* raw = inner.get();
  PrefixStore outer("job", std::move(inner));  // owning
  PrefixStore ctx("ctx1", outer);              // non-owning
  ctx.setString("rank/0", "x");
  EXPECT_TRUE(raw->check({"job/ctx1/rank/0"}));
  EXPECT_NE(ctx.describe().find("ctx1"), std::string::npos) << ctx.describe();
  EXPECT_NE(ctx.describe().find("HashStore"), std::string::npos) << ctx.describe();
}

TEST(PrefixStore, TimeoutReportsUnprefixedKeys) {
  HashStore inner;
  PrefixStore p("pfx", inner);
  p.setString("have", "1");
  try {
    p.wait({"have", "want/1", "want/2"}, std::chrono::milliseconds(50));
    FAIL() << "wait returned with keys missing";
  } catch (const StoreTimeout& e) {
    EXPECT_EQ(e.missingKeys(), (std::vector<std::string>{"want/1", "want/2"}));
    std::string msg = e.what();
    EXPECT_NE(msg.find(p.describe()), std::string::npos) << msg;
    EXPECT_NE(msg.find("\"want/1\""), std::string::npos) << msg;
    EXPECT_EQ(msg.find("pfx/want"), std::string::npos) << msg;
  }
  try {
    p.get("nope", std::chrono::milliseconds(20));
    FAIL() << "get returned a missing key";
  } catch (const StoreTimeout& e) {
    EXPECT_EQ(e.missingKeys(), std::vector<std::string>{"nope"});
  }
}

TEST(PrefixStore, OwningConstructorRejectsNull) {
  EXPECT_THROW(PrefixStore("p", std::unique_ptr<Store>()), gloo::InvalidArgument);
}

}  // namespace
}  // namespace gloo::rendezvous::testing
