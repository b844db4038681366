/* Correctness suite for the MPI collectives, run under both MPI faces (and
 * under plain MPICH as a control). Every expected value is computed here,
 * independently of any MPI library, from the same fill functions every rank
 * uses. Exits 0 when every check passed; prints each failure (up to a cap).
 *
 * Environment:
 *   COLL_CHECK_LARGE=N   element count of the large cases (default 1<<24 ints = 64 MiB)
 *   COLL_CHECK_EXPECT_OFFLOAD=1   also require that the gloompi shim ran
 *                         (gloompi_offloaded_calls() > 0, found with dlsym). */
#define _GNU_SOURCE
#include <complex.h>
#include <dlfcn.h>
#include <mpi.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size, failures;

#define CHECK(cond, ...)                                          \
  do {                                                            \
    if (!(cond)) {                                                \
      if (failures++ < 20) {                                      \
        fprintf(stderr, "rank %d: %s:%d: ", rank, __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__);                             \
        fprintf(stderr, "\n");                                    \
      }                                                           \
    }                                                             \
  } while (0)

/* Small values so every sum/product is exact in every type. */
static long long val(int r, long long i) { return (r * 7 + i * 3) % 5 + 1; }
static long long bits(int r, long long i) { return (r * 11 + i * 37) & 0x7f; }

/* ---- allreduce over every predefined type x op ------------------------- */

#define INT_OPS_TEST(CT, MT)                                                          \
  do {                                                                                \
    const MPI_Op ops[] = {MPI_SUM, MPI_PROD, MPI_MIN, MPI_MAX, MPI_LAND, MPI_LOR,     \
                          MPI_LXOR, MPI_BAND, MPI_BOR, MPI_BXOR};                     \
    const char* names[] = {"sum", "prod", "min", "max", "land", "lor", "lxor", "band", "bor", "bxor"}; \
    for (int o = 0; o < 10; ++o) {                                                    \
      for (int ip = 0; ip < 2; ++ip) {                                                \
        long long n = counts[ci];                                                     \
        CT* in = malloc((n + 1) * sizeof(CT));                                        \
        CT* out = malloc((n + 1) * sizeof(CT));                                       \
        for (long long i = 0; i < n; ++i) {                                           \
          long long v = o >= 7 ? bits(rank, i) : (o >= 4 ? (val(rank, i) > 2) * (i % 3) : val(rank, i)); \
          in[i] = (CT)v;                                                              \
          out[i] = (CT)v;                                                             \
        }                                                                             \
        int rc = MPI_Allreduce(ip ? MPI_IN_PLACE : in, out, (int)n, MT, ops[o], comm); \
        CHECK(rc == MPI_SUCCESS, "allreduce %s %s rc %d", #MT, names[o], rc);         \
        for (long long i = 0; i < n; ++i) {                                           \
          long long acc = 0;                                                          \
          for (int r = 0; r < size; ++r) {                                            \
            long long v = o >= 7 ? bits(r, i) : (o >= 4 ? (val(r, i) > 2) * (i % 3) : val(r, i)); \
            CT x = (CT)v;                                                             \
            CT a = (CT)acc;                                                           \
            if (r == 0) { acc = (long long)x; continue; }                             \
            switch (o) {                                                              \
              case 0: a = (CT)(a + x); break;                                         \
              case 1: a = (CT)(a * x); break;                                         \
              case 2: a = x < a ? x : a; break;                                       \
              case 3: a = x > a ? x : a; break;                                       \
              case 4: a = (CT)(a && x); break;                                        \
              case 5: a = (CT)(a || x); break;                                        \
              case 6: a = (CT)(!a != !x); break;                                      \
              case 7: a = (CT)(a & x); break;                                         \
              case 8: a = (CT)(a | x); break;                                         \
              case 9: a = (CT)(a ^ x); break;                                         \
            }                                                                         \
            acc = (long long)a;                                                       \
          }                                                                           \
          if (out[i] != (CT)acc) {                                                    \
            CHECK(0, "allreduce %s %s n=%lld inplace=%d: [%lld] = %lld, want %lld", #MT, names[o], n, ip, \
                  i, (long long)out[i], acc);                                         \
            break;                                                                    \
          }                                                                           \
        }                                                                             \
        free(in);                                                                     \
        free(out);                                                                    \
      }                                                                               \
    }                                                                                 \
  } while (0)

#define REAL_OPS_TEST(CT, MT)                                                         \
  do {                                                                                \
    const MPI_Op ops[] = {MPI_SUM, MPI_PROD, MPI_MIN, MPI_MAX};                       \
    for (int o = 0; o < 4; ++o) {                                                     \
      long long n = counts[ci];                                                       \
      CT* buf = malloc((n + 1) * sizeof(CT));                                         \
      CT* out = malloc((n + 1) * sizeof(CT));                                         \
      for (long long i = 0; i < n; ++i) buf[i] = (CT)val(rank, i);                    \
      int rc = MPI_Allreduce(buf, out, (int)n, MT, ops[o], comm);                     \
      CHECK(rc == MPI_SUCCESS, "allreduce %s op %d rc %d", #MT, o, rc);               \
      for (long long i = 0; i < n; ++i) {                                             \
        CT a = (CT)val(0, i);                                                         \
        for (int r = 1; r < size; ++r) {                                              \
          CT x = (CT)val(r, i);                                                       \
          a = o == 0 ? a + x : o == 1 ? a * x : o == 2 ? (x < a ? x : a) : (x > a ? x : a); \
        }                                                                             \
        if (out[i] != a) {                                                            \
          CHECK(0, "allreduce %s op %d n=%lld: [%lld] = %Lg, want %Lg", #MT, o, n, i, (long double)out[i], \
                (long double)a);                                                      \
          break;                                                                      \
        }                                                                             \
      }                                                                               \
      free(buf);                                                                      \
      free(out);                                                                      \
    }                                                                                 \
  } while (0)

#define COMPLEX_OPS_TEST(CT, MT)                                                      \
  do {                                                                                \
    const MPI_Op ops[] = {MPI_SUM, MPI_PROD};                                         \
    for (int o = 0; o < 2; ++o) {                                                     \
      long long n = counts[ci];                                                       \
      CT* buf = malloc((n + 1) * sizeof(CT));                                         \
      for (long long i = 0; i < n; ++i) buf[i] = val(rank, i) + val(rank + 1, i) * I; \
      int rc = MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MT, ops[o], comm);            \
      CHECK(rc == MPI_SUCCESS, "allreduce %s rc %d", #MT, rc);                        \
      for (long long i = 0; i < n; ++i) {                                             \
        CT a = val(0, i) + val(1, i) * I;                                             \
        for (int r = 1; r < size; ++r) {                                              \
          CT x = val(r, i) + val(r + 1, i) * I;                                       \
          a = o == 0 ? a + x : a * x;                                                 \
        }                                                                             \
        if (buf[i] != a) {                                                            \
          CHECK(0, "allreduce %s op %d [%lld] wrong", #MT, o, i);                     \
          break;                                                                      \
        }                                                                             \
      }                                                                               \
      free(buf);                                                                      \
    }                                                                                 \
  } while (0)

static void test_allreduce_types(MPI_Comm comm) {
  const long long counts[] = {0, 1, 1001};
  for (int ci = 0; ci < 3; ++ci) {
    INT_OPS_TEST(signed char, MPI_SIGNED_CHAR);
    INT_OPS_TEST(unsigned char, MPI_UNSIGNED_CHAR);
    INT_OPS_TEST(short, MPI_SHORT);
    INT_OPS_TEST(unsigned short, MPI_UNSIGNED_SHORT);
    INT_OPS_TEST(int, MPI_INT);
    INT_OPS_TEST(unsigned, MPI_UNSIGNED);
    INT_OPS_TEST(long, MPI_LONG);
    INT_OPS_TEST(unsigned long, MPI_UNSIGNED_LONG);
    INT_OPS_TEST(long long, MPI_LONG_LONG);
    INT_OPS_TEST(unsigned long long, MPI_UNSIGNED_LONG_LONG);
    INT_OPS_TEST(int8_t, MPI_INT8_T);
    INT_OPS_TEST(int16_t, MPI_INT16_T);
    INT_OPS_TEST(int32_t, MPI_INT32_T);
    INT_OPS_TEST(int64_t, MPI_INT64_T);
    INT_OPS_TEST(uint8_t, MPI_UINT8_T);
    INT_OPS_TEST(uint16_t, MPI_UINT16_T);
    INT_OPS_TEST(uint32_t, MPI_UINT32_T);
    INT_OPS_TEST(uint64_t, MPI_UINT64_T);
    INT_OPS_TEST(int, MPI_INTEGER);
    REAL_OPS_TEST(float, MPI_FLOAT);
    REAL_OPS_TEST(double, MPI_DOUBLE);
    REAL_OPS_TEST(long double, MPI_LONG_DOUBLE);
    REAL_OPS_TEST(float, MPI_REAL);
    REAL_OPS_TEST(double, MPI_DOUBLE_PRECISION);
    COMPLEX_OPS_TEST(float _Complex, MPI_C_FLOAT_COMPLEX);
    COMPLEX_OPS_TEST(double _Complex, MPI_C_DOUBLE_COMPLEX);
    COMPLEX_OPS_TEST(float _Complex, MPI_COMPLEX);
    COMPLEX_OPS_TEST(double _Complex, MPI_DOUBLE_COMPLEX);
  }
  /* Logical types: C bool and Fortran LOGICAL. */
  {
    const int n = 77;
    bool b[77], want_and = true, want_or = false;
    for (int i = 0; i < n; ++i) b[i] = (rank + i) % 3 != 0;
    bool land[77], lor[77];
    MPI_Allreduce(b, land, n, MPI_C_BOOL, MPI_LAND, comm);
    MPI_Allreduce(b, lor, n, MPI_C_BOOL, MPI_LOR, comm);
    for (int i = 0; i < n; ++i) {
      want_and = true, want_or = false;
      for (int r = 0; r < size; ++r) want_and = want_and && (r + i) % 3 != 0, want_or = want_or || (r + i) % 3 != 0;
      CHECK(land[i] == want_and && lor[i] == want_or, "MPI_C_BOOL land/lor [%d]", i);
    }
    int fl[77], fo[77];
    for (int i = 0; i < n; ++i) fl[i] = (rank + i) % 2;
    MPI_Allreduce(fl, fo, n, MPI_LOGICAL, MPI_LXOR, comm);
    for (int i = 0; i < n; ++i) {
      int x = 0;
      for (int r = 0; r < size; ++r) x ^= (r + i) % 2;
      CHECK(fo[i] == x, "MPI_LOGICAL lxor [%d] = %d want %d", i, fo[i], x);
    }
  }
  /* MPI_BYTE: bitwise only. */
  {
    unsigned char b[333], o[333];
    for (int i = 0; i < 333; ++i) b[i] = (unsigned char)bits(rank, i);
    MPI_Allreduce(b, o, 333, MPI_BYTE, MPI_BXOR, comm);
    for (int i = 0; i < 333; ++i) {
      unsigned char x = 0;
      for (int r = 0; r < size; ++r) x ^= (unsigned char)bits(r, i);
      CHECK(o[i] == x, "MPI_BYTE bxor [%d]", i);
    }
  }
  /* MINLOC/MAXLOC on every pair type. */
#define LOC_TEST(VT, MT)                                                               \
  do {                                                                                 \
    struct { VT v; int i; } in[64], out[64];                                           \
    for (int k = 0; k < 64; ++k) in[k].v = (VT)((rank * 5 + k) % 4), in[k].i = rank;   \
    for (int which = 0; which < 2; ++which) {                                          \
      MPI_Allreduce(in, out, 64, MT, which ? MPI_MAXLOC : MPI_MINLOC, comm);           \
      for (int k = 0; k < 64; ++k) {                                                   \
        VT best = (VT)((0 * 5 + k) % 4);                                               \
        int at = 0;                                                                    \
        for (int r = 1; r < size; ++r) {                                               \
          VT x = (VT)((r * 5 + k) % 4);                                                \
          if (which ? x > best : x < best) best = x, at = r;                           \
        }                                                                              \
        CHECK(out[k].v == best && out[k].i == at, "%s %s [%d] = (%g,%d) want (%g,%d)", #MT, \
              which ? "maxloc" : "minloc", k, (double)out[k].v, out[k].i, (double)best, at); \
      }                                                                                \
    }                                                                                  \
  } while (0)
  LOC_TEST(float, MPI_FLOAT_INT);
  LOC_TEST(double, MPI_DOUBLE_INT);
  LOC_TEST(long, MPI_LONG_INT);
  LOC_TEST(int, MPI_2INT);
  LOC_TEST(short, MPI_SHORT_INT);
  LOC_TEST(long double, MPI_LONG_DOUBLE_INT);
  LOC_TEST(int, MPI_2INTEGER);
}

/* ---- user ops -------------------------------------------------------------- */

/* Non-commutative: 2x2 integer matrix product modulo 1000, inout = in * inout. */
static void matmul(void* in, void* inout, int* len, MPI_Datatype* dt) {
  int* a = in;
  int* b = inout;
  for (int k = 0; k < *len; ++k, a += 4, b += 4) {
    int c0 = (a[0] * b[0] + a[1] * b[2]) % 1000, c1 = (a[0] * b[1] + a[1] * b[3]) % 1000;
    int c2 = (a[2] * b[0] + a[3] * b[2]) % 1000, c3 = (a[2] * b[1] + a[3] * b[3]) % 1000;
    b[0] = c0, b[1] = c1, b[2] = c2, b[3] = c3;
  }
}

static void mat_of(int r, int k, int m[4]) {
  m[0] = (r + k) % 7 + 1, m[1] = (r * 3 + k) % 5, m[2] = (r + 2 * k) % 3, m[3] = (r * k) % 4 + 1;
}

static void test_user_ops(MPI_Comm comm) {
  MPI_Datatype mat;
  MPI_Type_contiguous(4, MPI_INT, &mat);
  MPI_Type_commit(&mat);
  MPI_Op op;
  MPI_Op_create(matmul, 0, &op);
  const int n = 50;
  int in[200], out[200];
  for (int k = 0; k < n; ++k) mat_of(rank, k, in + 4 * k);
  MPI_Allreduce(in, out, n, mat, op, comm);
  int scan_out[200];
  MPI_Scan(in, scan_out, n, mat, op, comm);
  for (int k = 0; k < n; ++k) {
    int acc[4], x[4];
    mat_of(0, k, acc);
    int upto_me[4];
    memcpy(upto_me, acc, sizeof acc);
    for (int r = 1; r < size; ++r) {
      mat_of(r, k, x);
      int len = 1;
      /* acc = acc * x  (acc is the lower-rank operand) */
      matmul(acc, x, &len, &mat);
      memcpy(acc, x, sizeof acc);
      if (r == rank) memcpy(upto_me, acc, sizeof acc);
    }
    CHECK(memcmp(out + 4 * k, acc, sizeof acc) == 0, "non-commutative user op allreduce [%d]", k);
    CHECK(memcmp(scan_out + 4 * k, upto_me, sizeof acc) == 0, "non-commutative user op scan [%d]", k);
  }
  MPI_Op_free(&op);
  MPI_Type_free(&mat);
}

/* ---- rooted collectives, every root --------------------------------------- */

static void test_rooted(MPI_Comm comm) {
  for (int root = 0; root < size; ++root) {
    for (int n = 0; n < 3000; n += 1499) {
      int* b = malloc((n + 1) * sizeof(int));
      for (int i = 0; i < n; ++i) b[i] = rank == root ? i * 3 + root : -1;
      MPI_Bcast(b, n, MPI_INT, root, comm);
      for (int i = 0; i < n; ++i) {
        if (b[i] != i * 3 + root) {
          CHECK(0, "bcast root %d n %d [%d] = %d", root, n, i, b[i]);
          break;
        }
      }
      double* s = malloc((n + 1) * sizeof(double));
      double* r = malloc((n + 1) * sizeof(double));
      for (int i = 0; i < n; ++i) s[i] = (double)val(rank, i), r[i] = -7;
      MPI_Reduce(s, rank == root ? r : NULL, n, MPI_DOUBLE, MPI_SUM, root, comm);
      if (rank == root) {
        for (int i = 0; i < n; ++i) {
          double want = 0;
          for (int q = 0; q < size; ++q) want += (double)val(q, i);
          if (r[i] != want) {
            CHECK(0, "reduce root %d [%d] = %g want %g", root, i, r[i], want);
            break;
          }
        }
        /* in place at the root (Debian's MPICH 4.0.2 itself crashes on an
           in-place reduce of more than ~1000 doubles to a non-zero root, so the
           control run keeps this case small) */
        const int m = n < 100 ? n : 100;
        for (int i = 0; i < m; ++i) r[i] = (double)val(rank, i);
        MPI_Reduce(MPI_IN_PLACE, r, m, MPI_DOUBLE, MPI_MAX, root, comm);
        for (int i = 0; i < m; ++i) {
          double want = 0;
          for (int q = 0; q < size; ++q) want = (double)val(q, i) > want ? (double)val(q, i) : want;
          if (r[i] != want) {
            CHECK(0, "reduce in-place root %d [%d]", root, i);
            break;
          }
        }
      } else {
        MPI_Reduce(s, NULL, n < 100 ? n : 100, MPI_DOUBLE, MPI_MAX, root, comm);
      }
      free(b), free(s), free(r);
    }
    /* gather / scatter / gatherv / scatterv */
    int mine[3] = {rank * 10, rank * 10 + 1, rank * 10 + 2};
    int* all = malloc(3 * size * sizeof(int));
    MPI_Gather(mine, 3, MPI_INT, all, 3, MPI_INT, root, comm);
    if (rank == root) {
      for (int q = 0; q < size; ++q)
        for (int k = 0; k < 3; ++k) CHECK(all[3 * q + k] == q * 10 + k, "gather root %d", root);
    }
    if (rank == root)
      for (int q = 0; q < size; ++q)
        for (int k = 0; k < 3; ++k) all[3 * q + k] = q * 100 + k + root;
    int got[3] = {-1, -1, -1};
    MPI_Scatter(all, 3, MPI_INT, got, 3, MPI_INT, root, comm);
    for (int k = 0; k < 3; ++k) CHECK(got[k] == rank * 100 + k + root, "scatter root %d", root);
    /* v-variants with uneven blocks: rank q contributes q+1 ints at reversed displacements */
    int* rc = malloc(size * sizeof(int));
    int* dp = malloc(size * sizeof(int));
    int total = 0;
    for (int q = size - 1; q >= 0; --q) rc[q] = q + 1, dp[q] = total, total += q + 1;
    int* vbuf = malloc((total + 1) * sizeof(int));
    int* msend = malloc((rank + 1) * sizeof(int));
    for (int k = 0; k <= rank; ++k) msend[k] = rank * 1000 + k;
    MPI_Gatherv(msend, rank + 1, MPI_INT, vbuf, rc, dp, MPI_INT, root, comm);
    if (rank == root)
      for (int q = 0; q < size; ++q)
        for (int k = 0; k <= q; ++k) CHECK(vbuf[dp[q] + k] == q * 1000 + k, "gatherv root %d", root);
    if (rank == root)
      for (int q = 0; q < size; ++q)
        for (int k = 0; k <= q; ++k) vbuf[dp[q] + k] = q * 77 + k;
    for (int k = 0; k <= rank; ++k) msend[k] = -1;
    MPI_Scatterv(vbuf, rc, dp, MPI_INT, msend, rank + 1, MPI_INT, root, comm);
    for (int k = 0; k <= rank; ++k) CHECK(msend[k] == rank * 77 + k, "scatterv root %d", root);
    free(all), free(rc), free(dp), free(vbuf), free(msend);
  }
}

/* ---- non-rooted data movement ---------------------------------------------- */

static void test_gathering(MPI_Comm comm) {
  const int n = 5;
  int* all = malloc(n * size * sizeof(int));
  int mine[5];
  for (int k = 0; k < n; ++k) mine[k] = rank * 100 + k;
  MPI_Allgather(mine, n, MPI_INT, all, n, MPI_INT, comm);
  for (int q = 0; q < size; ++q)
    for (int k = 0; k < n; ++k) CHECK(all[q * n + k] == q * 100 + k, "allgather [%d][%d]", q, k);
  /* in place */
  for (int i = 0; i < n * size; ++i) all[i] = (i / n == rank) ? 5000 + i : -1;
  MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all, n, MPI_INT, comm);
  for (int i = 0; i < n * size; ++i) CHECK(all[i] == 5000 + i, "allgather in place [%d]", i);
  /* allgatherv with a zero-size block and reversed displacements */
  int* rc = malloc(size * sizeof(int));
  int* dp = malloc(size * sizeof(int));
  int total = 0;
  for (int q = size - 1; q >= 0; --q) rc[q] = q % 2 ? 0 : q + 2, dp[q] = total, total += rc[q];
  int* v = malloc((total + 1) * sizeof(int));
  int* s = malloc((rc[rank] + 1) * sizeof(int));
  for (int k = 0; k < rc[rank]; ++k) s[k] = rank * 10 + k;
  MPI_Allgatherv(s, rc[rank], MPI_INT, v, rc, dp, MPI_INT, comm);
  for (int q = 0; q < size; ++q)
    for (int k = 0; k < rc[q]; ++k) CHECK(v[dp[q] + k] == q * 10 + k, "allgatherv [%d][%d]", q, k);
  /* alltoall */
  int* a = malloc(2 * size * sizeof(int));
  int* b = malloc(2 * size * sizeof(int));
  for (int q = 0; q < size; ++q) a[2 * q] = rank * 100 + q, a[2 * q + 1] = -rank;
  MPI_Alltoall(a, 2, MPI_INT, b, 2, MPI_INT, comm);
  for (int q = 0; q < size; ++q) CHECK(b[2 * q] == q * 100 + rank && b[2 * q + 1] == -q, "alltoall from %d", q);
  MPI_Alltoall(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, a, 2, MPI_INT, comm);
  for (int q = 0; q < size; ++q) CHECK(a[2 * q] == q * 100 + rank, "alltoall in place from %d", q);
  /* alltoallv: rank r sends q+1 ints to q */
  int *sc = malloc(size * sizeof(int)), *sd = malloc(size * sizeof(int));
  int *rcv = malloc(size * sizeof(int)), *rd = malloc(size * sizeof(int));
  int st = 0, rt = 0;
  for (int q = 0; q < size; ++q) sc[q] = q + 1, sd[q] = st, st += q + 1, rcv[q] = rank + 1, rd[q] = rt, rt += rank + 1;
  int *sb = malloc(st * sizeof(int)), *rb = malloc(rt * sizeof(int));
  for (int q = 0; q < size; ++q)
    for (int k = 0; k < sc[q]; ++k) sb[sd[q] + k] = rank * 1000 + q * 10 + k;
  MPI_Alltoallv(sb, sc, sd, MPI_INT, rb, rcv, rd, MPI_INT, comm);
  for (int q = 0; q < size; ++q)
    for (int k = 0; k < rcv[q]; ++k) CHECK(rb[rd[q] + k] == q * 1000 + rank * 10 + k, "alltoallv from %d", q);
  free(all), free(rc), free(dp), free(v), free(s), free(a), free(b), free(sc), free(sd), free(rcv), free(rd),
      free(sb), free(rb);
}

/* ---- reduce-scatter and scans ------------------------------------------------ */

static void test_reduce_scatter_scan(MPI_Comm comm) {
  int* rc = malloc(size * sizeof(int));
  int total = 0;
  for (int q = 0; q < size; ++q) rc[q] = q + 1, total += q + 1;
  long* in = malloc(total * sizeof(long));
  long* out = malloc((rank + 1) * sizeof(long));
  for (int i = 0; i < total; ++i) in[i] = val(rank, i);
  MPI_Reduce_scatter(in, out, rc, MPI_LONG, MPI_SUM, comm);
  int off = 0;
  for (int q = 0; q < rank; ++q) off += rc[q];
  for (int k = 0; k < rc[rank]; ++k) {
    long want = 0;
    for (int q = 0; q < size; ++q) want += val(q, off + k);
    CHECK(out[k] == want, "reduce_scatter [%d] = %ld want %ld", k, out[k], want);
  }
  long blk_in[3 * 64], blk_out[3];
  for (int i = 0; i < 3 * size; ++i) blk_in[i] = val(rank, i);
  MPI_Reduce_scatter_block(blk_in, blk_out, 3, MPI_LONG, MPI_MAX, comm);
  for (int k = 0; k < 3; ++k) {
    long want = 0;
    for (int q = 0; q < size; ++q) want = val(q, 3 * rank + k) > want ? val(q, 3 * rank + k) : want;
    CHECK(blk_out[k] == want, "reduce_scatter_block [%d]", k);
  }
  int sv[10], so[10], eo[10];
  for (int k = 0; k < 10; ++k) sv[k] = (int)val(rank, k), eo[k] = -99;
  MPI_Scan(sv, so, 10, MPI_INT, MPI_SUM, comm);
  MPI_Exscan(sv, eo, 10, MPI_INT, MPI_SUM, comm);
  for (int k = 0; k < 10; ++k) {
    int inc = 0;
    for (int q = 0; q <= rank; ++q) inc += (int)val(q, k);
    CHECK(so[k] == inc, "scan [%d] = %d want %d", k, so[k], inc);
    if (rank > 0) CHECK(eo[k] == inc - (int)val(rank, k), "exscan [%d]", k);
  }
  free(rc), free(in), free(out);
}

/* ---- large messages ----------------------------------------------------------- */

static void test_large(MPI_Comm comm) {
  long long n = 1 << 24; /* 64 MiB of int */
  const char* e = getenv("COLL_CHECK_LARGE");
  if (e) n = atoll(e);
  int* b = malloc(n * sizeof(int));
  for (long long i = 0; i < n; ++i) b[i] = (int)(i % 1000) + rank;
  MPI_Allreduce(MPI_IN_PLACE, b, (int)n, MPI_INT, MPI_SUM, comm);
  for (long long i = 0; i < n; ++i) {
    int want = (int)(i % 1000) * size + size * (size - 1) / 2;
    if (b[i] != want) {
      CHECK(0, "large allreduce [%lld] = %d want %d", i, b[i], want);
      break;
    }
  }
  for (long long i = 0; i < n; ++i) b[i] = rank == size - 1 ? (int)(i * 7) : 0;
  MPI_Bcast(b, (int)n, MPI_INT, size - 1, comm);
  for (long long i = 0; i < n; ++i) {
    if (b[i] != (int)(i * 7)) {
      CHECK(0, "large bcast [%lld]", i);
      break;
    }
  }
  free(b);
}

/* ---- non-contiguous datatypes (staged by the shim) -------------------------- */

static void test_derived(MPI_Comm comm) {
  MPI_Datatype vec;
  MPI_Type_vector(4, 1, 2, MPI_INT, &vec); /* every other int, 4 of them */
  MPI_Type_commit(&vec);
  int b[8];
  for (int k = 0; k < 8; ++k) b[k] = rank == 0 ? k : -1;
  MPI_Bcast(b, 1, vec, 0, comm);
  for (int k = 0; k < 8; ++k) CHECK(b[k] == (k % 2 == 0 ? k : (rank == 0 ? k : -1)), "bcast vector [%d]", k);
  MPI_Type_free(&vec);
}

static void run_all(MPI_Comm comm) {
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  test_allreduce_types(comm);
  test_user_ops(comm);
  test_rooted(comm);
  test_gathering(comm);
  test_reduce_scatter_scan(comm);
  test_derived(comm);
  MPI_Barrier(comm);
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int wrank, wsize;
  MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
  MPI_Comm_size(MPI_COMM_WORLD, &wsize);
  run_all(MPI_COMM_WORLD);
  test_large(MPI_COMM_WORLD);
  /* Split and duplicated communicators, and many created and freed. */
  MPI_Comm half, dup;
  MPI_Comm_split(MPI_COMM_WORLD, wrank % 2, -wrank, &half);
  run_all(half);
  MPI_Comm_free(&half);
  MPI_Comm_dup(MPI_COMM_WORLD, &dup);
  run_all(dup);
  MPI_Comm_free(&dup);
  /* MPI_Comm_create_group (collective over the group only: the even
     ranks), and a Cartesian communicator. */
  {
    MPI_Group world_group, evens;
    MPI_Comm_group(MPI_COMM_WORLD, &world_group);
    int nev = (wsize + 1) / 2, ranks[64];
    for (int i = 0; i < nev; ++i) ranks[i] = 2 * i;
    MPI_Group_incl(world_group, nev, ranks, &evens);
    if (wrank % 2 == 0) {
      MPI_Comm ev;
      MPI_Comm_create_group(MPI_COMM_WORLD, evens, 5, &ev);
      run_all(ev);
      MPI_Comm_free(&ev);
    }
    MPI_Group_free(&evens);
    MPI_Group_free(&world_group);
    MPI_Comm cart;
    int dims[1] = {wsize}, periods[1] = {1};
    MPI_Cart_create(MPI_COMM_WORLD, 1, dims, periods, 1, &cart);
    run_all(cart);
    MPI_Comm_free(&cart);
  }
  /* An intercommunicator between the even and the odd ranks: not offloaded
     (the shim hands it to MPI unchanged), and the result must still be
     MPI's: each side receives the sum over the other group. */
  if (wsize >= 2) {
    MPI_Comm local, inter;
    MPI_Comm_split(MPI_COMM_WORLD, wrank % 2, wrank, &local);
    MPI_Intercomm_create(local, 0, MPI_COMM_WORLD, wrank % 2 ? 0 : 1, 99, &inter);
    int mine = wrank + 1, other = 0, want = 0;
    for (int r = 0; r < wsize; ++r)
      if (r % 2 != wrank % 2) want += r + 1;
    /* Under GLOOMPI_STRICT=1 a call the shim cannot offload is an error
       (MPI_ERR_UNSUPPORTED_OPERATION) instead of a fallback. */
    const char* strict = getenv("GLOOMPI_STRICT");
    MPI_Comm_set_errhandler(inter, MPI_ERRORS_RETURN);
    int rc = MPI_Allreduce(&mine, &other, 1, MPI_INT, MPI_SUM, inter);
    if (strict && atoi(strict)) {
      int cls = 0;
      MPI_Error_class(rc, &cls);
      CHECK(cls == MPI_ERR_UNSUPPORTED_OPERATION, "strict: intercommunicator allreduce gave class %d", cls);
    } else {
      CHECK(rc == MPI_SUCCESS && other == want, "intercommunicator allreduce = %d, want %d", other, want);
    }
    MPI_Comm_free(&inter);
    MPI_Comm_free(&local);
  }
  for (int i = 0; i < 50; ++i) {
    MPI_Comm c;
    MPI_Comm_dup(MPI_COMM_WORLD, &c);
    int x = i + wrank, y = 0;
    MPI_Allreduce(&x, &y, 1, MPI_INT, MPI_SUM, c);
    CHECK(y == i * wsize + wsize * (wsize - 1) / 2, "loop dup %d", i);
    MPI_Comm_free(&c);
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const char* expect = getenv("COLL_CHECK_EXPECT_OFFLOAD");
  if (expect && atoi(expect)) {
    unsigned long long (*offloaded)(void) = (unsigned long long (*)(void))dlsym(RTLD_DEFAULT, "gloompi_offloaded_calls");
    unsigned long long (*live)(void) = (unsigned long long (*)(void))dlsym(RTLD_DEFAULT, "gloompi_live_contexts");
    CHECK(offloaded != NULL, "the gloompi shim is not loaded (gloompi_offloaded_calls not found)");
    if (offloaded) CHECK(offloaded() > 100, "the shim offloaded only %llu calls", offloaded());
    unsigned long long (*fallbacks)(void) = (unsigned long long (*)(void))dlsym(RTLD_DEFAULT, "gloompi_fallback_calls");
    /* the intercommunicator allreduce must have been handed to MPI */
    const char* strict = getenv("GLOOMPI_STRICT");
    if (fallbacks && size >= 2 && !(strict && atoi(strict)))
      CHECK(fallbacks() >= 1, "the intercommunicator call was not handed to MPI");
    /* world + self-free: after 50 dup/free cycles only a few contexts remain */
    if (live) CHECK(live() <= 3, "%llu engine contexts alive after the dup/free loop", live());
  }
  int total = 0;
  MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (wrank == 0) printf("coll_check: %d ranks, %s\n", wsize, total ? "FAILED" : "all checks passed");
  MPI_Finalize();
  return total ? 1 : 0;
}
