// Losses, value and gradient side by side.
#include "annlab/core/loss.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "annlab/core/error.hpp"
#include "vmath.hpp"

namespace annlab {
namespace {
struct Row {
  LossKind kind;
  const char* name;
};
constexpr Row kTable[] = {{LossKind::half_squared_error, "half_squared_error"},
                          {LossKind::mean_squared_error, "mean_squared_error"},
                          {LossKind::softmax_cross_entropy, "softmax_cross_entropy"}};
}  // namespace

LossKind parse_loss(std::string_view text) {
  std::string s(text);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return c == '-' ? '_' : static_cast<char>(std::tolower(c));
  });
  if (s == "hse" || s == "half_sse") s = "half_squared_error";
  if (s == "mse") s = "mean_squared_error";
  if (s == "cross_entropy" || s == "ce" || s == "categorical_crossentropy")
    s = "softmax_cross_entropy";
  for (const Row& r : kTable)
    if (s == r.name) return r.kind;
  throw UsageError("unknown loss '" + std::string(text) +
                   "' (expected half_squared_error, mean_squared_error or "
                   "softmax_cross_entropy)");
}

std::string loss_name(LossKind kind) {
  for (const Row& r : kTable)
    if (r.kind == kind) return r.name;
  return "?";
}

std::vector<std::string> loss_names() {
  std::vector<std::string> v;
  for (const Row& r : kTable) v.emplace_back(r.name);
  return v;
}

namespace {
// The softmax cross-entropy of one row in three steps (loss_of_row, and loss_value's rows):
// m = max z, then Σ exp(z - m) (vmath: within 3 ulps of std::exp, and the loop vectorizes),
// then -Σ y_k·(z_k - lse) with lse = m + ln Σ exp(z - m) (vmath::log: within 1 ulp of std's).
template <class T>
double row_max(const T* z, long cols) {
  double m = z[0];
  for (long k = 1; k < cols; ++k) m = std::max(m, double(z[k]));
  return m;
}
template <class T>
double exp_sum(const T* z, long cols, double m) {
  double s = 0;
  for (long k = 0; k < cols; ++k) s += vmath::exp_nonpositive(double(z[k]) - m);
  return s;
}
template <class T>
double cross_entropy_of_row(const T* z, const T* y, long cols, double lse) {
  double L = 0;
  for (long k = 0; k < cols; ++k)
    if (y[k] != T(0)) L -= double(y[k]) * (double(z[k]) - lse);
  return L;
}
}  // namespace

template <class T>
double loss_of_row(LossKind kind, const T* z, const T* yhat, const T* y, long cols) {
  double L = 0;
  switch (kind) {
    case LossKind::half_squared_error:
      for (long k = 0; k < cols; ++k) {
        const double d = double(yhat[k]) - double(y[k]);
        L += 0.5 * d * d;
      }
      return L;
    case LossKind::mean_squared_error:
      for (long k = 0; k < cols; ++k) {
        const double d = double(yhat[k]) - double(y[k]);
        L += d * d;
      }
      return L / double(cols);
    case LossKind::softmax_cross_entropy: {
      // -Σ y_k·log_softmax(z)_k with log_softmax(z) = z - m - ln Σ exp(z - m).
      const double m = row_max(z, cols);
      return cross_entropy_of_row(z, y, cols, m + vmath::log(exp_sum(z, cols, m)));
    }
  }
  return L;
}

template <class T>
double loss_value(LossKind kind, const T* z, const T* yhat, const T* y, long rows, long cols) {
  if (rows <= 0) return 0.0;
  double sum = 0;
  if (kind != LossKind::softmax_cross_entropy) {
    for (long r = 0; r < rows; ++r)
      sum += loss_of_row(kind, z + r * cols, yhat + r * cols, y + r * cols, cols);
    return sum / double(rows);
  }
  // loss_of_row's arithmetic, row by row in the same order, with the rows' logarithms taken
  // 64 at a time in a loop that vectorizes (one libm call per row was 5 % of digits' fit).
  constexpr long kChunk = 64;
  double max[kChunk], exps[kChunk], logs[kChunk];
  for (long r0 = 0; r0 < rows; r0 += kChunk) {
    const long n = std::min(kChunk, rows - r0);
    for (long i = 0; i < n; ++i) {
      const T* zr = z + (r0 + i) * cols;
      max[i] = row_max(zr, cols);
      exps[i] = exp_sum(zr, cols, max[i]);
    }
    for (long i = 0; i < n; ++i) logs[i] = vmath::log(exps[i]);
    for (long i = 0; i < n; ++i) {
      const long r = r0 + i;
      sum += cross_entropy_of_row(z + r * cols, y + r * cols, cols, max[i] + logs[i]);
    }
  }
  return sum / double(rows);
}

template <class T>
void loss_gradient(LossKind kind, const T* yhat, const T* y, T* dyhat, long rows, long cols) {
  const long n = rows * cols;
  switch (kind) {
    case LossKind::half_squared_error:
      for (long i = 0; i < n; ++i) dyhat[i] = yhat[i] - y[i];
      return;
    case LossKind::mean_squared_error: {
      const T s = T(2) / T(cols);
      for (long i = 0; i < n; ++i) dyhat[i] = s * (yhat[i] - y[i]);
      return;
    }
    case LossKind::softmax_cross_entropy:
      for (long i = 0; i < n; ++i) dyhat[i] = y[i] == T(0) ? T(0) : -y[i] / yhat[i];
      return;
  }
}

#define ANNLAB_INSTANTIATE(T)                                                        \
  template double loss_of_row<T>(LossKind, const T*, const T*, const T*, long);      \
  template double loss_value<T>(LossKind, const T*, const T*, const T*, long, long); \
  template void loss_gradient<T>(LossKind, const T*, const T*, T*, long, long);
ANNLAB_INSTANTIATE(float)
ANNLAB_INSTANTIATE(double)
#undef ANNLAB_INSTANTIATE

}  // namespace annlab
