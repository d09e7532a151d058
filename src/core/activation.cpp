// Activations, forward and backward side by side. To add one: a row in kTable, a case in
// each switch below (forward, backward, scalar value, scalar derivative), and the reference
// and gradcheck tests pick it up from activation_names().
#include "annlab/core/activation.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "annlab/core/error.hpp"
#include "vmath.hpp"

namespace annlab {
namespace {

struct Row {
  ActivationKind kind;
  const char* name;
  double default_param;
};
constexpr Row kTable[] = {
    {ActivationKind::identity, "identity", 0.0},
    {ActivationKind::sigmoid, "sigmoid", 0.0},
    {ActivationKind::tanh, "tanh", 0.0},
    {ActivationKind::relu, "relu", 0.0},
    {ActivationKind::leaky_relu, "leaky_relu", 0.01},
    {ActivationKind::elu, "elu", 1.0},
    {ActivationKind::softplus, "softplus", 0.0},
    {ActivationKind::binary_step, "binary_step", 0.0},
    {ActivationKind::softmax, "softmax", 0.0},
};

const Row& row_of(ActivationKind k) {
  for (const Row& r : kTable)
    if (r.kind == k) return r;
  return kTable[0];
}

std::string joined_names() {
  std::string s;
  for (const Row& r : kTable) s += (s.empty() ? "" : ", ") + std::string(r.name);
  return s;
}

// ln(1+e^x) without overflow.
template <class T>
inline T softplus_fn(T x) {
  return x > T(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

}  // namespace

Activation Activation::of(ActivationKind kind) {
  return {kind, row_of(kind).default_param};
}

Activation Activation::parse(std::string_view text) {
  std::string_view base = text, arg;
  if (auto p = text.find_first_of(":("); p != std::string_view::npos) {
    base = text.substr(0, p);
    arg = text.substr(p + 1);
    if (text[p] == '(') {
      if (arg.empty() || arg.back() != ')')
        throw UsageError("activation '" + std::string(text) + "': missing ')'");
      arg.remove_suffix(1);
    }
  }
  std::string lower(base);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
    return c == '-' ? '_' : static_cast<char>(std::tolower(c));
  });
  if (lower == "linear") lower = "identity";
  if (lower == "logistic") lower = "sigmoid";
  if (lower == "leakyrelu") lower = "leaky_relu";
  if (lower == "step") lower = "binary_step";
  for (const Row& r : kTable) {
    if (lower != r.name) continue;
    Activation a{r.kind, r.default_param};
    if (base.size() != text.size() && arg.empty())
      throw UsageError("activation '" + std::string(text) + "': empty parameter (write e.g. " +
                       std::string(r.name) + (r.kind == ActivationKind::elu ? ":1.0" : ":0.2") +
                       ", or the name alone for the default)");
    if (!arg.empty()) {
      if (r.kind != ActivationKind::leaky_relu && r.kind != ActivationKind::elu)
        throw UsageError("activation '" + std::string(r.name) +
                         "' takes no parameter (only leaky_relu:slope and elu:a do)");
      double v = 0;
      auto [ptr, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), v);
      if (ec != std::errc() || ptr != arg.data() + arg.size() || !std::isfinite(v))
        throw UsageError("activation '" + std::string(text) + "': '" + std::string(arg) +
                         "' is not a number");
      if (r.kind == ActivationKind::elu && v <= 0)
        throw UsageError("activation '" + std::string(text) + "': elu needs a > 0");
      a.param = v;
    }
    return a;
  }
  throw UsageError("unknown activation '" + std::string(text) + "' (expected one of " +
                   joined_names() + ")");
}

std::string Activation::name() const {
  const Row& r = row_of(kind);
  std::string s = r.name;
  if ((kind == ActivationKind::leaky_relu || kind == ActivationKind::elu) &&
      param != r.default_param) {
    char buf[32];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, param);
    s += ":" + std::string(buf, p);
  }
  return s;
}

std::vector<std::string> activation_names() {
  std::vector<std::string> v;
  for (const Row& r : kTable) v.emplace_back(r.name);
  return v;
}

// ---- forward: a = α(z) ---------------------------------------------------------------
// Below vmath::kVectorFrom values (the chapter's 2 hidden nodes), libm one value at a time.
using vmath::kVectorFrom;

template <class T>
void activation_forward(const Activation& act, const T* z, T* a, long rows, long cols) {
  const long n = rows * cols;
  const T p = static_cast<T>(act.param);
  switch (act.kind) {
    case ActivationKind::identity:
      if (a != z) std::copy(z, z + n, a);
      return;
    case ActivationKind::sigmoid:  // vmath: vectorized, a few ulps of std's
      if (n < kVectorFrom) {
        for (long i = 0; i < n; ++i) a[i] = vmath::logistic_libm(z[i]);
        return;
      }
      for (long i = 0; i < n; ++i) a[i] = vmath::logistic(z[i]);
      return;
    case ActivationKind::tanh:
      if (n < kVectorFrom) {
        for (long i = 0; i < n; ++i) a[i] = std::tanh(z[i]);
        return;
      }
      for (long i = 0; i < n; ++i) a[i] = vmath::tanh(z[i]);
      return;
    case ActivationKind::relu:
      for (long i = 0; i < n; ++i) a[i] = z[i] > T(0) ? z[i] : T(0);
      return;
    case ActivationKind::leaky_relu:
      for (long i = 0; i < n; ++i) a[i] = z[i] > T(0) ? z[i] : p * z[i];
      return;
    case ActivationKind::elu:
      for (long i = 0; i < n; ++i)
        a[i] = z[i] > T(0) ? z[i] : p * vmath::expm1_nonpositive(z[i] > T(0) ? T(0) : z[i]);
      return;
    case ActivationKind::softplus:
      for (long i = 0; i < n; ++i) a[i] = softplus_fn(z[i]);
      return;
    case ActivationKind::binary_step:
      for (long i = 0; i < n; ++i) a[i] = z[i] >= T(0) ? T(1) : T(0);
      return;
    case ActivationKind::softmax:
      // Shift by the row maximum so exp never overflows; the result is unchanged. In three
      // passes over the block: z - max per row, then exp over all rows x cols values in one
      // loop (a row of 10 classes alone fills one vector and leaves a scalar tail: the
      // digits fit spent twice as long here), then each row's sum and scale. The same
      // operations on each value as row by row, so the same bits.
      for (long r = 0; r < rows; ++r) {
        const T* zr = z + r * cols;
        T* ar = a + r * cols;
        const T m = *std::max_element(zr, zr + cols);
        for (long k = 0; k < cols; ++k) ar[k] = zr[k] - m;
      }
      for (long i = 0; i < n; ++i) a[i] = vmath::exp_nonpositive(a[i]);
      for (long r = 0; r < rows; ++r) {
        T* ar = a + r * cols;
        T sum = 0;
        for (long k = 0; k < cols; ++k) sum += ar[k];
        const T inv = T(1) / sum;
        for (long k = 0; k < cols; ++k) ar[k] *= inv;
      }
      return;
  }
}

// ---- backward: dz = da ⊙ α'(z) ---------------------------------------------------------
template <class T>
void activation_backward(const Activation& act, const T* z, const T* a, const T* da, T* dz,
                         long rows, long cols) {
  const long n = rows * cols;
  const T p = static_cast<T>(act.param);
  switch (act.kind) {
    case ActivationKind::identity:
      if (dz != da) std::copy(da, da + n, dz);
      return;
    case ActivationKind::sigmoid:  // σ' = σ(1-σ), from the cached output
      for (long i = 0; i < n; ++i) dz[i] = vmath::logistic_backward(da[i], a[i]);
      return;
    case ActivationKind::tanh:  // tanh' = 1 - tanh², from the cached output
      for (long i = 0; i < n; ++i) dz[i] = vmath::tanh_backward(da[i], a[i]);
      return;
    case ActivationKind::relu:  // 0 at z = 0 (the subgradient PyTorch uses)
      for (long i = 0; i < n; ++i) dz[i] = z[i] > T(0) ? da[i] : T(0);
      return;
    case ActivationKind::leaky_relu:
      for (long i = 0; i < n; ++i) dz[i] = z[i] > T(0) ? da[i] : p * da[i];
      return;
    case ActivationKind::elu:  // for z <= 0: a·e^z = α(z) + a
      for (long i = 0; i < n; ++i) dz[i] = z[i] > T(0) ? da[i] : da[i] * (a[i] + p);
      return;
    case ActivationKind::softplus:  // softplus' = σ(z)
      for (long i = 0; i < n; ++i) dz[i] = da[i] * vmath::logistic(z[i]);
      return;
    case ActivationKind::binary_step:
      throw UsageError(
          "binary_step has no useful derivative (zero almost everywhere) and cannot be "
          "trained through; use sigmoid or tanh for training, binary_step for forward only");
    case ActivationKind::softmax:  // Jacobian-vector product: a_k·(da_k - Σ_m a_m da_m)
      for (long r = 0; r < rows; ++r) {
        const T* ar = a + r * cols;
        const T* gr = da + r * cols;
        T* out = dz + r * cols;
        T dot = 0;
        for (long k = 0; k < cols; ++k) dot += ar[k] * gr[k];
        for (long k = 0; k < cols; ++k) out[k] = ar[k] * (gr[k] - dot);
      }
      return;
  }
}

// ---- scalar forms for the reference path -------------------------------------------------
double activation_value(const Activation& act, double z) {
  switch (act.kind) {
    case ActivationKind::identity:
      return z;
    case ActivationKind::sigmoid:
      return 1.0 / (1.0 + std::exp(-z));
    case ActivationKind::tanh:
      return std::tanh(z);
    case ActivationKind::relu:
      return z > 0 ? z : 0.0;
    case ActivationKind::leaky_relu:
      return z > 0 ? z : act.param * z;
    case ActivationKind::elu:
      return z > 0 ? z : act.param * std::expm1(z);
    case ActivationKind::softplus:  // ln(1+e^z) = max(z,0) + ln(1+e^-|z|), no overflow
      return std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z)));
    case ActivationKind::binary_step:
      return z >= 0 ? 1.0 : 0.0;
    case ActivationKind::softmax:
      break;
  }
  throw UsageError("softmax acts on a whole layer, not on one value");
}

double activation_derivative(const Activation& act, double z) {
  switch (act.kind) {
    case ActivationKind::identity:
      return 1.0;
    case ActivationKind::sigmoid: {
      const double s = 1.0 / (1.0 + std::exp(-z));
      return s * (1.0 - s);
    }
    case ActivationKind::tanh: {
      const double c = std::cosh(z);
      return 1.0 / (c * c);
    }
    case ActivationKind::relu:
      return z > 0 ? 1.0 : 0.0;
    case ActivationKind::leaky_relu:
      return z > 0 ? 1.0 : act.param;
    case ActivationKind::elu:
      return z > 0 ? 1.0 : act.param * std::exp(z);
    case ActivationKind::softplus:
      return 1.0 / (1.0 + std::exp(-z));
    case ActivationKind::binary_step:
    case ActivationKind::softmax:
      break;
  }
  throw UsageError("activation '" + act.name() + "' has no scalar derivative");
}

template void activation_forward<float>(const Activation&, const float*, float*, long, long);
template void activation_forward<double>(const Activation&, const double*, double*, long, long);
template void activation_backward<float>(const Activation&, const float*, const float*,
                                         const float*, float*, long, long);
template void activation_backward<double>(const Activation&, const double*, const double*,
                                          const double*, double*, long, long);

}  // namespace annlab
