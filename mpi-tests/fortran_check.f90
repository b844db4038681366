! Fortran callers reach the shim: Debian's MPICH Fortran bindings call the C
! MPI_Allreduce/MPI_Bcast/MPI_Barrier, which the shim interposes (the
! driver checks GLOOMPI_STATS output for them). Results are checked here.
program fortran_check
  use mpi
  implicit none
  integer :: ierr, rank, nprocs, i, bad, total
  integer :: ivals(100), isum(100)
  double precision :: dvals(100)
  logical :: flag, allflag
  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)
  call MPI_Comm_size(MPI_COMM_WORLD, nprocs, ierr)
  bad = 0
  do i = 1, 100
    ivals(i) = rank + i
    dvals(i) = dble(rank * i)
  end do
  call MPI_Allreduce(ivals, isum, 100, MPI_INTEGER, MPI_SUM, MPI_COMM_WORLD, ierr)
  do i = 1, 100
    if (isum(i) /= nprocs * i + nprocs * (nprocs - 1) / 2) bad = bad + 1
  end do
  call MPI_Allreduce(MPI_IN_PLACE, dvals, 100, MPI_DOUBLE_PRECISION, MPI_MAX, MPI_COMM_WORLD, ierr)
  do i = 1, 100
    if (dvals(i) /= dble((nprocs - 1) * i)) bad = bad + 1
  end do
  flag = rank >= 0
  call MPI_Allreduce(flag, allflag, 1, MPI_LOGICAL, MPI_LAND, MPI_COMM_WORLD, ierr)
  if (.not. allflag) bad = bad + 1
  if (rank == 0) ivals = 42
  call MPI_Bcast(ivals, 100, MPI_INTEGER, 0, MPI_COMM_WORLD, ierr)
  if (any(ivals /= 42)) bad = bad + 1
  call MPI_Barrier(MPI_COMM_WORLD, ierr)
  call MPI_Allreduce(bad, total, 1, MPI_INTEGER, MPI_SUM, MPI_COMM_WORLD, ierr)
  if (rank == 0) then
    if (total == 0) then
      print *, 'fortran_check: all checks passed'
    else
      print *, 'fortran_check: FAILED', total
    end if
  end if
  call MPI_Finalize(ierr)
  if (total /= 0) stop 1
end program fortran_check
