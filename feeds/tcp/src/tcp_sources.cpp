#include "h2s/feeds/tcp_sources.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "h2s/feeds/decoder.hpp"
#include "h2s/feeds/stream_reader.hpp"
#include "h2s/model/clock.hpp"

namespace h2s::feeds {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr int kReadsPerPoll = 8;  // bounds the work one poll does on a busy connection
constexpr std::size_t kReadBytes = 64 * 1024;  // one read

// Reads what a connected socket has; false when the peer closed or the read failed.
bool read_ready(tcp::socket& socket, StreamReader& reader, MessageSink& sink, FeedCounters& counters, int& work) noexcept {
  for (int i = 0; i < kReadsPerPoll; ++i) {
    boost::system::error_code ec;
    const std::size_t n = socket.read_some(asio::buffer(reader.buffer(), reader.capacity()), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return true;
    if (ec) {
      if (ec != asio::error::eof) counters.errors.add();
      reader.on_end(wall_clock_us(), sink, counters);
      return false;
    }
    reader.on_read(n, wall_clock_us(), sink, counters);
    ++work;
    if (n < reader.capacity()) return true;  // drained for now
  }
  return true;
}

class TcpClientSource final : public Source {
 public:
  TcpClientSource(std::string name, const TcpClientOptions& options, MessageSink& sink)
      : Source(std::move(name)), options_(options), sink_(sink), socket_(io_), backoff_(options.reconnect_initial) {
    tcp::resolver resolver(io_);
    const auto results = resolver.resolve(options.host, std::to_string(options.port));  // start-up only
    endpoint_ = results.begin()->endpoint();
  }

  int poll() noexcept override {
    if (closed_) return 0;
    switch (state_) {
      case State::idle:
        if (SteadyClock::now() < next_attempt_) return 0;
        start_connect();
        return 1;
      case State::connecting:
        return finish_connect();
      case State::connected: {
        int work = 0;
        if (!read_ready(socket_, *reader_, sink_, counters_, work)) disconnect();
        return work;
      }
    }
    return 0;
  }

  void close() noexcept override {
    if (state_ == State::connected) reader_->on_end(wall_clock_us(), sink_, counters_);
    closed_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
    counters_.connected.set(0);
  }

 private:
  enum class State : std::uint8_t { idle, connecting, connected };

  void start_connect() noexcept {
    boost::system::error_code ec;
    socket_.close(ec);
    socket_.open(endpoint_.protocol(), ec);
    if (!ec) socket_.non_blocking(true, ec);
    if (ec) return failed();
    // POSIX connect, not Asio's: its synchronous connect waits out EINPROGRESS with no timeout,
    // which would stall every feed on this thread while a peer drops SYNs.
    if (::connect(socket_.native_handle(), endpoint_.data(), static_cast<socklen_t>(endpoint_.size())) == 0) {
      return connected();
    }
    if (errno == EINPROGRESS || errno == EINTR) {
      state_ = State::connecting;
      return;
    }
    failed();
  }

  int finish_connect() noexcept {
    pollfd ready{socket_.native_handle(), POLLOUT, 0};
    if (::poll(&ready, 1, 0) <= 0) return 0;
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
      failed();
    } else {
      connected();
    }
    return 1;
  }

  void connected() noexcept {
    state_ = State::connected;
    backoff_ = options_.reconnect_initial;
    counters_.connects.add();
    counters_.connected.set(1);
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    if (!reader_) reader_ = std::make_unique<StreamReader>(options_.max_message_bytes);  // first connect only
    reader_->reset();  // a fresh stream: nothing carried over from the last connection
  }

  void failed() noexcept {
    counters_.errors.add();
    schedule_retry();
  }

  void disconnect() noexcept {
    counters_.disconnects.add();
    counters_.connected.set(0);
    schedule_retry();
  }

  void schedule_retry() noexcept {
    boost::system::error_code ignored;
    socket_.close(ignored);
    state_ = State::idle;
    next_attempt_ = SteadyClock::now() + backoff_;
    backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
  }

  TcpClientOptions options_;
  MessageSink& sink_;
  asio::io_context io_;
  tcp::socket socket_;
  tcp::endpoint endpoint_;
  std::unique_ptr<StreamReader> reader_;
  State state_ = State::idle;
  SteadyClock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_;
  bool closed_ = false;
};

class TcpServerSource final : public Source {
 public:
  TcpServerSource(std::string name, const TcpServerOptions& options, MessageSink& sink)
      : Source(std::move(name)), options_(options), sink_(sink), read_buffer_(std::make_unique<char[]>(kReadBytes + kLinePadding)),
        acceptor_(io_) {
    std::memset(read_buffer_.get() + kReadBytes, ' ', kLinePadding);
    const tcp::endpoint endpoint(asio::ip::make_address(options.address), options.port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    acceptor_.non_blocking(true);
    port_ = acceptor_.local_endpoint().port();
    connections_.reserve(options.max_connections);
  }

  int poll() noexcept override {
    if (closed_) return 0;
    int work = accept_ready();
    const auto now = SteadyClock::now();
    for (std::size_t i = 0; i < connections_.size();) {
      Connection& c = *connections_[i];
      const int before = work;
      if (read_ready(c.socket, c.reader, sink_, counters_, work)) {
        if (work != before) c.last_data = now;
        if (options_.idle_timeout.count() == 0 || now - c.last_data < options_.idle_timeout) {
          ++i;
          continue;
        }
        c.reader.on_end(wall_clock_us(), sink_, counters_);  // a line begun is still judged
        counters_.idle_closed.add();
      }
      counters_.disconnects.add();
      connections_.erase(connections_.begin() + static_cast<std::ptrdiff_t>(i));
      counters_.connected.set(connections_.size());
    }
    return work;
  }

  void close() noexcept override {
    closed_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& c : connections_) c->reader.on_end(wall_clock_us(), sink_, counters_);
    connections_.clear();
    counters_.connected.set(0);
  }

  [[nodiscard]] std::uint16_t local_port() const noexcept override { return port_; }

 private:
  struct Connection {
    Connection(tcp::socket s, std::size_t max_message_bytes, char* read_buffer)
        : socket(std::move(s)), reader(max_message_bytes, read_buffer, kReadBytes), last_data(SteadyClock::now()) {}
    tcp::socket socket;
    StreamReader reader;
    SteadyClock::time_point last_data;  // accepted, or last read anything
  };

  int accept_ready() noexcept {
    int work = 0;
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) return work;
      if (ec) {  // e.g. out of file descriptors: counted, retried on the next poll
        counters_.errors.add();
        return work;
      }
      ++work;
      if (connections_.size() >= options_.max_connections) {
        counters_.errors.add();  // refused: over max_connections
        continue;
      }
      socket.non_blocking(true, ec);
      if (ec) {
        counters_.errors.add();
        continue;
      }
      try {
        connections_.push_back(std::make_unique<Connection>(std::move(socket), options_.max_message_bytes, read_buffer_.get()));
      } catch (const std::bad_alloc&) {
        counters_.errors.add();
        continue;
      }
      counters_.connects.add();
      counters_.connected.set(connections_.size());
    }
  }

  TcpServerOptions options_;
  MessageSink& sink_;
  std::unique_ptr<char[]> read_buffer_;  // every connection reads here in turn (one thread)
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::vector<std::unique_ptr<Connection>> connections_;
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<Source> make_tcp_client_source(std::string name, const TcpClientOptions& options, MessageSink& sink) {
  return std::make_unique<TcpClientSource>(std::move(name), options, sink);
}

std::unique_ptr<Source> make_tcp_server_source(std::string name, const TcpServerOptions& options, MessageSink& sink) {
  return std::make_unique<TcpServerSource>(std::move(name), options, sink);
}

}  // namespace h2s::feeds
