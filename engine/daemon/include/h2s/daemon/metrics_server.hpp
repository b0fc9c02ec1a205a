#pragma once
// The operator's view: Prometheus text on GET /metrics, health on GET /healthz, liveness on
// GET /livez, served by Boost.Beast on a thread of its own (never the pipeline's). Clients are
// served concurrently, each with its own deadline. Read-only: every other method gets 405, every
// other path 404.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "h2s/model/endpoint.hpp"

namespace h2s::daemon {

class MetricsServer {
 public:
  using Render = std::function<std::string()>;  // called on the server thread; must be thread-safe
  // Readiness for /healthz: whether to take traffic, and, when not, why (one reason per line).
  struct Readiness {
    bool ready = false;
    std::string reasons;
  };
  using Ready = std::function<Readiness()>;

  // Binds at once (throws std::system_error when it cannot) and starts serving.
  MetricsServer(const Endpoint& listen, Render render, Ready ready);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

 private:
  struct Session;
  void accept() noexcept;
  void respond(const boost::beast::http::request<boost::beast::http::string_body>& request,
               boost::beast::http::response<boost::beast::http::string_body>& response);

  struct State;
  std::unique_ptr<State> state_;
  Render render_;
  Ready ready_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace h2s::daemon
