// table_hash: FNV-1a 64 over a length-prefixed encoding of the header and cells, so that no
// two different tables (moving a comma, splitting a cell) give the same byte stream.
#include <cstdint>

#include "annlab/data/dataset.hpp"

namespace annlab::data {

namespace {

constexpr std::uint64_t kOffset = 14695981039346656037ull;
constexpr std::uint64_t kPrime = 1099511628211ull;

void add_byte(std::uint64_t& h, unsigned char b) {
  h ^= b;
  h *= kPrime;
}

void add_field(std::uint64_t& h, const std::string& s) {
  std::uint64_t n = s.size();
  for (int i = 0; i < 8; ++i, n >>= 8) add_byte(h, static_cast<unsigned char>(n & 0xFF));
  for (char c : s) add_byte(h, static_cast<unsigned char>(c));
}

void add_record(std::uint64_t& h, const std::vector<std::string>& fields) {
  for (const auto& f : fields) add_field(h, f);
  add_byte(h, 0x1E);
}

}  // namespace

std::uint64_t table_hash(const Table& t) {
  std::uint64_t h = kOffset;
  add_record(h, t.columns);
  for (const auto& row : t.rows) add_record(h, row);
  return h;
}

}  // namespace annlab::data
