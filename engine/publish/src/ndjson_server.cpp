#include "h2s/publish/ndjson_server.hpp"

#include <array>

#include "tcp_clients.hpp"

namespace h2s::publish {

using namespace detail;  // NOLINT: this file is the NDJSON side of the shared TCP plumbing

struct NdjsonServer::Impl : std::enable_shared_from_this<NdjsonServer::Impl> {
  struct Client : BufferedClient {
    using BufferedClient::BufferedClient;
    std::array<std::uint8_t, 512> discard{};  // what a client sends is read (to see it close) and dropped
  };

  Impl(asio::io_context& context, const NdjsonServerOptions& o)
      : options(o), listener(context, o.address, o.port), clients(o.max_clients), grace(context) {}

  NdjsonServerOptions options;
  Listener listener;
  ClientList<Client> clients;
  asio::steady_timer grace;
  NdjsonServerCounters counters;
  bool ended = false;

  void start() {
    listener.accept(shared_from_this(), [this](tcp::socket socket) {
      auto client = clients.admit(std::move(socket), options.max_clients, options.max_buffered_bytes, counters.refused_connections);
      if (!client) return;
      ++counters.connections;
      read(client);
    });
  }

  void close(const std::shared_ptr<Client>& client) {
    if (client->closed) return;
    client->shutdown();
    clients.remove(client);
  }

  void read(const std::shared_ptr<Client>& client) {
    client->socket.async_read_some(asio::buffer(client->discard),
                                   [self = shared_from_this(), client](const boost::system::error_code& ec, std::size_t) {
                                     if (ec || client->closed) return self->close(client);
                                     self->read(client);
                                   });
  }

  void flush(const std::shared_ptr<Client>& client) {
    write_pending(client, [self = shared_from_this(), client](const boost::system::error_code& ec) {
      if (ec || (client->ending && client->pending.empty())) return self->close(client);
      self->flush(client);
    });
  }

  void publish(std::string_view line) {
    if (ended || line.empty()) return;
    ++counters.lines;
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(line.data());
    for (const auto& client : clients.snapshot()) {
      if (!client->queue(bytes, line.size(), options.max_buffered_bytes)) {
        ++counters.slow_disconnects;  // never waited for: it reconnects and sees the gap in "seq"
        close(client);
        continue;
      }
      flush(client);
    }
  }

  void end_session() {
    if (ended) return;
    ended = true;
    listener.close();
    for (const auto& client : clients.snapshot()) {
      if (client->end_after_flush()) close(client);
    }
    grace.expires_after(options.shutdown_grace);
    grace.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      for (const auto& client : self->clients.snapshot()) self->close(client);
    });
  }
};

NdjsonServer::NdjsonServer(boost::asio::io_context& io, const NdjsonServerOptions& options)
    : impl_(std::make_shared<Impl>(io, options)) {
  impl_->start();
}

NdjsonServer::~NdjsonServer() {
  impl_->ended = true;
  impl_->listener.close();
  impl_->grace.cancel();
  for (const auto& client : impl_->clients.snapshot()) impl_->close(client);
}

std::uint16_t NdjsonServer::port() const noexcept { return impl_->listener.port(); }
void NdjsonServer::publish(std::string_view line) { impl_->publish(line); }
void NdjsonServer::end_session() { impl_->end_session(); }
std::size_t NdjsonServer::clients() const noexcept { return impl_->clients.size(); }
const NdjsonServerCounters& NdjsonServer::counters() const noexcept { return impl_->counters; }

}  // namespace h2s::publish
