/* A rank killed (or stopped) in the middle of a collective: the survivors
 * must end with an error naming the problem within GLOOMPI_TIMEOUT, never
 * hang. Run by run_case.sh, which checks the exit status, the time and the
 * survivors' messages. */
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
  /* "return": errors come back as codes (MPI_ERRORS_RETURN) and this
     program reports them; default: MPI_ERRORS_ARE_FATAL. */
  const int ret = argc > 1 && argv[1][0] == 'r';
  if (ret) MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  static float buf[1 << 18];
  for (int i = 0; i < 20; ++i) MPI_Allreduce(MPI_IN_PLACE, buf, 1 << 18, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  /* Default: the last rank is killed. "return" mode: it stops answering
     (SIGSTOP), which the launcher does not notice, so the survivors must
     find out by themselves within GLOOMPI_TIMEOUT and report it. */
  if (rank == size - 1) raise(ret ? SIGSTOP : SIGKILL);
  for (long i = 0; i < 100000000L; ++i) {
    int rc = MPI_Allreduce(MPI_IN_PLACE, buf, 1 << 18, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) {
      int cls = 0;
      MPI_Error_class(rc, &cls);
      printf("fault_check: rank %d: MPI_Allreduce returned error class %d after a peer failed\n", rank, cls);
      fflush(stdout);
      _exit(3);
    }
  }
  printf("fault_check: rank %d completed every allreduce without an error\n", rank);
  MPI_Finalize();
  return 0;
}
