/* FANN 2.2 peer of bench_workloads (bench/README.md): the issue #6 workloads FANN can run,
 * one JSON line per measurement. Built twice from this file: bench_fann_f64 (doublefann,
 * fann_type = double) for W1, bench_fann_f32 (floatfann, float) for W2 and W4.
 *
 * FANN 2.2 has no ReLU and no mini-batch with momentum (its batch mode ignores momentum),
 * so it runs:
 *   W1  the chapter's 3-2-1 (FANN_SIGMOID with steepness 0.5 = the logistic 1/(1+e^-x),
 *       FANN_LINEAR with steepness 1 = identity), fann_train (incremental: one sample, one
 *       step of gradient descent on ½(ŷ-y)², η 0.2, no momentum) -- the same math exactly.
 *   W2  tanh variant only: FANN_SIGMOID_SYMMETRIC with steepness 1 = tanh, FANN_LINEAR output,
 *       fann_train one row at a time (batch 1) in the same row order as the others, momentum
 *       0.9 and η' = 2η/32: FANN steps along the gradient of ½(ŷ-y)² (half annlab's MSE
 *       gradient), once per row instead of once per 32 rows, so 2η/32 moves the parameters
 *       as far per epoch as η per mini-batch of 32. A different algorithm: its final MSE is
 *       indicative, not a same-math check.
 *   W4  tanh variant: fann_run on one row (latency) and on each of `batch` rows in a loop
 *       (FANN has no batched forward).
 * Every run starts from the parameters in the data folder (annlab's flat layout, see
 * bench/workloads.cpp), copied into FANN's connections; the error function is set to
 * FANN_ERRORFUNC_LINEAR (FANN's default, TANH, reshapes the error).
 * FANN is single-threaded: with --threads 2 the same code runs, and the line says so.
 *
 *   bench_fann_f64 --workload W1 [--data DIR] [--steps 1000]
 *   bench_fann_f32 --workload W2|W4 --data DIR --rows N [--epochs 3] [--batch 32|10000]
 */
#ifdef ANNLAB_FANN_DOUBLE
#include <doublefann.h>
#define PRECISION "double"
#else
#include <floatfann.h>
#define PRECISION "float"
#endif

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void die(const char* what, const char* detail) {
  fprintf(stderr, "bench_fann: %s%s\n", what, detail ? detail : "");
  exit(1);
}

static int compare_double(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

/* Median of v[0..n) (sorts v). */
static double median(double* v, size_t n) {
  qsort(v, n, sizeof *v, compare_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Reads exactly `count` elements of `size` bytes from dir/name into a new buffer. */
static void* read_array(const char* dir, const char* name, size_t size, size_t count) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE* f = fopen(path, "rb");
  if (!f) die("cannot open ", path);
  fseek(f, 0, SEEK_END);
  if ((size_t)ftell(f) != size * count) die("unexpected size (check --rows): ", path);
  fseek(f, 0, SEEK_SET);
  void* p = malloc(size * count);
  if (!p || fread(p, size, count, f) != count) die("cannot read ", path);
  fclose(f);
  return p;
}

/* Copies parameters in annlab's flat layout [W1 b1 W2 b2 ...] (W_l is out x in, row-major)
 * into FANN's connections. FANN numbers neurons across the network, each layer followed by
 * its bias neuron: layer L's neuron i is first[L] + i, its bias neuron first[L] + width[L]. */
static void set_parameters(struct fann* ann, const unsigned* widths, unsigned layers,
                           const fann_type* flat) {
  unsigned first[8], offset_w[8], offset_b[8], n = 0, o = 0;
  for (unsigned L = 0; L < layers; ++L) first[L] = n, n += widths[L] + 1;
  for (unsigned L = 1; L < layers; ++L) {
    offset_w[L] = o, o += widths[L] * widths[L - 1];
    offset_b[L] = o, o += widths[L];
  }
  const unsigned count = fann_get_total_connections(ann);
  struct fann_connection* c = malloc(count * sizeof *c);
  fann_get_connection_array(ann, c);
  for (unsigned k = 0; k < count; ++k) {
    unsigned L = 1;
    while (L + 1 < layers && c[k].to_neuron >= first[L + 1]) ++L;
    const unsigned j = c[k].to_neuron - first[L], i = c[k].from_neuron - first[L - 1];
    c[k].weight = i == widths[L - 1] ? flat[offset_b[L] + j]  // from the bias neuron
                                     : flat[offset_w[L] + j * widths[L - 1] + i];
  }
  fann_set_weight_array(ann, c, count);
  free(c);
}

/* A fully connected network with `hidden` activation (steepness s) and an identity output. */
static struct fann* make_network(const unsigned* widths, unsigned layers,
                                 enum fann_activationfunc_enum hidden, fann_type s) {
  struct fann* ann = fann_create_standard_array(layers, widths);
  fann_set_activation_function_hidden(ann, hidden);
  fann_set_activation_steepness_hidden(ann, s);
  fann_set_activation_function_output(ann, FANN_LINEAR);
  fann_set_activation_steepness_output(ann, 1);  // FANN_LINEAR is steepness·x
  fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
  fann_set_training_algorithm(ann, FANN_TRAIN_INCREMENTAL);
  return ann;
}

static void print_head(const char* workload, const char* variant, int threads) {
  printf(
      "{\"framework\":\"fann\",\"workload\":\"%s\",\"variant\":\"%s\",\"threads\":%d,"
      "\"precision\":\"" PRECISION "\"",
      workload, variant, threads);
  if (threads > 1) printf(",\"note\":\"FANN is single-threaded\"");
}

/* W1: the chapter's 3-2-1 network on x = (0.5, 0.2, 0.7), y = 0.3, η = 0.2. */
static void run_w1(const char* data, int steps, int threads, double min_seconds) {
  /* The chapter's parameters (np.random.seed(13)), as data.py writes them. */
  const unsigned widths[3] = {3, 2, 1};
  if (!data) die("W1 needs --data (w1_init.f64)", NULL);
  double* init = read_array(data, "w1_init.f64", sizeof(double), 11);
  fann_type flat[11], x[3] = {0.5, 0.2, 0.7}, y[1] = {0.3};
  for (int k = 0; k < 11; ++k) flat[k] = (fann_type)init[k];
  free(init);
  struct fann* ann = make_network(widths, 3, FANN_SIGMOID, 0.5);  // 1/(1+exp(-2·0.5·x))
  fann_set_learning_rate(ann, 0.2f);
  fann_set_learning_momentum(ann, 0.0f);

  size_t runs = 0, cap = 1024;
  double* t = malloc(cap * sizeof *t);
  const double start = now();
  while (runs < 3 || (now() - start < min_seconds && runs < 100000)) {
    set_parameters(ann, widths, 3, flat);
    const double t0 = now();
    for (int s = 0; s < steps; ++s) fann_train(ann, x, y);
    if (runs == cap) t = realloc(t, (cap *= 2) * sizeof *t);
    t[runs++] = now() - t0;
  }
  const double out = fann_run(ann, x)[0];
  /* A check that discriminates (after 1000 steps every framework sits at y): O6 after 10. */
  set_parameters(ann, widths, 3, flat);
  for (int s = 0; s < 10; ++s) fann_train(ann, x, y);
  const double out10 = fann_run(ann, x)[0];
  print_head("W1", "sigmoid", threads);
  printf(
      ",\"steps\":%d,\"runs\":%zu,\"ns_per_step\":%.6g,\"final_output\":%.17g,"
      "\"final_loss\":%.17g,\"output_after_10\":%.17g}\n",
      steps, runs, median(t, runs) * 1e9 / steps, out, 0.5 * (out - 0.3) * (out - 0.3), out10);
  free(t);
  fann_destroy(ann);
}

/* W2 (tanh): 8-64-64-1, one row at a time in data.py's order, momentum 0.9, η' = 2η/32. */
static void run_w2(const char* data, long rows, int epochs, int batch, int threads) {
  const unsigned widths[4] = {8, 64, 64, 1};
  const size_t P = 8 * 64 + 64 + 64 * 64 + 64 + 64 + 1;
  fann_type* x = read_array(data, "w2_x.f32", sizeof(float), (size_t)rows * 8);
  fann_type* y = read_array(data, "w2_y.f32", sizeof(float), (size_t)rows);
  fann_type* init = read_array(data, "w2_init.f32", sizeof(float), P);
  int64_t* order = read_array(data, "w2_order.i64", sizeof(int64_t), (size_t)rows * epochs);
  struct fann* ann = make_network(widths, 4, FANN_SIGMOID_SYMMETRIC, 1);  // tanh(x)
  set_parameters(ann, widths, 4, init);
  const float eta = 0.01f, per_row = 2 * eta / (float)batch;
  fann_set_learning_rate(ann, per_row);
  fann_set_learning_momentum(ann, 0.9f);

  const double t0 = now();
  for (long k = 0; k < rows * epochs; ++k) {
    const int64_t r = order[k];
    fann_train(ann, x + r * 8, y + r);
  }
  const double s = now() - t0;
  double sse = 0;  // final training MSE, in double, outside the timing
  for (long r = 0; r < rows; ++r) {
    const double d = (double)fann_run(ann, x + r * 8)[0] - (double)y[r];
    sse += d * d;
  }
  print_head("W2", "tanh", threads);
  printf(
      ",\"rows\":%ld,\"epochs\":%d,\"batch\":1,\"learning_rate\":%g,\"seconds\":%.6g,"
      "\"samples_per_s\":%.6g,\"final_mse\":%.9g}\n",
      rows, epochs, per_row, s, (double)rows * epochs / s, sse / (double)rows);
  fann_destroy(ann);
  free(x), free(y), free(init), free(order);
}

/* W4 (tanh): one-row latency and a loop of fann_run over `batch` rows. */
static void run_w4(const char* data, long rows, int batch, int threads, double min_seconds) {
  const unsigned widths[4] = {8, 64, 64, 1};
  const size_t P = 8 * 64 + 64 + 64 * 64 + 64 + 64 + 1;
  if (batch > rows) die("--batch is larger than --rows", NULL);
  fann_type* x = read_array(data, "w2_x.f32", sizeof(float), (size_t)rows * 8);
  fann_type* init = read_array(data, "w2_init.f32", sizeof(float), P);
  struct fann* ann = make_network(widths, 4, FANN_SIGMOID_SYMMETRIC, 1);
  set_parameters(ann, widths, 4, init);

  const long block = 1000, distinct = rows < 1000 ? rows : 1000;
  size_t runs = 0, cap = 1024;
  double* t = malloc(cap * sizeof *t);
  double sink = 0, start = now();
  while (runs < 3 || (now() - start < min_seconds && runs < 100000)) {
    const double t0 = now();
    for (long i = 0; i < block; ++i) sink += fann_run(ann, x + (i % distinct) * 8)[0];
    if (runs == cap) t = realloc(t, (cap *= 2) * sizeof *t);
    t[runs++] = (now() - t0) / (double)block;
  }
  print_head("W4", "tanh", threads);
  printf(",\"mode\":\"single\",\"latency_us\":%.6g,\"runs\":%zu,\"checksum\":%g}\n",
         median(t, runs) * 1e6, runs * block, sink);

  runs = 0, start = now();
  while (runs < 3 || (now() - start < min_seconds && runs < 100000)) {
    const double t0 = now();
    for (long r = 0; r < batch; ++r) sink += fann_run(ann, x + r * 8)[0];
    if (runs == cap) t = realloc(t, (cap *= 2) * sizeof *t);
    t[runs++] = now() - t0;
  }
  const double m = median(t, runs);
  print_head("W4", "tanh", threads);
  printf(
      ",\"mode\":\"batch\",\"batch\":%d,\"batch_ms\":%.6g,\"rows_per_s\":%.6g,\"runs\":%zu,"
      "\"checksum\":%g}\n",
      batch, m * 1e3, batch / m, runs, sink);
  free(t), free(x), free(init);
  fann_destroy(ann);
}

int main(int argc, char** argv) {
  const char *workload = NULL, *variant = "tanh", *data = NULL;
  long rows = 0;
  int epochs = 3, batch = -1, steps = 1000, threads = 1;
  double min_seconds = 0.3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--workload"))
      workload = v;
    else if (!strcmp(k, "--variant"))
      variant = v;
    else if (!strcmp(k, "--data"))
      data = v;
    else if (!strcmp(k, "--rows"))
      rows = atol(v);
    else if (!strcmp(k, "--epochs"))
      epochs = atoi(v);
    else if (!strcmp(k, "--batch"))
      batch = atoi(v);
    else if (!strcmp(k, "--steps"))
      steps = atoi(v);
    else if (!strcmp(k, "--threads"))
      threads = atoi(v);
    else if (!strcmp(k, "--min-seconds"))
      min_seconds = atof(v);
    else
      die("unknown option ", k);
  }
  if (!workload) die("usage: --workload W1|W2|W4 [--data DIR --rows N ...]", NULL);
  if (strcmp(workload, "W1") && strcmp(variant, "tanh"))
    die("FANN has no ReLU: only --variant tanh", NULL);
  if (!strcmp(workload, "W1")) {
    run_w1(data, steps, threads, min_seconds);
  } else if (!strcmp(workload, "W2") || !strcmp(workload, "W4")) {
    /* Their data files are float: fann_type must be float (bench_fann_f32). */
    if (sizeof(fann_type) != sizeof(float)) die("W2 and W4 are float: use bench_fann_f32", NULL);
    if (!data || rows <= 0) die("W2 and W4 need --data and --rows", NULL);
    if (!strcmp(workload, "W2"))
      run_w2(data, rows, epochs, batch < 0 ? 32 : batch, threads);
    else
      run_w4(data, rows, batch < 0 ? 10000 : batch, threads, min_seconds);
  } else {
    die("unknown workload ", workload);
  }
  return 0;
}
