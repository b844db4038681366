// HashStore: the store contract, plus the in-process specifics (waiters are
// woken by set() rather than by polling).
#include "rendezvous/hash_store.h"

#include <gtest/gtest.h>

#include "rendezvous/tests/store_contract.h"

namespace gloo::rendezvous::testing {
namespace {

struct HashFactory {
  std::string skipReason() { return ""; }
  void setUp() { store = std::make_unique<HashStore>(); }
  std::unique_ptr<Store> open() { return std::make_unique<SharedHandle>(*store); }
  void tearDown() { store.reset(); }
  std::unique_ptr<HashStore> store;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Hash, StoreContract, HashFactory);

TEST(HashStore, ManyWaitersWakeOnSet) {
  HashStore s;
  constexpr int kWaiters = 8;
  std::atomic<int> done{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < kWaiters; ++i) {
    ts.emplace_back([&] {
      s.wait({"go", "also"}, std::chrono::seconds(10));
      if (s.getString("go", std::chrono::seconds(1)) == "now") done.fetch_add(1);
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(done.load(), 0);
  s.setString("go", "now");
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(done.load(), 0) << "waiters returned with one of two keys missing";
  auto t0 = std::chrono::steady_clock::now();
  s.setString("also", "1");
  for (auto& t : ts) t.join();
  EXPECT_EQ(done.load(), kWaiters);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(2000));
}

TEST(HashStore, DescribeNamesTheStore) {
  HashStore s;
  EXPECT_EQ(s.describe(), "HashStore");
}

}  // namespace
}  // namespace gloo::rendezvous::testing
