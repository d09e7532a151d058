#include "values.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <system_error>

namespace annlab::data::detail {

std::string_view trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

NumberStatus parse_number(std::string_view s, double& out) {
  s = trim(s);
  // from_chars takes no '+'; allow one, but not "+-1" or "++1".
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (s.empty() || s[0] == '-' || s[0] == '+') return NumberStatus::not_a_number;
  }
  if (s.empty()) return NumberStatus::not_a_number;
  double v = 0;
  const char* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v, std::chars_format::general);
  if (ptr != end) return NumberStatus::not_a_number;
  if (ec == std::errc::result_out_of_range) return NumberStatus::out_of_range;
  if (ec != std::errc()) return NumberStatus::not_a_number;
  if (!std::isfinite(v)) return NumberStatus::not_a_number;  // "inf", "nan"
  out = v;
  return NumberStatus::ok;
}

bool parse_integer(std::string_view s, long long& out) {
  s = trim(s);
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (s.empty() || s[0] == '-' || s[0] == '+') return false;
  }
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && ptr == end;
}

bool is_missing(std::string_view cell, const std::vector<std::string>& markers) {
  cell = trim(cell);
  if (cell.empty()) return true;
  for (const auto& m : markers)
    if (cell == m) return true;
  return false;
}

std::string number_text(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string shown(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::string out = "'";
  std::size_t chars = 0, i = 0;
  for (; i < s.size() && chars < kMax; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80) ++chars;  // count UTF-8 lead bytes only
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", unsigned(c));
      out += buf;
    } else {
      out += char(c);
    }
  }
  // Finish the UTF-8 sequence that was started, then mark the cut.
  while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) out += s[i++];
  if (i < s.size()) out += "...";
  return out + "'";
}

std::string name_list(const std::vector<std::string>& names, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < limit; ++i) {
    if (i) out += ", ";
    out += names[i].empty() ? "(unnamed column " + std::to_string(i + 1) + ")" : names[i];
  }
  if (names.size() > limit) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out;
}

}  // namespace annlab::data::detail
