/* Concurrent collectives from several threads, each on its own
 * communicator (MPI_THREAD_MULTIPLE): results must be right and the run
 * must not serialise into a deadlock. */
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 3
static int rank, size, provided;
static MPI_Comm comms[THREADS];
static int errors[THREADS];

static void* worker(void* arg) {
  int t = (int)(long)arg;
  double buf[1000];
  for (int it = 0; it < 200; ++it) {
    for (int i = 0; i < 1000; ++i) buf[i] = rank + t + i % 7 + it;
    MPI_Allreduce(MPI_IN_PLACE, buf, 1000, MPI_DOUBLE, MPI_SUM, comms[t]);
    for (int i = 0; i < 1000; ++i) {
      double want = size * (t + i % 7 + it) + size * (size - 1) / 2.0;
      if (buf[i] != want) {
        errors[t]++;
        break;
      }
    }
    int v = it * 10 + t;
    MPI_Bcast(&v, 1, MPI_INT, it % size, comms[t]);
    errors[t] += v != it * 10 + t;
  }
  MPI_Barrier(comms[t]);
  return NULL;
}

int main(int argc, char** argv) {
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (provided < MPI_THREAD_MULTIPLE) {
    if (rank == 0) printf("threads_check: MPI_THREAD_MULTIPLE not provided (%d)\n", provided);
    MPI_Finalize();
    return 1;
  }
  for (int t = 0; t < THREADS; ++t) MPI_Comm_dup(MPI_COMM_WORLD, &comms[t]);
  /* Create the engine contexts one by one (context set-up itself is
     collective over each communicator), then run them concurrently. */
  for (int t = 0; t < THREADS; ++t) MPI_Barrier(comms[t]);
  pthread_t th[THREADS];
  for (int t = 0; t < THREADS; ++t) pthread_create(&th[t], NULL, worker, (void*)(long)t);
  for (int t = 0; t < THREADS; ++t) pthread_join(th[t], NULL);
  int bad = 0, total = 0;
  for (int t = 0; t < THREADS; ++t) bad += errors[t], MPI_Comm_free(&comms[t]);
  MPI_Allreduce(&bad, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) printf("threads_check: %s\n", total ? "FAILED" : "all checks passed");
  MPI_Finalize();
  return total ? 1 : 0;
}
