/* The progress case: while an offloaded collective waits, the real MPI must
 * keep progressing, or this program deadlocks.
 *
 * Rank 1 sends rank 0 a large message with a blocking MPI_Send (rendezvous
 * protocol: it completes only when rank 0's MPI handles the request) and only
 * then enters MPI_Allreduce. Rank 0 posts the matching MPI_Irecv, enters
 * MPI_Allreduce (which waits for rank 1), and waits for the receive
 * afterwards. Without progress polling inside the shim's allreduce, rank 0
 * never answers the rendezvous and rank 1 never reaches the allreduce.
 * The second round is the mirror image with MPI_Isend posted before the
 * allreduce and the receive posted after it. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int n = 4 << 20; /* 16 MiB of int */
  int* big = malloc((size_t)n * sizeof(int));
  int bad = 0;
  for (int round = 0; round < 3; ++round) {
    int x = rank + 1, sum = 0;
    if (rank == 0) {
      MPI_Request rq;
      MPI_Irecv(big, n, MPI_INT, 1, 7, MPI_COMM_WORLD, &rq);
      MPI_Allreduce(&x, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
      MPI_Wait(&rq, MPI_STATUS_IGNORE);
      for (int i = 0; i < n; i += 4097) bad += big[i] != i + round;
    } else if (rank == 1) {
      for (int i = 0; i < n; ++i) big[i] = i + round;
      MPI_Send(big, n, MPI_INT, 0, 7, MPI_COMM_WORLD);
      MPI_Allreduce(&x, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    } else {
      MPI_Allreduce(&x, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    }
    bad += sum != size * (size + 1) / 2;
    /* Mirror: Isend before the collective, receive after the peer's. */
    if (rank == 1) {
      MPI_Request rq;
      for (int i = 0; i < n; ++i) big[i] = 3 * i + round;
      MPI_Isend(big, n, MPI_INT, 0, 8, MPI_COMM_WORLD, &rq);
      MPI_Allreduce(&x, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
      MPI_Wait(&rq, MPI_STATUS_IGNORE);
    } else if (rank == 0) {
      MPI_Allreduce(&x, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
      MPI_Recv(big, n, MPI_INT, 1, 8, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      for (int i = 0; i < n; i += 4097) bad += big[i] != 3 * i + round;
    } else {
      MPI_Allreduce(&x, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    }
    bad += sum != size * (size + 1) / 2;
  }
  int total = 0;
  MPI_Allreduce(&bad, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) printf("progress_check: %s\n", total ? "FAILED" : "all checks passed");
  free(big);
  MPI_Finalize();
  return total ? 1 : 0;
}
