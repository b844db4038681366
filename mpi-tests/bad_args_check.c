/* Bad arguments get MPI's error classes, not a hang or a crash: with
 * MPI_ERRORS_RETURN every rank gets MPI_ERR_ROOT for a root out of range and
 * MPI_ERR_COUNT for a negative count, and the communicator keeps working.
 * Run with the shim preloaded; the driver also checks the shim's messages
 * naming the bad argument. (No plain-MPICH control: Debian's MPICH 4.0.2
 * itself crashes on the negative-count broadcast instead of returning
 * MPI_ERR_COUNT.) */
#include <mpi.h>
#include <stdio.h>

static int failures, rank, size;

static void expect_class(int rc, int want, const char* what) {
  int cls = MPI_SUCCESS;
  if (rc != MPI_SUCCESS) MPI_Error_class(rc, &cls);
  if (cls != want) {
    failures++;
    fprintf(stderr, "rank %d: %s: error class %d, want %d\n", rank, what, cls, want);
  }
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int x = rank, y = 0;
  expect_class(MPI_Bcast(&x, 1, MPI_INT, size, MPI_COMM_WORLD), MPI_ERR_ROOT, "bcast root = size");
  expect_class(MPI_Reduce(&x, &y, 1, MPI_INT, MPI_SUM, -5, MPI_COMM_WORLD), MPI_ERR_ROOT, "reduce root = -5");
  expect_class(MPI_Allreduce(&x, &y, -1, MPI_INT, MPI_SUM, MPI_COMM_WORLD), MPI_ERR_COUNT,
               "allreduce count = -1");
  expect_class(MPI_Bcast(&x, -3, MPI_INT, 0, MPI_COMM_WORLD), MPI_ERR_COUNT, "bcast count = -3");
  /* The communicator still works. */
  expect_class(MPI_Allreduce(&x, &y, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD), MPI_SUCCESS, "valid allreduce");
  if (y != size * (size - 1) / 2) {
    failures++;
    fprintf(stderr, "rank %d: allreduce after the errors gave %d\n", rank, y);
  }
  int total = 0;
  MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) printf("bad_args_check: %s\n", total ? "FAILED" : "all checks passed");
  MPI_Finalize();
  return total ? 1 : 0;
}
