// openStore(): the URL schemes that are not Redis (Redis URLs are covered in
// redis_store_test.cc, next to their server) and the rejection of the rest.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "rendezvous/file_store.h"
#include "rendezvous/hash_store.h"
#include "rendezvous/store.h"

namespace gloo::rendezvous {
namespace {

TEST(OpenStore, FileUrlOpensAFileStore) {
  char tmpl[] = "/tmp/gloompi-open-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  auto a = openStore("file:" + dir);
  auto b = openStore("file://" + dir);  // file:///tmp/...
  ASSERT_NE(dynamic_cast<FileStore*>(a.get()), nullptr);
  ASSERT_NE(dynamic_cast<FileStore*>(b.get()), nullptr);
  EXPECT_EQ(a->describe(), "FileStore(" + dir + ")");
  a->setString("k", "v");
  EXPECT_EQ(b->getString("k", std::chrono::seconds(1)), "v");
  FileStore::removeAll(dir);
}

TEST(OpenStore, HashUrlOpensAHashStore) {
  auto s = openStore("hash:");
  EXPECT_NE(dynamic_cast<HashStore*>(s.get()), nullptr);
  EXPECT_EQ(s->add("n", 2), 2);
}

TEST(OpenStore, RejectsUnknownOrMalformedUrls) {
  for (const char* url : {"", "file:", "file://host/dir", "hash:x", "tcp://h:1", "/tmp/dir",
                          "redis:", "FILE:/tmp"}) {
    SCOPED_TRACE(url);
    EXPECT_THROW(openStore(url), gloo::InvalidArgument);
  }
  try {
    openStore("etcd://h:1");
    FAIL() << "an unknown scheme was accepted";
  } catch (const gloo::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("etcd://h:1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gloo::rendezvous
