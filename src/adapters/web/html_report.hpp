// The self-contained HTML report of a run: the page (index.html) with its script and style
// inline and the annlab.run document embedded as <script type="application/json"
// id="annlab-run">, so it opens offline. Served as export/report.html and written by
// `annlab report`.
#pragma once
#include <stdexcept>
#include <string>

namespace annlab::web {

// A text that is not an annlab.run document this version reads: "SOURCE: message".
class ReportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `run_text` is an annlab.run document (docs/dashboard.md); `source` names it in errors.
std::string report_html(const std::string& run_text, const std::string& source);

}  // namespace annlab::web
