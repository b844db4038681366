// The store contract (rendezvous/store.h) as a type-parameterised GoogleTest
// suite. Each store's test file instantiates it with a factory type:
//
//   struct Factory {
//     std::string skipReason();              // non-empty: the store cannot run here
//     void setUp();                          // creates the backing (dir, server, map)
//     std::unique_ptr<Store> open();         // a new handle on that same backing
//     void tearDown();                       // destroys the backing
//   };
//
// Two handles from open() must see each other's keys (as two ranks would).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "rendezvous/store.h"

namespace gloo::rendezvous::testing {

// A non-owning handle forwarding to another store: lets a factory hand out
// several handles on one in-process store.
class SharedHandle : public Store {
 public:
  explicit SharedHandle(Store& s) : s_(s) {}
  void set(const std::string& k, const Bytes& v) override { s_.set(k, v); }
  Bytes get(const std::string& k, std::chrono::milliseconds t) override { return s_.get(k, t); }
  void wait(const std::vector<std::string>& k, std::chrono::milliseconds t) override { s_.wait(k, t); }
  int64_t add(const std::string& k, int64_t d) override { return s_.add(k, d); }
  bool check(const std::vector<std::string>& k) override { return s_.check(k); }
  void erase(const std::string& k) override { s_.erase(k); }
  std::string describe() const override { return s_.describe(); }

 private:
  Store& s_;
};

inline Bytes bytesOf(const std::string& s) { return Bytes(s.begin(), s.end()); }

template <class Factory>
class StoreContract : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why = factory_.skipReason();
    if (!why.empty()) GTEST_SKIP() << why;
    factory_.setUp();
    store_ = factory_.open();
  }
  void TearDown() override {
    store_.reset();
    factory_.tearDown();
  }

  Factory factory_;
  std::unique_ptr<Store> store_;
};

TYPED_TEST_SUITE_P(StoreContract);

using std::chrono::milliseconds;
constexpr milliseconds kLong{10000};

TYPED_TEST_P(StoreContract, SetThenGet) {
  this->store_->setString("alpha", "one");
  EXPECT_EQ(this->store_->getString("alpha", kLong), "one");
  auto other = this->factory_.open();
  EXPECT_EQ(other->getString("alpha", kLong), "one");
  EXPECT_FALSE(this->store_->describe().empty());
}

TYPED_TEST_P(StoreContract, SetOverwrites) {
  auto other = this->factory_.open();
  this->store_->setString("k", "first value, longer than the second");
  other->setString("k", "second");
  EXPECT_EQ(this->store_->getString("k", kLong), "second");
  EXPECT_EQ(other->getString("k", kLong), "second");
}

TYPED_TEST_P(StoreContract, BinaryValuesAndKeys) {
  Bytes all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<uint8_t>(i));
  all.push_back(0);
  all.push_back(0);
  this->store_->set("bin", all);
  EXPECT_EQ(this->store_->get("bin", kLong), all);

  this->store_->set("empty", Bytes{});
  EXPECT_TRUE(this->store_->get("empty", kLong).empty());
  EXPECT_TRUE(this->store_->check({"empty"}));

  // Keys that a naive mapping (file names, separators) would confuse.
  std::vector<std::string> keys = {"a/b",  "a_b",  "a%2Fb", "a:b",   "../up", ".",
                                   "..",   "",     "sp ace", "tab\t", std::string("nul\0x", 5),
                                   "é",    "a/b/"};
  keys.push_back(std::string(1000, 'x') + "1");
  keys.push_back(std::string(1000, 'x') + "2");
  // Value i is i+1 copies of 'v', distinct per key.
  for (size_t i = 0; i < keys.size(); ++i) this->store_->setString(keys[i], std::string(i + 1, 'v'));
  auto other = this->factory_.open();
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(other->getString(keys[i], kLong), std::string(i + 1, 'v')) << "key #" << i;
  }
  EXPECT_TRUE(other->check(keys));
}

TYPED_TEST_P(StoreContract, GetWaitsForLateSet) {
  auto writer = this->factory_.open();
  auto start = std::chrono::steady_clock::now();
  std::thread t([&] {
    std::this_thread::sleep_for(milliseconds(100));
    writer->setString("late", "here");
  });
  EXPECT_EQ(this->store_->getString("late", kLong), "here");
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(90));
  t.join();
}

TYPED_TEST_P(StoreContract, WaitForSeveralKeys) {
  auto writer = this->factory_.open();
  std::vector<std::string> keys;
  for (int i = 0; i < 5; ++i) keys.push_back("rank/" + std::to_string(i));
  EXPECT_FALSE(this->store_->check(keys));
  std::thread t([&] {
    for (const auto& k : keys) {
      std::this_thread::sleep_for(milliseconds(20));
      writer->setString(k, k);
    }
  });
  this->store_->wait(keys, kLong);
  EXPECT_TRUE(this->store_->check(keys));
  for (const auto& k : keys) EXPECT_EQ(this->store_->getString(k, kLong), k);
  t.join();
  this->store_->wait({}, milliseconds(0));  // nothing to wait for
}

TYPED_TEST_P(StoreContract, WaitTimeoutNamesMissingKeys) {
  this->store_->setString("present", "1");
  auto start = std::chrono::steady_clock::now();
  try {
    this->store_->wait({"present", "absent-one", "absent/two"}, milliseconds(150));
    FAIL() << "wait returned although two keys are missing";
  } catch (const StoreTimeout& e) {
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_GE(elapsed, milliseconds(140));
    EXPECT_LT(elapsed, milliseconds(5000));
    std::string msg = e.what();
    EXPECT_NE(msg.find(this->store_->describe()), std::string::npos) << msg;
    EXPECT_NE(msg.find("absent-one"), std::string::npos) << msg;
    EXPECT_NE(msg.find("absent/two"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("\"present\""), std::string::npos) << msg;
    EXPECT_EQ(e.missingKeys(), (std::vector<std::string>{"absent-one", "absent/two"}));
    const gloo::TimeoutError& base = e;  // callers catch the engine's timeout type
    EXPECT_STREQ(base.what(), e.what());
  }
}

TYPED_TEST_P(StoreContract, GetTimeoutNamesKey) {
  try {
    this->store_->get("never-set", milliseconds(50));
    FAIL() << "get returned a key nobody set";
  } catch (const StoreTimeout& e) {
    EXPECT_NE(std::string(e.what()).find("never-set"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(this->store_->describe()), std::string::npos) << e.what();
    EXPECT_EQ(e.missingKeys(), std::vector<std::string>{"never-set"});
  }
}

TYPED_TEST_P(StoreContract, AddCountsFromZero) {
  EXPECT_EQ(this->store_->add("ctr", 1), 1);
  EXPECT_EQ(this->store_->add("ctr", 5), 6);
  EXPECT_EQ(this->store_->add("ctr", -2), 4);
  EXPECT_EQ(this->store_->getString("ctr", kLong), "4");
  EXPECT_EQ(this->store_->add("neg", -7), -7);
  EXPECT_EQ(this->store_->getString("neg", kLong), "-7");
  this->store_->setString("text", "not a number");
  EXPECT_THROW(this->store_->add("text", 1), gloo::InvalidArgument);
}

TYPED_TEST_P(StoreContract, AddIsAtomicAcrossThreads) {
  constexpr int kThreads = 6;
  constexpr int kEach = 150;
  std::vector<std::vector<int64_t>> seen(kThreads);
  std::vector<std::unique_ptr<Store>> handles;
  for (int t = 0; t < kThreads; ++t) handles.push_back(this->factory_.open());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    // Even threads share the fixture's handle, odd ones use their own.
    Store* s = t % 2 ? handles[t].get() : this->store_.get();
    threads.emplace_back([&, s, t] {
      for (int i = 0; i < kEach; ++i) seen[t].push_back(s->add("shared-counter", 1));
    });
  }
  for (auto& th : threads) th.join();
  std::vector<int64_t> all;
  for (auto& v : seen) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), size_t(kThreads * kEach));
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], int64_t(i + 1)) << "an add was lost or duplicated";
  EXPECT_EQ(this->store_->getString("shared-counter", kLong), std::to_string(kThreads * kEach));
}

TYPED_TEST_P(StoreContract, CheckDoesNotWait) {
  EXPECT_TRUE(this->store_->check({}));
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(this->store_->check({"x"}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
  this->store_->setString("x", "1");
  EXPECT_TRUE(this->store_->check({"x"}));
  EXPECT_FALSE(this->store_->check({"x", "y"}));
  EXPECT_TRUE(this->store_->check({"x", "x"}));
}

TYPED_TEST_P(StoreContract, EraseRemovesKey) {
  this->store_->setString("gone", "soon");
  this->store_->setString("kept", "yes");
  auto other = this->factory_.open();
  other->erase("gone");
  EXPECT_FALSE(this->store_->check({"gone"}));
  EXPECT_THROW(this->store_->get("gone", milliseconds(30)), StoreTimeout);
  EXPECT_EQ(this->store_->getString("kept", kLong), "yes");
  EXPECT_NO_THROW(this->store_->erase("never-existed"));
  this->store_->setString("gone", "back");
  EXPECT_EQ(other->getString("gone", kLong), "back");
}

REGISTER_TYPED_TEST_SUITE_P(StoreContract, SetThenGet, SetOverwrites, BinaryValuesAndKeys,
                            GetWaitsForLateSet, WaitForSeveralKeys, WaitTimeoutNamesMissingKeys,
                            GetTimeoutNamesKey, AddCountsFromZero, AddIsAtomicAcrossThreads,
                            CheckDoesNotWait, EraseRemovesKey);

}  // namespace gloo::rendezvous::testing
