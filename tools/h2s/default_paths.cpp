#include "default_paths.hpp"

#include <unistd.h>

#include <array>

namespace h2s::tools {

std::filesystem::path default_rules_path() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const char* relative : {"../rules/default", "../share/h2s/rules/default"}) {
      const std::filesystem::path candidate = exe.parent_path() / relative;
      if (std::filesystem::is_directory(candidate, ec)) return candidate.lexically_normal();
    }
  }
  return std::filesystem::path(H2S_SOURCE_DIR) / "rules" / "default";
}

}  // namespace h2s::tools
