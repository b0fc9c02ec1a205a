#pragma once
// Vendor news streams over WebSocket + TLS (Boost.Beast, OpenSSL), with the vendors' log-in
// shapes: Alpaca (auth message, then subscribe; arrays of {"T":"n"}) and Benzinga (token in the
// URL; created/updated/deleted envelopes). Polled by its thread like every Source: the connection
// runs on a private io_context that poll() advances without blocking. Reconnects with exponential
// back-off; Beast's keep-alive pings and idle timeout detect a silent peer.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "h2s/feeds/source.hpp"

namespace h2s::feeds {

enum class WebSocketPreset : std::uint8_t {
  alpaca,    // {"action":"auth","key","secret"} -> "authenticated" -> {"action":"subscribe","news":[...]}
  benzinga,  // ?token=TOKEN on the URL; every message is news
};
[[nodiscard]] std::string_view to_string(WebSocketPreset preset) noexcept;
[[nodiscard]] std::optional<WebSocketPreset> parse_websocket_preset(std::string_view text) noexcept;
// The vendor's production endpoint for a preset.
[[nodiscard]] std::string_view default_websocket_url(WebSocketPreset preset) noexcept;

struct WebSocketUrl {
  std::string host;
  std::uint16_t port = 443;
  std::string target = "/";  // path and query
};
// wss://host[:port][/path][?query]; nullopt for anything else (plain ws:// is refused: vendor
// credentials never cross the network in the clear).
[[nodiscard]] std::optional<WebSocketUrl> parse_websocket_url(std::string_view url);

struct WebSocketOptions {
  WebSocketPreset preset = WebSocketPreset::alpaca;
  std::string url;            // wss://...; the preset's default when empty
  std::string key, secret;    // alpaca credentials (from the environment, never the config file)
  std::string token;          // benzinga token, appended to the URL's query
  std::vector<std::string> symbols{"*"};  // alpaca: the news subscription
  std::filesystem::path ca_file;  // an extra trusted CA (PEM); the system store is always trusted
  std::chrono::milliseconds connect_timeout{5'000};  // TCP + TLS + WebSocket handshakes + log-in
  std::chrono::milliseconds idle_timeout{30'000};    // a ping after half of this, closed after all
  std::chrono::milliseconds reconnect_initial{100};
  std::chrono::milliseconds reconnect_max{10'000};
  std::size_t max_message_bytes = 1 << 20;  // a longer message is rejected as oversized (reconnects)
};

// Counters beyond FeedCounters: why connections ended.
struct WebSocketCounters {
  Counter auth_failures;   // the vendor refused the credentials (Alpaca {"T":"error"})
  Counter timeouts;        // a handshake or the idle timeout expired
  Counter tls_failures;    // certificate or TLS handshake failures
};

class WebSocketSource : public Source {
 public:
  [[nodiscard]] virtual const WebSocketCounters& websocket_counters() const noexcept = 0;

 protected:
  using Source::Source;
};

// Throws std::invalid_argument for a bad URL or missing credentials, std::system_error for an
// unreadable ca_file. Connects on the first poll().
std::unique_ptr<WebSocketSource> make_websocket_source(std::string name, const WebSocketOptions& options,
                                                       MessageSink& sink);

}  // namespace h2s::feeds
