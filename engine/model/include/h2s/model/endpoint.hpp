#pragma once
// "HOST:PORT" values (command line and config): one parser for every listener and peer.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace h2s {

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
};

// Splits "host:port" with a numeric port 0-65535; nullopt for anything else.
[[nodiscard]] inline std::optional<Endpoint> parse_endpoint(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size() || text.size() - colon - 1 > 5) {
    return std::nullopt;
  }
  unsigned long port = 0;
  for (const char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + static_cast<unsigned long>(c - '0');
  }
  if (port > 65535) return std::nullopt;
  return Endpoint{std::string(text.substr(0, colon)), static_cast<std::uint16_t>(port)};
}

}  // namespace h2s
