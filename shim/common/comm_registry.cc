#include "shim/common/comm_registry.h"

#include <cstdio>
#include <mutex>
#include <unordered_set>

#include "common/logging.h"

namespace gloompi {
namespace {

struct Entry {
  std::shared_ptr<gloo::Context> ctx;
};

std::mutex gMu;
ContextFactory gFactory;
std::function<void()> gFinalizeHook;
int gKeyval = MPI_KEYVAL_INVALID;
int gSelfKeyval = MPI_KEYVAL_INVALID;
bool gFinalizing = false;
std::unordered_set<Entry*>& live() {
  static std::unordered_set<Entry*> s;
  return s;
}

int deleteEntry(MPI_Comm, int, void* value, void*) {
  auto* e = static_cast<Entry*>(value);
  {
    std::lock_guard<std::mutex> g(gMu);
    if (!live().erase(e)) return MPI_SUCCESS;  // already torn down at finalize
  }
  delete e;
  return MPI_SUCCESS;
}

// Runs at the start of MPI_Finalize: statistics, then every context.
int finalizeAll(MPI_Comm, int, void*, void*) {
  std::function<void()> hook;
  std::unordered_set<Entry*> all;
  {
    std::lock_guard<std::mutex> g(gMu);
    gFinalizing = true;
    hook = gFinalizeHook;
    all.swap(live());
  }
  if (hook) hook();
  for (Entry* e : all) delete e;
  return MPI_SUCCESS;
}

void ensureKeyvals() {
  std::lock_guard<std::mutex> g(gMu);
  if (gKeyval != MPI_KEYVAL_INVALID) return;
  PMPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, &deleteEntry, &gKeyval, nullptr);
  PMPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, &finalizeAll, &gSelfKeyval, nullptr);
  PMPI_Comm_set_attr(MPI_COMM_SELF, gSelfKeyval, nullptr);
}

}  // namespace

void setContextFactory(ContextFactory f) {
  std::lock_guard<std::mutex> g(gMu);
  gFactory = std::move(f);
}

void setFinalizeHook(std::function<void()> hook) {
  std::lock_guard<std::mutex> g(gMu);
  gFinalizeHook = std::move(hook);
}

std::shared_ptr<gloo::Context> contextFor(MPI_Comm comm) {
  ensureKeyvals();
  void* value = nullptr;
  int flag = 0;
  PMPI_Comm_get_attr(comm, gKeyval, &value, &flag);
  if (flag && value) return static_cast<Entry*>(value)->ctx;
  ContextFactory f;
  {
    std::lock_guard<std::mutex> g(gMu);
    if (gFinalizing) throw gloo::Error("gloompi: collective called during MPI_Finalize");
    f = gFactory;
  }
  if (!f) throw gloo::Error("gloompi: no context factory installed");
  auto ctx = f(comm);
  auto* e = new Entry{ctx};
  {
    std::lock_guard<std::mutex> g(gMu);
    live().insert(e);
  }
  PMPI_Comm_set_attr(comm, gKeyval, e);
  return ctx;
}

std::string commName(MPI_Comm comm) {
  if (comm == MPI_COMM_WORLD) return "MPI_COMM_WORLD";
  if (comm == MPI_COMM_SELF) return "MPI_COMM_SELF";
  char name[MPI_MAX_OBJECT_NAME] = {0};
  int len = 0;
  if (PMPI_Comm_get_name(comm, name, &len) == MPI_SUCCESS && len > 0) return std::string(name, len);
  char buf[48];
  std::snprintf(buf, sizeof buf, "comm 0x%x", static_cast<unsigned>(comm));
  return buf;
}

size_t liveContexts() {
  std::lock_guard<std::mutex> g(gMu);
  return live().size();
}

}  // namespace gloompi

extern "C" __attribute__((visibility("default"))) unsigned long long gloompi_live_contexts() {
  return gloompi::liveContexts();
}
