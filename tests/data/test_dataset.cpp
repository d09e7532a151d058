// From a Table to matrices and back: column requests, kinds, missing values, one-hot order and
// names, scaling against scikit-learn (tools/data_golden.py), back-transform, table hash.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>

#include "annlab/data/csv.hpp"
#include "annlab/data/dataset.hpp"

namespace {
using namespace annlab::data;
using Strings = std::vector<std::string>;

const std::string kFixtures = std::string(ANNLAB_FIXTURES) + "/data";
const std::string kShared = ANNLAB_SHARED_DATA;

Table T(std::string_view text) {
  return parse_csv(text, "d.csv");
}

ColumnRequest request(Strings targets, Strings features = {}) {
  ColumnRequest r;
  r.targets = std::move(targets);
  r.features = std::move(features);
  return r;
}

std::vector<long> first_rows(long n) {
  std::vector<long> v(std::size_t(n), 0);
  std::iota(v.begin(), v.end(), 0L);
  return v;
}

// f() throws a DataError at (line, column) in d.csv whose message contains `needle`.
template <class F>
void expect_data_error(F f, long line, long column, const std::string& needle,
                       const std::string& file = "d.csv") {
  try {
    f();
    ADD_FAILURE() << "no DataError (expected: " << needle << ")";
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), file) << e.what();
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_EQ(e.column(), column) << e.what();
    EXPECT_NE(e.message().find(needle), std::string::npos) << e.what();
  }
}

void expect_close(double got, double want, const std::string& what) {
  EXPECT_NEAR(got, want, 1e-12 * std::max(1.0, std::fabs(want))) << what;
}

// ---- prepare: columns ----------------------------------------------------------------------

TEST(Prepare, DefaultFeaturesSkipTheIndexColumnAndTargets) {
  const Table t = read_csv(kShared + "/geodatasets/nonlinear_facies_v1.csv");
  const Prepared p = prepare(t, request({"Facies"}));
  ASSERT_EQ(p.unfitted.features.size(), 2u);
  EXPECT_EQ(p.unfitted.input_names(), (Strings{"Por", "Perm"}));
  EXPECT_EQ(p.unfitted.task, Task::regression);  // integer labels are numbers unless declared
  EXPECT_EQ(p.rows, first_rows(1700));
  EXPECT_EQ(p.dropped_rows, 0);
}

TEST(Prepare, FeaturesInRequestOrderTargetsSeveral) {
  const Table t = read_csv(kShared + "/geodatasets/unconv_MV_v4.csv");
  const Prepared p = prepare(t, request({"Prod", "TOC"}, {"VR", "Por"}));
  EXPECT_EQ(p.unfitted.input_names(), (Strings{"VR", "Por"}));
  EXPECT_EQ(p.unfitted.output_names(), (Strings{"Prod", "TOC"}));
  EXPECT_EQ(p.unfitted.inputs(), 2);
  EXPECT_EQ(p.unfitted.outputs(), 2);
  ColumnRequest r = request({"Prod"});
  r.drop = {"Well"};
  EXPECT_EQ(prepare(t, r).unfitted.input_names(),
            (Strings{"Por", "Perm", "AI", "Brittle", "TOC", "VR"}));
}

TEST(Prepare, UnknownColumnListsTheColumnsAndSuggests) {
  const Table t = T("Por,Perm,Prod\n1,2,3\n");
  expect_data_error([&] { prepare(t, request({"Prd"})); }, 1, 0,
                    "unknown column 'Prd' in the targets (did you mean 'Prod'?); the columns are: "
                    "Por, Perm, Prod");
  expect_data_error([&] { prepare(t, request({"Prod"}, {"por"})); }, 1, 0,
                    "unknown column 'por' in the features (did you mean 'Por'?)");
  expect_data_error([&] { prepare(t, request({"Prod"}, {"zzzzzz"})); }, 1, 0,
                    "unknown column 'zzzzzz' in the features; the columns are");
  ColumnRequest r = request({"Prod"});
  r.drop = {"x"};
  expect_data_error([&] { prepare(t, r); }, 1, 0, "unknown column 'x' in the dropped columns");
  r = request({"Prod"});
  r.kinds["y"] = ColumnKind::numeric;
  expect_data_error([&] { prepare(t, r); }, 1, 0, "unknown column 'y' in the column kinds");
  // With blank lines before the header, "line 1" is the header's line.
  expect_data_error([&] { prepare(T("\n\nPor,Prod\n1,2\n"), request({"x"})); }, 3, 0,
                    "unknown column 'x'");
}

TEST(Prepare, EachColumnHasOneRole) {
  const Table t = T("Por,Perm,Prod\n1,2,3\n");
  expect_data_error(
      [&] {
        prepare(t, request({"Prod"}, {"Por", "Prod"}));
      },
      1, 3, "column 'Prod' is both a target and a feature");
  expect_data_error(
      [&] {
        prepare(t, request({"Prod"}, {"Por", "Por"}));
      },
      1, 1, "column 'Por' is listed twice in the features");
  expect_data_error(
      [&] {
        prepare(t, request({"Prod", "Prod"}));
      },
      1, 3, "listed twice in the targets");
  ColumnRequest r = request({"Prod"});
  r.drop = {"Prod"};
  expect_data_error([&] { prepare(t, r); }, 1, 3, "column 'Prod' is both a target and dropped");
  expect_data_error([&] { prepare(t, request({})); }, 1, 0,
                    "no target column given; expected one or more of: Por, Perm, Prod");
  r = request({"Prod"});
  r.drop = {"Por", "Perm"};
  expect_data_error([&] { prepare(t, r); }, 1, 0, "no feature columns left");
}

TEST(Prepare, UnnamedColumnIsNeverAFeatureByDefault) {
  // Not an index (not integers): the user must name it or list the features.
  const Table t = T(",x,y\na,1,2\nb,3,4\n");
  expect_data_error([&] { prepare(t, request({"y"})); }, 1, 1,
                    "column 1 has no name in the header");
  EXPECT_EQ(prepare(t, request({"y"}, {"x"})).unfitted.input_names(), (Strings{"x"}));
}

// ---- prepare: kinds ------------------------------------------------------------------------

TEST(Prepare, KindsAreInferred) {
  const Table t = T("n,s,q,y\n1,a,\" 2 \",1\n-2.5e3,b,+4,2\n.5,c,5.,3\n");
  const Prepared p = prepare(t, request({"y"}));
  const auto& f = p.unfitted.features;
  EXPECT_EQ(f[0].kind, ColumnKind::numeric);
  EXPECT_EQ(f[1].kind, ColumnKind::categorical);
  EXPECT_EQ(f[2].kind, ColumnKind::numeric);  // blanks inside quotes, '+' and "5." are numbers
  EXPECT_EQ(p.unfitted.transform_features(t, {1}), (std::vector<double>{-2500, 0, 1, 0, 4}));
}

TEST(Prepare, AStrayTextInANumericColumnIsAnErrorNotCategories) {
  expect_data_error([] { prepare(T("x,y\n1,1\n2,2\nabc,3\n4,4\n"), request({"y"})); }, 4, 1,
                    "expected a number, found 'abc' in column 'x' (3 of its 4 values are "
                    "numbers); correct the value, mark it missing, or declare the column "
                    "categorical");
  expect_data_error([] { prepare(T("x,y\n1,1\ninf,2\n3,3\n"), request({"y"})); }, 3, 1,
                    "expected a number, found 'inf'");
  expect_data_error([] { prepare(T("x,y\n1,1\n1e999,2\n3,3\n"), request({"y"})); }, 3, 1,
                    "expected a number within the range of a double, found '1e999'");
  // Declared categorical, the same column is fine.
  ColumnRequest r = request({"y"});
  r.kinds["x"] = ColumnKind::categorical;
  EXPECT_EQ(prepare(T("x,y\n1,1\n2,2\nabc,3\n4,4\n"), r).unfitted.input_names(),
            (Strings{"x=1", "x=2", "x=4", "x=abc"}));
}

TEST(Prepare, DeclaredKindsOverrideInference) {
  const Table t = T("grade,name,y\n10,a,1\n2,b,2\n1,c,3\n");
  ColumnRequest r = request({"y"});
  r.kinds["grade"] = ColumnKind::categorical;
  // Numbers as categories sort by value, as np.unique does.
  EXPECT_EQ(prepare(t, r).unfitted.input_names(),
            (Strings{"grade=1", "grade=2", "grade=10", "name=a", "name=b", "name=c"}));
  r.kinds["name"] = ColumnKind::numeric;
  expect_data_error([&] { prepare(t, r); }, 2, 2,
                    "expected a number, found 'a' in column 'name' (declared numeric)");
}

TEST(Prepare, CategoriesAreSortedAndIndependentOfRowOrder) {
  const Table a = T("c,y\nb,1\na,2\nC,3\n\xC3\xA9,4\na,5\n");
  const Table b = T("c,y\n\xC3\xA9,1\nC,2\na,3\nb,4\n");
  const Strings want{"C", "a", "b", "\xC3\xA9"};  // byte order (code point order)
  EXPECT_EQ(prepare(a, request({"y"})).unfitted.features[0].categories, want);
  EXPECT_EQ(prepare(b, request({"y"})).unfitted.features[0].categories, want);
}

TEST(Prepare, NumericCategoriesAreOneValueOneCategory) {
  ColumnRequest r = request({"y"});
  r.kinds["c"] = ColumnKind::categorical;
  const Table t = T("c,y\n3.0,1\n3,2\n-0,3\n0,4\n1e1,5\n");
  const Prepared p = prepare(t, r);
  EXPECT_EQ(p.unfitted.features[0].categories, (Strings{"0", "3", "10"}));
  // A value written differently finds its category.
  const Table u = T("c,y\n3.00,0\n10,0\n");
  EXPECT_EQ(p.unfitted.transform_features(u, {0, 1}), (std::vector<double>{0, 1, 0, 0, 0, 1}));
}

TEST(Prepare, TargetIsClassTurnsIntegersIntoClasses) {
  const Table t = read_csv(kShared + "/geodatasets/nonlinear_facies_v1.csv");
  ColumnRequest r = request({"Facies"});
  r.target_is_class = true;
  const Prepared p = prepare(t, r);
  EXPECT_EQ(p.unfitted.task, Task::classification);
  EXPECT_EQ(p.unfitted.output_names(), (Strings{"Facies=1", "Facies=2", "Facies=3"}));
  EXPECT_EQ(p.unfitted.input_names(), (Strings{"Por", "Perm"}));
  // Class counts: cut -d, -f4 nonlinear_facies_v1.csv | sort | uniq -c -> 1000, 300, 400.
  const std::vector<long> labels = p.unfitted.labels_of(t, p.rows);
  EXPECT_EQ(std::count(labels.begin(), labels.end(), 0), 1000);
  EXPECT_EQ(std::count(labels.begin(), labels.end(), 1), 300);
  EXPECT_EQ(std::count(labels.begin(), labels.end(), 2), 400);
  EXPECT_EQ(labels[0], 2);  // row 0 is facies 3

  ColumnRequest rk = request({"k"});
  rk.target_is_class = true;
  expect_data_error([&] { prepare(T("x,k\n1,1\n2,2.5\n3,3\n"), rk); }, 3, 2,
                    "expected an integer class label, found '2.5' in target 'k' "
                    "(target_is_class)");
  EXPECT_EQ(prepare(T("x,k\n1,1\n2,2.0\n3,-1\n"), rk).unfitted.output_names(),
            (Strings{"k=-1", "k=1", "k=2"}));
}

TEST(Prepare, ClassificationTakesExactlyOneTargetWithTwoClasses) {
  const Table t = T("x,s,y\n1,a,1\n2,b,2\n");
  const Prepared p = prepare(t, request({"s"}));
  EXPECT_EQ(p.unfitted.task, Task::classification);
  expect_data_error(
      [&] {
        prepare(t, request({"y", "s"}));
      },
      1, 2,
      "target 's' is categorical (a classification target) and cannot be combined "
      "with other targets (y); expected exactly one target for classification");
  expect_data_error([&] { prepare(T("x,s\n1,a\n2,a\n"), request({"s"})); }, 1, 2,
                    "target 's' has a single class 'a' in the rows kept; expected at least two");
  // Two numeric targets: regression with two outputs.
  EXPECT_EQ(prepare(t, request({"x", "y"}, {"s"})).unfitted.task, Task::regression);
}

// ---- prepare: missing values ---------------------------------------------------------------

TEST(Prepare, MissingValuesAreErrorsWithTheirLocation) {
  const Table t = T("a,b,c\n1,2,x\n3,,y\nNA,4,z\n5,6,?\n");
  expect_data_error([&] { prepare(t, request({"a"}, {"b"})); }, 3, 2,
                    "missing value (empty field) in column 'b'; expected a value (or drop the "
                    "rows with missing values: --missing drop)");
  expect_data_error([&] { prepare(T("a,b\n1,2\nNA,4\n"), request({"a"})); }, 3, 1,
                    "missing value ('NA') in column 'a'");
  // A record spanning lines is reported at its first line.
  expect_data_error([&] { prepare(T("a,b\n\"1\n\",2\n\"x\ny\",\n"), request({"a"})); }, 4, 2,
                    "missing value (empty field) in column 'b'");
}

TEST(Prepare, DropRowsSkipsRowsWithMissingValuesInUsedColumnsOnly) {
  const Table t = T("a,b,c\n1,2,x\n3,,y\nNA,4,z\n5,6,?\n 7 , 8 ,\n");
  ColumnRequest r = request({"a"}, {"b"});
  r.missing = MissingPolicy::drop_rows;
  const Prepared p = prepare(t, r);
  EXPECT_EQ(p.rows, (std::vector<long>{0, 3, 4}));  // c is not used: its '?' does not count
  EXPECT_EQ(p.dropped_rows, 2);
  EXPECT_EQ(p.unfitted.transform_features(t, p.rows), (std::vector<double>{2, 6, 8}));
  // Kinds are inferred over the kept rows.
  const Table u = T("a,b\n1,x\n2,\n3,4\n");
  r = request({"a"});
  r.missing = MissingPolicy::drop_rows;
  EXPECT_EQ(prepare(u, r).unfitted.features[0].kind, ColumnKind::categorical);
  expect_data_error([&] { prepare(T("a,b\n1,\nNA,2\n"), r); }, 1, 0,
                    "no rows left: each of the 2 rows has a missing value");
}

TEST(Prepare, MissingMarkersAreConfigurable) {
  const Table t = T("a,b\n1,-999\n2,NA\n3,4\n");
  ColumnRequest r = request({"a"});
  r.missing_markers = {"-999"};
  r.missing = MissingPolicy::drop_rows;
  r.kinds["b"] = ColumnKind::categorical;
  const Prepared p = prepare(t, r);
  EXPECT_EQ(p.rows, (std::vector<long>{1, 2}));
  EXPECT_EQ(p.unfitted.features[0].categories, (Strings{"4", "NA"}));
  EXPECT_EQ(p.unfitted.missing_markers, (Strings{"-999"}));
}

// ---- fit and transform ---------------------------------------------------------------------

struct Unconv {
  Table t = read_csv(kShared + "/geodatasets/unconv_MV_v4.csv");
  Prepared p = prepare(t, request({"Prod"}, {"Por", "Perm", "AI", "Brittle", "TOC", "VR"}));
  std::vector<long> train = first_rows(150), all = first_rows(200);
};

double number(const std::string& s) {
  return std::strtod(s.c_str(), nullptr);
}

TEST(Fit, StatisticsMatchScikitLearnOnTheTrainingRows) {
  // tests/fixtures/data/unconv_stats.csv: MinMaxScaler().fit(X[:150]).data_min_/data_max_,
  // StandardScaler().fit(X[:150]).mean_/scale_ (tools/data_golden.py).
  const Unconv u;
  const Preprocessor pp = fit(u.t, u.p, u.train, Scaling::standard, Scaling::minmax01);
  const Table stats = read_csv(kFixtures + "/unconv_stats.csv");
  std::vector<const ColumnTransform*> cols;
  for (const auto& c : pp.features) cols.push_back(&c);
  cols.push_back(&pp.targets[0]);
  ASSERT_EQ(stats.rows.size(), 4u);
  for (std::size_t j = 0; j < cols.size(); ++j) {
    ASSERT_EQ(stats.columns[j + 1], cols[j]->name);
    EXPECT_EQ(cols[j]->min, number(stats.rows[0][j + 1])) << cols[j]->name;
    EXPECT_EQ(cols[j]->max, number(stats.rows[1][j + 1])) << cols[j]->name;
    expect_close(cols[j]->mean, number(stats.rows[2][j + 1]), cols[j]->name + " mean");
    expect_close(cols[j]->std, number(stats.rows[3][j + 1]), cols[j]->name + " std");
  }
  EXPECT_EQ(pp.features[0].scaling, Scaling::standard);
  EXPECT_EQ(pp.targets[0].scaling, Scaling::minmax01);
}

TEST(Fit, TransformsMatchScikitLearnScalers) {
  // tests/fixtures/data/unconv_scaled.csv: MinMaxScaler(), MinMaxScaler((-1, 1)) and
  // StandardScaler() fitted on rows 0..149, applied to all 200 rows (tools/data_golden.py).
  const Unconv u;
  const Table golden = read_csv(kFixtures + "/unconv_scaled.csv");
  ASSERT_EQ(golden.rows.size(), 600u);
  const std::pair<const char*, Scaling> scalings[] = {{"minmax01", Scaling::minmax01},
                                                      {"minmax11", Scaling::minmax11},
                                                      {"standard", Scaling::standard}};
  for (const auto& [name, scaling] : scalings) {
    const Preprocessor pp = fit(u.t, u.p, u.train, scaling, scaling);
    const std::vector<double> x = pp.transform_features(u.t, u.all);
    const std::vector<double> y = pp.transform_targets(u.t, u.all);
    ASSERT_EQ(x.size(), 200u * 6);
    ASSERT_EQ(y.size(), 200u);
    int compared = 0;
    for (const auto& row : golden.rows) {
      if (row[0] != name) continue;
      const std::size_t r = std::size_t(std::stol(row[1]));
      for (std::size_t j = 0; j < 6; ++j)
        expect_close(x[r * 6 + j], number(row[2 + j]), std::string(name) + " " + row[1]);
      expect_close(y[r], number(row[8]), std::string(name) + " Prod " + row[1]);
      ++compared;
    }
    EXPECT_EQ(compared, 200);
  }
}

TEST(Fit, OnlyTheTrainingRowsCount) {
  const Table t = T("x,y\n1,1\n2,2\n3,3\n100,4\n");
  const Prepared p = prepare(t, request({"y"}));
  const Preprocessor pp = fit(t, p, {0, 1, 2}, Scaling::minmax01, Scaling::none);
  EXPECT_EQ(pp.features[0].max, 3);
  EXPECT_EQ(pp.features[0].mean, 2);
  EXPECT_DOUBLE_EQ(pp.features[0].std, std::sqrt(2.0 / 3.0));
  EXPECT_EQ(pp.transform_features(t, {3}), (std::vector<double>{49.5}));  // (100-1)/2
  EXPECT_EQ(pp.targets[0].scaling, Scaling::none);
  EXPECT_THROW(fit(t, p, {}, Scaling::none, Scaling::none), std::invalid_argument);
  EXPECT_THROW(fit(t, p, {4}, Scaling::none, Scaling::none), std::out_of_range);
}

TEST(Fit, ConstantColumnsMapToZeroUnderEveryScaling) {
  const Table t = T("x,c,y\n1,5,10\n2,5,20\n3,5,30\n");
  const Prepared p = prepare(t, request({"y"}));
  for (Scaling s : {Scaling::minmax01, Scaling::minmax11, Scaling::standard}) {
    const Preprocessor pp = fit(t, p, {0, 1, 2}, s, s);
    const ColumnTransform& c = pp.features[1];
    EXPECT_EQ(c.min, 5);
    EXPECT_EQ(c.max, 5);
    EXPECT_EQ(c.std, 0);
    const std::vector<double> x = pp.transform_features(t, {0, 1, 2});
    for (int r = 0; r < 3; ++r) EXPECT_EQ(x[std::size_t(r) * 2 + 1], 0.0);
    EXPECT_EQ(c.apply(6), 1.0);  // scale 1: a new value keeps its distance
    EXPECT_EQ(c.invert(0.0), 5.0);
    EXPECT_EQ(c.invert(c.apply(7.25)), 7.25);
  }
  // Hand-derived: minmax11 of x = 1, 2, 3 is -1, 0, 1.
  const Preprocessor pp = fit(t, p, {0, 1, 2}, Scaling::minmax11, Scaling::none);
  EXPECT_EQ(pp.transform_features(t, {0, 1, 2}), (std::vector<double>{-1, 0, 0, 0, 1, 0}));
}

TEST(Fit, InverseTargetsRoundTrips) {
  const Unconv u;
  const Prepared p2 = prepare(u.t, request({"Prod", "TOC"}, {"Por"}));
  for (Scaling s : {Scaling::none, Scaling::minmax01, Scaling::minmax11, Scaling::standard}) {
    for (const Prepared* p : {&u.p, &p2}) {
      const Preprocessor pp = fit(u.t, *p, u.train, Scaling::none, s);
      const std::vector<double> raw = p->unfitted.transform_targets(u.t, u.all);
      const std::vector<double> back =
          pp.inverse_targets(pp.transform_targets(u.t, u.all), long(u.all.size()));
      ASSERT_EQ(back.size(), raw.size());
      for (std::size_t i = 0; i < raw.size(); ++i) expect_close(back[i], raw[i], "round trip");
    }
  }
  const Preprocessor pp = fit(u.t, u.p, u.train, Scaling::none, Scaling::minmax01);
  EXPECT_THROW(pp.inverse_targets({1, 2, 3}, 2), std::invalid_argument);
  EXPECT_THROW(pp.classes_of({0.5}, 1), std::invalid_argument);
  EXPECT_THROW(pp.labels_of(u.t, {0}), std::invalid_argument);
}

TEST(Fit, UnfittedTransformGivesRawValues) {
  const Unconv u;
  EXPECT_EQ(u.p.unfitted.transform_features(u.t, {0}),
            (std::vector<double>{12.08, 2.92, 2.8, 81.4, 1.16, 2.31}));
  EXPECT_EQ(u.p.unfitted.transform_targets(u.t, {0}), (std::vector<double>{1695.360819}));
}

// ---- one-hot -------------------------------------------------------------------------------

TEST(OneHot, IrisSpeciesClassesInSortedOrder) {
  // OneHotEncoder().fit(species).categories_ == ['setosa', 'versicolor', 'virginica'].
  const Table t = read_csv(kShared + "/classic/iris.csv");
  const Prepared p = prepare(t, request({"species"}));
  const Preprocessor pp = fit(t, p, first_rows(150), Scaling::minmax01, Scaling::minmax01);
  EXPECT_EQ(pp.task, Task::classification);
  EXPECT_EQ(pp.outputs(), 3);
  EXPECT_EQ(pp.output_names(),
            (Strings{"species=setosa", "species=versicolor", "species=virginica"}));
  EXPECT_EQ(pp.targets[0].scaling, Scaling::none);  // classes stay one-hot
  EXPECT_EQ(pp.transform_targets(t, {0, 50, 100, 149}),
            (std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1}));
  EXPECT_EQ(pp.labels_of(t, {0, 50, 149}), (std::vector<long>{0, 1, 2}));
  // argmax per row, the first on ties (as np.argmax).
  EXPECT_EQ(pp.classes_of({0.1, 0.7, 0.2, 0.5, 0.5, 0.0, 0.0, 0.0, 1.0}, 3),
            (std::vector<long>{1, 0, 2}));
  EXPECT_THROW(pp.classes_of({0.1, 0.7}, 1), std::invalid_argument);
  EXPECT_THROW(pp.inverse_targets({0.1, 0.7, 0.2}, 1), std::invalid_argument);
}

TEST(OneHot, CategoricalFeaturesAndNames) {
  const Table t = T("Por,Facies,Prod\n10,sand,1\n12,shale,2\n11,sand,3\n13,limestone,4\n");
  const Prepared p = prepare(t, request({"Prod"}));
  const Preprocessor pp = fit(t, p, {0, 1, 2, 3}, Scaling::minmax01, Scaling::none);
  EXPECT_EQ(pp.input_names(), (Strings{"Por", "Facies=limestone", "Facies=sand", "Facies=shale"}));
  EXPECT_EQ(pp.inputs(), 4);
  EXPECT_EQ(pp.features[1].width(), 3);
  EXPECT_EQ(pp.transform_features(t, {1, 3}),
            (std::vector<double>{2.0 / 3.0, 0, 0, 1, 1, 1, 0, 0}));
}

TEST(OneHot, CategoriesComeFromAllKeptRowsNotOnlyTraining) {
  const Table t = T("x,s\n1,a\n2,b\n3,c\n");
  const Prepared p = prepare(t, request({"s"}));
  const Preprocessor pp = fit(t, p, {0, 1}, Scaling::none, Scaling::none);
  EXPECT_EQ(pp.outputs(), 3);  // class c has a node although no training row has it
  EXPECT_EQ(pp.transform_targets(t, {2}), (std::vector<double>{0, 0, 1}));
}

// ---- transform errors ----------------------------------------------------------------------

TEST(Transform, ErrorsInANewFileNameTheirLocation) {
  const Table train = T("Por,Facies,Prod\n10,sand,1\n12,shale,2\n");
  const Prepared p = prepare(train, request({"Prod"}));
  const Preprocessor pp = fit(train, p, {0, 1}, Scaling::minmax01, Scaling::minmax01);
  const auto bad = [](std::string_view text) { return parse_csv(text, "new.csv"); };

  const Table no_col = bad("Facies,Prod\nsand,1\n");
  expect_data_error([&] { pp.transform_features(no_col, {0}); }, 1, 0,
                    "missing column 'Por'; expected the columns fitted (Por, Facies); the file "
                    "has: Facies, Prod",
                    "new.csv");
  const Table unseen = bad("Prod,Facies,Por\n1,sand,10\n2,gravel,11\n");
  expect_data_error(
      [&] {
        pp.transform_features(unseen, {0, 1});
      },
      3, 2,
      "unseen category 'gravel' in column 'Facies'; expected one of the categories "
      "fitted: sand, shale",
      "new.csv");
  const Table text = bad("Por,Facies,Prod\n\"\nabc\",sand,1\n");
  expect_data_error([&] { pp.transform_features(text, {0}); }, 2, 1,
                    "expected a number, found '\\nabc' in column 'Por'", "new.csv");
  const Table missing = bad("Por,Facies,Prod\n10,sand,1\n11,NA,2\n,sand,3\n");
  expect_data_error([&] { pp.transform_features(missing, {1}); }, 3, 2,
                    "missing value ('NA') in column 'Facies'; expected one of: sand, shale",
                    "new.csv");
  expect_data_error([&] { pp.transform_features(missing, {2}); }, 4, 1,
                    "missing value (empty field) in column 'Por'; expected a number", "new.csv");
  expect_data_error([&] { pp.transform_targets(bad("Por,Facies,Prod\n1,sand,x\n"), {0}); }, 2, 3,
                    "expected a number, found 'x' in column 'Prod'", "new.csv");
  EXPECT_THROW(pp.transform_features(train, {2}), std::out_of_range);
  EXPECT_THROW(pp.transform_features(train, {-1}), std::out_of_range);
  EXPECT_TRUE(pp.transform_features(train, {}).empty());
}

// ---- tables built by hand, random tables ---------------------------------------------------

TEST(Prepare, TablesBuiltByHandWithoutLinesOrWithRaggedRows) {
  Table t;
  t.source = "<memory>";
  t.columns = {"x", "y"};
  t.rows = {{"1", "2"}, {"3", ""}};  // no `lines`: locations have line 0
  expect_data_error([&] { prepare(t, request({"x"})); }, 0, 2,
                    "missing value (empty field) in column 'y'", "<memory>");
  t.rows = {{"1", "2"}, {"3"}};
  expect_data_error([&] { prepare(t, request({"x"})); }, 0, 0,
                    "expected 2 fields as in the header, found 1", "<memory>");
}

TEST(PrepareFuzz, RandomTablesPrepareFitAndTransformOrThrowDataError) {
  std::mt19937 gen(99);
  const char* cells[] = {"1", "2.5", "-3", "a", "b", "", "NA", "1e999", "7", "x y", "0", "2"};
  const Scaling scalings[] = {Scaling::none, Scaling::minmax01, Scaling::minmax11,
                              Scaling::standard};
  int prepared = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    const int ncol = 2 + int(gen() % 3), nrow = 1 + int(gen() % 6);
    std::string text;
    for (int c = 0; c < ncol; ++c) text += (c ? ",c" : "c") + std::to_string(c);
    for (int r = 0; r < nrow; ++r) {
      text += '\n';
      for (int c = 0; c < ncol; ++c)
        text += std::string(c ? "," : "") + '"' + cells[gen() % std::size(cells)] + '"';
    }
    const Table t = parse_csv(text, "f.csv");
    ColumnRequest r;
    r.targets = {"c" + std::to_string(gen() % unsigned(ncol))};
    if (gen() % 4 == 0 && r.targets[0] != "c0") r.targets.push_back("c0");
    r.target_is_class = gen() % 2;
    r.missing = gen() % 2 ? MissingPolicy::drop_rows : MissingPolicy::error;
    try {
      const Prepared p = prepare(t, r);
      const Preprocessor pp = fit(t, p, p.rows, scalings[gen() % 4], scalings[gen() % 4]);
      const long n = long(p.rows.size());
      const std::vector<double> x = pp.transform_features(t, p.rows);
      const std::vector<double> y = pp.transform_targets(t, p.rows);
      ASSERT_EQ(x.size(), std::size_t(n * pp.inputs()));
      ASSERT_EQ(y.size(), std::size_t(n * pp.outputs()));
      for (double v : x) ASSERT_TRUE(std::isfinite(v)) << text;
      for (double v : y) ASSERT_TRUE(std::isfinite(v)) << text;
      if (pp.task == Task::regression) {
        EXPECT_EQ(pp.inverse_targets(y, n).size(), y.size());
      } else {
        for (long l : pp.labels_of(t, p.rows)) ASSERT_TRUE(l >= 0 && l < pp.outputs());
        EXPECT_EQ(pp.classes_of(y, n), pp.labels_of(t, p.rows));
      }
      ++prepared;
    } catch (const DataError& e) {
      EXPECT_EQ(e.file(), "f.csv");
    }
  }
  EXPECT_GT(prepared, 100);
}

// ---- table hash ----------------------------------------------------------------------------

TEST(TableHash, MatchesTheDocumentedEncoding) {
  // /usr/bin/python3: FNV-1a 64 over, per record, each field as len.to_bytes(8, 'little') +
  // bytes, then b'\x1e':
  //   def fnv(recs):
  //     h = 14695981039346656037
  //     for rec in recs:
  //       for b in [len(f.encode()).to_bytes(8, 'little') + f.encode() for f in rec] + [b'\x1e']:
  //         for x in b: h = ((h ^ x) * 1099511628211) % 2**64
  //     return h
  //   hex(fnv([['a','b'],['1','2'],['x,y','z']]))  -> 0x284adb8cb31fea7a
  //   hex(fnv([['a','b'],['1','2'],['x','y,z']]))  -> 0x7b2d60b8de7a3e44
  const Table t = T("a,b\n1,2\n\"x,y\",z\n");
  const Table moved = T("a,b\n1,2\nx,\"y,z\"\n");
  EXPECT_EQ(table_hash(t), 0x284adb8cb31fea7aull);
  EXPECT_EQ(table_hash(moved), 0x7b2d60b8de7a3e44ull);
  // Same cells, different bytes on disk or source name: same hash.
  EXPECT_EQ(table_hash(parse_csv("a,b\r\n1,2\r\n\"x,y\",\"z\"", "other.csv")), table_hash(t));
  // One cell changed: different hash.
  EXPECT_NE(table_hash(T("a,b\n1,2\n\"x,y\",Z\n")), table_hash(t));
  EXPECT_NE(table_hash(T("a,b\n12,\n\"x,y\",z\n")), table_hash(t));
}

}  // namespace
