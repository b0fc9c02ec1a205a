#include "h2s/feeds/websocket_source.hpp"

#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "h2s/feeds/decoder.hpp"
#include "h2s/model/clock.hpp"
#include "h2s/model/handler_memory.hpp"

namespace h2s::feeds {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
// The io_context's own executor, not the type-erased default: completions then run in place
// instead of being wrapped (and allocated) for the polymorphic executor on every read.
using TcpStream = beast::basic_stream<tcp, asio::io_context::executor_type, beast::unlimited_rate_policy>;
using WsStream = websocket::stream<beast::ssl_stream<TcpStream>>;

// Percent-encodes everything but RFC 3986's unreserved characters.
std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;  // credentials and symbols have no controls
    out += c;
  }
  return out + '"';
}

// One connection attempt: the stream and what its handlers share. Handlers hold it alive, so a
// connection abandoned for a new one is torn down only when its last handler has run.
struct Connection {
  Connection(asio::io_context& io, ssl::context& tls) : ws(io.get_executor(), tls) {}
  WsStream ws;
  beast::flat_buffer buffer;
  std::string outgoing;  // the log-in message being written
  HandlerMemory read_memory;  // the read loop's operation state: no allocation per message
};

enum class State : std::uint8_t { idle, connecting, logging_in, streaming, closed };
enum class LoginStep : std::uint8_t { greeting, authenticating, subscribing, done };

class WebSocketSourceImpl final : public WebSocketSource {
 public:
  WebSocketSourceImpl(std::string name, const WebSocketOptions& options, MessageSink& sink)
      : WebSocketSource(std::move(name)),
        options_(options),
        sink_(sink),
        tls_(ssl::context::tls_client),
        padded_(options.max_message_bytes + kLinePadding),
        backoff_(options.reconnect_initial) {
    if (options_.url.empty()) options_.url = default_websocket_url(options_.preset);
    auto url = parse_websocket_url(options_.url);
    if (!url) throw std::invalid_argument("not a wss:// URL: " + options_.url);
    url_ = std::move(*url);
    if (options_.preset == WebSocketPreset::alpaca && (options_.key.empty() || options_.secret.empty())) {
      throw std::invalid_argument("the Alpaca stream needs a key and a secret");
    }
    if (options_.preset == WebSocketPreset::benzinga) {
      if (options_.token.empty()) throw std::invalid_argument("the Benzinga stream needs a token");
      url_.target.append(url_.target.find('?') == std::string::npos ? "?token=" : "&token=");
      url_.target.append(url_encode(options_.token));
    }
    tls_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    tls_.set_default_verify_paths();
    if (!options_.ca_file.empty()) tls_.load_verify_file(options_.ca_file.string());  // throws when unreadable
    tls_.set_verify_mode(ssl::verify_peer);
  }

  ~WebSocketSourceImpl() override { close(); }

  int poll() noexcept override {
    if (state_ == State::closed) return 0;
    int work = run_ready();
    switch (state_) {
      case State::idle:
        if (SteadyClock::now() >= next_attempt_) {
          start();
          ++work;
        }
        break;
      case State::connecting:
      case State::logging_in:
        if (SteadyClock::now() >= deadline_) {
          websocket_counters_.timeouts.add();
          fail(nullptr);
          ++work;
        }
        break;
      case State::streaming:
        work += check_idle();
        break;
      case State::closed:
        break;
    }
    return work;
  }

  void close() noexcept override {
    if (state_ == State::closed) return;
    const bool was_streaming = state_ == State::streaming;
    state_ = State::closed;
    abandon();
    if (was_streaming) counters_.disconnects.add();
    // Let the abandoned connection's handlers run (with errors) so nothing outlives this source.
    for (int i = 0; i < 100 && run_ready() > 0; ++i) {
    }
  }

  [[nodiscard]] const WebSocketCounters& websocket_counters() const noexcept override { return websocket_counters_; }

 private:
  using ConnectionPtr = std::shared_ptr<Connection>;

  // The idle timeout, kept here rather than by Beast: Beast re-arms a timer on every read, and
  // each re-arm may allocate. A ping after half the timeout of silence; the peer is dropped
  // when nothing at all (messages, pongs, pings) has arrived for the whole of it.
  int check_idle() noexcept {
    const auto now = SteadyClock::now();
    if (now - last_activity_ >= options_.idle_timeout) {
      websocket_counters_.timeouts.add();
      fail(nullptr);
      return 1;
    }
    if (!ping_sent_ && now - last_activity_ >= options_.idle_timeout / 2) {
      ping_sent_ = true;
      auto c = connection_;
      try {
        c->ws.async_ping({}, [this, c](const beast::error_code& ec) {
          if (c == connection_ && ec) fail(&ec);
        });
      } catch (...) {
        fail(nullptr);
      }
      return 1;
    }
    return 0;
  }

  void heard_from_peer() noexcept {
    last_activity_ = SteadyClock::now();
    ping_sent_ = false;
  }

  // Runs the handlers that are ready. One that throws (out of memory while logging in) fails the
  // connection, which is retried after the back-off.
  int run_ready() noexcept {
    int work = 0;
    try {
      work = static_cast<int>(io_.poll());
    } catch (...) {
      fail(nullptr);
      work = 1;
    }
    if (io_.stopped()) io_.restart();
    return work;
  }

  void start() noexcept {
    try {
      connection_ = std::make_shared<Connection>(io_, tls_);
      connection_->buffer.max_size(options_.max_message_bytes);
      SSL* native = connection_->ws.next_layer().native_handle();
      // SNI (the SSL_set_tlsext_host_name macro, spelled out: it hides a C cast)
      if (SSL_ctrl(native, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, url_.host.data()) != 1) {
        return fail(nullptr);
      }
      connection_->ws.next_layer().set_verify_callback(ssl::host_name_verification(url_.host));
      connection_->ws.read_message_max(options_.max_message_bytes);
      resolver_.emplace(io_);
      state_ = State::connecting;
      login_step_ = LoginStep::greeting;
      deadline_ = SteadyClock::now() + options_.connect_timeout;
      auto c = connection_;
      resolver_->async_resolve(url_.host, std::to_string(url_.port),
                               [this, c](const beast::error_code& ec, const tcp::resolver::results_type& results) {
                                 if (c != connection_) return;
                                 if (ec) return fail(nullptr);
                                 beast::get_lowest_layer(c->ws).expires_after(options_.connect_timeout);
                                 beast::get_lowest_layer(c->ws).async_connect(
                                     results, [this, c](const beast::error_code& e, const tcp::endpoint&) { on_connect(c, e); });
                               });
    } catch (const std::exception&) {  // out of memory: retried after the back-off
      return fail(nullptr);
    }
  }

  void on_connect(const ConnectionPtr& c, const beast::error_code& ec) {
    if (c != connection_) return;
    if (ec) return fail(&ec);
    beast::error_code ignored;
    beast::get_lowest_layer(c->ws).socket().set_option(tcp::no_delay(true), ignored);
    c->ws.next_layer().async_handshake(ssl::stream_base::client, [this, c](const beast::error_code& e) {
      if (c != connection_) return;
      if (e) {
        if (e != beast::error::timeout) websocket_counters_.tls_failures.add();
        return fail(&e);
      }
      // From here Beast times the WebSocket handshake; the idle timeout is check_idle()'s.
      beast::get_lowest_layer(c->ws).expires_never();
      websocket::stream_base::timeout timeouts{};
      timeouts.handshake_timeout = options_.connect_timeout;
      timeouts.idle_timeout = websocket::stream_base::none();  // see check_idle()
      timeouts.keep_alive_pings = false;
      c->ws.set_option(timeouts);
      c->ws.control_callback([this, raw = c.get()](websocket::frame_type, beast::string_view) {
        if (raw == connection_.get()) heard_from_peer();  // pongs (and pings) count as life
      });
      c->ws.set_option(websocket::stream_base::decorator(
          [](websocket::request_type& request) { request.set(beast::http::field::user_agent, "h2s"); }));
      const std::string host = url_.port == 443 ? url_.host : url_.host + ":" + std::to_string(url_.port);
      c->ws.async_handshake(host, url_.target, [this, c](const beast::error_code& e2) { on_handshake(c, e2); });
    });
  }

  void on_handshake(const ConnectionPtr& c, const beast::error_code& ec) {
    if (c != connection_) return;
    if (ec) return fail(&ec);
    heard_from_peer();
    if (options_.preset == WebSocketPreset::benzinga) {
      login_step_ = LoginStep::done;  // no log-in: the token was in the URL
      streaming();
    } else {
      state_ = State::logging_in;  // Alpaca greets with [{"T":"success","msg":"connected"}]
    }
    read(c);
  }

  void read(const ConnectionPtr& c) {
    c->ws.async_read(c->buffer, HandlerWithMemory(c->read_memory, [this, c](const beast::error_code& ec, std::size_t bytes) {
                       on_read(c, ec, bytes);
                     }));
  }

  void on_read(const ConnectionPtr& c, const beast::error_code& ec, std::size_t bytes) {
    if (c != connection_) return;
    if (ec == websocket::error::message_too_big || ec == websocket::error::buffer_overflow) {
      counters_.messages.add();
      sink_.on_oversized();  // still one message: rejected as oversized; Beast closes the connection
      return fail(&ec);
    }
    if (ec) return fail(&ec);
    const std::int64_t recv_us = wall_clock_us();
    heard_from_peer();
    counters_.bytes.add(bytes);
    const auto data = c->buffer.cdata();
    const std::size_t size = std::min(data.size(), options_.max_message_bytes);
    std::memcpy(padded_.data(), data.data(), size);  // the decoder reads kLinePadding bytes past the end
    std::memset(padded_.data() + size, 0, kLinePadding);
    c->buffer.consume(c->buffer.size());
    const std::string_view message(padded_.data(), size);
    if (state_ == State::logging_in && !log_in(c, message)) return;
    counters_.messages.add();
    sink_.on_message(message, recv_us);
    if (!proven_ && state_ == State::streaming && login_step_ == LoginStep::done) {
      // The first message after the log-in: the connection works. Resetting the back-off only now
      // keeps a vendor that accepts and then drops at once from being hammered.
      proven_ = true;
      backoff_ = options_.reconnect_initial;
    }
    if (state_ == State::streaming) login_step_ = LoginStep::done;
    read(c);
  }

  // Alpaca's log-in: answers the greeting with the credentials, then subscribes. False when the
  // vendor refused (the connection is then failed and retried after the back-off).
  bool log_in(const ConnectionPtr& c, std::string_view message) {
    simdjson::ondemand::parser parser;
    simdjson::padded_string json(message);
    simdjson::ondemand::document doc;
    simdjson::ondemand::array items;
    if (parser.iterate(json).get(doc) || doc.get_array().get(items)) return true;  // not a control message
    for (auto item_result : items) {
      simdjson::ondemand::object item;
      if (item_result.get_object().get(item)) return true;
      std::string_view type, msg;
      std::int64_t code = 0;
      for (auto field : item) {
        std::string_view key;
        if (field.unescaped_key().get(key)) return true;
        if (key == "T" && field.value().get_string().get(type)) return true;
        if (key == "msg" && field.value().get_string().get(msg)) return true;
        if (key == "code" && field.value().get_int64().get(code)) return true;
      }
      if (type == "error") {
        // 401 not authenticated, 402 auth failed, 404 auth timeout; others (406 connection limit,
        // 409 subscription) are plain errors.
        if (code == 401 || code == 402 || code == 404) websocket_counters_.auth_failures.add();
        counters_.messages.add();
        sink_.on_message(message, wall_clock_us());  // still accounted for (a control message)
        fail(nullptr);
        return false;
      }
      // One step at a time: a repeated or early reply never starts a second write.
      if (type == "success" && msg == "connected" && login_step_ == LoginStep::greeting) {
        login_step_ = LoginStep::authenticating;
        send(c, std::string(R"({"action":"auth","key":)") + json_string(options_.key) + R"(,"secret":)" +
                    json_string(options_.secret) + "}");
      } else if (type == "success" && msg == "authenticated" && login_step_ == LoginStep::authenticating) {
        login_step_ = LoginStep::subscribing;
        std::string subscribe = R"({"action":"subscribe","news":[)";
        for (std::size_t i = 0; i < options_.symbols.size(); ++i) {
          if (i > 0) subscribe += ',';
          subscribe += json_string(options_.symbols[i]);
        }
        send(c, subscribe + "]}");
      } else if (type == "subscription" && login_step_ == LoginStep::subscribing) {
        streaming();
      }
    }
    return true;
  }

  void send(const ConnectionPtr& c, std::string text) {
    c->outgoing = std::move(text);
    c->ws.text(true);
    c->ws.async_write(asio::buffer(c->outgoing), [this, c](const beast::error_code& ec, std::size_t) {
      if (c == connection_ && ec) fail(&ec);
    });
  }

  void streaming() noexcept {
    state_ = State::streaming;
    counters_.connects.add();
    counters_.connected.set(1);
  }

  // Ends the current connection (if any) and schedules the next attempt.
  void fail(const beast::error_code* ec) noexcept {
    if (state_ == State::closed) return;
    if (ec != nullptr && *ec == beast::error::timeout) websocket_counters_.timeouts.add();
    if (state_ == State::streaming) {
      counters_.disconnects.add();
      if (ec != nullptr && *ec != websocket::error::closed) counters_.errors.add();
    } else {
      counters_.errors.add();  // never got to streaming: a failed attempt
    }
    abandon();
    state_ = State::idle;
    proven_ = false;
    next_attempt_ = SteadyClock::now() + backoff_;
    backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
  }

  void abandon() noexcept {
    counters_.connected.set(0);
    if (resolver_) resolver_->cancel();
    if (connection_) {
      beast::get_lowest_layer(connection_->ws).close();  // the socket and its timer
      connection_.reset();  // its handlers still hold it until they have run
    }
  }

  WebSocketOptions options_;
  WebSocketUrl url_;
  MessageSink& sink_;
  asio::io_context io_;  // declared before what uses it: destroyed after them
  ssl::context tls_;
  std::optional<tcp::resolver> resolver_;
  ConnectionPtr connection_;
  std::vector<char> padded_;
  WebSocketCounters websocket_counters_;
  State state_ = State::idle;
  LoginStep login_step_ = LoginStep::greeting;
  bool proven_ = false;  // this connection has delivered a message after its log-in
  SteadyClock::time_point last_activity_{};
  bool ping_sent_ = false;
  SteadyClock::time_point next_attempt_{};
  SteadyClock::time_point deadline_{};
  std::chrono::milliseconds backoff_;
};

}  // namespace

std::string_view to_string(WebSocketPreset preset) noexcept {
  return preset == WebSocketPreset::alpaca ? "alpaca" : "benzinga";
}

std::optional<WebSocketPreset> parse_websocket_preset(std::string_view text) noexcept {
  if (text == "alpaca") return WebSocketPreset::alpaca;
  if (text == "benzinga") return WebSocketPreset::benzinga;
  return std::nullopt;
}

std::string_view default_websocket_url(WebSocketPreset preset) noexcept {
  return preset == WebSocketPreset::alpaca ? "wss://stream.data.alpaca.markets/v1beta1/news"
                                           : "wss://api.benzinga.com/api/v1/news/stream";
}

std::optional<WebSocketUrl> parse_websocket_url(std::string_view url) {
  constexpr std::string_view kScheme = "wss://";
  if (!url.starts_with(kScheme)) return std::nullopt;
  url.remove_prefix(kScheme.size());
  const std::size_t path_at = url.find_first_of("/?");
  std::string_view authority = url.substr(0, path_at);
  WebSocketUrl out;
  if (path_at != std::string_view::npos) {
    out.target = std::string(url.substr(path_at));
    if (out.target.front() == '?') out.target.insert(0, "/");
  }
  if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    const std::string_view digits = authority.substr(colon + 1);
    if (digits.empty() || digits.size() > 5 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    const unsigned long port = std::stoul(std::string(digits));
    if (port == 0 || port > 65535) return std::nullopt;
    out.port = static_cast<std::uint16_t>(port);
    authority = authority.substr(0, colon);
  }
  // IPv6 literals ([::1]) are not supported: a host name or an IPv4 address.
  if (authority.empty() || authority.find_first_of("@ \t[]") != std::string_view::npos) return std::nullopt;
  out.host = std::string(authority);
  return out;
}

std::unique_ptr<WebSocketSource> make_websocket_source(std::string name, const WebSocketOptions& options,
                                                       MessageSink& sink) {
  return std::make_unique<WebSocketSourceImpl>(std::move(name), options, sink);
}

}  // namespace h2s::feeds
