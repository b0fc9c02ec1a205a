#pragma once
// What the TCP output servers (SoupBinTCP, NDJSON) share: a listener that keeps accepting through
// errors such as EMFILE, and clients whose outgoing bytes are bounded and written one async write
// at a time. Everything runs on the one thread that polls the io_context. Private to h2s_publish.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "h2s/model/handler_memory.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <new>
#include <utility>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

namespace h2s::publish::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

using h2s::HandlerMemory;
using h2s::HandlerWithMemory;

// One accepted connection's outgoing side.
struct BufferedClient {
  explicit BufferedClient(tcp::socket s, std::size_t reserve_bytes) : socket(std::move(s)) {
    // Buffers grow to their high-water mark once and are reused: steady state allocates nothing.
    pending.reserve(reserve_bytes);
    writing.reserve(reserve_bytes);
  }
  tcp::socket socket;
  std::vector<std::uint8_t> pending;  // bytes waiting for the socket
  std::vector<std::uint8_t> writing;  // bytes the socket is taking now
  bool write_in_flight = false;
  bool closed = false;
  bool ending = false;  // close once what is queued has been written
  Clock::time_point connected = Clock::now();
  Clock::time_point last_sent = Clock::now();
  HandlerMemory write_memory;

  // Queues bytes unless the client would then be more than max_buffered behind: false, and the
  // caller drops it (a slow subscriber is never waited for).
  [[nodiscard]] bool queue(const std::uint8_t* data, std::size_t size, std::size_t max_buffered) {
    if (pending.size() + writing.size() + size > max_buffered) return false;
    pending.insert(pending.end(), data, data + size);
    last_sent = Clock::now();
    return true;
  }
  // Marks the client to close once what is queued has been written; true when that is already so.
  [[nodiscard]] bool end_after_flush() noexcept {
    ending = true;
    return !write_in_flight && pending.empty();
  }
  void shutdown() noexcept {
    closed = true;
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
};

// Starts writing what is queued unless a write is in flight; done(error) runs when it completes.
template <class Client, class Done>
void write_pending(const std::shared_ptr<Client>& client, Done done) {
  if (client->write_in_flight || client->pending.empty() || client->closed) return;
  client->writing.swap(client->pending);
  client->pending.clear();
  client->write_in_flight = true;
  auto on_written = [client, done = std::move(done)](const boost::system::error_code& ec, std::size_t) mutable {
    client->write_in_flight = false;
    client->writing.clear();
    done(ec);
  };
  asio::async_write(client->socket, asio::buffer(client->writing),
                    HandlerWithMemory<decltype(on_written)>(client->write_memory, std::move(on_written)));
}

// A listening socket whose accept loop survives transient failures.
class Listener {
 public:
  // Binds and listens at once (throws std::system_error when it cannot).
  Listener(asio::io_context& io, const std::string& address, std::uint16_t port) : acceptor_(io), retry_(io) {
    const tcp::endpoint endpoint(asio::ip::make_address(address), port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
  }

  // Calls on_socket(socket) for every connection until close(); `alive` guards the owner.
  template <class Owner, class OnSocket>
  void accept(std::shared_ptr<Owner> alive, OnSocket on_socket) {
    acceptor_.async_accept([this, alive, on_socket](const boost::system::error_code& ec, tcp::socket socket) mutable {
      if (closed_) {
        boost::system::error_code ignored;
        socket.close(ignored);
        return;
      }
      if (ec) {  // e.g. out of file descriptors: try again shortly rather than stop listening
        if (ec == asio::error::operation_aborted) return;
        retry_.expires_after(std::chrono::milliseconds(100));
        retry_.async_wait([this, alive, on_socket](const boost::system::error_code& e) mutable {
          if (!e && !closed_) accept(alive, on_socket);
        });
        return;
      }
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      on_socket(std::move(socket));
      if (!closed_) accept(alive, on_socket);
    });
  }

  void close() noexcept {
    closed_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
  }
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

 private:
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  std::uint16_t port_ = 0;
  bool closed_ = false;
};

// Clients in a list that handlers may shrink while it is walked: iterate over a copy kept in a
// reused buffer (no allocation once it has grown to the client limit).
template <class Client>
class ClientList {
 public:
  explicit ClientList(std::size_t max_clients) { snapshot_.reserve(max_clients); }
  // A new connection as a client, or nullptr (socket closed, `refused` counted) when full.
  std::shared_ptr<Client> admit(tcp::socket socket, std::size_t max_clients, std::size_t max_buffered, std::uint64_t& refused) {
    if (clients_.size() >= max_clients) {
      ++refused;
      boost::system::error_code ignored;
      socket.close(ignored);
      return nullptr;
    }
    auto client = std::make_shared<Client>(std::move(socket), std::min<std::size_t>(max_buffered, 256 << 10));
    clients_.push_back(client);
    return client;
  }
  void remove(const std::shared_ptr<Client>& client) { clients_.remove(client); }
  [[nodiscard]] std::size_t size() const noexcept { return clients_.size(); }
  // The current clients, safe to walk while closing some of them (not reentrant).
  [[nodiscard]] const std::vector<std::shared_ptr<Client>>& snapshot() {
    snapshot_.assign(clients_.begin(), clients_.end());
    return snapshot_;
  }

 private:
  std::list<std::shared_ptr<Client>> clients_;
  std::vector<std::shared_ptr<Client>> snapshot_;
};

}  // namespace h2s::publish::detail
