// The dashboard page built from web/ and embedded at build time (embed_assets.cmake).
#pragma once
#include <string_view>
#include <vector>

namespace annlab::web {

struct Asset {
  std::string_view name;  // file name in the build's output: "index.html", "app.js", "app.css"
  std::string_view mime;  // Content-Type
  std::string_view bytes;
};

// Every embedded file (generated assets_data.cpp).
const std::vector<Asset>& assets();

// The asset a URL path names: "/" and "/index.html" -> index.html, "/assets/NAME" -> NAME;
// nullptr otherwise (no path is ever looked up on disk).
const Asset* find_asset(std::string_view path);

}  // namespace annlab::web
