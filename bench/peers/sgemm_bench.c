/* The practical hardware limit for W3 (bench/README.md): OpenBLAS cblas_sgemm at exactly
 * the matrix products one training step of 784-512-512-10 on a batch of B = 128 rows needs,
 * and nothing else (no activations, no loss, no optimizer). Shapes (row-major, p -> k layer):
 *   forward      Z (B x k) = A (B x p) · Wᵀ (W is k x p)              3 products
 *   weight grad  dW (k x p) = dZᵀ (k x B) · A (B x p)                 3 products
 *   input grad   dA (B x p) = dZ (B x k) · W (k x p), layers 2 and 3  2 products
 *                (the input layer's dL/dX is not needed for training, so it is not timed)
 * samples/s = B / (seconds per step). "gflops" is nominal, as for the frameworks:
 * 6 x weights x samples/s (784·512 + 512·512 + 512·10 weights); "gemm_gflops" counts the
 * 2·M·N·K of the products actually made (less: no input gradient for layer 1). The step is
 * repeated until --seconds have passed (after one warm-up step); the median step is reported.
 *
 *   bench_sgemm [--threads 1] [--batch 128] [--seconds 1]
 * prints one JSON line, with the OpenBLAS core (kernel) and build configuration it ran.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* OpenBLAS extensions (declared in its cblas.h; repeated for other cblas.h headers). */
extern void openblas_set_num_threads(int num_threads);
extern char* openblas_get_corename(void);
extern char* openblas_get_config(void);

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int compare_double(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

/* A buffer of n floats with small deterministic values (their values do not matter). */
static float* filled(size_t n) {
  float* p = malloc(n * sizeof *p);
  for (size_t i = 0; i < n; ++i) p[i] = (float)((i * 2654435761u) % 1000) * 1e-3f - 0.5f;
  return p;
}

int main(int argc, char** argv) {
  int threads = 1, B = 128;
  double seconds = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--threads"))
      threads = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--batch"))
      B = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--seconds"))
      seconds = atof(argv[i + 1]);
    else {
      fprintf(stderr, "bench_sgemm: unknown option %s\n", argv[i]);
      return 1;
    }
  }
  openblas_set_num_threads(threads);

  enum { L = 3 };
  const int w[L + 1] = {784, 512, 512, 10};
  float *A[L + 1], *dA[L + 1], *W[L + 1], *dW[L + 1], *dZ[L + 1];
  double flops = 0, weights = 0;
  for (int l = 0; l <= L; ++l) {
    A[l] = filled((size_t)B * w[l]);  // layer l's outputs (A[0] = X)
    dA[l] = filled((size_t)B * w[l]);
    if (l == 0) continue;
    W[l] = filled((size_t)w[l] * w[l - 1]);
    dW[l] = filled((size_t)w[l] * w[l - 1]);
    dZ[l] = filled((size_t)B * w[l]);
    weights += (double)w[l] * w[l - 1];
    flops += 2.0 * 2.0 * B * w[l] * w[l - 1];       // forward + weight gradient
    if (l > 1) flops += 2.0 * B * w[l] * w[l - 1];  // input gradient (not layer 1)
  }

  double* t = malloc(100000 * sizeof *t);
  size_t runs = 0;
  double start = 0;
  for (int warm = 1; runs < 100000; warm = 0) {
    const double t0 = now();
    for (int l = 1; l <= L; ++l) {
      const int p = w[l - 1], k = w[l];
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, k, p, 1.0f, A[l - 1], p, W[l], p,
                  0.0f, A[l], k);
    }
    for (int l = L; l >= 1; --l) {
      const int p = w[l - 1], k = w[l];
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, p, B, 1.0f, dZ[l], k, A[l - 1], p,
                  0.0f, dW[l], p);
      if (l > 1)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, p, k, 1.0f, dZ[l], k, W[l], p,
                    0.0f, dA[l - 1], p);
    }
    const double s = now() - t0;
    if (warm) {
      start = now();
      continue;
    }
    t[runs++] = s;
    if (runs >= 3 && now() - start >= seconds) break;
  }
  qsort(t, runs, sizeof *t, compare_double);
  const double step = runs % 2 ? t[runs / 2] : 0.5 * (t[runs / 2 - 1] + t[runs / 2]);
  printf(
      "{\"framework\":\"openblas_sgemm\",\"workload\":\"W3\",\"variant\":\"relu\","
      "\"threads\":%d,\"batch\":%d,\"runs\":%zu,\"step_us\":%.6g,\"samples_per_s\":%.6g,"
      "\"gflops\":%.6g,\"gemm_gflops\":%.6g,\"corename\":\"%s\",\"config\":\"%s\"}\n",
      threads, B, runs, step * 1e6, B / step, 6.0 * weights * B / step * 1e-9, flops / step * 1e-9,
      openblas_get_corename(), openblas_get_config());
  return 0;
}
