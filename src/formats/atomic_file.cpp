#include "annlab/formats/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace annlab::formats {

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  std::string tmpl = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0)
    throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
  auto fail = [&](const char* what) {
    const std::string cause = std::strerror(errno);
    ::close(fd);
    ::unlink(tmpl.c_str());
    throw std::runtime_error("cannot write " + path.string() + ": " + what + ": " + cause);
  };
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t w = ::write(fd, content.data() + done, content.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    done += static_cast<std::size_t>(w);
  }
  if (::fchmod(fd, 0644) != 0) fail("chmod");
  if (::fsync(fd) != 0) fail("fsync");
  if (::close(fd) != 0) {
    const std::string cause = std::strerror(errno);
    ::unlink(tmpl.c_str());
    throw std::runtime_error("cannot write " + path.string() + ": close: " + cause);
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    const std::string cause = std::strerror(errno);
    ::unlink(tmpl.c_str());
    throw std::runtime_error("cannot write " + path.string() + ": rename: " + cause);
  }
}

}  // namespace annlab::formats
