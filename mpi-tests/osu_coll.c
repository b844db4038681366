/* osu_coll: an OSU-style latency sweep of MPI collectives.
 *
 *   mpiexec -n N osu_coll [-t allreduce|bcast|barrier|reduce|allgather]
 *                         [-m MIN:MAX] [-i ITERS] [-x WARMUP] [-c] [--csv]
 *
 * It is the MPI twin of tools/gloo_bench.cc: same method, same iteration
 * counts per size, same output columns, so that the two compare line by line
 * (scripts/bench joins them on the size column).
 *
 * Method: for each message size, `warmup` untimed calls, a barrier, then
 * `iters` timed calls back to back; each rank's average latency is its
 * elapsed time / iters; the printed avg/min/max are the mean/min/max over
 * ranks of those averages (as the OSU micro-benchmarks do). Bus bandwidth
 * (NCCL-tests convention, 1 GB/s = 1e9 B/s): allreduce S*2(P-1)/P / t,
 * allgather S*(P-1) / t (S per rank), bcast and reduce S / t, barrier 0.
 * Reductions are MPI_FLOAT / MPI_SUM on S/4 elements. Validation (-c) runs
 * one extra untimed call per size on known data and checks every element.
 *
 * Output (rank 0): a '#' header, then per size
 *   size  avg_us  min_us  max_us  busbw_GBps  algorithm(always "-")  [check]
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum coll { ALLREDUCE, BCAST, BARRIER, REDUCE, ALLGATHER };

struct options {
  enum coll coll;
  const char* name;
  size_t min_size, max_size;
  long iters, warmup; /* -1: by size */
  int validate, csv;
};

static long iters_for(size_t bytes) {
  if (bytes <= 8192) return 1000;
  if (bytes <= ((size_t)1 << 20)) return 100;
  long n = (long)(100 * ((size_t)1 << 20) / bytes);
  return n < 5 ? 5 : n;
}

static long warmup_for(size_t bytes) {
  if (bytes <= 8192) return 100;
  if (bytes <= ((size_t)1 << 20)) return 10;
  return 2;
}

static float input_value(int rank, size_t i) { return (float)((rank + 1) * (int)(i % 13 + 1)); }
static uint8_t byte_value(int rank, size_t i) { return (uint8_t)(rank * 31 + i * 7 + 3); }

static int parse_size(const char* s, size_t* out) {
  char* end = NULL;
  double v = strtod(s, &end);
  if (end == s || v < 0) return -1;
  double mult = 1;
  if (*end == '\0' || strcmp(end, "B") == 0) mult = 1;
  else if (strcmp(end, "K") == 0 || strcmp(end, "k") == 0) mult = 1024.0;
  else if (strcmp(end, "M") == 0 || strcmp(end, "m") == 0) mult = 1024.0 * 1024;
  else if (strcmp(end, "G") == 0 || strcmp(end, "g") == 0) mult = 1024.0 * 1024 * 1024;
  else return -1;
  *out = (size_t)(v * mult);
  return 0;
}

static void usage(int rank, int code) {
  if (rank == 0) {
    fprintf(code ? stderr : stdout,
            "usage: osu_coll [-t allreduce|bcast|barrier|reduce|allgather] [-m MIN:MAX]\n"
            "                [-i ITERS] [-x WARMUP] [-c] [--csv]\n"
            "  defaults: allreduce, sizes 4:64M (powers of 2; K/M/G suffixes allowed),\n"
            "  iterations 1000 (100 above 8 KiB, fewer above 1 MiB)\n");
  }
  MPI_Finalize();
  exit(code);
}

static void parse_args(int argc, char** argv, int rank, struct options* o) {
  static const struct option long_opts[] = {{"collective", required_argument, NULL, 't'},
                                            {"sizes", required_argument, NULL, 'm'},
                                            {"iterations", required_argument, NULL, 'i'},
                                            {"warmup", required_argument, NULL, 'x'},
                                            {"validate", no_argument, NULL, 'c'},
                                            {"csv", no_argument, NULL, 'C'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
  o->coll = ALLREDUCE;
  o->name = "allreduce";
  o->min_size = 4;
  o->max_size = (size_t)64 << 20;
  o->iters = -1;
  o->warmup = -1;
  o->validate = 0;
  o->csv = 0;
  int c;
  opterr = rank == 0;
  while ((c = getopt_long(argc, argv, "t:m:i:x:ch", long_opts, NULL)) != -1) {
    switch (c) {
      case 't':
        if (strcmp(optarg, "allreduce") == 0) o->coll = ALLREDUCE, o->name = "allreduce";
        else if (strcmp(optarg, "bcast") == 0 || strcmp(optarg, "broadcast") == 0)
          o->coll = BCAST, o->name = "broadcast";
        else if (strcmp(optarg, "barrier") == 0) o->coll = BARRIER, o->name = "barrier";
        else if (strcmp(optarg, "reduce") == 0) o->coll = REDUCE, o->name = "reduce";
        else if (strcmp(optarg, "allgather") == 0) o->coll = ALLGATHER, o->name = "allgather";
        else usage(rank, 2);
        break;
      case 'm': {
        char* colon = strchr(optarg, ':');
        if (!colon) {
          if (parse_size(optarg, &o->max_size)) usage(rank, 2);
        } else {
          *colon = '\0';
          if (*optarg && parse_size(optarg, &o->min_size)) usage(rank, 2);
          if (colon[1] && parse_size(colon + 1, &o->max_size)) usage(rank, 2);
        }
        break;
      }
      case 'i': o->iters = atol(optarg); break;
      case 'x': o->warmup = atol(optarg); break;
      case 'c': o->validate = 1; break;
      case 'C': o->csv = 1; break;
      case 'h': usage(rank, 0); break;
      default: usage(rank, 2);
    }
  }
  if (optind != argc || o->min_size == 0 || o->min_size > o->max_size || o->iters == 0)
    usage(rank, 2);
}

struct bench {
  const struct options* o;
  int rank, size;
  uint8_t *in, *out;
};

static void once(const struct bench* b, size_t bytes) {
  int count = (int)(bytes / sizeof(float));
  switch (b->o->coll) {
    case ALLREDUCE: MPI_Allreduce(b->in, b->out, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); break;
    case REDUCE: MPI_Reduce(b->in, b->out, count, MPI_FLOAT, MPI_SUM, 0, MPI_COMM_WORLD); break;
    case BCAST: MPI_Bcast(b->out, (int)bytes, MPI_BYTE, 0, MPI_COMM_WORLD); break;
    case ALLGATHER:
      MPI_Allgather(b->in, (int)bytes, MPI_BYTE, b->out, (int)bytes, MPI_BYTE, MPI_COMM_WORLD);
      break;
    case BARRIER: MPI_Barrier(MPI_COMM_WORLD); break;
  }
}

/* One untimed call on known data; 1 if this rank's result is correct. */
static int validate_once(const struct bench* b, size_t bytes) {
  size_t count = bytes / sizeof(float), i;
  float* fin = (float*)b->in;
  float* fout = (float*)b->out;
  int r;
  switch (b->o->coll) {
    case ALLREDUCE:
    case REDUCE: {
      for (i = 0; i < count; ++i) fin[i] = input_value(b->rank, i);
      memset(b->out, 0xee, bytes);
      once(b, bytes);
      if (b->o->coll == REDUCE && b->rank != 0) return 1;
      float ranks = (float)(b->size * (b->size + 1) / 2);
      for (i = 0; i < count; ++i)
        if (fout[i] != ranks * (float)(i % 13 + 1)) return 0;
      return 1;
    }
    case BCAST:
      for (i = 0; i < bytes; ++i) b->out[i] = b->rank == 0 ? byte_value(0, i) : 0;
      once(b, bytes);
      for (i = 0; i < bytes; ++i)
        if (b->out[i] != byte_value(0, i)) return 0;
      return 1;
    case ALLGATHER:
      for (i = 0; i < bytes; ++i) b->in[i] = byte_value(b->rank, i);
      memset(b->out, 0, bytes * (size_t)b->size);
      once(b, bytes);
      for (r = 0; r < b->size; ++r)
        for (i = 0; i < bytes; ++i)
          if (b->out[(size_t)r * bytes + i] != byte_value(r, i)) return 0;
      return 1;
    case BARRIER: once(b, 0); return 1;
  }
  return 0;
}

static double bus_bandwidth(const struct bench* b, size_t bytes, double us) {
  double p = b->size, factor = 0;
  if (us <= 0) return 0;
  switch (b->o->coll) {
    case ALLREDUCE: factor = 2 * (p - 1) / p; break;
    case ALLGATHER: factor = p - 1; break;
    case BCAST:
    case REDUCE: factor = 1; break;
    case BARRIER: factor = 0; break;
  }
  return (double)bytes * factor / (us * 1e-6) / 1e9;
}

/* Times one size; returns 1 if the validation failed on some rank. */
static int run_size(const struct bench* b, size_t bytes) {
  const struct options* o = b->o;
  long iters = o->iters > 0 ? o->iters : iters_for(bytes);
  long warmup = o->warmup >= 0 ? o->warmup : warmup_for(bytes);
  long i;
  for (i = 0; i < warmup; ++i) once(b, bytes);
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  for (i = 0; i < iters; ++i) once(b, bytes);
  double my_us = (MPI_Wtime() - t0) * 1e6 / (double)iters;

  int ok = o->validate ? validate_once(b, bytes) : 1, all_ok = 1;
  double sum = 0, mn = 0, mx = 0;
  MPI_Reduce(&my_us, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
  MPI_Reduce(&my_us, &mn, 1, MPI_DOUBLE, MPI_MIN, 0, MPI_COMM_WORLD);
  MPI_Reduce(&my_us, &mx, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
  if (b->rank == 0) {
    double avg = sum / b->size;
    double bw = bus_bandwidth(b, bytes, avg);
    const char* check = o->validate ? (all_ok ? "pass" : "FAIL") : NULL;
    if (o->csv)
      printf("%s,%zu,%.2f,%.2f,%.2f,%.3f,-%s%s\n", o->name, bytes, avg, mn, mx, bw,
             check ? "," : "", check ? check : "");
    else
      printf("  %-10zu %16.2f %16.2f %16.2f %14.3f  -%s%s\n", bytes, avg, mn, mx, bw,
             check ? "  " : "", check ? check : "");
    fflush(stdout);
  }
  return all_ok ? 0 : 1;
}

int main(int argc, char** argv) {
  struct options o;
  struct bench b;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &b.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &b.size);
  parse_args(argc, argv, b.rank, &o);
  b.o = &o;

  size_t in_bytes = o.coll == BARRIER ? 1 : o.max_size;
  size_t out_bytes = o.coll == BARRIER ? 1 : (o.coll == ALLGATHER ? o.max_size * b.size : o.max_size);
  b.in = malloc(in_bytes);
  b.out = malloc(out_bytes);
  if (!b.in || !b.out) {
    fprintf(stderr, "osu_coll rank %d: cannot allocate %zu + %zu bytes\n", b.rank, in_bytes, out_bytes);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  memset(b.in, 1, in_bytes);
  memset(b.out, 0, out_bytes);

  if (b.rank == 0) {
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(version, &len);
    for (char* t = version; *t; ++t)
      if (*t == '\t') *t = ' ';
    char* nl = strchr(version, '\n');
    if (nl) *nl = '\0';
    if (o.csv) {
      printf("collective,size,avg_us,min_us,max_us,busbw_GBps,algorithm%s\n", o.validate ? ",check" : "");
    } else {
      int reducing = o.coll == ALLREDUCE || o.coll == REDUCE;
      printf("# osu_coll: %s%s, %d ranks, library: %s\n", o.name, reducing ? " (float32 sum)" : "",
             b.size, version);
      printf("# %-10s %16s %16s %16s %14s  %s%s\n", "Size", "Avg Latency(us)", "Min Latency(us)",
             "Max Latency(us)", "Bus BW(GB/s)", "Algorithm", o.validate ? "  Check" : "");
    }
    fflush(stdout);
  }

  int failures = 0;
  if (o.coll == BARRIER) {
    failures += run_size(&b, 0);
  } else {
    for (size_t s = o.min_size; s <= o.max_size; s *= 2) {
      failures += run_size(&b, s);
      if (s > o.max_size / 2) break;
    }
  }
  free(b.in);
  free(b.out);
  MPI_Finalize();
  return failures ? 1 : 0;
}
