// Seeded splits: argument checks, determinism, disjoint parts covering the rows, sizes,
// stratified proportions, k folds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include "annlab/data/dataset.hpp"

namespace {
using namespace annlab::data;
using Rows = std::vector<long>;

Rows iota_rows(long n, long first = 0) {
  Rows v(std::size_t(n), 0);
  std::iota(v.begin(), v.end(), first);
  return v;
}

// The parts are sorted, disjoint and together are exactly `rows`.
void expect_partition(const std::vector<Rows>& parts, const Rows& rows) {
  Rows all;
  for (const Rows& p : parts) {
    EXPECT_TRUE(std::is_sorted(p.begin(), p.end()));
    all.insert(all.end(), p.begin(), p.end());
  }
  std::sort(all.begin(), all.end());
  Rows want = rows;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(all, want);
}

long count_label(const Rows& part, const std::map<long, long>& label_of, long label) {
  return std::count_if(part.begin(), part.end(), [&](long r) { return label_of.at(r) == label; });
}

TEST(Split, FractionsAreChecked) {
  const Rows rows = iota_rows(10);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(split_rows(rows, -0.1, 0.2, 1), std::invalid_argument);
  EXPECT_THROW(split_rows(rows, 0.2, -0.1, 1), std::invalid_argument);
  EXPECT_THROW(split_rows(rows, 1.0, 0.0, 1), std::invalid_argument);
  EXPECT_THROW(split_rows(rows, 0.5, 0.5, 1), std::invalid_argument);
  EXPECT_THROW(split_rows(rows, 0.6, 0.45, 1), std::invalid_argument);
  EXPECT_THROW(split_rows(rows, nan, 0.1, 1), std::invalid_argument);
  EXPECT_THROW(split_rows(iota_rows(2), 0.3, 0.3, 1), std::invalid_argument);  // 1 + 1 of 2
  const Rows labels(3, 0);
  EXPECT_THROW(split_rows(rows, 0.2, 0.2, 1, &labels), std::invalid_argument);  // 3 labels
}

TEST(Split, SizesAreRoundedFractionsAndPartsCoverTheRows) {
  const Rows rows = iota_rows(200, 1000);
  const Split s = split_rows(rows, 0.15, 0.25, 42);
  EXPECT_EQ(s.validation.size(), 30u);
  EXPECT_EQ(s.test.size(), 50u);
  EXPECT_EQ(s.train.size(), 120u);
  expect_partition({s.train, s.validation, s.test}, rows);
  // A small positive fraction still gives one row; zero gives none.
  const Split tiny = split_rows(iota_rows(10), 0.0, 0.01, 1);
  EXPECT_EQ(tiny.test.size(), 1u);
  EXPECT_TRUE(tiny.validation.empty());
  EXPECT_EQ(split_rows(iota_rows(10), 0, 0, 1).train, iota_rows(10));
  EXPECT_TRUE(split_rows({}, 0.2, 0.2, 1).train.empty());
}

TEST(Split, SeededAndDeterministic) {
  const Rows rows = iota_rows(100);
  const Split a = split_rows(rows, 0.2, 0.2, 7), b = split_rows(rows, 0.2, 0.2, 7);
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.validation, b.validation);
  EXPECT_EQ(a.test, b.test);
  const Split c = split_rows(rows, 0.2, 0.2, 8);
  EXPECT_NE(a.test, c.test);
  // Shuffled: the test rows are not simply the first or last 20.
  EXPECT_NE(a.test, iota_rows(20));
  EXPECT_NE(a.test, iota_rows(20, 80));
}

TEST(Split, StratifiedKeepsClassProportions) {
  // The facies of nonlinear_facies_v1.csv: 1000, 300 and 400 rows.
  Rows rows, labels;
  std::map<long, long> label_of;
  const long counts[] = {1000, 300, 400};
  for (long c = 0, r = 0; c < 3; ++c)
    for (long i = 0; i < counts[c]; ++i, ++r) {
      rows.push_back(r * 3 % 1700);  // interleaved row numbers, labels by position
      labels.push_back(c);
      label_of[rows.back()] = c;
    }
  const Split s = split_rows(rows, 0.2, 0.1, 5, &labels);
  expect_partition({s.train, s.validation, s.test}, rows);
  EXPECT_EQ(s.validation.size(), 340u);
  EXPECT_EQ(s.test.size(), 170u);
  for (long c = 0; c < 3; ++c) {
    // Exact shares here: 0.2·n_c and 0.1·n_c are integers.
    EXPECT_EQ(count_label(s.validation, label_of, c), counts[c] / 5);
    EXPECT_EQ(count_label(s.test, label_of, c), counts[c] / 10);
  }
  // Iris-like, 50 per class, 0.15 of 150 = 22.5 -> 23 rows: classes get 8, 8, 7 (or a
  // permutation by largest remainder), never further than one from 7.5.
  Rows iris(150), iris_labels(150);
  std::map<long, long> iris_label_of;
  for (long r = 0; r < 150; ++r) iris[r] = r, iris_labels[r] = r / 50, iris_label_of[r] = r / 50;
  const Split t = split_rows(iris, 0.0, 0.15, 3, &iris_labels);
  EXPECT_EQ(t.test.size(), 23u);
  for (long c = 0; c < 3; ++c) {
    const long n = count_label(t.test, iris_label_of, c);
    EXPECT_TRUE(n == 7 || n == 8) << n;
  }
}

TEST(Split, StratifiedKeepsEveryClassInTraining) {
  // Class 1 has one row, class 2 two rows: asked for half as test, each keeps a training row.
  const Rows rows = iota_rows(12);
  const Rows labels{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2};
  std::map<long, long> label_of;
  for (long r = 0; r < 12; ++r) label_of[r] = labels[r];
  const Split s = split_rows(rows, 0.0, 0.5, 11, &labels);
  expect_partition({s.train, s.validation, s.test}, rows);
  for (long c = 0; c < 3; ++c) EXPECT_GE(count_label(s.train, label_of, c), 1) << c;
  EXPECT_EQ(s.test.size(), 6u);  // the other classes take the share the singleton cannot
  const Split again = split_rows(rows, 0.0, 0.5, 11, &labels);
  EXPECT_EQ(again.test, s.test);
}

TEST(KFold, ChecksK) {
  EXPECT_THROW(kfold(iota_rows(10), 1, 0), std::invalid_argument);
  EXPECT_THROW(kfold(iota_rows(10), 11, 0), std::invalid_argument);
  EXPECT_THROW(kfold({}, 2, 0), std::invalid_argument);
  const Rows labels(9, 0);
  EXPECT_THROW(kfold(iota_rows(10), 2, 0, &labels), std::invalid_argument);
}

TEST(KFold, FoldsAreDisjointCoverAndBalanced) {
  const Rows rows = iota_rows(103);
  const auto folds = kfold(rows, 5, 9);
  ASSERT_EQ(folds.size(), 5u);
  expect_partition(folds, rows);
  // 103 = 5·20 + 3: the first three folds have 21 rows.
  EXPECT_EQ(folds[0].size(), 21u);
  EXPECT_EQ(folds[2].size(), 21u);
  EXPECT_EQ(folds[3].size(), 20u);
  EXPECT_EQ(folds[4].size(), 20u);
  EXPECT_EQ(kfold(rows, 5, 9), folds);
  EXPECT_NE(kfold(rows, 5, 10), folds);
  // Leave-one-out.
  const auto loo = kfold(iota_rows(4), 4, 1);
  expect_partition(loo, iota_rows(4));
  for (const auto& f : loo) EXPECT_EQ(f.size(), 1u);
}

TEST(KFold, StratifiedFoldsShareEachClassEvenly) {
  Rows rows = iota_rows(100), labels(100);
  std::map<long, long> label_of;
  for (long r = 0; r < 100; ++r) labels[r] = r % 10 < 7 ? 0 : (r % 10 < 9 ? 1 : 2);
  for (long r = 0; r < 100; ++r) label_of[r] = labels[r];  // 70, 20, 10 rows
  const auto folds = kfold(rows, 4, 21, &labels);
  expect_partition(folds, rows);
  for (const auto& f : folds) {
    EXPECT_EQ(f.size(), 25u);
    const long a = count_label(f, label_of, 0), b = count_label(f, label_of, 1),
               c = count_label(f, label_of, 2);
    EXPECT_TRUE(a == 17 || a == 18) << a;  // 70/4
    EXPECT_EQ(b, 5);                       // 20/4
    EXPECT_TRUE(c == 2 || c == 3) << c;    // 10/4
  }
}

}  // namespace
