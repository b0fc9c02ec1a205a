#include "h2s/daemon/metrics_server.hpp"

#include <poll.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace h2s::daemon {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct MetricsServer::State {
  asio::io_context io;
  tcp::acceptor acceptor{io};
};

MetricsServer::MetricsServer(const Endpoint& listen, Render render, Healthy healthy)
    : state_(std::make_unique<State>()), render_(std::move(render)), healthy_(std::move(healthy)) {
  const tcp::endpoint endpoint(asio::ip::make_address(listen.host), listen.port);
  state_->acceptor.open(endpoint.protocol());
  state_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  state_->acceptor.bind(endpoint);
  state_->acceptor.listen();
  port_ = state_->acceptor.local_endpoint().port();
  thread_ = std::thread([this] { serve(); });
}

MetricsServer::~MetricsServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

// One request per connection, one connection at a time: scrapes are rare and small. Reads and
// writes are asynchronous on a tcp_stream with a deadline, run here with a bounded run_for, so a
// client that connects and says nothing (or stops reading) holds the server for 2 s at most.
void MetricsServer::serve() noexcept {
  namespace beast = boost::beast;
  while (!stop_.load()) {
    pollfd ready{state_->acceptor.native_handle(), POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) continue;
    try {
      tcp::socket socket(state_->io);
      state_->acceptor.accept(socket);
      beast::tcp_stream stream(std::move(socket));
      beast::flat_buffer buffer(8192);
      http::request_parser<http::empty_body> parser;
      parser.header_limit(8192);
      http::response<http::string_body> response;
      // Runs one operation to completion: the deadline ends it within 2 s; should the loop still
      // return first, closing the socket completes it before its locals go out of scope.
      const auto complete = [&](bool& done) {
        state_->io.restart();
        state_->io.run_for(std::chrono::seconds(3));
        if (done) return;
        beast::error_code ignored;
        stream.socket().close(ignored);
        state_->io.restart();
        state_->io.run();
      };
      bool read_done = false, read_ok = false, write_done = false;
      stream.expires_after(std::chrono::seconds(2));
      http::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) {
        read_done = true;
        read_ok = !ec;
      });
      complete(read_done);
      if (!read_ok) continue;  // timed out or not HTTP: dropped
      respond(parser.get(), response);
      stream.expires_after(std::chrono::seconds(2));
      http::async_write(stream, response, [&](beast::error_code, std::size_t) { write_done = true; });
      complete(write_done);
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    } catch (const std::exception&) {
      // a bad client (or out of memory for one response): drop it and keep serving
    }
  }
}

void MetricsServer::respond(const http::request<http::empty_body>& request, http::response<http::string_body>& response) {
  response.version(request.version());
  response.set(http::field::server, "h2s");
  response.keep_alive(false);
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    response.result(http::status::method_not_allowed);
    response.set(http::field::allow, "GET, HEAD");
    response.body() = "read-only: GET /metrics or /healthz\n";
  } else if (request.target() == "/metrics") {
    response.result(http::status::ok);
    response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    response.body() = render_();
  } else if (request.target() == "/healthz") {
    const bool ok = healthy_();
    response.result(ok ? http::status::ok : http::status::service_unavailable);
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.body() = ok ? "ok\n" : "unhealthy\n";
  } else {
    response.result(http::status::not_found);
    response.body() = "not found: GET /metrics or /healthz\n";
  }
  if (request.method() == http::verb::head) response.body().clear();
  response.prepare_payload();
}

}  // namespace h2s::daemon
