// Reading cell text as values, shared by the CSV reader and the dataset layer (internal).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace annlab::data::detail {

// Without leading and trailing spaces and tabs.
std::string_view trim(std::string_view s);

enum class NumberStatus { ok, not_a_number, out_of_range };
// The whole (trimmed) text as a finite double: std::from_chars plus one optional leading '+'.
// "inf", "nan", hex and "1,5" are not numbers; "1e999" is out_of_range.
NumberStatus parse_number(std::string_view s, double& out);
// The whole (trimmed) text as an integer: optional '-' or '+', then digits.
bool parse_integer(std::string_view s, long long& out);

// Empty (after trimming) or one of the markers.
bool is_missing(std::string_view cell, const std::vector<std::string>& markers);

// Shortest text that reads back as v ("3", "0.1", "1e+20").
std::string number_text(double v);

// A cell shown in a message: 'text', control bytes escaped, long text cut at 40 characters
// (on a UTF-8 boundary).
std::string shown(std::string_view s);

// "a, b, c", at most `limit` names then ", ... (N in all)"; unnamed names shown as
// "(unnamed column K)".
std::string name_list(const std::vector<std::string>& names, std::size_t limit = 30);

}  // namespace annlab::data::detail
