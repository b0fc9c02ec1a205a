// The WebSocket/TLS feed against a local Beast server speaking the Alpaca and Benzinga shapes:
// log-in, delivery, reconnect after a drop, refused credentials, an untrusted certificate, an
// oversized message and a silent peer.
#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "h2s/feeds/websocket_source.hpp"
#include "websocket_server.hpp"

using Catch::Matchers::Contains;
using h2s::feeds::WebSocketPreset;

namespace {

struct CapturingSink final : h2s::feeds::MessageSink {
  void on_message(std::string_view message, std::int64_t recv_us) noexcept override {
    messages.emplace_back(message);
    last_recv_us = recv_us;
  }
  void on_oversized() noexcept override { ++oversized; }
  std::vector<std::string> messages;
  std::int64_t last_recv_us = 0;
  int oversized = 0;
};

// What the server's scripts saw, read by the test thread after the fact (Catch2 is not
// thread-safe, so scripts never assert).
struct Observed {
  void add(std::string text) {
    std::lock_guard lock(mutex);
    seen.push_back(std::move(text));
  }
  std::vector<std::string> get() {
    std::lock_guard lock(mutex);
    return seen;
  }
  std::mutex mutex;
  std::vector<std::string> seen;
};

// Polls until `done` holds, at most 10 s.
template <class Done>
bool poll_until(h2s::feeds::Source& source, Done done) {
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < limit) {
    if (source.poll() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (done()) return true;
  }
  return false;
}

h2s::feeds::WebSocketOptions alpaca_options(const h2s::test::TestCertificate& cert, std::uint16_t port) {
  h2s::feeds::WebSocketOptions o;
  o.preset = WebSocketPreset::alpaca;
  o.url = "wss://127.0.0.1:" + std::to_string(port) + "/v1beta1/news";
  o.key = "AKTEST";
  o.secret = "s3cr\"et";
  o.ca_file = cert.cert();
  o.reconnect_initial = std::chrono::milliseconds(20);
  o.reconnect_max = std::chrono::milliseconds(100);
  return o;
}

const std::string kNews1 = R"([{"T":"n","id":1,"headline":"Amazon's Trainium3 chips deliver four times the compute","created_at":"2025-12-02T13:30:25Z","symbols":["AMZN"]}])";
const std::string kNews2 = R"([{"T":"n","id":2,"headline":"Broadcom lifts AI revenue outlook","created_at":"2025-12-02T13:31:25Z","symbols":["AVGO"]}])";
const std::string kNews3 = R"([{"T":"n","id":3,"headline":"Fed's Waller backs another rate cut","created_at":"2025-12-02T13:32:25Z","symbols":[]}])";

// Alpaca's log-in as the vendor runs it; true when the client did its part.
bool alpaca_log_in(h2s::test::WebSocketSession& s, Observed& observed) {
  s.send(R"([{"T":"success","msg":"connected"}])");
  auto auth = s.receive();
  if (!auth) return false;
  observed.add(*auth);
  s.send(R"([{"T":"success","msg":"authenticated"}])");
  auto subscribe = s.receive();
  if (!subscribe) return false;
  observed.add(*subscribe);
  s.send(R"([{"T":"subscription","trades":[],"quotes":[],"bars":[],"news":["*"]}])");
  return true;
}

}  // namespace

TEST_CASE("wss URLs are parsed, anything else is refused") {
  auto url = h2s::feeds::parse_websocket_url("wss://stream.data.alpaca.markets/v1beta1/news");
  REQUIRE(url);
  CHECK(url->host == "stream.data.alpaca.markets");
  CHECK(url->port == 443);
  CHECK(url->target == "/v1beta1/news");
  url = h2s::feeds::parse_websocket_url("wss://127.0.0.1:8443?x=1");
  REQUIRE(url);
  CHECK(url->port == 8443);
  CHECK(url->target == "/?x=1");
  CHECK_FALSE(h2s::feeds::parse_websocket_url("ws://example.com/"));
  CHECK_FALSE(h2s::feeds::parse_websocket_url("wss://:443/"));
  CHECK_FALSE(h2s::feeds::parse_websocket_url("wss://host:0/"));
  CHECK_FALSE(h2s::feeds::parse_websocket_url("wss://host:99999/"));
  CHECK_FALSE(h2s::feeds::parse_websocket_url("wss://user@host/"));
  CHECK_FALSE(h2s::feeds::parse_websocket_url("https://host/"));
}

TEST_CASE("Alpaca over TLS: auth then subscribe, news delivered, and the same after the vendor drops the connection") {
  h2s::test::TestCertificate cert;
  Observed observed;
  h2s::test::WebSocketTestServer server(cert, [&](h2s::test::WebSocketSession& s, int n) {
    observed.add("target " + s.target());
    if (!alpaca_log_in(s, observed)) return;
    if (n == 0) {
      s.send(kNews1);
      s.send(kNews2);
      return;  // dropped without a close frame
    }
    s.send(kNews3);
    s.hold_open();
  });
  CapturingSink sink;
  auto source = h2s::feeds::make_websocket_source("alpaca", alpaca_options(cert, server.port()), sink);
  REQUIRE(poll_until(*source, [&] { return sink.messages.size() >= 5; }));
  // Per connection: connected, authenticated, subscription (control messages, still delivered) and the news.
  CHECK_THAT(sink.messages[3], Contains("\"id\":1"));
  CHECK_THAT(sink.messages[4], Contains("\"id\":2"));
  REQUIRE(poll_until(*source, [&] { return sink.messages.size() >= 9; }));
  CHECK_THAT(sink.messages[8], Contains("\"id\":3"));
  CHECK(sink.last_recv_us > 0);
  CHECK(source->counters().connects.get() == 2);
  CHECK(source->counters().disconnects.get() == 1);
  CHECK(source->counters().connected.get() == 1);
  CHECK(source->counters().messages.get() == 9);
  const auto seen = observed.get();
  REQUIRE(seen.size() >= 3);
  CHECK(seen[0] == "target /v1beta1/news");
  CHECK(seen[1] == R"({"action":"auth","key":"AKTEST","secret":"s3cr\"et"})");
  CHECK(seen[2] == R"({"action":"subscribe","news":["*"]})");
  source->close();
  CHECK(source->counters().connected.get() == 0);
}

TEST_CASE("Alpaca refusing the credentials: counted, nothing streamed, retried with back-off") {
  h2s::test::TestCertificate cert;
  h2s::test::WebSocketTestServer server(cert, [&](h2s::test::WebSocketSession& s, int) {
    s.send(R"([{"T":"success","msg":"connected"}])");
    if (s.receive()) s.send(R"([{"T":"error","code":402,"msg":"auth failed"}])");
    s.hold_open();  // the client must hang up by itself
  });
  CapturingSink sink;
  auto source = h2s::feeds::make_websocket_source("alpaca", alpaca_options(cert, server.port()), sink);
  REQUIRE(poll_until(*source, [&] { return source->websocket_counters().auth_failures.get() >= 2; }));
  CHECK(source->counters().connects.get() == 0);
  CHECK(source->counters().errors.get() >= 2);
  CHECK_THAT(sink.messages.back(), Contains("auth failed"));  // accounted for, as a control message
  CHECK(server.connections() >= 2);
}

TEST_CASE("Benzinga over TLS: the token rides in the URL, envelopes are delivered as sent") {
  h2s::test::TestCertificate cert;
  Observed observed;
  const std::string created =
      R"({"api_version":"websocket/v1","kind":"News/v1","data":{"id":7,"action":"Created","content":{"id":7,"title":"Nvidia wins Trainium-scale order","created_at":"Tue, 02 Dec 2025 08:37:00 -0500","securities":[{"symbol":"NVDA"}]}}})";
  h2s::test::WebSocketTestServer server(cert, [&](h2s::test::WebSocketSession& s, int) {
    observed.add(s.target());
    s.send(created);
    s.hold_open();
  });
  CapturingSink sink;
  h2s::feeds::WebSocketOptions o;
  o.preset = WebSocketPreset::benzinga;
  o.url = "wss://localhost:" + std::to_string(server.port()) + "/api/v1/news/stream";
  o.token = "tok en/1";
  o.ca_file = cert.cert();
  auto source = h2s::feeds::make_websocket_source("benzinga", o, sink);
  REQUIRE(poll_until(*source, [&] { return sink.messages.size() == 1; }));
  CHECK(sink.messages[0] == created);
  CHECK(observed.get().at(0) == "/api/v1/news/stream?token=tok%20en%2F1");
  CHECK(source->counters().connects.get() == 1);
}

TEST_CASE("A certificate nobody vouches for is refused: counted, never streamed") {
  h2s::test::TestCertificate cert;
  h2s::test::WebSocketTestServer server(cert, [&](h2s::test::WebSocketSession& s, int) { s.send(kNews1); });
  CapturingSink sink;
  auto options = alpaca_options(cert, server.port());
  options.ca_file.clear();  // only the system store: the test's certificate is not in it
  auto source = h2s::feeds::make_websocket_source("alpaca", options, sink);
  REQUIRE(poll_until(*source, [&] { return source->websocket_counters().tls_failures.get() >= 2; }));
  CHECK(sink.messages.empty());
  CHECK(source->counters().connects.get() == 0);
}

TEST_CASE("An oversized WebSocket message is one rejected message, the feed reconnects") {
  h2s::test::TestCertificate cert;
  h2s::test::WebSocketTestServer server(cert, [&](h2s::test::WebSocketSession& s, int n) {
    Observed ignored;
    if (!alpaca_log_in(s, ignored)) return;
    if (n == 0) {
      s.send("[" + std::string(5000, ' ') + "]");
      s.receive();  // until the client goes
      return;
    }
    s.send(kNews1);
    s.hold_open();
  });
  CapturingSink sink;
  auto options = alpaca_options(cert, server.port());
  options.max_message_bytes = 4096;
  auto source = h2s::feeds::make_websocket_source("alpaca", options, sink);
  REQUIRE(poll_until(*source, [&] { return sink.messages.size() >= 7; }));
  CHECK(sink.oversized == 1);
  CHECK_THAT(sink.messages.back(), Contains("\"id\":1"));
  CHECK(source->counters().connects.get() == 2);
}

TEST_CASE("A peer that goes silent (no pongs) is timed out and the feed reconnects") {
  h2s::test::TestCertificate cert;
  h2s::test::WebSocketTestServer server(cert, [&](h2s::test::WebSocketSession& s, int n) {
    Observed ignored;
    if (!alpaca_log_in(s, ignored)) return;
    if (n == 0) {
      s.hold_open();  // never reads again: the client's pings go unanswered
      return;
    }
    s.send(kNews2);
    s.hold_open();
  });
  CapturingSink sink;
  auto options = alpaca_options(cert, server.port());
  options.idle_timeout = std::chrono::milliseconds(400);
  auto source = h2s::feeds::make_websocket_source("alpaca", options, sink);
  REQUIRE(poll_until(*source, [&] { return sink.messages.size() >= 7; }));
  CHECK(source->websocket_counters().timeouts.get() >= 1);
  CHECK(source->counters().disconnects.get() >= 1);
  CHECK_THAT(sink.messages.back(), Contains("\"id\":2"));
}
