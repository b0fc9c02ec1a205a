#pragma once
// A vendor's news stream, played by the test: a Beast WebSocket server over TLS on 127.0.0.1
// with port 0 and a self-signed certificate made for the test. Each accepted connection runs the
// test's script on the server thread; every read is bounded by a socket timeout.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "subprocess.hpp"
#include "test_paths.hpp"

namespace h2s::test {

// A certificate for 127.0.0.1 and localhost, valid for a day, made with the openssl command.
struct TestCertificate {
  TestCertificate() {
    const auto result = run_process({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                     "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                                     "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout",
                                     (dir.path() / "key.pem").string(), "-out", (dir.path() / "cert.pem").string()});
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
  }
  [[nodiscard]] std::filesystem::path cert() const { return dir.path() / "cert.pem"; }
  [[nodiscard]] std::filesystem::path key() const { return dir.path() / "key.pem"; }
  TempDir dir;
};

class WebSocketSession {
 public:
  using Stream = boost::beast::websocket::stream<boost::beast::ssl_stream<boost::asio::ip::tcp::socket>>;
  WebSocketSession(Stream& ws, std::string target, const std::atomic<bool>& stop)
      : ws_(ws), target_(std::move(target)), stop_(stop) {}

  // The request target the client asked for (path and query).
  [[nodiscard]] const std::string& target() const { return target_; }
  bool send(const std::string& text) {
    boost::beast::error_code ec;
    ws_.text(true);
    ws_.write(boost::asio::buffer(text), ec);
    return !ec;
  }
  // The next message, or nullopt on close, error or after the socket timeout (5 s).
  std::optional<std::string> receive() {
    boost::beast::flat_buffer buffer;
    boost::beast::error_code ec;
    ws_.read(buffer, ec);
    if (ec) return std::nullopt;
    return boost::beast::buffers_to_string(buffer.data());
  }
  // A clean WebSocket close; returning from the script without it drops the TCP connection.
  void close() {
    boost::beast::error_code ignored;
    ws_.close(boost::beast::websocket::close_code::normal, ignored);
  }
  // Keeps the connection open, silent, until the server is destroyed (30 s at most).
  void hold_open() const {
    for (int i = 0; i < 3000 && !stop_.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

 private:
  Stream& ws_;
  std::string target_;
  const std::atomic<bool>& stop_;
};

class WebSocketTestServer {
 public:
  // script(session, n): what connection n (0, 1, ...) does; it returns to drop the connection.
  using Script = std::function<void(WebSocketSession&, int)>;

  WebSocketTestServer(const TestCertificate& certificate, Script script)
      : tls_(boost::asio::ssl::context::tls_server),
        acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}),
        script_(std::move(script)) {
    tls_.use_certificate_chain_file(certificate.cert().string());
    tls_.use_private_key_file(certificate.key().string(), boost::asio::ssl::context::pem);
    thread_ = std::thread([this] { serve(); });
  }
  ~WebSocketTestServer() {
    stop_ = true;
    thread_.join();
  }
  WebSocketTestServer(const WebSocketTestServer&) = delete;
  WebSocketTestServer& operator=(const WebSocketTestServer&) = delete;

  [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  [[nodiscard]] int connections() const { return connections_.load(); }

 private:
  // Accepts until destroyed; each connection runs on its own thread, so one can hold while the
  // client reconnects.
  void serve() {
    for (int n = 0; !stop_;) {
      pollfd ready{acceptor_.native_handle(), POLLIN, 0};
      if (::poll(&ready, 1, 50) <= 0) continue;  // wakes to notice stop_
      boost::asio::ip::tcp::socket socket(io_);
      boost::beast::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec) continue;
      sessions_.emplace_back([this, n, s = std::move(socket)]() mutable { session(std::move(s), n); });
      ++n;
    }
    for (auto& t : sessions_) t.join();
  }

  void session(boost::asio::ip::tcp::socket socket, int n) {
    namespace beast = boost::beast;
    const timeval timeout{5, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    WebSocketSession::Stream ws(std::move(socket), tls_);
    beast::error_code ec;
    ws.next_layer().handshake(boost::asio::ssl::stream_base::server, ec);
    if (ec) return;  // e.g. a client that refused the certificate
    beast::flat_buffer buffer;
    beast::http::request<beast::http::string_body> request;
    beast::http::read(ws.next_layer(), buffer, request, ec);
    if (ec) return;
    ws.accept(request, ec);
    if (ec) return;
    connections_.fetch_add(1);
    WebSocketSession session(ws, std::string(request.target()), stop_);
    script_(session, n);
  }

  boost::asio::io_context io_;
  boost::asio::ssl::context tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  Script script_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::vector<std::thread> sessions_;
  std::thread thread_;
};

}  // namespace h2s::test
