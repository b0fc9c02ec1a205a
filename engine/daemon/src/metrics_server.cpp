#include "h2s/daemon/metrics_server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

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

// One request per connection, one connection at a time: scrapes are rare and small. Every wait is
// bounded, so a client that connects and says nothing holds the server for 2 s at most.
void MetricsServer::serve() noexcept {
  while (!stop_.load()) {
    pollfd ready{state_->acceptor.native_handle(), POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) continue;
    try {
      tcp::socket socket(state_->io);
      state_->acceptor.accept(socket);
      const timeval timeout{2, 0};
      ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
      boost::beast::flat_buffer buffer(8192);
      http::request_parser<http::empty_body> parser;
      parser.header_limit(8192);
      http::read(socket, buffer, parser);
      const auto& request = parser.get();
      http::response<http::string_body> response;
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
      http::write(socket, response);
      boost::system::error_code ignored;
      socket.shutdown(tcp::socket::shutdown_both, ignored);
    } catch (const std::exception&) {
      // a bad or slow client: drop it and keep serving
    }
  }
}

}  // namespace h2s::daemon
