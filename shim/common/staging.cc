#include "shim/common/staging.h"

#include "common/error.h"

namespace gloompi {

Staged::Staged(const void* buf, size_t count, MPI_Datatype dt, const TypeInfo& t, MPI_Comm comm, bool load)
    : user_(const_cast<void*>(buf)), count_(count), bytes_(count * t.size), dt_(dt), comm_(comm),
      packed_(!t.dense) {
  if (!packed_) {
    ptr_ = user_;
    return;
  }
  buf_.resize(bytes_ ? bytes_ : 1);
  ptr_ = buf_.data();
  if (load && count_) {
    MPI_Count pos = 0;
    if (PMPI_Pack_c(user_, count_, dt_, ptr_, bytes_, &pos, comm_) != MPI_SUCCESS) {
      throw gloo::InvalidArgument("PMPI_Pack of " + typeName(dt_) + " failed");
    }
  }
}

void Staged::store() {
  if (!packed_ || !count_) return;
  MPI_Count pos = 0;
  if (PMPI_Unpack_c(ptr_, bytes_, &pos, user_, count_, dt_, comm_) != MPI_SUCCESS) {
    throw gloo::InvalidArgument("PMPI_Unpack of " + typeName(dt_) + " failed");
  }
}

void StagedBlocks::packBlock(int i) {
  if (!counts_[i]) return;
  MPI_Count pos = 0;
  const char* src = base_ + elemDispls_[i] * static_cast<long long>(extent_);
  if (PMPI_Pack_c(src, counts_[i], dt_, static_cast<char*>(ptr_) + displs_[i], bytes_[i], &pos, comm_) !=
      MPI_SUCCESS) {
    throw gloo::InvalidArgument("PMPI_Pack of " + typeName(dt_) + " failed");
  }
}

void StagedBlocks::store(int i) {
  if (!packed_) return;
  int lo = i < 0 ? 0 : i, hi = i < 0 ? static_cast<int>(counts_.size()) : i + 1;
  for (int k = lo; k < hi; ++k) {
    if (!counts_[k]) continue;
    MPI_Count pos = 0;
    char* dst = const_cast<char*>(base_) + elemDispls_[k] * static_cast<long long>(extent_);
    if (PMPI_Unpack_c(static_cast<char*>(ptr_) + displs_[k], bytes_[k], &pos, dst, counts_[k], dt_, comm_) !=
        MPI_SUCCESS) {
      throw gloo::InvalidArgument("PMPI_Unpack of " + typeName(dt_) + " failed");
    }
  }
}

}  // namespace gloompi
