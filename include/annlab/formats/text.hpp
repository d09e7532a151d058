// Text forms shared by every CSV and JSON writer.
#pragma once
#include <string>
#include <string_view>

namespace annlab::formats {

// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
std::string csv_field(std::string_view s);
// The shortest text that reads back to the same double; empty for NaN and infinities.
std::string number_text(double v);

}  // namespace annlab::formats
