// The CSV reader never crashes or hangs: random bytes, every truncation of valid files, and
// random byte edits either parse into a consistent Table or throw DataError.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "annlab/data/csv.hpp"

namespace {
using namespace annlab::data;

// Parses `text`; a Table must be consistent, any failure must be a DataError.
// Returns whether it parsed.
bool parse_or_data_error(const std::string& text, const CsvOptions& o = {}) {
  try {
    const Table t = parse_csv(text, "fuzz.csv", o);
    EXPECT_FALSE(t.columns.empty());
    EXPECT_FALSE(t.rows.empty());
    EXPECT_EQ(t.rows.size(), t.lines.size());
    long previous = t.header_line;
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      EXPECT_EQ(t.rows[r].size(), t.columns.size());
      EXPECT_GT(t.lines[r], previous);  // records start on increasing lines
      previous = t.lines[r];
    }
    EXPECT_TRUE(t.index_column == -1 || t.index_column == 0);
    return true;
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), "fuzz.csv");
    EXPECT_GE(e.line(), 0);
    EXPECT_GE(e.column(), 0);
    EXPECT_FALSE(e.message().empty());
    return false;
  }
  // Any other exception escapes and fails the test.
}

// The file's first lines, at most `limit` bytes, cut after a newline.
std::string slurp(const std::string& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  const std::string text = s.str().substr(0, limit);
  return text.substr(0, text.rfind('\n') + 1);
}

std::vector<std::string> valid_texts() {
  return {
      slurp(std::string(ANNLAB_FIXTURES) + "/data/bom_crlf_quoted.csv", 4096),
      slurp(std::string(ANNLAB_SHARED_DATA) + "/geodatasets/nonlinear_facies_v1.csv", 600),
      slurp(std::string(ANNLAB_SHARED_DATA) + "/geodatasets/unconv_MV_v4.csv", 600),
      "a,\"b\nc\",d\r\n\"1\"\"\",2,\xC3\xA9\r\n,\"\",\n",
  };
}

TEST(CsvFuzz, RandomBytes) {
  // Bytes that matter to the parser, more often than the rest.
  const std::string alphabet =
      std::string(",\"\r\n \t;a1.-\xC3\xA9\xEF\xBB\xBF\xFF\xE2\x82") + std::string(1, '\0');
  std::mt19937 gen(12345);
  int parsed = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    const std::size_t n = gen() % 64;
    std::string text;
    for (std::size_t i = 0; i < n; ++i)
      text += (gen() % 8 == 0) ? char(gen() & 0xFF) : alphabet[gen() % alphabet.size()];
    parsed += parse_or_data_error(text);
  }
  EXPECT_GT(parsed, 0);  // the generator does reach valid tables
}

TEST(CsvFuzz, EveryTruncationOfValidFiles) {
  for (const std::string& text : valid_texts()) {
    ASSERT_TRUE(parse_or_data_error(text));
    for (std::size_t n = 0; n <= text.size(); ++n) parse_or_data_error(text.substr(0, n));
  }
}

TEST(CsvFuzz, RandomEditsOfValidFiles) {
  std::mt19937 gen(777);
  const std::string special = ",\"\r\n\xFF";
  for (const std::string& text : valid_texts()) {
    for (int iter = 0; iter < 1500; ++iter) {
      std::string t = text;
      const int edits = 1 + int(gen() % 4);
      for (int e = 0; e < edits && !t.empty(); ++e) {
        const std::size_t at = gen() % t.size();
        switch (gen() % 3) {
          case 0:
            t[at] = special[gen() % special.size()];
            break;
          case 1:
            t.erase(at, 1 + gen() % 3);
            break;
          default:
            t.insert(at, 1, special[gen() % special.size()]);
        }
      }
      parse_or_data_error(t);
    }
  }
}

TEST(CsvFuzz, PathologicalInputsEndQuickly) {
  const auto start = std::chrono::steady_clock::now();
  const std::size_t n = 1 << 20;
  parse_or_data_error(std::string(n, '"'));
  parse_or_data_error("a\n" + std::string(n, '"'));
  parse_or_data_error(std::string(n, ','));
  parse_or_data_error(std::string(n, '\n'));
  parse_or_data_error(std::string(n, '\r'));
  parse_or_data_error("a\n\"" + std::string(n, 'x'));  // unterminated quote at the end
  CsvOptions o;
  o.max_columns = 1000;
  parse_or_data_error(std::string(n, ','), o);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
