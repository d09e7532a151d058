// Writes a file so that readers see either the old content or the whole new content, never
// a half-written file: write to a temporary file in the same folder, flush it to disk,
// then rename it over the target. Throws std::runtime_error naming the path and the cause.
#pragma once
#include <filesystem>
#include <string_view>

namespace annlab::formats {

void write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace annlab::formats
