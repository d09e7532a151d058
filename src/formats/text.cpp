#include "annlab/formats/text.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

namespace annlab::formats {

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string number_text(double v) {
  if (!std::isfinite(v)) return {};
  return nlohmann::json(v).dump();  // nlohmann writes the shortest round-trip form
}

}  // namespace annlab::formats
