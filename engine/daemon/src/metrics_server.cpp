#include "h2s/daemon/metrics_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace h2s::daemon {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kClientDeadline = std::chrono::seconds(2);  // a silent or stalled client, for itself only
constexpr std::size_t kMaxClients = 64;                    // more at once are closed at accept
constexpr std::size_t kBodyLimit = 4096;                   // a request body is read (then refused: 405)

}  // namespace

struct MetricsServer::State {
  std::size_t clients = 0;  // on the server thread only; outlives io, whose pending sessions count down
  asio::io_context io;
  tcp::acceptor acceptor{io};
};

// One client: read a request, answer it, close; the deadline covers each step.
struct MetricsServer::Session : std::enable_shared_from_this<MetricsServer::Session> {
  Session(MetricsServer& owner, tcp::socket socket) : server(owner), stream(std::move(socket)) {
    parser.header_limit(8192);
    parser.body_limit(kBodyLimit);
    ++server.state_->clients;
  }
  ~Session() { --server.state_->clients; }

  void start() {
    stream.expires_after(kClientDeadline);
    http::async_read(stream, buffer, parser, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;  // timed out, closed or not HTTP: dropped
      self->server.respond(self->parser.get(), self->response);
      self->stream.expires_after(kClientDeadline);
      http::async_write(self->stream, self->response, [self](beast::error_code, std::size_t) {
        beast::error_code ignored;
        self->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      });
    });
  }

  MetricsServer& server;
  beast::tcp_stream stream;
  beast::flat_buffer buffer{8192};
  http::request_parser<http::string_body> parser;
  http::response<http::string_body> response;
};

MetricsServer::MetricsServer(const Endpoint& listen, Render render, Ready ready)
    : state_(std::make_unique<State>()), render_(std::move(render)), ready_(std::move(ready)) {
  const tcp::endpoint endpoint(asio::ip::make_address(listen.host), listen.port);
  state_->acceptor.open(endpoint.protocol());
  state_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  state_->acceptor.bind(endpoint);
  state_->acceptor.listen();
  port_ = state_->acceptor.local_endpoint().port();
  accept();
  thread_ = std::thread([this] {
    for (;;) {
      try {
        state_->io.run();
        return;  // stopped
      } catch (const std::exception&) {
        // a handler threw (out of memory for one response): drop that client, keep serving
      }
    }
  });
}

MetricsServer::~MetricsServer() {
  asio::post(state_->io, [this] {
    beast::error_code ignored;
    state_->acceptor.close(ignored);
    state_->io.stop();
  });
  if (thread_.joinable()) thread_.join();
}

void MetricsServer::accept() noexcept {
  state_->acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !state_->acceptor.is_open()) return;
    if (!ec) {
      if (state_->clients < kMaxClients) {
        std::make_shared<Session>(*this, std::move(socket))->start();
      } else {
        beast::error_code ignored;
        socket.close(ignored);  // full: the slow clients already in must not starve everyone
      }
    }
    accept();
  });
}

void MetricsServer::respond(const http::request<http::string_body>& request, http::response<http::string_body>& response) {
  response.version(request.version());
  response.set(http::field::server, "h2s");
  response.keep_alive(false);
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    response.result(http::status::method_not_allowed);
    response.set(http::field::allow, "GET, HEAD");
    response.body() = "read-only: GET /metrics, /healthz or /livez\n";
  } else if (request.target() == "/metrics") {
    response.result(http::status::ok);
    response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    response.body() = render_();
  } else if (request.target() == "/healthz") {
    const Readiness readiness = ready_();  // readiness: every required feed up and fresh, not stopping
    response.result(readiness.ready ? http::status::ok : http::status::service_unavailable);
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.body() = readiness.ready ? "ready\n" : "not ready\n" + readiness.reasons;
  } else if (request.target() == "/livez") {
    response.result(http::status::ok);  // the process answers: it is alive
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.body() = "alive\n";
  } else {
    response.result(http::status::not_found);
    response.body() = "not found: GET /metrics, /healthz or /livez\n";
  }
  if (request.method() == http::verb::head) response.body().clear();
  response.prepare_payload();
}

}  // namespace h2s::daemon
