// The data a session can train on (sources.hpp).
#include "sources.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "annlab/core/random.hpp"
#include "annlab/formats/text.hpp"

namespace annlab::web {
namespace {
using nlohmann::json;

// A table from rows of numbers (and an optional class column), cells in shortest form.
data::Table table_of(const std::string& source, std::vector<std::string> columns,
                     const std::vector<std::vector<double>>& rows,
                     const std::vector<std::string>& classes = {}) {
  data::Table t;
  t.source = source;
  t.columns = std::move(columns);
  long line = 2;  // the header is line 1
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::vector<std::string> cells;
    for (double v : rows[r]) cells.push_back(formats::number_text(v));
    if (!classes.empty()) cells.push_back(classes[r]);
    t.rows.push_back(std::move(cells));
    t.lines.push_back(line++);
  }
  return t;
}

struct Shipped {
  const char* id;
  const char* file;  // under --data-dir
  const char* title;
  const char* task;
  json defaults;
};
const std::vector<Shipped>& shipped() {
  static const std::vector<Shipped> all{
      {"well",
       "geodatasets/unconv_MV_v4.csv",
       "Unconventional wells: production from well properties",
       "regression",
       {{"target", "Prod"}, {"drop", {"Well"}}}},
      {"facies",
       "geodatasets/nonlinear_facies_v1.csv",
       "Facies from porosity and permeability",
       "classification",
       {{"target", "Facies"}, {"class_target", true}}},
      {"iris",
       "classic/iris.csv",
       "Iris species from sepal and petal sizes",
       "classification",
       {{"target", "species"}}},
      {"digits",
       "classic/digits.csv",
       "Handwritten digits (8x8 grey levels)",
       "classification",
       {{"target", "digit"}, {"class_target", true}}},
      {"diabetes",
       "classic/diabetes.csv",
       "Diabetes progression from ten measurements",
       "regression",
       {{"target", "progression"}}},
      {"porosity",
       "geodatasets/1D_Porosity.csv",
       "Porosity (normal score) against depth",
       "regression",
       {{"target", "Nporosity"}}},
  };
  return all;
}

struct Generated {
  const char* name;
  const char* title;
  const char* task;
};
const Generated kGenerated[] = {
    {"circle", "Circle: class a inside, b on a ring around it", "classification"},
    {"xor", "XOR: the sign of x1·x2", "classification"},
    {"gaussians", "Two Gaussian clouds", "classification"},
    {"spiral", "Two interleaved spirals", "classification"},
    {"curve", "A 1-D curve: y = sin(2πx) plus noise", "regression"},
};

}  // namespace

DataSource chapter_source() {
  DataSource s;
  s.name = "chapter";
  s.table = table_of("chapter", {"x1", "x2", "x3", "y"}, {{0.5, 0.2, 0.7, 0.3}});
  s.defaults = {{"target", "y"},
                {"layers", {2}},
                {"activation", "sigmoid"},
                {"output", "identity"},
                {"loss", "half_squared_error"},
                {"init", "xavier"},
                {"bias_init", "chapter_uniform"},
                {"seed", 13},
                {"optimizer", "gd"},
                {"lr", 0.2},
                {"batch", 0},
                {"epochs", 1000},
                {"scale", "none"},
                {"scale_target", "none"}};
  return s;
}

DataSource generated_source(const std::string& name, long size, double noise, std::uint32_t seed) {
  const bool known = std::any_of(std::begin(kGenerated), std::end(kGenerated),
                                 [&](const Generated& g) { return name == g.name; });
  if (!known)
    throw HttpError{400,
                    "data.name '" + name +
                        "' is not a generated set; use circle, xor, gaussians, spiral or curve"};
  if (size < 4 || size > 20000)
    throw HttpError{400, "data.size " + std::to_string(size) + " is outside [4, 20000]"};
  if (!std::isfinite(noise) || noise < 0 || noise > 10)
    throw HttpError{400, "data.noise must be a number in [0, 10]"};
  NumpyRandom rng(seed);
  constexpr double pi = std::numbers::pi;
  DataSource s;
  s.name = name;
  std::vector<std::vector<double>> rows;
  if (name == "curve") {
    for (long i = 0; i < size; ++i) {
      const double x = rng.random();
      const double y = std::sin(2 * pi * x) + noise * rng.standard_normal();
      rows.push_back({x, y});
    }
    s.table = table_of(name, {"x", "y"}, rows);
    s.defaults = {{"target", "y"}};
    return s;
  }
  std::vector<std::string> classes;
  for (long i = 0; i < size; ++i) {
    const bool a = i % 2 == 0;
    double x1 = 0, x2 = 0;
    if (name == "circle") {
      const double r = a ? 0.5 * rng.random() : 0.7 + 0.3 * rng.random();
      const double angle = 2 * pi * rng.random();
      x1 = r * std::cos(angle);
      x2 = r * std::sin(angle);
    } else if (name == "xor") {
      // Drawn until the point's class is the row's (a: same signs), so classes alternate.
      do {
        x1 = rng.uniform(-1, 1);
        x2 = rng.uniform(-1, 1);
      } while ((x1 * x2 >= 0) != a);
    } else if (name == "gaussians") {
      const double c = a ? -0.5 : 0.5;
      x1 = c + 0.3 * rng.standard_normal();
      x2 = c + 0.3 * rng.standard_normal();
    } else {  // spiral
      const double t = rng.random();
      const double angle = 2 * pi * 1.25 * t + (a ? 0 : pi);
      x1 = t * std::cos(angle);
      x2 = t * std::sin(angle);
    }
    x1 += noise * rng.standard_normal();
    x2 += noise * rng.standard_normal();
    rows.push_back({x1, x2});
    classes.push_back(a ? "a" : "b");
  }
  s.table = table_of(name, {"x1", "x2", "class"}, rows, classes);
  s.defaults = {{"target", "class"}};
  return s;
}

DataSource shipped_source(const std::filesystem::path& data_dir, const std::string& id) {
  for (const Shipped& d : shipped()) {
    if (id != d.id) continue;
    DataSource s;
    s.name = id;
    const std::filesystem::path path = data_dir / d.file;
    try {
      s.table = data::read_csv(path);
    } catch (const data::DataError& e) {
      throw HttpError{404, "shipped data set '" + id + "' cannot be read (" + e.message() +
                               "); start annlab serve with --data-dir pointing at the data folder"};
    }
    s.table.source = std::filesystem::path(d.file).filename().string();
    s.defaults = d.defaults;
    return s;
  }
  std::string ids;
  for (const Shipped& d : shipped()) ids += (ids.empty() ? "" : ", ") + std::string(d.id);
  throw HttpError{400, "data.name '" + id + "' is not a shipped data set; use one of " + ids};
}

json catalog(const std::filesystem::path& data_dir) {
  json list = json::array();
  list.push_back({{"title", "The chapter's worked example: one sample, 3-2-1 network"},
                  {"task", "regression"},
                  {"data", {{"source", "chapter"}}},
                  {"available", true}});
  for (const Generated& g : kGenerated)
    list.push_back(
        {{"title", g.title},
         {"task", g.task},
         {"data",
          {{"source", "generated"}, {"name", g.name}, {"size", 200}, {"noise", 0.1}, {"seed", 1}}},
         {"available", true}});
  for (const Shipped& d : shipped()) {
    std::error_code ec;
    list.push_back({{"title", d.title},
                    {"task", d.task},
                    {"file", d.file},
                    {"target", d.defaults["target"]},
                    {"data", {{"source", "shipped"}, {"name", d.id}}},
                    {"available", std::filesystem::is_regular_file(data_dir / d.file, ec)}});
  }
  return {{"datasets", list}};
}

}  // namespace annlab::web
