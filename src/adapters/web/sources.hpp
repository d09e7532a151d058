// Where a session's rows come from (docs/dashboard.md, DATA): the chapter's one sample,
// generated sets, the shipped CSVs of --data-dir, or an upload. Each becomes a data::Table, so
// every session is prepared by workflow::prepare_run exactly as `annlab train` prepares a CSV.
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "annlab/data/csv.hpp"

namespace annlab::web {

// A bad request: its HTTP status and one line saying what is wrong and what to do.
struct HttpError {
  int status;
  std::string message;
};

struct DataSource {
  std::string name;         // "chapter", "circle", "well", "upload.csv"
  data::Table table;        // the rows as text cells (numbers in shortest round-trip form)
  nlohmann::json defaults;  // RUNCONFIG keys the session starts from (target, drop, ...);
                            // the request's config is merged over them
};

// The chapter: columns x1, x2, x3, y; one row 0.5, 0.2, 0.7, 0.3; defaults are the worked
// example's run (3-2-1 sigmoid/identity, ½SE, Xavier + chapter biases from seed 13, full-batch
// gd, η = 0.2, 1000 epochs, no scaling).
DataSource chapter_source();

// Generated sets drawn from NumpyRandom(seed), `size` rows:
//   circle     class a: radius 0.5·u; class b: radius 0.7 + 0.3·u (u ~ U[0,1), angle 2π·u)
//   xor        x1, x2 ~ U[-1,1), class a when x1·x2 >= 0, else b
//   gaussians  class a around (-0.5, -0.5), b around (0.5, 0.5), standard deviation 0.3
//   spiral     two arms r = t, angle 2π·1.25·t (+π for b), t ~ U[0,1)
//   curve      x ~ U[0,1), y = sin(2πx)
// then noise·N(0,1) added to each coordinate (classification) or to y (curve). Rows alternate
// a, b. Columns x1, x2, class (or x, y).
DataSource generated_source(const std::string& name, long size, double noise, std::uint32_t seed);

// The shipped data sets of `data_dir`, by id: well, facies, iris, digits, diabetes, porosity.
DataSource shipped_source(const std::filesystem::path& data_dir, const std::string& id);

// GET /api/datasets: every source the page can pick, with its DATA object.
nlohmann::json catalog(const std::filesystem::path& data_dir);

}  // namespace annlab::web
