#pragma once
// NDJSON over TCP as a feed: a client that connects out (and reconnects with exponential
// back-off), and a server that newswire senders connect to. Both use non-blocking Asio sockets
// polled by their thread: no handlers, no allocation after a connection is set up.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "h2s/feeds/source.hpp"

namespace h2s::feeds {

struct TcpClientOptions {
  std::string host = "127.0.0.1";  // numeric address or a name resolved at start-up
  std::uint16_t port = 0;
  std::chrono::milliseconds reconnect_initial{100};
  std::chrono::milliseconds reconnect_max{10'000};
  std::size_t max_message_bytes = 1 << 20;
};

// Throws at construction when the host cannot be resolved.
std::unique_ptr<Source> make_tcp_client_source(std::string name, const TcpClientOptions& options, MessageSink& sink);

struct TcpServerOptions {
  std::string address = "127.0.0.1";  // safe default: loopback only
  std::uint16_t port = 0;             // 0: any free port (see local_port())
  std::size_t max_connections = 16;   // more are refused and counted
  std::size_t max_message_bytes = 1 << 20;
  // A sender silent this long is closed (counted in idle_closed), so idle ones cannot hold every
  // slot; 0: never.
  std::chrono::milliseconds idle_timeout{60'000};
};

// Binds and listens at once (throws std::system_error when it cannot).
std::unique_ptr<Source> make_tcp_server_source(std::string name, const TcpServerOptions& options, MessageSink& sink);

}  // namespace h2s::feeds
