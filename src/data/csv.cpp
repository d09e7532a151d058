// The CSV reader: one pass over the bytes, a record at a time (RFC 4180 plus pandas'
// leniencies, see csv.hpp). Every loop advances the position, so any input ends.
#include "annlab/data/csv.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <system_error>
#include <utility>

#include "values.hpp"

namespace annlab::data {

namespace {

std::string location(const std::string& file, long line, long column) {
  std::string s = file;
  if (line > 0) {
    s += ':' + std::to_string(line);
    if (column > 0) s += ':' + std::to_string(column);
  }
  return s + ": ";
}

// Offset of the first byte that is not valid UTF-8 (or is NUL), or npos. Overlong forms,
// surrogates (U+D800..DFFF) and code points above U+10FFFF are invalid.
std::size_t first_invalid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned c = p[i];
    if (c >= 0x01 && c <= 0x7F) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;  // NUL, a continuation byte, C0, C1, F5..FF
    }
    if (i + len > n) return i;
    if (p[i + 1] < lo || p[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k)
      if ((p[i + k] & 0xC0) != 0x80) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::string shown_char(char c) {
  return detail::shown(std::string_view(&c, 1));
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& source, const CsvOptions& options)
      : s_(text), source_(source), opt_(options) {
    const std::size_t bad = first_invalid_utf8(s_);
    end_ = bad == std::string_view::npos ? s_.size() : bad;
  }

  Table run() {
    Table t;
    t.source = source_;
    std::vector<std::string> fields;
    long start = 0;
    bool blank = false;
    do {
      if (!record(fields, start, blank, 0))
        fail(1, 0, "empty file; expected a header row naming the columns");
    } while (blank);
    t.header_line = start;
    std::map<std::string, long> seen;
    for (std::size_t c = 0; c < fields.size(); ++c) {
      std::string name(detail::trim(fields[c]));
      if (!name.empty()) {
        const auto [it, inserted] = seen.emplace(name, long(c) + 1);
        if (!inserted)
          fail(start, long(c) + 1,
               "duplicate column name " + detail::shown(name) + " (also column " +
                   std::to_string(it->second) + "); expected unique names in the header");
      }
      t.columns.push_back(std::move(name));
    }
    const std::size_t n = t.columns.size();
    while (record(fields, start, blank, long(n))) {
      if (blank) continue;
      if (fields.size() != n)
        fail(start, long(fields.size() > n ? n + 1 : fields.size() + 1),
             "expected " + std::to_string(n) + " field" + (n == 1 ? "" : "s") +
                 " as in the header, found " + std::to_string(fields.size()));
      t.rows.push_back(std::move(fields));
      t.lines.push_back(start);
      fields = {};
    }
    if (t.rows.empty())
      fail(t.header_line, 0, "the header is the only row; expected data rows after it");

    long long v = 0;
    if (t.columns[0].empty()) {
      bool all_integers = true;
      for (const auto& row : t.rows)
        if (!detail::parse_integer(row[0], v)) {
          all_integers = false;
          break;
        }
      if (all_integers) t.index_column = 0;
    }
    return t;
  }

 private:
  [[noreturn]] void fail(long line, long column, const std::string& message) const {
    throw DataError(source_, line, column, message);
  }

  bool blank_char(char c) const { return (c == ' ' || c == '\t') && c != opt_.delimiter; }
  void skip_blanks() {
    while (i_ < end_ && blank_char(s_[i_])) ++i_;
  }
  void new_line() {
    ++line_;
    line_start_ = i_;
  }

  // Called whenever the position reaches end_: the real end of the text, or the first
  // invalid byte, reported with the line and field it falls in.
  void at_end(long field) const {
    if (end_ == s_.size()) return;
    const unsigned char b = static_cast<unsigned char>(s_[end_]);
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", unsigned(b));
    const std::string where = " at byte " + std::to_string(end_ - line_start_ + 1) + " of the line";
    if (b == 0)
      fail(line_, field,
           "unexpected NUL byte" + where + "; expected text (is this a binary file?)");
    fail(line_, field,
         std::string("invalid UTF-8 (byte ") + hex + ")" + where +
             "; expected UTF-8 text (save the file as UTF-8)");
  }

  // Reads one record into `fields`; false at the end of the input. `blank`: an empty or
  // blanks-only line. `expected` (0 for the header) only bounds the field count early.
  bool record(std::vector<std::string>& fields, long& start, bool& blank, long expected) {
    fields.clear();
    if (i_ >= end_) {
      at_end(1);
      return false;
    }
    start = line_;
    bool any_quoted = false;
    const char delim = opt_.delimiter;
    for (;;) {
      const long col = long(fields.size()) + 1;
      if (col > opt_.max_columns)
        fail(start, col,
             "more than " + std::to_string(opt_.max_columns) +
                 " fields; expected at most CsvOptions::max_columns");
      std::string field;
      skip_blanks();
      if (i_ < end_ && s_[i_] == '"') {
        any_quoted = true;
        const long open_line = line_;
        ++i_;
        for (;;) {
          if (i_ >= end_) {
            at_end(col);
            fail(open_line, col,
                 "unterminated quoted field: the '\"' opened on line " + std::to_string(open_line) +
                     " is never closed; expected a closing '\"' (write a quote inside a quoted "
                     "field as \"\")");
          }
          const char c = s_[i_];
          if (c == '"') {
            if (i_ + 1 < end_ && s_[i_ + 1] == '"') {
              field += '"';
              i_ += 2;
              continue;
            }
            ++i_;
            break;
          }
          field += c;
          ++i_;
          if (c == '\r' || c == '\n') {
            if (c == '\r' && i_ < end_ && s_[i_] == '\n') {
              field += '\n';
              ++i_;
            }
            new_line();
          }
        }
        skip_blanks();
        if (i_ < end_ && s_[i_] != delim && s_[i_] != '\r' && s_[i_] != '\n')
          fail(line_, col,
               "expected " + shown_char(delim) + " or the end of the line after the closing '\"'" +
                   " of a quoted field, found " + shown_char(s_[i_]));
      } else {
        const std::size_t b = i_;
        while (i_ < end_) {
          const char c = s_[i_];
          if (c == delim || c == '\r' || c == '\n') break;
          if (c == '"')
            fail(line_, col,
                 "unexpected '\"' inside an unquoted field; expected the whole field in quotes, "
                 "with inner quotes doubled (\"a \"\"b\"\"\")");
          ++i_;
        }
        field.assign(detail::trim(s_.substr(b, i_ - b)));
      }
      // Past one extra field the record is wrong anyway: count the rest, keep no text.
      if (expected > 0 && col > expected + 1) field.clear();
      fields.push_back(std::move(field));
      if (i_ >= end_) {
        at_end(col);
        break;
      }
      const char c = s_[i_++];
      if (c == delim) continue;
      if (c == '\r' && i_ < end_ && s_[i_] == '\n') ++i_;
      new_line();
      break;
    }
    blank = !any_quoted && fields.size() == 1 && fields[0].empty();
    return true;
  }

  std::string_view s_;
  const std::string& source_;
  const CsvOptions& opt_;
  std::size_t end_ = 0;  // the first invalid byte, or the end of the text
  std::size_t i_ = 0, line_start_ = 0;
  long line_ = 1;
};

}  // namespace

DataError::DataError(std::string file, long line, long column, const std::string& message)
    : std::runtime_error(location(file, line, column) + message),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(message) {}

long column_index(const Table& t, std::string_view name) {
  if (name.empty()) return -1;
  for (std::size_t c = 0; c < t.columns.size(); ++c)
    if (t.columns[c] == name) return long(c);
  return -1;
}

Table parse_csv(std::string_view text, const std::string& source, const CsvOptions& options) {
  if (options.delimiter == '"' || options.delimiter == '\r' || options.delimiter == '\n')
    throw std::invalid_argument("CSV delimiter cannot be a quote, CR or LF");
  if (options.max_columns < 1) throw std::invalid_argument("CsvOptions::max_columns must be >= 1");
  if (text.size() > options.max_bytes)
    throw DataError(source, 0, 0,
                    "input is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                        std::to_string(options.max_bytes) + " bytes (CsvOptions::max_bytes)");
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return Parser(text, source, options).run();
}

Table read_csv(const std::filesystem::path& path, const CsvOptions& options) {
  namespace fs = std::filesystem;
  const std::string name = path.string();
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found)
    throw DataError(name, 0, 0, "no such file; expected a CSV file (check the path)");
  if (ec) throw DataError(name, 0, 0, "cannot access the file: " + ec.message());
  if (fs::is_directory(st)) throw DataError(name, 0, 0, "is a directory; expected a CSV file");
  const auto too_big = [&](std::uintmax_t bytes) {
    return DataError(name, 0, 0,
                     "file is " + std::to_string(bytes) + " bytes, more than the limit of " +
                         std::to_string(options.max_bytes) + " bytes (CsvOptions::max_bytes)");
  };
  if (fs::is_regular_file(st)) {
    const std::uintmax_t size = fs::file_size(path, ec);
    if (!ec && size > options.max_bytes) throw too_big(size);
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    throw DataError(name, 0, 0,
                    std::string("cannot open the file for reading: ") +
                        (err ? std::strerror(err) : "unknown error"));
  }
  // Read in chunks so that a pipe or a growing file also stops at max_bytes.
  std::string data;
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof buf);
    const auto got = static_cast<std::size_t>(in.gcount());
    if (data.size() + got > options.max_bytes) throw too_big(data.size() + got);
    data.append(buf, got);
  }
  if (in.bad()) throw DataError(name, 0, 0, "read error while reading the file");
  return parse_csv(data, name, options);
}

}  // namespace annlab::data
