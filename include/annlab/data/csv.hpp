// CSV reading: header row, RFC 4180 quoting (embedded commas, quotes, newlines), CRLF or LF,
// UTF-8 with or without BOM, an unnamed index column (the book's files have one).
// Every error names the file, line, column and what was expected.
//
// Reading rules where RFC 4180 says nothing (close to pandas.read_csv):
// - A record ends at LF, CRLF or a lone CR outside quotes; the last line needs no newline.
// - Spaces and tabs around a field are trimmed (unless the delimiter is one of them); inside
//   quotes every byte is kept, newlines included. A quoted field may have blanks around its
//   quotes ( "a" ) but nothing else: `"a"b` and `a"b` are errors.
// - Blank lines (empty or blanks only) are skipped anywhere; a quoted empty field is not blank.
// - The text must be UTF-8 without NUL bytes; a leading BOM (EF BB BF) is dropped.
// - Header names must be unique, except that several columns may be unnamed ("").
// - index_column: the first column when its header name is empty and every value in it is an
//   integer (pandas writes its index this way); it is kept in `rows` but is never a feature.
#pragma once
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace annlab::data {

// Bad input data: "FILE:LINE:COLUMN: message". line/column are 1-based; 0 when not known,
// and then left out of what(): "FILE:LINE: message", "FILE: message".
// `column` is the 1-based field number within the record (what spreadsheet users count).
class DataError : public std::runtime_error {
 public:
  DataError(std::string file, long line, long column, const std::string& message);
  const std::string& file() const { return file_; }
  long line() const { return line_; }
  long column() const { return column_; }
  const std::string& message() const { return message_; }  // without the location prefix

 private:
  std::string file_;
  long line_, column_;
  std::string message_;
};

struct CsvOptions {
  char delimiter = ',';
  std::size_t max_bytes = std::size_t(1) << 31;  // larger input is rejected with DataError
  long max_columns = 100000;
};

struct Table {
  std::string source;                          // file name (or "<memory>") for messages
  std::vector<std::string> columns;            // header names, trimmed; unnamed -> ""
  std::vector<std::vector<std::string>> rows;  // rows[r][c], every row has columns.size()
  std::vector<long> lines;                     // lines[r]: physical line where row r starts
  long index_column = -1;  // an unnamed first column of integers (0,1,2,...): 0; else -1
  long header_line = 1;    // physical line where the header starts (after leading blank lines)
};

// Position of the column named `name` (exact match), or -1. Unnamed columns are never found.
long column_index(const Table& t, std::string_view name);

// Reads and parses a file. DataError (line 0) when it does not exist, is a directory, cannot be
// read, or is larger than options.max_bytes; otherwise as parse_csv, with source = path.
Table read_csv(const std::filesystem::path& path, const CsvOptions& options = {});
// std::invalid_argument when options.delimiter is '"', CR or LF, or max_columns < 1.
Table parse_csv(std::string_view text, const std::string& source, const CsvOptions& options = {});

}  // namespace annlab::data
