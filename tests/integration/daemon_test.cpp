// `h2s run` end to end: the daemon on 127.0.0.1 with port 0, driven through each source type,
// checked by what it publishes and by what its /metrics says.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio.hpp>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "h2s/perf/pack_generator.hpp"
#include "socket_io.hpp"
#include "subprocess.hpp"
#include "test_paths.hpp"
#include "websocket_server.hpp"

using Catch::Matchers::Contains;
namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

using h2s::test::sample_lines;

constexpr double kSampleMessages = 226;  // messages in the sample feed's non-blank lines

std::string http_get(std::uint16_t port, const std::string& target) {
  asio::io_context io;
  tcp::socket socket = h2s::test::connect_local(io, port, 5);
  const std::string request = "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  asio::write(socket, asio::buffer(request));
  return h2s::test::read_to_end(socket).bytes;
}

// A strict reader of the Prometheus text format (0.0.4): every sample's family is declared with
// HELP and TYPE first, names and labels are well formed, values are numbers. Returns
// "name{labels}" -> value; a malformed line fails the test.
std::map<std::string, double> parse_prometheus(const std::string& body) {
  static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
  static const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|NaN|\+Inf|-Inf))");
  std::map<std::string, double> samples;
  std::set<std::string> helped, typed, histograms;
  std::stringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    INFO("metrics line: " << line);
    std::smatch m;
    if (std::regex_match(line, m, help)) {
      CHECK(helped.insert(m[1]).second);
    } else if (std::regex_match(line, m, type)) {
      CHECK(typed.insert(m[1]).second);
      CHECK(helped.count(m[1]) == 1);
      if (m[2] == "histogram") histograms.insert(m[1]);
    } else if (std::regex_match(line, m, sample)) {
      std::string family = m[1];
      for (const std::string suffix : {"_bucket", "_sum", "_count"}) {  // a histogram's samples
        const std::string base = family.size() > suffix.size() ? family.substr(0, family.size() - suffix.size()) : "";
        if (family.ends_with(suffix) && histograms.count(base) == 1) family = base;
      }
      CHECK(typed.count(family) == 1);
      CHECK(samples.emplace(std::string(m[1]) + std::string(m[2]), std::stod(m[3])).second);
    } else {
      FAIL("not Prometheus text format");
    }
  }
  CHECK(!samples.empty());
  return samples;
}

std::map<std::string, double> scrape(std::uint16_t port) {
  const std::string response = http_get(port, "/metrics");
  REQUIRE(response.rfind("HTTP/1.1 200", 0) == 0);
  CHECK_THAT(response, Contains("Content-Type: text/plain; version=0.0.4"));
  return parse_prometheus(response.substr(response.find("\r\n\r\n") + 4));
}

using Metrics = std::map<std::string, double>;

// Scrapes until `ready` holds (bounded: 10 s), returning the last scrape.
template <class Ready>
Metrics scrape_until(std::uint16_t port, Ready ready) {
  Metrics m;
  for (int i = 0; i < 200; ++i) {
    m = scrape(port);
    if (ready(m)) return m;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return m;
}

// Every message of the sample feed processed to its outcome, and the accounting at rest.
bool all_processed(Metrics& m) {
  return m["h2s_messages_total{kind=\"story\"}"] + m["h2s_messages_total{kind=\"control\"}"] +
                 m["h2s_messages_total{kind=\"rejected\"}"] >= kSampleMessages &&
         m["h2s_accounting_balanced"] == 1;
}

std::uint16_t port_after(const h2s::test::Process& daemon, const std::string& prefix) {
  const std::uint16_t port = daemon.announced_port(prefix);
  REQUIRE(port != 0);
  return port;
}

struct Daemon {
  explicit Daemon(const std::string& config_text)
      : config(dir.write("h2s.toml", config_text)), process({H2S_BINARY, "run", "--config", config.string()}) {
    REQUIRE(process.wait_for_err("running (pid", std::chrono::seconds(60)));
    metrics_port = port_after(process, "metrics on http://127.0.0.1:");
  }
  h2s::test::TempDir dir;
  std::filesystem::path config;
  h2s::test::Process process;
  std::uint16_t metrics_port = 0;
};

// Connects to a TCP feed and sends it every line of the sample feed; the connection stays open.
tcp::socket send_sample(asio::io_context& io, std::uint16_t feed_port) {
  tcp::socket sender(io);
  sender.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), feed_port));
  std::string all;
  for (const std::string& line : sample_lines()) all += line;
  asio::write(sender, asio::buffer(all));
  return sender;
}

// The sample feed's messages in one vendor's shape, as that vendor would send them (recorded
// envelopes unwrapped).
std::vector<std::string> vendor_messages(const std::string& marker) {
  std::vector<std::string> out;
  for (std::string line : sample_lines()) {
    line.pop_back();  // the newline
    if (line.find(marker) == std::string::npos) continue;
    if (line.rfind("{\"h2s_recv_us\"", 0) == 0) {
      const std::size_t at = line.find("\"msg\":") + 6;
      line = line.substr(at, line.size() - 1 - at);
    }
    out.push_back(line);
  }
  return out;
}

std::string rules_line() { return "[rules]\npath = \"" + h2s::test::default_rules().string() + "\"\n"; }

}  // namespace

TEST_CASE("h2s run refuses a bad configuration with file:line, and --check-config passes the example") {
  h2s::test::TempDir dir;
  const auto bad = dir.write("bad.toml", rules_line() + R"(
[[feed]]
name = "wire"
type = "tcp_server"
listen = "127.0.0.1:99999"
colour = "blue"

[threads]
idle = "sometimes"

[output.ndjson_tcp]
listen = "localhost"
)");
  const auto r = h2s::test::run_process({H2S_BINARY, "run", "--config", bad.string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("bad.toml:7: 'listen' must be \"HOST:PORT\", not '127.0.0.1:99999'"));
  CHECK_THAT(r.err, Contains("bad.toml:8: unknown key 'colour' in [feed]"));
  CHECK_THAT(r.err, Contains("bad.toml:11: idle strategy must be busy-spin, yield or backoff, not 'sometimes'"));
  CHECK_THAT(r.err, Contains("bad.toml:14: 'listen' must be \"HOST:PORT\", not 'localhost'"));

  const auto broken = dir.write("broken.toml", "[rules\n");
  const auto b = h2s::test::run_process({H2S_BINARY, "run", "--config", broken.string()});
  CHECK(b.exit_code == 2);
  CHECK_THAT(b.err, Contains("broken.toml:1"));

  ::setenv("H2S_SOUP_PASSWORD", "s3cret", 1);
  const auto example = h2s::test::source_dir() / "h2s.example.toml";
  const auto ok = h2s::test::run_process({H2S_BINARY, "run", "--config", example.string(), "--check-config"});
  INFO(ok.err);
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Contains("ok (2 feeds"));
}

TEST_CASE("h2s run --check-config finds what start-up would refuse, naming the key and file:line, secrets only warn") {
  h2s::test::TempDir dir;
  // A port another process holds, for the check to find taken.
  asio::io_context io;
  tcp::acceptor holder(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::string held = std::to_string(holder.local_endpoint().port());
  const std::string free_port = std::to_string(h2s::test::free_tcp_port());
  const auto config = dir.write("machine.toml", rules_line() + R"(
[[feed]]
name = "named"
type = "tcp_server"
listen = "localhost:0"

[[feed]]
name = "folder"
type = "file"
path = ")" + dir.path().string() + R"("

[[feed]]
name = "missing"
type = "file"
path = "no/such/feed.ndjson"

[[feed]]
name = "taken"
type = "tcp_server"
listen = "127.0.0.1:)" + held + R"("

[[feed]]
name = "first"
type = "tcp_server"
listen = "127.0.0.1:)" + free_port + R"("

[threads]
cpu = 4000

[metrics]
listen = "0.0.0.0:)" + free_port + R"("

[output.soupbintcp]
listen = "127.0.0.1:0"
user = "desk"
password_env = "H2S_TEST_UNSET_PASSWORD"

[output.moldudp64]
group = "10.1.2.3:40000"
)");
  ::unsetenv("H2S_TEST_UNSET_PASSWORD");
  const auto r = h2s::test::run_process({H2S_BINARY, "run", "--config", config.string(), "--check-config"});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("machine.toml:7: feed named: listen must be an IP address") && Contains("not the name 'localhost'"));
  CHECK_THAT(r.err, Contains("machine.toml:12: feed 'folder': feed file '") && Contains("is a directory"));
  CHECK_THAT(r.err, Contains("machine.toml:17: feed 'missing': cannot open feed file"));
  CHECK_THAT(r.err, Contains("machine.toml:22: feed taken: listen 127.0.0.1:" + held + " cannot be bound (TCP): Address already in use"));
  CHECK_THAT(r.err, Contains("[metrics]: listen 0.0.0.0:" + free_port + " is also feed first listen (") &&
                        Contains("machine.toml:27)"));
  CHECK_THAT(r.err, Contains("machine.toml:30: [threads] cpu = 4000: cannot pin a thread there"));
  CHECK_THAT(r.err, Contains("warning: ") && Contains("H2S_TEST_UNSET_PASSWORD") && Contains("(needed to run)"));
  CHECK_THAT(r.err, Contains("'group' must be a multicast group (224.0.0.0/4), not '10.1.2.3'"));
  // The start-up refuses the same configuration with the same messages, the secret now an error.
  const auto start = h2s::test::run_process({H2S_BINARY, "run", "--config", config.string()});
  CHECK(start.exit_code == 2);
  CHECK_THAT(start.err, Contains("not the name 'localhost'") && Contains("is a directory") && Contains("cpu = 4000"));
  // A configuration whose only problem is a missing secret: --check-config passes with a warning, --strict does not.
  const auto secret_only = dir.write("secret.toml", rules_line() + R"(
[[feed]]
name = "wire"
type = "tcp_server"
listen = "127.0.0.1:0"

[output.soupbintcp]
listen = "127.0.0.1:0"
user = "desk"
password_env = "H2S_TEST_UNSET_PASSWORD"

[output.moldudp64]
group = "239.192.55.1:40123"
)");
  const auto warned = h2s::test::run_process({H2S_BINARY, "run", "--config", secret_only.string(), "--check-config"});
  CHECK(warned.exit_code == 0);
  CHECK_THAT(warned.out, Contains("ok (1 feeds") && Contains("1 warning"));
  CHECK_THAT(warned.err, Contains("h2s run: warning: ") && Contains("secret.toml:9:") && Contains("H2S_TEST_UNSET_PASSWORD"));
  const auto strict = h2s::test::run_process({H2S_BINARY, "run", "--config", secret_only.string(), "--check-config", "--strict"});
  CHECK(strict.exit_code == 2);
  CHECK_THAT(strict.err, Contains("secret.toml:9:") && Contains("H2S_TEST_UNSET_PASSWORD"));
}

TEST_CASE("h2s run: a TCP sender's lines become signals on NDJSON/TCP, counted per feed, through a reconnect, and a vendor's error reply is logged") {
  Daemon d(rules_line() + R"(
[[feed]]
name = "wire"
type = "tcp_server"
listen = "127.0.0.1:0"

[output.ndjson_tcp]
listen = "127.0.0.1:0"

[metrics]
listen = "127.0.0.1:0"
)");
  const std::uint16_t feed_port = port_after(d.process, "feed wire (tcp_server) listening on port ");
  const std::uint16_t out_port = port_after(d.process, "NDJSON feed on port ");
  asio::io_context io;
  tcp::socket subscriber = h2s::test::connect_local(io, out_port);
  // Admitted before the first line is sent: the daemon's gauge says so.
  REQUIRE(scrape_until(d.metrics_port, [](Metrics& x) { return x["h2s_subscribers{output=\"ndjson_tcp\"}"] == 1; })
              .at("h2s_subscribers{output=\"ndjson_tcp\"}") == 1);

  const std::vector<std::string> lines = sample_lines();
  for (int connection = 0; connection < 2; ++connection) {  // the sender drops and reconnects half way
    tcp::socket sender(io);
    sender.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), feed_port));
    std::string half;
    for (std::size_t i = connection * lines.size() / 2; i < (connection + 1) * lines.size() / 2; ++i) half += lines[i];
    // Source: newsapi.org/docs/errors (the apiKeyInvalid body, tests/feeds/fixtures/vendors).
    if (connection == 1) half += R"({"status":"error","code":"apiKeyInvalid","message":"Your API key is invalid or incorrect."})" "\n";
    asio::write(sender, asio::buffer(half));
    sender.close();
    // The daemon has seen this connection end before the next one is made.
    (void)scrape_until(d.metrics_port, [connection](Metrics& x) {
      return x["h2s_feed_disconnects_total{feed=\"wire\"}"] >= connection + 1;
    });
  }
  const auto m = scrape_until(d.metrics_port, [](Metrics& x) {
    return x["h2s_messages_total{kind=\"story\"}"] + x["h2s_messages_total{kind=\"control\"}"] +
                   x["h2s_messages_total{kind=\"rejected\"}"] >= kSampleMessages + 1 &&
           x["h2s_accounting_balanced"] == 1;
  });
  CHECK(m.at("h2s_feed_messages_total{feed=\"wire\"}") == static_cast<double>(lines.size() + 1));
  CHECK(m.at("h2s_feed_connects_total{feed=\"wire\"}") == 2);
  CHECK(m.at("h2s_feed_disconnects_total{feed=\"wire\"}") == 2);
  CHECK(m.at("h2s_messages_total{kind=\"story\"}") + m.at("h2s_messages_total{kind=\"control\"}") +
            m.at("h2s_messages_total{kind=\"rejected\"}") == kSampleMessages + 1);
  CHECK(m.at("h2s_control_messages_total{reason=\"vendor_error\"}") == 1);
  CHECK(m.at("h2s_rejected_total{reason=\"malformed_json\"}") == 4);
  CHECK(m.at("h2s_accounting_balanced") == 1);
  CHECK(m.at("h2s_subscribers{output=\"ndjson_tcp\"}") == 1);
  const double published = m.at("h2s_signals_published_total") + m.at("h2s_cancels_published_total");
  CHECK(published > 20);
  // Both senders gone: not ready (readiness), though alive (liveness).
  CHECK_THAT(http_get(d.metrics_port, "/healthz"), Contains("503") && Contains("feed wire: no sender connected"));
  CHECK(http_get(d.metrics_port, "/livez").find("200 OK") != std::string::npos);
  CHECK(http_get(d.metrics_port, "/other").find("404") != std::string::npos);

  d.process.signal(SIGTERM);
  const auto result = d.process.wait(std::chrono::seconds(30));
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.err, Contains("level=info event=draining signal=SIGTERM"));
  CHECK_THAT(result.err, Contains("event=stopped"));
  CHECK_THAT(result.err, Contains("accounting=balanced"));
  CHECK_THAT(result.err, Contains("level=warn event=feed_disconnected feed=wire count="));  // structured, summed per interval
  CHECK_THAT(result.err, Contains("level=warn event=messages_rejected reason=malformed_json count="));
  CHECK_THAT(result.err, Contains("level=warn event=vendor_error_replies count=1"));
  const h2s::test::ReadResult received = h2s::test::read_to_end(subscriber);
  CHECK(received.closed_by_peer);  // the daemon closed it at shutdown, after the last line
  std::size_t received_lines = 0;
  for (const char c : received.bytes) received_lines += c == '\n' ? 1 : 0;
  CHECK(static_cast<double>(received_lines) == published);
  CHECK_THAT(received.bytes, Contains("\"type\":\"signal\""));
}

TEST_CASE("h2s run: a TCP client feed reconnects with back-off to a vendor that drops it") {
  asio::io_context io;
  tcp::acceptor vendor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  Daemon d(rules_line() + "[[feed]]\nname = \"vendor\"\ntype = \"tcp_client\"\nconnect = \"127.0.0.1:" +
           std::to_string(vendor.local_endpoint().port()) +
           "\"\nreconnect_initial_ms = 20\nreconnect_max_ms = 200\n\n[metrics]\nlisten = \"127.0.0.1:0\"\n");
  // A metrics client that connects and never sends a request holds the server 2 s at most.
  tcp::socket silent = h2s::test::connect_local(io, d.metrics_port);
  const std::vector<std::string> lines = sample_lines();
  for (int connection = 0; connection < 2; ++connection) {
    tcp::socket socket(io);
    vendor.accept(socket);  // the daemon connects (again, after the drop)
    std::string half;
    for (std::size_t i = connection * lines.size() / 2; i < (connection + 1) * lines.size() / 2; ++i) half += lines[i];
    asio::write(socket, asio::buffer(half));
    socket.close();  // the vendor drops the connection
  }
  const auto m = scrape_until(d.metrics_port, all_processed);
  CHECK(m.at("h2s_feed_messages_total{feed=\"vendor\"}") == static_cast<double>(lines.size()));
  CHECK(m.at("h2s_feed_connects_total{feed=\"vendor\"}") >= 2);
  CHECK(m.at("h2s_feed_disconnects_total{feed=\"vendor\"}") >= 2);
  CHECK(m.at("h2s_accounting_balanced") == 1);
  CHECK(m.at("h2s_story_outcomes_total{outcome=\"no_match\"}") > 50);
  d.process.signal(SIGINT);
  CHECK(d.process.wait(std::chrono::seconds(30)).exit_code == 0);
}

TEST_CASE("h2s run: UDP multicast datagrams are read in batches with kernel receive timestamps") {
  const std::uint16_t group_port = h2s::test::free_udp_port();
  Daemon d(rules_line() + "[[feed]]\nname = \"mcast\"\ntype = \"udp\"\nlisten = \"0.0.0.0:" + std::to_string(group_port) +
           "\"\ngroup = \"239.192.55.1\"\ninterface = \"127.0.0.1\"\n\n[output]\nstdout = true\n\n[metrics]\nlisten = \"127.0.0.1:0\"\n");
  asio::io_context io;
  udp::socket sender(io, udp::endpoint(udp::v4(), 0));
  sender.set_option(asio::ip::multicast::outbound_interface(asio::ip::make_address_v4("127.0.0.1")));
  sender.set_option(asio::ip::multicast::enable_loopback(true));
  const udp::endpoint group(asio::ip::make_address("239.192.55.1"), group_port);
  // A unicast datagram to the feed's port is not the group's: it must never be read as news.
  const std::string stray = R"({"id":"stray-1","headline":"Nvidia raises forecast","published_at":"2025-12-02T13:30:00Z"})" "\n";
  sender.send_to(asio::buffer(stray), udp::endpoint(asio::ip::make_address("127.0.0.1"), group_port));
  const std::vector<std::string> lines = sample_lines();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    sender.send_to(asio::buffer(lines[i]), group);
    if (i % 20 == 19) std::this_thread::sleep_for(std::chrono::milliseconds(5));  // well under the socket buffer
  }
  const std::string two = lines[0] + lines[1];  // two lines in one datagram are two messages
  sender.send_to(asio::buffer(two), group);
  const auto m = scrape_until(d.metrics_port, [](Metrics& x) {
    return x["h2s_messages_total{kind=\"story\"}"] + x["h2s_messages_total{kind=\"control\"}"] +
                   x["h2s_messages_total{kind=\"rejected\"}"] >= kSampleMessages + 2 &&
           x["h2s_accounting_balanced"] == 1;
  });
  CHECK(m.at("h2s_feed_messages_total{feed=\"mcast\"}") == static_cast<double>(lines.size() + 2));  // not the stray
  CHECK(m.at("h2s_feed_kernel_timestamps_total{feed=\"mcast\"}") == static_cast<double>(lines.size() + 1));  // per datagram
  CHECK(m.at("h2s_feed_errors_total{feed=\"mcast\"}") == 0);
  CHECK(m.at("h2s_story_outcomes_total{outcome=\"duplicate\"}") >= 17);  // the repeated pair adds duplicates
  d.process.signal(SIGTERM);
  const auto result = d.process.wait(std::chrono::seconds(30));
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.out, Contains("\"type\":\"signal\""));  // [output] stdout
  CHECK_THAT(result.out, Contains("\"ts_recv_us\":17"));
}

TEST_CASE("h2s run: SIGHUP reloads the rules (a broken pack is refused), SIGTERM ends the SoupBinTCP session") {
  ::setenv("H2S_SOUP_PASSWORD", "s3cret", 1);
  h2s::test::TempDir rules;
  const auto pack = rules.path() / "pack";
  std::filesystem::copy(h2s::test::default_rules(), pack);
  Daemon d("[rules]\npath = \"" + pack.string() + R"("

[[feed]]
name = "wire"
type = "tcp_server"
listen = "127.0.0.1:0"

[output.soupbintcp]
listen = "127.0.0.1:0"
user = "desk"

[metrics]
listen = "127.0.0.1:0"
)");
  const std::uint16_t feed_port = port_after(d.process, "feed wire (tcp_server) listening on port ");
  const std::uint16_t soup_port = port_after(d.process, "SoupBinTCP feed on port ");
  h2s::test::Process tap({H2S_BINARY, "tap", "--soup", "127.0.0.1:" + std::to_string(soup_port), "--user", "desk"});
  REQUIRE(tap.wait_for_err("logged in"));

  rules.write("pack/99_broken.toml", "[[rule]]\nid = \"x\"\ntopic = \"nvda.gpu\"\ntickers = [\"NVDA\"]\npatterns = ['(']\n");
  d.process.signal(SIGHUP);
  REQUIRE(d.process.wait_for_err("level=error event=rules_reload_refused"));
  CHECK_THAT(d.process.err_so_far(), Contains("99_broken.toml:5"));
  std::filesystem::remove(pack / "99_broken.toml");
  d.process.signal(SIGHUP);
  REQUIRE(d.process.wait_for_err("level=info event=rules_reloaded"));

  asio::io_context io;
  tcp::socket sender(io);
  sender.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), feed_port));
  const std::string story =
      R"({"id":"hup-1","headline":"Fed's Waller backs another rate cut","published_at":"2025-12-02T13:30:00Z"})" "\n";
  asio::write(sender, asio::buffer(story));  // taken by the new pack
  const auto m = scrape_until(d.metrics_port, [](Metrics& x) { return x["h2s_signals_published_total"] >= 2; });
  CHECK(m.at("h2s_rule_reloads_total{result=\"swapped\"}") == 1);
  CHECK(m.at("h2s_rule_reloads_total{result=\"refused\"}") == 1);
  CHECK(m.at("h2s_signals_published_total") == 2);  // QQQ and TLT
  CHECK(m.at("h2s_subscribers{output=\"soupbintcp\"}") == 1);

  d.process.signal(SIGTERM);
  CHECK(d.process.wait(std::chrono::seconds(30)).exit_code == 0);
  const auto tapped = tap.wait(std::chrono::seconds(30));
  CHECK(tapped.exit_code == 0);
  CHECK_THAT(tapped.err, Contains("end of session at sequence 3; 0 gaps"));
  CHECK_THAT(tapped.out, Contains("\"story_id\":\"hup-1\""));
}

TEST_CASE("h2s run: record mode captures a live feed with receive times, and h2s replay reads it back whole") {
  Daemon d(rules_line() + R"(
[[feed]]
name = "wire"
type = "tcp_server"
listen = "127.0.0.1:0"
record = "wire.recording.ndjson"

[metrics]
listen = "127.0.0.1:0"
)");
  const std::uint16_t feed_port = port_after(d.process, "feed wire (tcp_server) listening on port ");
  asio::io_context io;
  tcp::socket sender = send_sample(io, feed_port);
  // Recorded counts what reached the file: the recording is flushed every 100 ms.
  const auto m = scrape_until(d.metrics_port, [](Metrics& x) {
    return all_processed(x) && x["h2s_feed_recorded_total{feed=\"wire\"}"] == static_cast<double>(sample_lines().size());
  });
  CHECK(m.at("h2s_feed_recorded_total{feed=\"wire\"}") == static_cast<double>(sample_lines().size()));
  CHECK(m.at("h2s_feed_not_recorded_total{feed=\"wire\"}") == 0);
  d.process.signal(SIGTERM);
  REQUIRE(d.process.wait(std::chrono::seconds(30)).exit_code == 0);

  const auto recording = d.dir.path() / "wire.recording.ndjson";
  const std::string recorded = h2s::test::read_file(recording);
  std::size_t lines = 0;
  for (const char c : recorded) lines += c == '\n' ? 1 : 0;
  CHECK(lines == sample_lines().size());
  CHECK(recorded.rfind("{\"h2s_recv_us\":17", 0) == 0);
  CHECK_THAT(recorded, Contains(",\"feed\":\"wire\",\"msg\":"));
  const auto replayed = h2s::test::run_process({H2S_BINARY, "replay", "--input", recording.string()});
  REQUIRE(replayed.exit_code == 0);
  INFO(replayed.err);
  CHECK_THAT(replayed.err, Contains("messages        226  = stories 211 + control 3 + rejected 12"));
  CHECK_THAT(replayed.err, Contains("accounting balanced"));
  const auto again = h2s::test::run_process({H2S_BINARY, "replay", "--input", recording.string()});
  CHECK(again.out == replayed.out);  // the recording replays deterministically
}

TEST_CASE("h2s run: file feeds end, the daemon lingers serving subscribers, and SIGTERM still ends it at once") {
  Daemon d(rules_line() + "[[feed]]\nname = \"sample\"\ntype = \"file\"\npath = \"" + h2s::test::sample_feed().string() +
           "\"\n\n[metrics]\nlisten = \"127.0.0.1:0\"\n\n[shutdown]\nlinger_ms = 600000\n");
  REQUIRE(d.process.wait_for_err("event=feeds_ended linger_ms=600000"));
  const auto m = scrape(d.metrics_port);
  CHECK(m.at("h2s_messages_total{kind=\"story\"}") == 211);
  CHECK(m.at("h2s_accounting_balanced") == 1);
  const auto before = std::chrono::steady_clock::now();
  d.process.signal(SIGTERM);
  const auto result = d.process.wait(std::chrono::seconds(30));
  CHECK(result.exit_code == 0);
  CHECK(std::chrono::steady_clock::now() - before < std::chrono::seconds(10));
  CHECK_THAT(result.err, Contains("messages=226 stories=211 control=3 rejected=12"));
}

TEST_CASE("h2s run: Alpaca and Benzinga WebSocket/TLS feeds become signals, through a vendor's drop and reconnect") {
  h2s::test::TestCertificate cert;
  const std::vector<std::string> alpaca = vendor_messages("\"T\":\"n\"");
  const std::vector<std::string> benzinga = vendor_messages("\"api_version\"");
  REQUIRE(alpaca.size() > 10);
  REQUIRE(benzinga.size() > 10);
  std::atomic<bool> alpaca_credentials_ok{true}, benzinga_token_ok{false};
  // The vendors send news only once the test's subscriber is admitted (so it misses none).
  std::promise<void> subscriber_in;  // a handshake: set once the daemon's gauge shows the subscriber
  const std::shared_future<void> subscriber_admitted = subscriber_in.get_future().share();
  const auto wait_for_subscriber = [subscriber_admitted] { (void)subscriber_admitted.wait_for(std::chrono::seconds(30)); };
  h2s::test::WebSocketTestServer alpaca_server(cert, [&](h2s::test::WebSocketSession& s, int n) {
    s.send(R"([{"T":"success","msg":"connected"}])");
    if (s.receive() != R"({"action":"auth","key":"AKDAEMON","secret":"daemon-secret"})") alpaca_credentials_ok = false;
    s.send(R"([{"T":"success","msg":"authenticated"}])");
    if (s.receive() != R"({"action":"subscribe","news":["AMZN","*"]})") alpaca_credentials_ok = false;
    s.send(R"([{"T":"subscription","news":["AMZN","*"]}])");
    wait_for_subscriber();
    for (std::size_t i = n * alpaca.size() / 2; i < (n + 1) * alpaca.size() / 2; ++i) s.send(alpaca[i]);
    if (n == 1) s.hold_open();  // the first connection drops: the daemon must come back for the rest
  });
  h2s::test::WebSocketTestServer benzinga_server(cert, [&](h2s::test::WebSocketSession& s, int) {
    benzinga_token_ok = s.target() == "/api/v1/news/stream?token=bz-token";
    wait_for_subscriber();
    for (const std::string& message : benzinga) s.send(message);
    s.hold_open();
  });
  ::setenv("H2S_TEST_ALPACA_KEY", "AKDAEMON", 1);
  ::setenv("H2S_TEST_ALPACA_SECRET", "daemon-secret", 1);
  ::setenv("H2S_TEST_BENZINGA_TOKEN", "bz-token", 1);
  const std::string ca = "ca_file = \"" + cert.cert().string() + "\"\n";
  Daemon d(rules_line() + "[[feed]]\nname = \"alpaca\"\ntype = \"websocket\"\npreset = \"alpaca\"\nurl = \"wss://127.0.0.1:" +
           std::to_string(alpaca_server.port()) + "/v1beta1/news\"\nkey_env = \"H2S_TEST_ALPACA_KEY\"\n"
           "secret_env = \"H2S_TEST_ALPACA_SECRET\"\nsymbols = [\"AMZN\", \"*\"]\nreconnect_initial_ms = 20\n" + ca +
           "\n[[feed]]\nname = \"benzinga\"\ntype = \"websocket\"\npreset = \"benzinga\"\nurl = \"wss://localhost:" +
           std::to_string(benzinga_server.port()) + "/api/v1/news/stream\"\ntoken_env = \"H2S_TEST_BENZINGA_TOKEN\"\n" + ca +
           "\n[output.ndjson_tcp]\nlisten = \"127.0.0.1:0\"\n\n[metrics]\nlisten = \"127.0.0.1:0\"\n");
  asio::io_context io;
  tcp::socket subscriber = h2s::test::connect_local(io, port_after(d.process, "NDJSON feed on port "));
  REQUIRE(scrape_until(d.metrics_port, [](Metrics& x) { return x["h2s_subscribers{output=\"ndjson_tcp\"}"] == 1; })
              .at("h2s_subscribers{output=\"ndjson_tcp\"}") == 1);
  subscriber_in.set_value();
  const double alpaca_messages = static_cast<double>(alpaca.size() + 6);  // + 3 log-in messages per connection
  const double benzinga_messages = static_cast<double>(benzinga.size());
  const auto m = scrape_until(d.metrics_port, [&](Metrics& x) {
    return x["h2s_feed_messages_total{feed=\"alpaca\"}"] == alpaca_messages &&
           x["h2s_feed_messages_total{feed=\"benzinga\"}"] == benzinga_messages && x["h2s_accounting_balanced"] == 1;
  });
  CHECK(alpaca_credentials_ok);
  CHECK(benzinga_token_ok);
  CHECK(m.at("h2s_feed_messages_total{feed=\"alpaca\"}") == alpaca_messages);
  CHECK(m.at("h2s_feed_messages_total{feed=\"benzinga\"}") == benzinga_messages);
  CHECK(m.at("h2s_feed_connects_total{feed=\"alpaca\"}") == 2);
  CHECK(m.at("h2s_feed_disconnects_total{feed=\"alpaca\"}") == 1);
  CHECK(m.at("h2s_feed_connections{feed=\"alpaca\"}") == 1);
  CHECK(m.at("h2s_feed_connects_total{feed=\"benzinga\"}") == 1);
  CHECK(m.at("h2s_feed_websocket_failures_total{feed=\"alpaca\",reason=\"tls\"}") == 0);
  CHECK(m.at("h2s_messages_total{kind=\"control\"}") == 6);
  // The vendors' log-in and subscription replies, by reason.
  CHECK(m.at("h2s_control_messages_total{reason=\"vendor_status\"}") + m.at("h2s_control_messages_total{reason=\"vendor_error\"}") +
            m.at("h2s_control_messages_total{reason=\"empty_page\"}") == 6);
  CHECK(m.at("h2s_control_messages_total{reason=\"vendor_status\"}") == 6);
  CHECK(m.at("h2s_accounting_balanced") == 1);
  CHECK(m.at("h2s_story_outcomes_total{outcome=\"signalled\"}") > 5);
  const double published = m.at("h2s_signals_published_total") + m.at("h2s_cancels_published_total");
  d.process.signal(SIGTERM);
  const auto result = d.process.wait(std::chrono::seconds(30));
  CHECK(result.exit_code == 0);
  const h2s::test::ReadResult received = h2s::test::read_to_end(subscriber);
  std::size_t received_lines = 0;
  for (const char c : received.bytes) received_lines += c == '\n' ? 1 : 0;
  CHECK(static_cast<double>(received_lines) == published);
  CHECK_THAT(received.bytes, Contains("\"vendor\":\"alpaca\""));
  CHECK_THAT(received.bytes, Contains("\"vendor\":\"benzinga\""));
}

TEST_CASE("h2s run refuses keys of the other WebSocket preset, a queue beyond 1 GiB and one CPU for both threads") {
  h2s::test::TempDir dir;
  ::setenv("H2S_TEST_BZ_TOKEN", "t", 1);
  const auto config = dir.write("h2s.toml", rules_line() + "[[feed]]\nname = \"bz\"\ntype = \"websocket\"\npreset = \"benzinga\"\n"
                                                           "token_env = \"H2S_TEST_BZ_TOKEN\"\nsymbols = [\"AMZN\"]\n\n"
                                                           "[threads]\nlayout = \"split\"\nqueue_depth = 2048\ncpu = 1\nfeed_cpu = 1\n");
  const auto result = h2s::test::run_process({H2S_BINARY, "run", "--config", config.string(), "--check-config"});
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.err, Contains("h2s.toml:8: feed 'bz': 'symbols' does not apply to the benzinga preset"));
  CHECK_THAT(result.err, Contains("the queue would take 2056 MiB"));
  CHECK_THAT(result.err, Contains("cpu and feed_cpu must differ"));
}

TEST_CASE("h2s run: a WebSocket feed whose credentials are not in the environment fails start-up, naming the variable") {
  h2s::test::TempDir dir;
  ::unsetenv("H2S_TEST_MISSING_TOKEN");
  const auto config = dir.write("h2s.toml", rules_line() + "[[feed]]\nname = \"bz\"\ntype = \"websocket\"\npreset = \"benzinga\"\n"
                                                           "token_env = \"H2S_TEST_MISSING_TOKEN\"\n");
  const auto result = h2s::test::run_process({H2S_BINARY, "run", "--config", config.string()});
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.err, Contains("h2s.toml:7: feed 'bz': the environment variable H2S_TEST_MISSING_TOKEN (token_env) is not set"));
  // Validation alone needs no secrets: a warning, unless --strict.
  const auto checked = h2s::test::run_process({H2S_BINARY, "run", "--config", config.string(), "--check-config"});
  CHECK(checked.exit_code == 0);
  CHECK_THAT(checked.err, Contains("warning: ") && Contains("H2S_TEST_MISSING_TOKEN (token_env) is not set (needed to run)"));
  const auto strict = h2s::test::run_process({H2S_BINARY, "run", "--config", config.string(), "--check-config", "--strict"});
  CHECK(strict.exit_code == 2);
  CHECK_THAT(strict.err, Contains("h2s.toml:7: feed 'bz': the environment variable H2S_TEST_MISSING_TOKEN (token_env) is not set"));
}

TEST_CASE("h2s run: the split layout (feeds on their own thread, a bounded queue) and per-stage latency histograms") {
  Daemon d(rules_line() + R"(
[[feed]]
name = "wire"
type = "tcp_server"
listen = "127.0.0.1:0"

[threads]
layout = "split"
queue_depth = 8
overflow = "backpressure"

[logging]
format = "json"
interval_ms = 100

[metrics]
listen = "127.0.0.1:0"
)");
  CHECK_THAT(d.process.err_so_far(), Contains("split layout"));
  const std::uint16_t feed_port = port_after(d.process, "feed wire (tcp_server) listening on port ");
  asio::io_context io;
  tcp::socket sender = send_sample(io, feed_port);
  // At rest: every message processed, and the last signal's end-to-end time recorded too.
  const auto m = scrape_until(d.metrics_port, [](Metrics& x) {
    return all_processed(x) && x["h2s_end_to_end_latency_seconds_count{path=\"receive_to_publish\"}"] ==
                                   x["h2s_signals_published_total"];
  });
  CHECK(m.at("h2s_messages_total{kind=\"story\"}") == 211);
  CHECK(m.at("h2s_accounting_balanced") == 1);
  CHECK(m.at("h2s_queue_capacity") == 8);
  CHECK(m.at("h2s_queue_depth") == 0);
  CHECK(m.at("h2s_queue_overflows_total{policy=\"backpressure\"}") >= 0);
  CHECK(m.at("h2s_rejected_total{reason=\"queue_full\"}") == 0);
  // Every story is decoded and scored; every published signal has an end-to-end latency.
  CHECK(m.at("h2s_stage_latency_seconds_count{stage=\"decode\"}") == 211);
  CHECK(m.at("h2s_stage_latency_seconds_count{stage=\"score\"}") == 211);
  CHECK(m.at("h2s_stage_latency_seconds_count{stage=\"match\"}") > 100);
  CHECK(m.at("h2s_end_to_end_latency_seconds_count{path=\"receive_to_publish\"}") == m.at("h2s_signals_published_total"));
  CHECK(m.at("h2s_stage_latency_seconds_bucket{stage=\"match\",le=\"+Inf\"}") == m.at("h2s_stage_latency_seconds_count{stage=\"match\"}"));
  CHECK(m.at("h2s_stage_latency_seconds_bucket{stage=\"match\",le=\"0.001\"}") <= m.at("h2s_stage_latency_seconds_bucket{stage=\"match\",le=\"0.01\"}"));
  CHECK(m.at("h2s_stage_latency_seconds_sum{stage=\"match\"}") > 0);
  d.process.signal(SIGTERM);
  const auto result = d.process.wait(std::chrono::seconds(30));
  CHECK(result.exit_code == 0);
  // However the interval boundaries fall, the totals add up to the three malformed lines.
  CHECK_THAT(result.err, Contains(R"("level":"warn","event":"messages_rejected","reason":"malformed_json","count":)"));
  CHECK_THAT(result.err, Contains(R"("reason":"malformed_json","count":)") && Contains(R"(,"total":4})"));
  CHECK_THAT(result.err, Contains(R"("event":"stopped")"));
  CHECK_THAT(result.err, Contains(R"("messages":226,"stories":211,"control":3,"rejected":12)"));
  CHECK_THAT(result.err, Contains(R"("accounting":"balanced")"));
}

TEST_CASE("h2s record: a configured live feed captured to a recording, stopped by SIGINT, replayed whole") {
  h2s::test::TempDir dir;
  const auto config = dir.write("record.toml", rules_line() + R"(
[[feed]]
name = "wire"
type = "tcp_server"
listen = "127.0.0.1:0"

[[feed]]
name = "other"
type = "tcp_server"
listen = "127.0.0.1:0"
)");
  const auto recording = dir.path() / "today.ndjson";
  h2s::test::Process recorder({H2S_BINARY, "record", "--config", config.string(), "--feed", "wire", "--output", recording.string()});
  REQUIRE(recorder.wait_for_err("recording; SIGINT", std::chrono::seconds(30)));
  CHECK_THAT(recorder.err_so_far(), !Contains("feed other"));  // only the chosen feed
  const std::uint16_t feed_port = port_after(recorder, "feed wire (tcp_server) listening on port ");
  asio::io_context io;
  tcp::socket sender = send_sample(io, feed_port);
  sender.close();
  // Everything sent is on disk within the 100 ms flush interval once read; bounded wait.
  const auto recorded_lines = [&] {
    std::ifstream in(recording);
    return static_cast<std::size_t>(std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n'));
  };
  for (int i = 0; i < 200 && recorded_lines() < sample_lines().size(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  recorder.signal(SIGINT);
  const auto result = recorder.wait(std::chrono::seconds(30));
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.err, Contains("wire: " + std::to_string(sample_lines().size()) + " messages recorded, 0 not recorded"));
  const auto replayed = h2s::test::run_process({H2S_BINARY, "replay", "--input", recording.string()});
  CHECK(replayed.exit_code == 0);
  CHECK_THAT(replayed.err, Contains("messages        226  = stories 211 + control 3 + rejected 12"));
  CHECK_THAT(h2s::test::read_file(recording), Contains(",\"feed\":\"wire\",\"msg\":"));

  const auto unknown = h2s::test::run_process({H2S_BINARY, "record", "--config", config.string(), "--feed", "nope", "--output", recording.string()});
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.err, Contains("no feed named 'nope'"));
}

TEST_CASE("h2s run: a feed that sends a 100 MB line loses that line only (oversized), without buffering it") {
  Daemon d(rules_line() + R"(
[[feed]]
name = "wire"
type = "tcp_server"
listen = "127.0.0.1:0"

[metrics]
listen = "127.0.0.1:0"
)");
  const std::uint16_t feed_port = port_after(d.process, "feed wire (tcp_server) listening on port ");
  const std::size_t rss_before = d.process.rss_kib();
  asio::io_context io;
  tcp::socket sender(io);
  sender.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), feed_port));
  const std::string chunk(1 << 20, 'x');
  asio::write(sender, asio::buffer(std::string(R"({"id":"huge","headline":")")));
  for (int i = 0; i < 100; ++i) asio::write(sender, asio::buffer(chunk));
  asio::write(sender, asio::buffer(std::string("\"}\n") +
                                   R"({"id":"after","headline":"Fed's Waller backs another rate cut","published_at":"2025-12-02T13:30:00Z"})" "\n"));
  const auto m = scrape_until(d.metrics_port, [](Metrics& x) {
    return x["h2s_messages_total{kind=\"story\"}"] + x["h2s_messages_total{kind=\"rejected\"}"] >= 2;
  });
  CHECK(m.at("h2s_rejected_total{reason=\"oversized\"}") == 1);
  CHECK(m.at("h2s_messages_total{kind=\"story\"}") == 1);  // the line after it is intact
  CHECK(m.at("h2s_feed_bytes_total{feed=\"wire\"}") > 100e6);
  CHECK(d.process.rss_kib() < rss_before + 32 * 1024);  // skipped as it streamed past, never held
  d.process.signal(SIGTERM);
  CHECK(d.process.wait(std::chrono::seconds(30)).exit_code == 0);
}

TEST_CASE("h2s run: a sender dropping mid-message costs that message only (counted), and a full disk stops the recording, not the feed") {
  Daemon d(rules_line() + R"(
[[feed]]
name = "wire"
type = "tcp_server"
listen = "127.0.0.1:0"
record = "/dev/full"

[logging]
interval_ms = 100

[metrics]
listen = "127.0.0.1:0"
)");
  const std::uint16_t feed_port = port_after(d.process, "feed wire (tcp_server) listening on port ");
  asio::io_context io;
  {
    tcp::socket torn(io);
    torn.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), feed_port));
    asio::write(torn, asio::buffer(std::string(R"({"id":"torn","headline":"Broadcom lifts AI revenue out)")));
  }  // closed mid-line
  tcp::socket sender = send_sample(io, feed_port);  // the sender reconnects and goes on
  const auto m = scrape_until(d.metrics_port, [](Metrics& x) {
    return x["h2s_messages_total{kind=\"story\"}"] + x["h2s_messages_total{kind=\"control\"}"] +
                   x["h2s_messages_total{kind=\"rejected\"}"] >= kSampleMessages + 1 &&
           x["h2s_accounting_balanced"] == 1 && x["h2s_feed_not_recorded_total{feed=\"wire\"}"] > 0;
  });
  CHECK(m.at("h2s_rejected_total{reason=\"malformed_json\"}") == 4 + 1);  // the sample's four, and the torn line
  CHECK(m.at("h2s_messages_total{kind=\"story\"}") == 211);
  CHECK(m.at("h2s_feed_connects_total{feed=\"wire\"}") == 2);
  CHECK(m.at("h2s_feed_not_recorded_total{feed=\"wire\"}") > 0);  // ENOSPC: the recording stopped, counted
  CHECK(m.at("h2s_signals_published_total") > 20);                  // the feed did not
  d.process.signal(SIGTERM);
  const auto result = d.process.wait(std::chrono::seconds(30));
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.err, Contains("level=error event=recording_missed feed=wire count="));
  CHECK_THAT(result.err, Contains("level=error event=recording_failed feed=wire error=\"No space left on device\""));
}

TEST_CASE("h2s run: a SIGHUP during start-up is queued, not fatal: the daemon starts and then reloads") {
  h2s::test::TempDir dir;
  // A cache of its own, so the pack is compiled while the signal arrives (in the sanitizer builds,
  // where that compile is slow, the run's shared one: a signal after start-up must be as harmless).
#ifdef H2S_SANITIZER_BUILD
  const char* shared = std::getenv("H2S_RULES_CACHE_DIR");
  const std::string cache = shared != nullptr && *shared != '\0' ? std::string(shared) : (dir.path() / "cache").string();
#else
  const std::string cache = (dir.path() / "cache").string();
#endif
  const auto config = dir.write("h2s.toml", "[rules]\npath = \"" + h2s::test::default_rules().string() + "\"\ncache_dir = \"" +
                                                cache + "\"\nreload_on_sighup = true\n" + R"(
[[feed]]
name = "wire"
type = "tcp_server"
listen = "127.0.0.1:0"
)");
  h2s::test::Process daemon({H2S_BINARY, "run", "--config", config.string()});
  REQUIRE(daemon.wait_for_err("h2s run: loading rules from"));  // signals are blocked from here on
  daemon.signal(SIGHUP);
  REQUIRE(daemon.wait_for_err("running (pid", std::chrono::seconds(120)));
  REQUIRE(daemon.wait_for_err("event=rules_reloaded", std::chrono::seconds(120)));
  daemon.signal(SIGTERM);
  const auto result = daemon.wait(std::chrono::seconds(60));
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.err, Contains("event=stopped"));
}

TEST_CASE("h2s record exits non-zero when a client feed never connected, saying so") {
  h2s::test::TempDir dir;
  // A port nobody listens on: bound and closed again, so connecting is refused.
  std::uint16_t dead_port = 0;
  {
    asio::io_context io;
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    dead_port = probe.local_endpoint().port();
  }
  const auto config = dir.write("h2s.toml", rules_line() + "[[feed]]\nname = \"vendor\"\ntype = \"tcp_client\"\nconnect = \"127.0.0.1:" +
                                                std::to_string(dead_port) + "\"\n");
  const auto result = h2s::test::run_process({H2S_BINARY, "record", "--config", config.string(), "--output",
                                              (dir.path() / "out.ndjson").string(), "--seconds", "1"});
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.err, Contains("vendor never connected") && Contains("nothing could be recorded"));
}

TEST_CASE("h2s run: /metrics serves clients concurrently (silent ones hold only themselves), a POST gets 405, /livez answers") {
  Daemon d(rules_line() + "[[feed]]\nname = \"wire\"\ntype = \"tcp_server\"\nlisten = \"127.0.0.1:0\"\n\n[metrics]\nlisten = \"127.0.0.1:0\"\n");
  asio::io_context io;
  // Ten clients that connect and say nothing: each holds its own connection until its deadline.
  std::vector<tcp::socket> silent;
  for (int i = 0; i < 10; ++i) silent.push_back(h2s::test::connect_local(io, d.metrics_port, 5));
  const auto started = std::chrono::steady_clock::now();
  const std::string scrape = http_get(d.metrics_port, "/metrics");
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(scrape.find("200 OK") != std::string::npos);
  CHECK(scrape.find("h2s_messages_total") != std::string::npos);
  CHECK(took < std::chrono::seconds(10));  // not queued behind the silent ones (one at a time: 10 x 2 s)
  // A request with a body is answered, not dropped.
  tcp::socket post = h2s::test::connect_local(io, d.metrics_port, 5);
  const std::string request = "POST /metrics HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
  asio::write(post, asio::buffer(request));
  const std::string refused = h2s::test::read_to_end(post).bytes;
  CHECK(refused.find("405 Method Not Allowed") != std::string::npos);
  CHECK(refused.find("Allow: GET, HEAD") != std::string::npos);
  CHECK(http_get(d.metrics_port, "/livez").find("200 OK") != std::string::npos);
  d.process.signal(SIGTERM);
  CHECK(d.process.wait(std::chrono::seconds(30)).exit_code == 0);
}

TEST_CASE("h2s run: a reload compiles off the signal-handling thread, SIGTERM during a long compile stops at once") {
  h2s::test::TempDir dir;
  std::filesystem::copy(h2s::test::default_rules(), dir.path() / "pack");
  const auto config = dir.write("h2s.toml", "[rules]\npath = \"" + (dir.path() / "pack").string() + "\"\nreload_on_sighup = true\n" + R"(
[[feed]]
name = "wire"
type = "tcp_server"
listen = "127.0.0.1:0"
)");
  h2s::test::Process daemon({H2S_BINARY, "run", "--config", config.string()});
  REQUIRE(daemon.wait_for_err("running (pid", std::chrono::seconds(120)));
  // The pack on disk becomes one of 10,000 patterns, never compiled before: its compile takes seconds.
  h2s::perf::generate_pack(h2s::test::default_rules(), dir.path() / "big", 10'000);
  std::filesystem::remove_all(dir.path() / "pack");
  std::filesystem::rename(dir.path() / "big", dir.path() / "pack");
  daemon.signal(SIGHUP);
  REQUIRE(daemon.wait_for_err("event=rules_reload_started"));
  daemon.signal(SIGTERM);
  // Stopped with the compile still running: abandoned, not waited for, and never swapped in.
  const auto result = daemon.wait(std::chrono::seconds(20));
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.err, Contains("level=warn event=rules_reload_abandoned") && Contains("event=stopped"));
  CHECK_THAT(result.err, !Contains("event=rules_reloaded"));
}

TEST_CASE("h2s run: /healthz is readiness: every required feed connected and fresh within stale_after_ms") {
  Daemon d(rules_line() + R"(
[[feed]]
name = "wire"
type = "tcp_server"
listen = "127.0.0.1:0"
stale_after_ms = 1500

[[feed]]
name = "spare"
type = "tcp_server"
listen = "127.0.0.1:0"
required = false

[metrics]
listen = "127.0.0.1:0"
)");
  const std::uint16_t feed_port = port_after(d.process, "feed wire (tcp_server) listening on port ");
  // Polls /healthz until `wanted` (bounded), doing `between` before each try.
  const auto healthz_until = [&](const std::function<bool(const std::string&)>& wanted, const std::function<void()>& between) {
    std::string body;
    for (int i = 0; i < 300; ++i) {
      between();
      body = http_get(d.metrics_port, "/healthz");
      if (wanted(body)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return body;
  };
  const std::string before = http_get(d.metrics_port, "/healthz");
  CHECK_THAT(before, Contains("503") && Contains("feed wire: no sender connected"));
  CHECK_THAT(before, !Contains("spare"));  // not required: never holds readiness back
  asio::io_context io;
  tcp::socket sender(io);
  sender.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), feed_port));
  const std::string line = R"({"id":"h","headline":"Fed's Powell says rates will stay on hold"})" "\n";
  // A sender delivering: ready.
  const std::string ready = healthz_until([](const std::string& b) { return b.find("200 OK") != std::string::npos; },
                                          [&] { asio::write(sender, asio::buffer(line)); });
  CHECK_THAT(ready, Contains("200 OK") && Contains("ready"));
  // The sender falls silent: stale after 1.5 s.
  const std::string stale = healthz_until([](const std::string& b) { return b.find("503") != std::string::npos; }, [] {});
  CHECK_THAT(stale, Contains("503") && Contains("feed wire: no message for") && Contains("stale_after_ms = 1500"));
  CHECK_THAT(stale, !Contains("no sender connected"));
  sender.close();
  const std::string gone = healthz_until(
      [](const std::string& b) { return b.find("no sender connected") != std::string::npos; }, [] {});
  CHECK_THAT(gone, Contains("503") && Contains("feed wire: no sender connected"));
  CHECK(http_get(d.metrics_port, "/livez").find("200 OK") != std::string::npos);
  d.process.signal(SIGTERM);
  CHECK(d.process.wait(std::chrono::seconds(30)).exit_code == 0);
}

TEST_CASE("h2s run: silent senders are closed after idle_timeout_ms, so they cannot hold every slot of a tcp_server feed") {
  Daemon d(rules_line() + R"(
[[feed]]
name = "wire"
type = "tcp_server"
listen = "127.0.0.1:0"
max_connections = 2
idle_timeout_ms = 400

[metrics]
listen = "127.0.0.1:0"
)");
  const std::uint16_t feed_port = port_after(d.process, "feed wire (tcp_server) listening on port ");
  asio::io_context io;
  std::vector<tcp::socket> idle;
  for (int i = 0; i < 2; ++i) {
    idle.emplace_back(io);
    idle.back().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), feed_port));
  }
  // Both slots taken by senders that say nothing; then both are closed for it.
  auto m = scrape_until(d.metrics_port, [](Metrics& x) { return x["h2s_feed_connects_total{feed=\"wire\"}"] == 2; });
  CHECK(m.at("h2s_feed_connects_total{feed=\"wire\"}") == 2);
  m = scrape_until(d.metrics_port, [](Metrics& x) { return x["h2s_feed_idle_closed_total{feed=\"wire\"}"] == 2; });
  CHECK(m.at("h2s_feed_idle_closed_total{feed=\"wire\"}") == 2);
  CHECK(m.at("h2s_feed_connections{feed=\"wire\"}") == 0);
  for (auto& socket : idle) CHECK(h2s::test::read_to_end(socket).closed_by_peer);  // closed by the daemon
  // A sender that speaks now gets a slot and is heard.
  tcp::socket sender(io);
  sender.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), feed_port));
  asio::write(sender, asio::buffer(std::string(R"({"id":"i1","headline":"Nvidia raises forecast"})" "\n")));
  m = scrape_until(d.metrics_port, [](Metrics& x) { return x["h2s_feed_messages_total{feed=\"wire\"}"] == 1; });
  CHECK(m.at("h2s_feed_messages_total{feed=\"wire\"}") == 1);
  d.process.signal(SIGTERM);
  const auto result = d.process.wait(std::chrono::seconds(30));
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.err, Contains("level=warn event=feed_idle_closed feed=wire count="));
}
