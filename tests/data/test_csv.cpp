// The CSV reader: quoting, line endings, BOM, blank lines, the index column, every error
// (file, line, column and message), and the real data files in ../shared/data.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "annlab/data/csv.hpp"

namespace {
using namespace annlab::data;
using Rows = std::vector<std::vector<std::string>>;

const std::string kFixtures = std::string(ANNLAB_FIXTURES) + "/data";
const std::string kShared = ANNLAB_SHARED_DATA;

Table parse(std::string_view text, const CsvOptions& o = {}) {
  return parse_csv(text, "t.csv", o);
}

// Parsing `text` throws a DataError at (line, column) whose message contains `needle`.
void expect_error(std::string_view text, long line, long column, const std::string& needle,
                  const CsvOptions& o = {}) {
  try {
    parse(text, o);
    ADD_FAILURE() << "no DataError for: " << text;
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), "t.csv");
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_EQ(e.column(), column) << e.what();
    EXPECT_NE(e.message().find(needle), std::string::npos) << e.what();
    std::string prefix = "t.csv";
    if (line > 0) prefix += ":" + std::to_string(line);
    if (column > 0) prefix += ":" + std::to_string(column);
    EXPECT_EQ(std::string(e.what()), prefix + ": " + e.message());
  }
}

TEST(DataError, WhatIsFileLineColumnMessageAndLeavesOutUnknownParts) {
  EXPECT_STREQ(DataError("f.csv", 3, 2, "bad").what(), "f.csv:3:2: bad");
  EXPECT_STREQ(DataError("f.csv", 3, 0, "bad").what(), "f.csv:3: bad");
  EXPECT_STREQ(DataError("f.csv", 0, 0, "bad").what(), "f.csv: bad");
  const DataError e("f.csv", 3, 2, "bad");
  EXPECT_EQ(e.file(), "f.csv");
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.column(), 2);
  EXPECT_EQ(e.message(), "bad");
}

TEST(Csv, HeaderRowsAndLines) {
  const Table t = parse("a,b,c\n1,2,3\n4,5,6\n");
  EXPECT_EQ(t.source, "t.csv");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(t.rows, (Rows{{"1", "2", "3"}, {"4", "5", "6"}}));
  EXPECT_EQ(t.lines, (std::vector<long>{2, 3}));
  EXPECT_EQ(t.header_line, 1);
  EXPECT_EQ(t.index_column, -1);
}

TEST(Csv, FinalLineWithoutNewline) {
  const Table t = parse("a,b\n1,2\n3,4");
  EXPECT_EQ(t.rows, (Rows{{"1", "2"}, {"3", "4"}}));
  EXPECT_EQ(parse("a,b\n1,").rows, (Rows{{"1", ""}}));  // a trailing comma is an empty field
}

TEST(Csv, CrlfAndLoneCrEndRecords) {
  const Table crlf = parse("a,b\r\n1,2\r\n3,4\r\n");
  EXPECT_EQ(crlf.rows, (Rows{{"1", "2"}, {"3", "4"}}));
  EXPECT_EQ(crlf.lines, (std::vector<long>{2, 3}));
  const Table cr = parse("a,b\r1,2\r3,4");  // classic Mac
  EXPECT_EQ(cr.rows, (Rows{{"1", "2"}, {"3", "4"}}));
  EXPECT_EQ(cr.lines, (std::vector<long>{2, 3}));
  const Table mixed = parse("a,b\n1,2\r\n3,4\r5,6");
  EXPECT_EQ(mixed.lines, (std::vector<long>{2, 3, 4}));
}

TEST(Csv, Utf8BomIsStripped) {
  const Table t = parse(
      "\xEF\xBB\xBF"
      "a,b\n1,2\n");
  EXPECT_EQ(t.columns[0], "a");
  // Without a BOM, UTF-8 text passes through unchanged.
  EXPECT_EQ(parse("caf\xC3\xA9,x\n\xE2\x82\xAC,\xF0\x9F\x98\x80\n").rows,
            (Rows{{"\xE2\x82\xAC", "\xF0\x9F\x98\x80"}}));
}

TEST(Csv, QuotedFieldsHoldDelimitersQuotesAndNewlines) {
  const Table t = parse(
      "name,note,v\n"
      "\"Smith, J.\",\"said \"\"hi\"\"\",1\n"
      "x,\"two\nlines\",2\n"
      "\"\",\"\"\"\",3\n");
  EXPECT_EQ(t.rows,
            (Rows{{"Smith, J.", "said \"hi\"", "1"}, {"x", "two\nlines", "2"}, {"", "\"", "3"}}));
  // lines[r] is where the record starts; a newline inside quotes still counts as a line.
  EXPECT_EQ(t.lines, (std::vector<long>{2, 3, 5}));
  // A quoted CRLF is kept byte for byte.
  EXPECT_EQ(parse("a\n\"1\r\n2\"\n").rows, (Rows{{"1\r\n2"}}));
}

TEST(Csv, BlanksAroundFieldsAreTrimmedOutsideQuotes) {
  const Table t = parse(" a , b \n 1 ,\t\"  2 \"  \n");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t.rows, (Rows{{"1", "  2 "}}));
}

TEST(Csv, BlankLinesAreSkippedAnywhere) {
  const Table t = parse("\n  \na,b\n\n1,2\n \t \n3,4\n\n\r\n\n");
  EXPECT_EQ(t.header_line, 3);
  EXPECT_EQ(t.rows, (Rows{{"1", "2"}, {"3", "4"}}));
  EXPECT_EQ(t.lines, (std::vector<long>{5, 7}));
  // A quoted empty field is a value, not a blank line.
  EXPECT_EQ(parse("a\n\"\"\n").rows, (Rows{{""}}));
}

TEST(Csv, OtherDelimiters) {
  CsvOptions semicolon;
  semicolon.delimiter = ';';
  EXPECT_EQ(parse("a;b\n1,5;\"x;y\"\n", semicolon).rows, (Rows{{"1,5", "x;y"}}));
  CsvOptions tab;
  tab.delimiter = '\t';  // a tab is then a delimiter, not a blank to trim
  EXPECT_EQ(parse("a\tb\tc\n1\t\t 3 \n", tab).rows, (Rows{{"1", "", "3"}}));
  for (char bad : {'"', '\n', '\r'}) {
    CsvOptions o;
    o.delimiter = bad;
    EXPECT_THROW(parse("a\n1\n", o), std::invalid_argument);
  }
}

TEST(Csv, UnnamedFirstColumnOfIntegersIsTheIndex) {
  EXPECT_EQ(parse(",x\n0,1.5\n1,2.5\n").index_column, 0);
  EXPECT_EQ(parse(",x\n7,1\n-3,2\n+12,3\n").index_column, 0);  // any integers
  EXPECT_EQ(parse(",x\n0,1\na,2\n").index_column, -1);         // not all integers
  EXPECT_EQ(parse(",x\n0,1\n0.5,2\n").index_column, -1);
  EXPECT_EQ(parse(",x\n0,1\n,2\n").index_column, -1);     // a missing index value
  EXPECT_EQ(parse("id,x\n0,1\n1,2\n").index_column, -1);  // named: an ordinary column
  EXPECT_EQ(parse("x,\n1,0\n2,1\n").index_column, -1);    // not the first column
  const Table t = parse(",x\n0,1.5\n");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"", "x"}));
  EXPECT_EQ(t.rows, (Rows{{"0", "1.5"}}));  // kept in the rows; prepare() skips it
}

TEST(Csv, ColumnIndexFindsNamesExactly) {
  const Table t = parse(",Por,Perm\n0,1,2\n");
  EXPECT_EQ(column_index(t, "Por"), 1);
  EXPECT_EQ(column_index(t, "Perm"), 2);
  EXPECT_EQ(column_index(t, "por"), -1);
  EXPECT_EQ(column_index(t, ""), -1);  // unnamed columns cannot be named
}

TEST(Csv, SeveralUnnamedColumnsAreAllowed) {
  EXPECT_EQ(parse("a,,\n1,2,3\n").columns, (std::vector<std::string>{"a", "", ""}));
}

// ---- errors --------------------------------------------------------------------------------

TEST(CsvErrors, WrongFieldCount) {
  expect_error("a,b,c,d\n1,2,3,4\n1,2,3,4,5\n", 3, 5,
               "expected 4 fields as in the header, found 5");
  expect_error("a,b,c,d\n1,2\n", 2, 3, "expected 4 fields as in the header, found 2");
  expect_error("a\n1\n1,2\n", 3, 2, "expected 1 field as in the header, found 2");
  // Far too many fields: the count is still exact.
  expect_error("a,b\n" + std::string(1000, ',') + "\n", 2, 3, "found 1001");
  // A record spanning lines is reported at the line where it starts.
  expect_error("a,b\n\"x\ny\",1,2\n", 2, 3, "found 3");
}

TEST(CsvErrors, UnterminatedQuoteNamesTheLineWhereItOpened) {
  expect_error("a,b\n1,2\n3,\"open\n4,5\n6,7\n", 3, 2, "the '\"' opened on line 3 is never closed");
  expect_error("a,b\n1,\"", 2, 2, "unterminated quoted field");
}

TEST(CsvErrors, StrayQuoteInsideAnUnquotedField) {
  expect_error("a,b\n1,ab\"c\n", 2, 2, "unexpected '\"' inside an unquoted field");
  expect_error("a,b\n1,x \"c\"\n", 2, 2, "unexpected '\"'");
}

TEST(CsvErrors, TextAfterAClosingQuote) {
  expect_error("a,b\n\"x\"y,2\n", 2, 1, "expected ',' or the end of the line after the closing");
  CsvOptions o;
  o.delimiter = ';';
  expect_error("a;b\n1;\"x\",\n", 2, 2, "expected ';' or the end of the line", o);
}

TEST(CsvErrors, DuplicateHeaderNames) {
  expect_error("Por,Perm,Por\n1,2,3\n", 1, 3, "duplicate column name 'Por' (also column 1)");
  expect_error("\n\"a\", a \n1,2\n", 2, 2, "duplicate column name 'a'");
}

TEST(CsvErrors, EmptyFileAndHeaderOnly) {
  expect_error("", 1, 0, "empty file; expected a header row");
  expect_error("\xEF\xBB\xBF", 1, 0, "empty file");
  expect_error("\n \r\n\n", 1, 0, "empty file");
  expect_error("a,b\n", 1, 0, "the header is the only row; expected data rows");
  expect_error("\na,b\n\n\n", 2, 0, "the header is the only row");
}

TEST(CsvErrors, InvalidUtf8NamesLineFieldAndByte) {
  expect_error("a,b\n1,2\n3,x\xFFy\n", 3, 2, "invalid UTF-8 (byte 0xFF) at byte 4 of the line");
  expect_error("a,b\n1,\xC3\n", 2, 2, "invalid UTF-8 (byte 0xC3)");          // truncated sequence
  expect_error("a,b\n1,\xC0\xAF\n", 2, 2, "invalid UTF-8 (byte 0xC0)");      // overlong '/'
  expect_error("a,b\n1,\xED\xA0\x80\n", 2, 2, "invalid UTF-8 (byte 0xED)");  // surrogate
  expect_error("a,b\n1,\xF4\x90\x80\x80\n", 2, 2, "invalid UTF-8");          // > U+10FFFF
  expect_error("a,b\n1,\xE9t\xE9\n", 2, 2, "invalid UTF-8 (byte 0xE9) at byte 3");  // Latin-1
  expect_error("a,\xFF\n1,2\n", 1, 2, "invalid UTF-8");                             // in the header
  expect_error("a,b\n1,\"x\ny\xFF\"\n", 3, 2, "at byte 2 of the line");             // inside quotes
  expect_error("a,b\n1,2\n\xFF", 3, 1, "invalid UTF-8");  // at a record start
  // An error earlier in the file is reported first.
  expect_error("a,b\n1,2,3\n\xFF\n", 2, 3, "found 3");
}

TEST(CsvErrors, NulByteSuggestsABinaryFile) {
  expect_error(std::string_view("a,b\n1,\0\n", 8), 2, 2, "unexpected NUL byte at byte 3");
  expect_error(std::string_view("PK\x03\x04\0\0", 6), 1, 1, "is this a binary file?");
}

TEST(CsvErrors, InputLargerThanMaxBytes) {
  CsvOptions o;
  o.max_bytes = 10;
  expect_error("a,b\n1,2\n3,4\n", 0, 0, "input is 12 bytes, more than the limit of 10 bytes", o);
  EXPECT_EQ(parse("a,b\n1,2\n3,", o).rows.size(), 2u);  // exactly at the limit
}

TEST(CsvErrors, MoreColumnsThanMaxColumns) {
  CsvOptions o;
  o.max_columns = 3;
  expect_error("a,b,c,d\n1,2,3,4\n", 1, 4, "more than 3 fields", o);
}

// ---- files ---------------------------------------------------------------------------------

// Expected cells agree with Python's csv module and pandas 1.5 on the same file:
//   /usr/bin/python3 -c "import csv; print(list(csv.reader(open(
//     'tests/fixtures/data/bom_crlf_quoted.csv', encoding='utf-8-sig', newline=''))))"
// except that annlab trims blanks outside quotes (" spaced " -> "spaced", pandas keeps the
// trailing blank) and keeps "  kept  " exactly as quoted.
TEST(CsvFiles, BomCrlfQuotedFixture) {
  const std::string path = kFixtures + "/bom_crlf_quoted.csv";
  const Table t = read_csv(path);
  EXPECT_EQ(t.source, path);
  EXPECT_EQ(t.columns, (std::vector<std::string>{"name", "comment", "value"}));
  EXPECT_EQ(t.rows, (Rows{{"Smith, J.", "said \"hi\"", "1.5"},
                          {"plain", "two\r\nlines", "2"},
                          {"spaced", "  kept  ", "3"},
                          {"caf\xC3\xA9", "", "-4e-1"}}));
  EXPECT_EQ(t.lines, (std::vector<long>{2, 3, 5, 6}));
}

void expect_file_error(const std::string& path, const std::string& needle,
                       const CsvOptions& o = {}) {
  try {
    read_csv(path, o);
    ADD_FAILURE() << "no DataError for " << path;
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.line(), 0);
    EXPECT_NE(e.message().find(needle), std::string::npos) << e.what();
  }
}

TEST(CsvFiles, FileErrors) {
  expect_file_error(kFixtures + "/no_such_file.csv", "no such file");
  expect_file_error(kFixtures, "is a directory; expected a CSV file");
  CsvOptions small;
  small.max_bytes = 100;
  expect_file_error(kFixtures + "/bom_crlf_quoted.csv", "more than the limit of 100 bytes", small);
}

TEST(CsvFiles, UnreadableFile) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("annlab_unreadable_" + std::to_string(::getpid()) + ".csv");
  { std::ofstream(path) << "a\n1\n"; }
  std::filesystem::permissions(path, std::filesystem::perms::none);
  const bool readable = std::ifstream(path).good();  // root reads anything
  if (!readable) expect_file_error(path.string(), "cannot open the file for reading");
  std::filesystem::remove(path);
  if (readable) GTEST_SKIP() << "running as a user who can read a mode-000 file";
}

TEST(CsvFiles, ErrorsInsideAFileNameTheFile) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("annlab_bad_" + std::to_string(::getpid()) + ".csv");
  { std::ofstream(path, std::ios::binary) << "a,b\r\n1,2\r\n3\r\n"; }
  try {
    read_csv(path);
    ADD_FAILURE() << "no error";
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()),
              path.string() + ":3:2: expected 2 fields as in the header, found 1");
  }
  std::filesystem::remove(path);
}

TEST(CsvFiles, UnconvMV) {
  const Table t = read_csv(kShared + "/geodatasets/unconv_MV_v4.csv");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"Well", "Por", "Perm", "AI", "Brittle", "TOC",
                                                 "VR", "Prod"}));
  ASSERT_EQ(t.rows.size(), 200u);
  EXPECT_EQ(t.index_column, -1);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"1", "12.08", "2.92", "2.8", "81.4", "1.16",
                                                 "2.31", "1695.360819"}));
  EXPECT_EQ(t.rows[3][7], "5288.514854");
  EXPECT_EQ(t.rows[199][0], "200");
  EXPECT_EQ(t.lines[199], 201);
}

TEST(CsvFiles, NonlinearFaciesHasAnIndexColumn) {
  const Table t = read_csv(kShared + "/geodatasets/nonlinear_facies_v1.csv");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"", "Por", "Perm", "Facies"}));
  EXPECT_EQ(t.index_column, 0);
  ASSERT_EQ(t.rows.size(), 1700u);
  EXPECT_EQ(t.rows[0],
            (std::vector<std::string>{"0", "5.8847287872193474", "777.9277131944472", "3"}));
  // The index restarts at 0 on line 202 (frames written one after another): still an index.
  EXPECT_EQ(t.rows[199][0], "199");
  EXPECT_EQ(t.rows[200][0], "0");
  EXPECT_EQ(t.rows[1699][0], "299");
}

TEST(CsvFiles, IrisHasStringSpecies) {
  const Table t = read_csv(kShared + "/classic/iris.csv");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"sepal_length", "sepal_width", "petal_length",
                                                 "petal_width", "species"}));
  ASSERT_EQ(t.rows.size(), 150u);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"5.1", "3.5", "1.4", "0.2", "setosa"}));
  EXPECT_EQ(t.rows[149][4], "virginica");
}

TEST(CsvFiles, DigitsAndDiabetes) {
  const Table digits = read_csv(kShared + "/classic/digits.csv");
  EXPECT_EQ(digits.columns.size(), 65u);
  EXPECT_EQ(digits.rows.size(), 1797u);
  EXPECT_EQ(digits.columns.back(), "digit");
  const Table diabetes = read_csv(kShared + "/classic/diabetes.csv");
  EXPECT_EQ(diabetes.rows.size(), 442u);
  EXPECT_EQ(diabetes.rows[0][10], "151");
}

}  // namespace
