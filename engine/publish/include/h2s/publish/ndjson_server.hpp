#pragma once
// NDJSON over TCP: the simple alternative to the binary feed. Every connected client receives the
// JSON lines published after it connected (the same lines as replay's stdout, "seq" included, so
// a client can see a gap). No login and no replay; clients send nothing (what they send is
// discarded). Runs on the io_context the publishing thread polls.
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace h2s::publish {

struct NdjsonServerOptions {
  std::string address = "127.0.0.1";  // safe default: loopback only
  std::uint16_t port = 0;             // 0: any free port (see port())
  std::size_t max_clients = 64;
  std::size_t max_buffered_bytes = 4 << 20;  // per client; further behind is disconnected
  std::chrono::milliseconds shutdown_grace{1000};  // at the end, time to drain before closing
};

struct NdjsonServerCounters {
  std::uint64_t connections = 0;
  std::uint64_t slow_disconnects = 0;
  std::uint64_t refused_connections = 0;  // over max_clients
  std::uint64_t lines = 0;                // lines published (each to every client)
};

class NdjsonServer {
 public:
  // Binds and listens at once (throws std::system_error when it cannot).
  NdjsonServer(boost::asio::io_context& io, const NdjsonServerOptions& options);
  ~NdjsonServer();
  NdjsonServer(const NdjsonServer&) = delete;
  NdjsonServer& operator=(const NdjsonServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  // Queues one complete line (ending in '\n') for every client.
  void publish(std::string_view line);
  // Stops accepting, lets clients drain what is queued, then closes them (within shutdown_grace).
  void end_session();
  [[nodiscard]] std::size_t clients() const noexcept;
  [[nodiscard]] const NdjsonServerCounters& counters() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace h2s::publish
