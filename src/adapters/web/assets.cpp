// URL paths to embedded files.
#include "assets.hpp"

namespace annlab::web {

const Asset* find_asset(std::string_view path) {
  std::string_view name;
  if (path == "/" || path == "/index.html")
    name = "index.html";
  else if (path.substr(0, 8) == "/assets/")
    name = path.substr(8);
  else
    return nullptr;
  for (const Asset& a : assets())
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace annlab::web
