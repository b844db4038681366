// Staging of MPI buffers into the byte ranges the engine moves.
//
// A dense datatype is used in place (no copy). Any other datatype (vector,
// indexed, struct, MPI_BOTTOM-relative, pair types with padding) is packed
// with PMPI_Pack_c into a staging buffer before the collective and unpacked
// with PMPI_Unpack_c afterwards, so every rank of a collective offloads it
// whatever layout its own buffers have (ranks must never disagree on
// offloading, or they would wait for each other on different paths).
#pragma once

#include <mpi.h>

#include <cstddef>
#include <vector>

#include "shim/common/datatype.h"

namespace gloompi {

// One (buffer, count, datatype) region.
class Staged {
 public:
  Staged() = default;
  // `load`: pack the current contents (input or in-out buffers).
  Staged(const void* buf, size_t count, MPI_Datatype dt, const TypeInfo& t, MPI_Comm comm, bool load);
  void* data() { return ptr_; }
  size_t bytes() const { return bytes_; }
  // Unpacks the staging buffer into the user's buffer (no-op when dense).
  void store();

 private:
  void* user_ = nullptr;
  void* ptr_ = nullptr;
  size_t count_ = 0;
  size_t bytes_ = 0;
  MPI_Datatype dt_ = MPI_DATATYPE_NULL;
  MPI_Comm comm_ = MPI_COMM_NULL;
  bool packed_ = false;
  std::vector<unsigned char> buf_;
};

// A set of blocks of one datatype at element displacements from a base
// address (the v-collectives; the plain ones use displs[i] = i*count).
// bytes()[i]/displs()[i] describe the engine's view in bytes.
class StagedBlocks {
 public:
  template <typename C, typename D>
  StagedBlocks(const void* base, const C* counts, const D* displs, int n, MPI_Datatype dt,
               const TypeInfo& t, MPI_Comm comm, bool load) {
    init(base, n, dt, t, comm, load, [&](int i) { return static_cast<long long>(counts[i]); },
         [&](int i) { return static_cast<long long>(displs[i]); });
  }
  // Equal blocks of `count` elements back to back.
  StagedBlocks(const void* base, size_t count, int n, MPI_Datatype dt, const TypeInfo& t, MPI_Comm comm,
               bool load) {
    init(base, n, dt, t, comm, load, [&](int) { return static_cast<long long>(count); },
         [&](int i) { return static_cast<long long>(count) * i; });
  }
  void* data() { return ptr_; }
  const std::vector<size_t>& bytes() const { return bytes_; }
  const std::vector<size_t>& displs() const { return displs_; }
  // Unpack block i (or all when i < 0) into the user's buffer.
  void store(int i = -1);

 private:
  template <typename CF, typename DF>
  void init(const void* base, int n, MPI_Datatype dt, const TypeInfo& t, MPI_Comm comm, bool load, CF cnt,
            DF dsp);
  void packBlock(int i);

  const char* base_ = nullptr;
  void* ptr_ = nullptr;
  MPI_Datatype dt_ = MPI_DATATYPE_NULL;
  MPI_Comm comm_ = MPI_COMM_NULL;
  size_t extent_ = 0;
  bool packed_ = false;
  std::vector<long long> counts_, elemDispls_;
  std::vector<size_t> bytes_, displs_;
  std::vector<unsigned char> buf_;
};

template <typename CF, typename DF>
void StagedBlocks::init(const void* base, int n, MPI_Datatype dt, const TypeInfo& t, MPI_Comm comm,
                        bool load, CF cnt, DF dsp) {
  base_ = static_cast<const char*>(base);
  dt_ = dt;
  comm_ = comm;
  extent_ = t.extent;
  packed_ = !t.dense;
  counts_.resize(n);
  elemDispls_.resize(n);
  bytes_.resize(n);
  displs_.resize(n);
  size_t total = 0;
  for (int i = 0; i < n; ++i) {
    counts_[i] = cnt(i);
    elemDispls_[i] = dsp(i);
    bytes_[i] = static_cast<size_t>(counts_[i]) * t.size;
    if (packed_) {
      displs_[i] = total;
      total += bytes_[i];
    } else {
      displs_[i] = static_cast<size_t>(elemDispls_[i]) * t.extent;
    }
  }
  if (!packed_) {
    ptr_ = const_cast<char*>(base_);
    return;
  }
  buf_.resize(total ? total : 1);
  ptr_ = buf_.data();
  if (load) {
    for (int i = 0; i < n; ++i) packBlock(i);
  }
}

}  // namespace gloompi
