#pragma once
// HOST:PORT command-line values, shared by the subcommands.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <utility>

namespace h2s::tools {

// Splits "host:port" (numeric port 0-65535); a bad value is a CLI::ValidationError naming `option`.
[[nodiscard]] inline std::pair<std::string, std::uint16_t> parse_endpoint(const std::string& text, const std::string& option) {
  const auto colon = text.rfind(':');
  unsigned long port = 70000;
  try {
    std::size_t used = 0;
    if (colon != std::string::npos) port = std::stoul(text.substr(colon + 1), &used);
    if (colon == std::string::npos || used != text.size() - colon - 1) port = 70000;
  } catch (const std::exception&) {
  }
  if (colon == std::string::npos || colon == 0 || port > 65535) {
    throw CLI::ValidationError(option, "expects HOST:PORT, not '" + text + "'");
  }
  return {text.substr(0, colon), static_cast<std::uint16_t>(port)};
}

}  // namespace h2s::tools
