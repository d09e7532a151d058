// Losses, value and gradient side by side.
#include "annlab/core/loss.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "annlab/core/error.hpp"
#include "vmath.hpp"

namespace annlab {
namespace {
constexpr long kBlock = 512;  // values per block in loss_value's cross-entropy pass
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
      double m = z[0];
      for (long k = 1; k < cols; ++k) m = std::max(m, double(z[k]));
      double s = 0;
      // exp of values <= 0 (vmath: within 3 ulps of std::exp, and the loop vectorizes).
      for (long k = 0; k < cols; ++k) s += vmath::exp_nonpositive(double(z[k]) - m);
      const double lse = m + std::log(s);
      for (long k = 0; k < cols; ++k)
        if (y[k] != T(0)) L -= double(y[k]) * (double(z[k]) - lse);
      return L;
    }
  }
  return L;
}

template <class T>
double loss_value(LossKind kind, const T* z, const T* yhat, const T* y, long rows, long cols) {
  if (rows <= 0) return 0.0;
  double sum = 0;
  if (kind == LossKind::softmax_cross_entropy && cols > 0 && cols <= kBlock) {
    // loss_of_row's arithmetic, value for value and in its order (so the same bits; the
    // row-by-row function stays the trace's and this path's oracle, test
    // Loss.CrossEntropyBlocksGiveTheRowByRowBits), but the exps of a block of rows in one
    // loop, which vectorizes across rows (10 classes per row alone leave a scalar tail: this
    // pass took as long as the softmax).
    double t[kBlock], m[kBlock];  // t: z - max per value, then its exp; m: each row's max
    const long block_rows = kBlock / cols;
    for (long r0 = 0; r0 < rows; r0 += block_rows) {
      const long br = std::min(block_rows, rows - r0);
      for (long r = 0; r < br; ++r) {
        const T* zr = z + (r0 + r) * cols;
        double mr = zr[0];
        for (long k = 1; k < cols; ++k) mr = std::max(mr, double(zr[k]));
        m[r] = mr;
        for (long k = 0; k < cols; ++k) t[r * cols + k] = double(zr[k]) - mr;
      }
      for (long i = 0; i < br * cols; ++i) t[i] = vmath::exp_nonpositive(t[i]);
      for (long r = 0; r < br; ++r) {
        const T* zr = z + (r0 + r) * cols;
        const T* yr = y + (r0 + r) * cols;
        double s = 0;
        for (long k = 0; k < cols; ++k) s += t[r * cols + k];
        const double lse = m[r] + std::log(s);
        double L = 0;
        for (long k = 0; k < cols; ++k)
          if (yr[k] != T(0)) L -= double(yr[k]) * (double(zr[k]) - lse);
        sum += L;
      }
    }
    return sum / double(rows);
  }
  for (long r = 0; r < rows; ++r)
    sum += loss_of_row(kind, z + r * cols, yhat + r * cols, y + r * cols, cols);
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
