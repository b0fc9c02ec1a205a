// Soak: the daemon (split layout, back-pressure) fed the sample feed in a loop plus a stream of
// unique stories at a fixed rate for H2S_SOAK_SECONDS (10 s by default; nightly runs use 120),
// with an NDJSON subscriber draining the output; then SIGTERM while the sender is still sending.
// Asserts flat memory, no drops, the accounting invariant, and every published line received.
#include <catch2/catch.hpp>

#include <boost/asio.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "socket_io.hpp"
#include "subprocess.hpp"
#include "test_paths.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;
using Catch::Matchers::Contains;

namespace {

using h2s::test::sample_lines;

// A fresh story each time: ids never repeat, so the dedup and story tables fill and must evict.
std::string unique_story(std::uint64_t n) {
  static const char* const kHeadlines[] = {
      "Amazon expands Trainium3 clusters for AI customers", "Broadcom raises AI revenue forecast",
      "Nvidia supply constraints ease as CoWoS capacity grows", "Equinix signs hyperscale data center lease",
      "Fed's Waller says more rate cuts may be needed", "CPI rises less than expected in November",
      "Local bakery wins regional award", "Oil prices steady ahead of OPEC meeting"};
  return R"({"id":"soak-)" + std::to_string(n) + R"(","headline":")" + kHeadlines[n % 8] + " (" + std::to_string(n) +
         R"j()","published_at":"2025-12-02T14:00:00Z","tickers":["AMZN"]})j" + "\n";
}

double metric(const std::string& body, const std::string& name) {
  const auto at = body.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stod(body.substr(at + name.size() + 2));
}

std::string scrape(std::uint16_t port) {
  asio::io_context io;
  tcp::socket socket = h2s::test::connect_local(io, port, 5);
  asio::write(socket, asio::buffer(std::string("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
  return h2s::test::read_to_end(socket).bytes;
}

}  // namespace

TEST_CASE("Soak: a steady load for a bounded time keeps memory flat, drops nothing, balances, and SIGTERM drains it") {
  const char* env = std::getenv("H2S_SOAK_SECONDS");
  const int seconds = env != nullptr ? std::atoi(env) : 10;
  REQUIRE(seconds >= 4);
  h2s::test::TempDir dir;
  const auto config = dir.write("soak.toml", "[rules]\npath = \"" + h2s::test::default_rules().string() + R"("

[[feed]]
name = "wire"
type = "tcp_server"
listen = "127.0.0.1:0"

[threads]
layout = "split"
queue_depth = 16
overflow = "backpressure"

[output.ndjson_tcp]
listen = "127.0.0.1:0"

[metrics]
listen = "127.0.0.1:0"
)");
  h2s::test::Process daemon({H2S_BINARY, "run", "--config", config.string()});
  REQUIRE(daemon.wait_for_err("running (pid", std::chrono::seconds(60)));
  const std::uint16_t feed_port = daemon.announced_port("feed wire (tcp_server) listening on port ");
  const std::uint16_t out_port = daemon.announced_port("NDJSON feed on port ");
  const std::uint16_t metrics_port = daemon.announced_port("metrics on http://127.0.0.1:");
  REQUIRE(feed_port != 0);

  asio::io_context io;
  tcp::socket subscriber = h2s::test::connect_local(io, out_port);
  // Admitted before the load starts: the daemon's gauge says so (bounded wait).
  for (int i = 0; i < 400 && metric(scrape(metrics_port), "h2s_subscribers{output=\"ndjson_tcp\"}") != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  REQUIRE(metric(scrape(metrics_port), "h2s_subscribers{output=\"ndjson_tcp\"}") == 1);
  std::atomic<std::size_t> received_lines{0};
  std::thread reader([&] {
    char buffer[1 << 16];
    for (;;) {
      boost::system::error_code ec;
      const std::size_t n = subscriber.read_some(asio::buffer(buffer), ec);
      for (std::size_t i = 0; i < n; ++i) received_lines += buffer[i] == '\n' ? 1 : 0;
      if (ec) return;
    }
  });

  // 10,000 lines a second, in 10 ms batches: the sample (181 lines) then 50 unique stories, looped.
  const std::vector<std::string> sample = sample_lines();
  std::atomic<bool> stop_sending{false};
  std::atomic<std::uint64_t> lines_sent{0};
  std::thread sender([&] {
    asio::io_context sender_io;
    tcp::socket socket(sender_io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), feed_port));
    std::uint64_t unique = 0;
    std::size_t position = 0;  // in the cycle: the sample's lines, then 50 unique stories
    const std::size_t cycle = sample.size() + 50;
    auto next = std::chrono::steady_clock::now();
    while (!stop_sending) {
      std::string batch;
      std::uint64_t lines = 0;
      for (; lines < 100; ++lines) {
        batch += position < sample.size() ? sample[position] : unique_story(unique++);
        position = (position + 1) % cycle;
      }
      boost::system::error_code ec;
      asio::write(socket, asio::buffer(batch), ec);
      if (ec) return;  // the daemon stopped
      lines_sent += lines;
      next += std::chrono::milliseconds(10);
      std::this_thread::sleep_until(next);
    }
  });

  std::this_thread::sleep_for(std::chrono::seconds(2));  // warm: tables and buffers at their working size
  const std::size_t rss_start = daemon.rss_kib();
  std::this_thread::sleep_for(std::chrono::seconds(seconds - 2));
  const std::size_t rss_end = daemon.rss_kib();
  const std::string metrics = scrape(metrics_port);
  daemon.signal(SIGTERM);  // under load: the sender is still sending
  const auto result = daemon.wait(std::chrono::seconds(60));
  stop_sending = true;
  sender.join();
  reader.join();

  const double messages = metric(metrics, "h2s_messages_total{kind=\"story\"}") +
                          metric(metrics, "h2s_messages_total{kind=\"control\"}") +
                          metric(metrics, "h2s_messages_total{kind=\"rejected\"}");
  WARN("soak " << seconds << " s: " << lines_sent.load() << " lines sent, " << messages
               << " messages processed at the last scrape; RSS " << rss_start / 1024 << " MiB after 2 s, "
               << rss_end / 1024 << " MiB at the end; " << received_lines.load() << " lines received");
  const auto stopped_at = result.err.find("event=stopped");
  WARN("final accounting: " << (stopped_at == std::string::npos ? std::string("missing")
                                                                : result.err.substr(stopped_at, result.err.find('\n', stopped_at) - stopped_at)));
  CHECK(result.exit_code == 0);
  CHECK(rss_start > 0);
  CHECK(rss_end <= rss_start + 16 * 1024);  // flat: allocator noise only
  CHECK(metric(metrics, "h2s_rejected_total{reason=\"queue_full\"}") == 0);
  CHECK(messages >= static_cast<double>(lines_sent.load()) * 0.5);  // kept up with the offered rate (bounded lag)
  CHECK_THAT(result.err, Contains("event=stopped"));
  CHECK_THAT(result.err, Contains("accounting=balanced"));
  // Every published line reached the subscriber, SIGTERM's drain included.
  const auto published_at = result.err.find("signals_published=");
  const auto cancels_at = result.err.find("cancels_published=");
  REQUIRE(published_at != std::string::npos);
  const double published = std::stod(result.err.substr(published_at + 18)) + std::stod(result.err.substr(cancels_at + 18));
  CHECK(static_cast<double>(received_lines.load()) == published);
  CHECK(published > 0);
}
