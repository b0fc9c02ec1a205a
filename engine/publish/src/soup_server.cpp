#include "h2s/publish/soup_server.hpp"

#include <cstring>
#include <stdexcept>
#include <vector>

#include "h2s/publish/soupbintcp.hpp"
#include "tcp_clients.hpp"

namespace h2s::publish {
namespace {

using namespace detail;  // NOLINT: this file is the SoupBinTCP side of the shared TCP plumbing

// Compares secrets in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  unsigned diff = static_cast<unsigned>(a.size() ^ b.size());
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

}  // namespace

struct SoupServer::Impl : std::enable_shared_from_this<SoupServer::Impl> {
  struct Client : BufferedClient {
    using BufferedClient::BufferedClient;
    std::vector<std::uint8_t> in = std::vector<std::uint8_t>(4096);
    std::size_t in_used = 0;
    bool logged_in = false;
    bool end_pending = false;  // End of Session requested: send it once the replay has caught up
    std::uint64_t next = 1;  // next sequence number this client needs
    Clock::time_point last_received = Clock::now();
  };

  Impl(asio::io_context& context, const SoupServerOptions& o, const Journal& j)
      : options(o),
        journal(j),
        listener(context, o.address, o.port),
        clients(o.max_clients),
        timer(context),
        grace(context) {}

  SoupServerOptions options;
  const Journal& journal;
  Listener listener;
  ClientList<Client> clients;
  asio::steady_timer timer;
  asio::steady_timer grace;  // closes stragglers after End of Session
  SoupServerCounters counters;
  bool ended = false;

  void start() {
    listener.accept(shared_from_this(), [this](tcp::socket socket) {
      auto client = clients.admit(std::move(socket), options.max_clients, options.max_buffered_bytes, counters.refused_connections);
      if (client) read(client);
    });
    tick();
  }

  void close(const std::shared_ptr<Client>& client) {
    if (client->closed) return;
    client->shutdown();
    clients.remove(client);
  }

  // Queues bytes for a client; one that falls too far behind is dropped, never waited for.
  void send(const std::shared_ptr<Client>& client, const std::uint8_t* data, std::size_t size) {
    if (client->closed) return;
    if (!client->queue(data, size, options.max_buffered_bytes)) {
      ++counters.slow_disconnects;
      close(client);
      return;
    }
    flush(client);
  }

  void send_packet(const std::shared_ptr<Client>& client, soup::PacketType type) {
    std::uint8_t header[3];
    soup::encode_header(type, 0, header);
    send(client, header, sizeof header);
  }

  void flush(const std::shared_ptr<Client>& client) {
    write_pending(client, [self = shared_from_this(), client](const boost::system::error_code& ec) {
      if (ec) return self->close(client);
      if (client->ending) {
        if (client->pending.empty()) return self->close(client);
      } else {
        self->replay(client);
      }
      self->flush(client);
    });
  }

  // Sends a replaying client the journal's messages up to the present, a buffer's worth at a time.
  void replay(const std::shared_ptr<Client>& client) {
    if (!client->logged_in || client->closed || client->ending) return;
    std::uint8_t packet[3 + Journal::kMaxPayload];
    std::size_t budget = options.max_buffered_bytes / 2;
    // Queued plus in flight: a refill while a large write is out must not trip the drop bound.
    while (client->next < journal.released_next() && client->pending.size() + client->writing.size() < budget) {
      const std::size_t n = journal.read(client->next, packet + 3);
      if (n == 0) {  // fell out of the ring while the client was replaying: it cannot be gap-free
        ++counters.slow_disconnects;
        return close(client);
      }
      soup::encode_header(soup::PacketType::sequenced_data, n, packet);
      ++client->next;
      send(client, packet, 3 + n);
      if (client->closed) return;
    }
    if (client->end_pending && client->next == journal.released_next()) {  // caught up: now the end
      send_packet(client, soup::PacketType::end_of_session);
      close_after_flush(client);
    }
  }

  void read(const std::shared_ptr<Client>& client) {
    client->socket.async_read_some(
        asio::buffer(client->in.data() + client->in_used, client->in.size() - client->in_used),
        [self = shared_from_this(), client](const boost::system::error_code& ec, std::size_t n) {
          if (ec || client->closed) return self->close(client);
          client->in_used += n;
          client->last_received = Clock::now();
          if (!self->consume(client)) return;
          self->read(client);
        });
  }

  // Handles every complete packet in the input buffer; false when the client was closed.
  bool consume(const std::shared_ptr<Client>& client) {
    std::size_t at = 0;
    for (;;) {
      soup::Frame frame;
      std::size_t consumed = 0;
      const auto result = soup::next_frame({client->in.data() + at, client->in_used - at}, 1024, frame, consumed);
      if (result == soup::FrameResult::need_more) break;
      if (result == soup::FrameResult::malformed) {
        ++counters.protocol_errors;
        close(client);
        return false;
      }
      at += consumed;
      if (!handle(client, frame)) return false;
    }
    std::memmove(client->in.data(), client->in.data() + at, client->in_used - at);
    client->in_used -= at;
    return true;
  }

  bool handle(const std::shared_ptr<Client>& client, const soup::Frame& frame) {
    switch (frame.type) {
      case soup::PacketType::login_request: return login(client, frame);
      case soup::PacketType::debug: return true;  // either side may send one, at any time: text for people
      case soup::PacketType::client_heartbeat:
      case soup::PacketType::unsequenced_data:  // accepted, unused
        if (client->logged_in) return true;
        break;  // anything but a login first is a protocol error: no slot is held without one
      case soup::PacketType::logout_request: close(client); return false;
      default:
        break;
    }
    ++counters.protocol_errors;  // a server-only packet from a client, or no login first
    close(client);
    return false;
  }

  bool login(const std::shared_ptr<Client>& client, const soup::Frame& frame) {
    soup::LoginRequest request;
    std::uint8_t packet[64];
    if (client->logged_in || soup::parse_login_request(frame.payload, request) != Status::ok) {
      ++counters.protocol_errors;
      close(client);
      return false;
    }
    // Both compared every time (no short circuit): the reply's timing says nothing about which failed.
    const bool authorized = (static_cast<unsigned>(constant_time_equal(request.username, options.username)) &
                             static_cast<unsigned>(constant_time_equal(request.password, options.password))) != 0;
    const bool session_ok = request.session.empty() || request.session == journal.session();
    // Replays start at the oldest retained message; asking for older ones cannot be honoured gap-free.
    const std::uint64_t next = request.sequence == 0 ? journal.released_next() : request.sequence;
    const bool available = next >= journal.first_retained() && next <= journal.released_next();
    if (!authorized || !session_ok || !available) {
      ++counters.logins_rejected;
      const char reason = authorized ? soup::kRejectSessionUnavailable : soup::kRejectNotAuthorized;
      send(client, packet, soup::encode_login_rejected(reason, packet));
      close_after_flush(client);  // once the rejection is written
      return false;
    }
    ++counters.logins_accepted;
    client->logged_in = true;
    client->next = next;
    send(client, packet, soup::encode_login_accepted(journal.session(), next, packet));
    replay(client);
    return !client->closed;
  }

  // Closes when what is queued has been written (the write completion sees `ending`).
  void close_after_flush(const std::shared_ptr<Client>& client) {
    if (!client->closed && client->end_after_flush()) close(client);
  }

  void tick() {
    const auto period = std::min(options.heartbeat_interval, options.client_timeout) / 4;
    timer.expires_after(period.count() > 0 ? period : std::chrono::milliseconds(1));
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->ended) return;
      const auto now = Clock::now();
      for (const auto& client : self->clients.snapshot()) {
        if (now - client->last_received > self->options.client_timeout ||
            (!client->logged_in && now - client->connected > self->options.login_timeout)) {
          ++self->counters.timeouts;
          self->close(client);
        } else if (client->logged_in && now - client->last_sent >= self->options.heartbeat_interval) {
          self->send_packet(client, soup::PacketType::server_heartbeat);
        }
      }
      self->tick();
    });
  }

  void publish(std::uint64_t sequence, std::span<const std::uint8_t> payload) {
    if (ended || sequence == 0 || payload.empty() || payload.size() > Journal::kMaxPayload) return;
    std::uint8_t header[3];
    soup::encode_header(soup::PacketType::sequenced_data, payload.size(), header);
    for (const auto& client : clients.snapshot()) {
      if (!client->logged_in || client->ending || client->next != sequence) continue;  // replaying clients catch up from the journal
      ++client->next;
      std::uint8_t packet[3 + Journal::kMaxPayload];
      std::memcpy(packet, header, 3);
      std::memcpy(packet + 3, payload.data(), payload.size());
      send(client, packet, 3 + payload.size());
    }
  }

  void end_session() {
    if (ended) return;
    ended = true;
    listener.close();
    timer.cancel();
    for (const auto& client : clients.snapshot()) {
      if (!client->logged_in) {
        close(client);
        continue;
      }
      client->end_pending = true;
      replay(client);  // whatever was published before the end (continued as writes complete), then 'Z'
    }
    // A subscriber that does not read its End of Session is closed anyway.
    grace.expires_after(options.shutdown_grace);
    grace.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      for (const auto& client : self->clients.snapshot()) self->close(client);
    });
  }
};

namespace {
const SoupServerOptions& validated(const SoupServerOptions& options) {
  if (options.username.empty() || options.password.empty() || options.username.size() > 6 ||
      options.password.size() > 10) {
    throw std::invalid_argument("SoupBinTCP server needs a username of 1-6 and a password of 1-10 characters");
  }
  return options;
}
}  // namespace

SoupServer::SoupServer(boost::asio::io_context& io, const SoupServerOptions& options, const Journal& journal)
    : impl_(std::make_shared<Impl>(io, validated(options), journal)) {
  impl_->start();
}

SoupServer::~SoupServer() {
  impl_->ended = true;
  impl_->listener.close();
  impl_->timer.cancel();
  impl_->grace.cancel();
  for (const auto& client : impl_->clients.snapshot()) impl_->close(client);
}

std::uint16_t SoupServer::port() const noexcept { return impl_->listener.port(); }
void SoupServer::publish(std::uint64_t sequence, std::span<const std::uint8_t> payload) { impl_->publish(sequence, payload); }
void SoupServer::end_session() { impl_->end_session(); }
std::size_t SoupServer::clients() const noexcept { return impl_->clients.size(); }
const SoupServerCounters& SoupServer::counters() const noexcept { return impl_->counters; }

}  // namespace h2s::publish
