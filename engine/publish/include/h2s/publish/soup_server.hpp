#pragma once
// SoupBinTCP 4.0 server for the binary signal feed. Runs on an io_context that the publishing
// thread polls, beside the Journal it replays from: one thread, no locks.
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "h2s/publish/journal.hpp"

namespace h2s::publish {

struct SoupServerOptions {
  std::string address = "127.0.0.1";  // safe default: loopback only
  std::uint16_t port = 0;             // 0: any free port (see port())
  std::string username;               // credentials a client must present (required)
  std::string password;
  std::chrono::milliseconds heartbeat_interval{1000};  // server heartbeat after this much silence
  std::chrono::milliseconds client_timeout{15000};     // drop a client silent this long
  std::chrono::milliseconds login_timeout{5000};       // drop a connection that has not logged in by then
  std::chrono::milliseconds shutdown_grace{1000};      // after End of Session, close whoever is left
  std::size_t max_clients = 64;
  std::size_t max_buffered_bytes = 4 << 20;  // per client, queued plus in flight; further behind is dropped
};

struct SoupServerCounters {
  std::uint64_t logins_accepted = 0;
  std::uint64_t logins_rejected = 0;
  std::uint64_t slow_disconnects = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t protocol_errors = 0;
  std::uint64_t refused_connections = 0;  // over max_clients
};

class SoupServer {
 public:
  // Binds and listens at once (throws std::system_error when it cannot).
  SoupServer(boost::asio::io_context& io, const SoupServerOptions& options, const Journal& journal);
  ~SoupServer();
  SoupServer(const SoupServer&) = delete;
  SoupServer& operator=(const SoupServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  // Sends a message just appended to the journal to every client that is caught up. A sequence
  // of 0 or a payload over Journal::kMaxPayload is ignored.
  void publish(std::uint64_t sequence, std::span<const std::uint8_t> payload);
  // Sends End of Session to every client (after any replay in progress has caught up to what was
  // published), stops accepting and publishing, and closes everyone within shutdown_grace.
  void end_session();
  [[nodiscard]] std::size_t clients() const noexcept;
  [[nodiscard]] const SoupServerCounters& counters() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace h2s::publish
