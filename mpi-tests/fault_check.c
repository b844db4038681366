/* A rank killed in the middle of a collective: the survivors must end with
 * an error naming the problem within GLOOMPI_TIMEOUT, never hang. Run by
 * run_case.sh with hydra's -disable-auto-cleanup so that mpiexec does not
 * kill the survivors itself; the driver checks the exit status, the time
 * and the survivors' messages. */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  static float buf[1 << 18];
  for (int i = 0; i < 20; ++i) MPI_Allreduce(MPI_IN_PLACE, buf, 1 << 18, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == size - 1) raise(SIGKILL);
  for (long i = 0; i < 100000000L; ++i) MPI_Allreduce(MPI_IN_PLACE, buf, 1 << 18, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  printf("fault_check: rank %d completed every allreduce without an error\n", rank);
  MPI_Finalize();
  return 0;
}
