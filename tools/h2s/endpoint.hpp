#pragma once
// HOST:PORT command-line values, shared by the subcommands.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <utility>

#include "h2s/model/endpoint.hpp"

namespace h2s::tools {

// Splits "host:port" (numeric port 0-65535); a bad value is a CLI::ValidationError naming `option`.
[[nodiscard]] inline std::pair<std::string, std::uint16_t> parse_endpoint(const std::string& text, const std::string& option) {
  const std::optional<Endpoint> endpoint = h2s::parse_endpoint(text);
  if (!endpoint) throw CLI::ValidationError(option, "expects HOST:PORT, not '" + text + "'");
  return {endpoint->host, endpoint->port};
}

}  // namespace h2s::tools
