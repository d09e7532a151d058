/* The machine's measured ceiling for the workloads' arithmetic (bench/README.md): fused
 * multiply-adds per second on 1..N cores at once, float and double, nothing else (no loads,
 * no stores). Each thread runs K independent accumulator chains acc = acc·m + a of the
 * widest vector GCC vector extensions give under -march=native (64 bytes with AVX-512, 32
 * with AVX2), enough chains to cover the FMA latency on every port; the threads start
 * together, and a run's figure is all threads' flops over the time the last one took.
 * GFLOP/s = threads · iterations · K · lanes · 2 / seconds, the best of --runs runs (a
 * ceiling: the slowest run says more about the host than about the core).
 *
 * Why it is here: the goals of issue #6 and the aim of issue #5 ask for figures near this
 * ceiling (W2 at 20x scikit-learn, digits at 5x); run.py and bench_sklearn.py quote what a
 * goal needs as a share of it, and the ceiling's own 2-thread ÷ 1-thread ratio (turbo
 * falling as both cores run vector code) next to the frameworks'.
 *
 *   bench_peak [--threads 1] [--runs 7] [--millis 100]
 * prints one JSON line per precision: {"framework":"machine","workload":"peak",...}.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, pthread barriers */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__AVX512F__)
#define VBYTES 64
#elif defined(__AVX__)
#define VBYTES 32
#else
#define VBYTES 16
#endif
/* Chains per thread: 2 FMA ports x 4 cycles of latency need 8; 12 leave room and fit in the
 * 16 vector registers of AVX2 (32 with AVX-512). */
#define K 12

typedef float vf __attribute__((vector_size(VBYTES)));
typedef double vd __attribute__((vector_size(VBYTES)));

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* acc = acc·m + a converges to a/(1-m) (0.5 here) and stays normal: no denormal slow path.
 * The sum of the chains goes to *sink so that nothing is optimized away. */
#define CHAINS(V, T, NAME)                                                          \
  static void NAME(long iterations, double* sink) {                                 \
    V acc[K];                                                                       \
    const V m = (V){0} + (T)0.999, a = (V){0} + (T)0.0005;                          \
    for (int i = 0; i < K; ++i) acc[i] = (V){0} + (T)(0.1 * i);                     \
    for (long it = 0; it < iterations; ++it) {                                      \
      _Pragma("GCC unroll 16") for (int i = 0; i < K; ++i) acc[i] = acc[i] * m + a; \
    }                                                                               \
    double s = 0;                                                                   \
    for (int i = 0; i < K; ++i)                                                     \
      for (int j = 0; j < (int)(VBYTES / sizeof(T)); ++j) s += (double)acc[i][j];   \
    *sink = s;                                                                      \
  }
CHAINS(vf, float, chains_f32)
CHAINS(vd, double, chains_f64)

struct Job {
  int f64;
  long iterations;
  pthread_barrier_t* start;
  double seconds, sink;
};

static void* run_job(void* arg) {
  struct Job* j = arg;
  pthread_barrier_wait(j->start);
  const double t0 = now();
  if (j->f64)
    chains_f64(j->iterations, &j->sink);
  else
    chains_f32(j->iterations, &j->sink);
  j->seconds = now() - t0;
  return NULL;
}

/* One run on `threads` threads at once: the seconds the slowest thread took. */
static double run(int threads, int f64, long iterations) {
  pthread_t tid[64];
  struct Job job[64];
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, (unsigned)threads);
  for (int t = 0; t < threads; ++t) {
    job[t] = (struct Job){f64, iterations, &start, 0, 0};
    if (t > 0 && pthread_create(&tid[t], NULL, run_job, &job[t]) != 0) {
      fprintf(stderr, "bench_peak: could not start thread %d of %d\n", t + 1, threads);
      exit(1); /* the started ones wait at the barrier: nothing to join */
    }
  }
  run_job(&job[0]);
  double slowest = job[0].seconds;
  for (int t = 1; t < threads; ++t) {
    pthread_join(tid[t], NULL);
    if (job[t].seconds > slowest) slowest = job[t].seconds;
  }
  pthread_barrier_destroy(&start);
  return slowest;
}

int main(int argc, char** argv) {
  int threads = 1, runs = 7;
  double millis = 100;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) {
      fprintf(stderr, "bench_peak: %s needs a value\n", argv[i]);
      return 1;
    }
    if (!strcmp(argv[i], "--threads"))
      threads = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--runs"))
      runs = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--millis"))
      millis = atof(argv[i + 1]);
    else {
      fprintf(stderr, "bench_peak: unknown option %s (--threads, --runs, --millis)\n", argv[i]);
      return 1;
    }
  }
  if (threads < 1 || threads > 64 || runs < 1 || !(millis > 0)) {
    fprintf(stderr, "bench_peak: expected --threads 1..64, --runs >= 1, --millis > 0\n");
    return 1;
  }
  for (int f64 = 0; f64 <= 1; ++f64) {
    const int lanes = VBYTES / (f64 ? 8 : 4);
    /* Size a run to about --millis on one thread (after a warm-up that also lets the clock
     * rise), then keep that size for every run and thread count. */
    long iterations = 1 << 16;
    for (double s = run(1, f64, iterations); s < 0.02; s = run(1, f64, iterations)) iterations *= 2;
    iterations = (long)((double)iterations * (millis * 1e-3) / run(1, f64, iterations)) + 1;
    double best = 0;
    for (int r = 0; r < runs; ++r) {
      const double s = run(threads, f64, iterations);
      const double gflops = (double)threads * (double)iterations * K * lanes * 2.0 / s * 1e-9;
      if (gflops > best) best = gflops;
    }
    printf(
        "{\"framework\":\"machine\",\"workload\":\"peak\",\"variant\":\"fma\",\"mode\":\"%s\","
        "\"threads\":%d,\"vector_bytes\":%d,\"chains\":%d,\"runs\":%d,\"gflops\":%.6g}\n",
        f64 ? "f64" : "f32", threads, VBYTES, K, runs, best);
  }
  return 0;
}
