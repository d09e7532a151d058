// Seeded splits (train/validation/test and k folds), plain or stratified by class label.
#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

#include "annlab/core/random.hpp"
#include "annlab/data/dataset.hpp"

namespace annlab::data {

namespace {

// Fisher-Yates, drawing j uniformly in [0, i] from the seeded stream.
void shuffle(std::vector<long>& v, NumpyRandom& rng) {
  for (std::size_t i = v.size(); i > 1; --i) {
    const std::size_t j = std::size_t(rng.below(i));
    std::swap(v[i - 1], v[j]);
  }
}

// Rows grouped by label, groups in ascending label order, each group in the order given.
std::vector<std::vector<long>> groups_of(const std::vector<long>& rows,
                                         const std::vector<long>& labels) {
  if (labels.size() != rows.size())
    throw std::invalid_argument("stratified split: " + std::to_string(labels.size()) +
                                " labels for " + std::to_string(rows.size()) +
                                " rows; expected one label per row");
  std::map<long, std::vector<long>> by_label;
  for (std::size_t i = 0; i < rows.size(); ++i) by_label[labels[i]].push_back(rows[i]);
  std::vector<std::vector<long>> out;
  for (auto& kv : by_label) out.push_back(std::move(kv.second));
  return out;
}

void check_fraction(double f, const char* what) {
  if (!(f >= 0 && f < 1))
    throw std::invalid_argument(std::string("split: ") + what + " fraction " + std::to_string(f) +
                                " is outside [0, 1)");
}

// round(f·n), at least 1 when f > 0.
std::size_t count_of(double f, std::size_t n) {
  if (f <= 0 || n == 0) return 0;
  return std::max<std::size_t>(1, std::size_t(std::llround(f * double(n))));
}

// Splits `total` units over groups in proportion to `quota` (largest remainder), never giving
// group g more than cap[g]. Returns fewer than `total` only when the caps do not allow more.
std::vector<std::size_t> allocate(const std::vector<double>& quota,
                                  const std::vector<std::size_t>& cap, std::size_t total) {
  std::vector<std::size_t> a(quota.size());
  std::size_t given = 0;
  for (std::size_t g = 0; g < quota.size(); ++g) {
    a[g] = std::min(cap[g], std::size_t(std::floor(quota[g])));
    given += a[g];
  }
  while (given < total) {
    std::size_t best = quota.size();
    for (std::size_t g = 0; g < quota.size(); ++g)
      if (a[g] < cap[g] &&
          (best == quota.size() || quota[g] - double(a[g]) > quota[best] - double(a[best])))
        best = g;
    if (best == quota.size()) break;
    ++a[best];
    ++given;
  }
  return a;
}

}  // namespace

Split split_rows(const std::vector<long>& rows, double validation_fraction, double test_fraction,
                 std::uint32_t seed, const std::vector<long>* labels) {
  check_fraction(validation_fraction, "validation");
  check_fraction(test_fraction, "test");
  if (!(validation_fraction + test_fraction < 1))
    throw std::invalid_argument("split: validation + test fractions (" +
                                std::to_string(validation_fraction) + " + " +
                                std::to_string(test_fraction) + ") must be below 1");
  const std::size_t n = rows.size();
  const std::size_t n_test = count_of(test_fraction, n), n_val = count_of(validation_fraction, n);
  if (n > 0 && n_test + n_val >= n)
    throw std::invalid_argument("split: with " + std::to_string(n) + " rows, " +
                                std::to_string(n_val) + " validation and " +
                                std::to_string(n_test) +
                                " test rows leave no training rows; expected smaller fractions");
  NumpyRandom rng(seed);
  Split s;
  if (labels == nullptr) {
    std::vector<long> order = rows;
    shuffle(order, rng);
    s.test.assign(order.begin(), order.begin() + long(n_test));
    s.validation.assign(order.begin() + long(n_test), order.begin() + long(n_test + n_val));
    s.train.assign(order.begin() + long(n_test + n_val), order.end());
  } else {
    std::vector<std::vector<long>> groups = groups_of(rows, *labels);
    const std::size_t k = groups.size();
    std::vector<double> test_quota(k), val_quota(k);
    std::vector<std::size_t> cap(k);
    for (std::size_t g = 0; g < k; ++g) {
      shuffle(groups[g], rng);
      const double share = double(groups[g].size()) / double(n);
      test_quota[g] = double(n_test) * share;
      val_quota[g] = double(n_val) * share;
      cap[g] = groups[g].size() - 1;  // every class keeps a training row
    }
    const std::vector<std::size_t> test_n = allocate(test_quota, cap, n_test);
    for (std::size_t g = 0; g < k; ++g) cap[g] -= test_n[g];
    const std::vector<std::size_t> val_n = allocate(val_quota, cap, n_val);
    for (std::size_t g = 0; g < k; ++g) {
      const auto& v = groups[g];
      const auto a = v.begin() + long(test_n[g]), b = a + long(val_n[g]);
      s.test.insert(s.test.end(), v.begin(), a);
      s.validation.insert(s.validation.end(), a, b);
      s.train.insert(s.train.end(), b, v.end());
    }
  }
  std::sort(s.train.begin(), s.train.end());
  std::sort(s.validation.begin(), s.validation.end());
  std::sort(s.test.begin(), s.test.end());
  return s;
}

std::vector<std::vector<long>> kfold(const std::vector<long>& rows, int k, std::uint32_t seed,
                                     const std::vector<long>* labels) {
  if (k < 2 || std::size_t(k) > rows.size())
    throw std::invalid_argument("k-fold: k = " + std::to_string(k) + " with " +
                                std::to_string(rows.size()) +
                                " rows; expected 2 <= k <= number of rows");
  NumpyRandom rng(seed);
  // Shuffled order (classes one after another when stratified), dealt round-robin: fold
  // sizes, and each class's count per fold, then differ by at most one.
  std::vector<long> order;
  if (labels == nullptr) {
    order = rows;
    shuffle(order, rng);
  } else {
    for (auto& g : groups_of(rows, *labels)) {
      shuffle(g, rng);
      order.insert(order.end(), g.begin(), g.end());
    }
  }
  std::vector<std::vector<long>> folds(static_cast<std::size_t>(k));
  for (std::size_t i = 0; i < order.size(); ++i) folds[i % std::size_t(k)].push_back(order[i]);
  for (auto& f : folds) std::sort(f.begin(), f.end());
  return folds;
}

}  // namespace annlab::data
