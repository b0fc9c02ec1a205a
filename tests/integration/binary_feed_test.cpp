// A running `h2s replay` serving the binary feed: a SoupBinTCP subscriber logs in, replays from
// sequence 1 and follows live signals to End of Session; they match the NDJSON output exactly.
#include <catch2/catch.hpp>

#include <boost/asio.hpp>
#include <simdjson.h>

#include <csignal>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "h2s/publish/soupbintcp.hpp"
#include "h2s/publish/wire.hpp"
#include "socket_io.hpp"
#include "subprocess.hpp"
#include "test_paths.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// A tap's JSON lines against the replay's own: same signals, same order, every field; scores the
// same to the digit (both print the wire's fixed point).
void expect_same_signals(const std::string& replayed, const std::string& tapped) {
  simdjson::dom::parser a_parser, b_parser;
  std::stringstream a_lines(replayed), b_lines(tapped);
  std::string a, b;
  std::size_t n = 0;
  while (std::getline(a_lines, a)) {
    REQUIRE(std::getline(b_lines, b));
    simdjson::dom::element x, y;
    REQUIRE(a_parser.parse(a).get(x) == simdjson::SUCCESS);
    REQUIRE(b_parser.parse(b).get(y) == simdjson::SUCCESS);
    REQUIRE(std::string_view(x["type"]) == std::string_view(y["type"]));
    if (std::string_view(x["type"]) == "cancel") {
      CHECK(a == b);  // a cancel has no fixed-point fields: the lines are byte-identical
      ++n;
      continue;
    }
    for (const char* key : {"seq", "ts_source_us", "ts_recv_us", "ts_signal_us"}) CHECK(int64_t(x[key]) == int64_t(y[key]));
    for (const char* key : {"story_id", "chain_id", "vendor", "ticker", "side", "topic", "rule"}) {
      CHECK(std::string_view(x[key]) == std::string_view(y[key]));
    }
    CHECK(a == b);  // byte-identical lines: one number on both outputs
    ++n;
  }
  CHECK_FALSE(std::getline(b_lines, b));
  CHECK(n > 50);
}

// A SoupBinTCP subscriber connected to `port` on 127.0.0.1, its Login Request sent (replay from 1).
void log_in(tcp::socket& socket, std::uint16_t port) {
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  timeval timeout{10, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::uint8_t login[64];
  asio::write(socket, asio::buffer(login, h2s::soup::encode_login_request("desk", "s3cret", "", 1, login)));
}

// Everything a SoupBinTCP subscriber receives up to End of Session (or the socket's end).
struct SoupSession {
  std::vector<h2s::Signal> signals;
  std::vector<h2s::Cancel> cancels;
  std::string order;  // 'S' signal, 'C' cancel, in arrival order
  char last = 0;
  bool accepted = false;
};

SoupSession read_session(tcp::socket& socket) {
  SoupSession session;
  for (;;) {
    std::uint8_t length[2];
    boost::system::error_code ec;
    asio::read(socket, asio::buffer(length), ec);
    if (ec) break;
    std::vector<std::uint8_t> body((length[0] << 8) | length[1]);
    asio::read(socket, asio::buffer(body), ec);
    REQUIRE_FALSE(ec);
    session.last = static_cast<char>(body[0]);
    if (session.last == 'A') session.accepted = true;
    if (session.last == 'S' && body[1] == h2s::wire::kSignalType) {
      REQUIRE(body.size() - 1 == sizeof(h2s::wire::SignalMessage));
      h2s::wire::SignalMessage message;
      std::memcpy(&message, body.data() + 1, sizeof message);
      h2s::Signal signal;
      REQUIRE(h2s::wire::decode(message, signal) == h2s::Status::ok);
      session.signals.push_back(signal);
      session.order += 'S';
    }
    if (session.last == 'S' && body[1] == h2s::wire::kCancelType) {
      REQUIRE(body.size() - 1 == sizeof(h2s::wire::CancelMessage));
      h2s::wire::CancelMessage message;
      std::memcpy(&message, body.data() + 1, sizeof message);
      h2s::Cancel cancel;
      REQUIRE(h2s::wire::decode(message, cancel) == h2s::Status::ok);
      session.cancels.push_back(cancel);
      session.order += 'C';
    }
    if (session.last == 'Z') break;
  }
  return session;
}

}  // namespace

TEST_CASE("h2s replay serves its signals over SoupBinTCP, sequenced as on stdout, then End of Session") {
  ::setenv("H2S_SOUP_PASSWORD", "s3cret", 1);
  const std::string feed = h2s::test::read_file(h2s::test::sample_feed());
  h2s::test::Process replay({H2S_BINARY, "replay", "--input", "-", "--soup-listen", "127.0.0.1:0", "--soup-user", "desk",
                             "--session", "SAMPLE"},
                            true);
  // The port is announced on stderr once the feed is up.
  const std::uint16_t port = replay.announced_port("SoupBinTCP feed on port ");
  REQUIRE(port != 0);

  asio::io_context io;
  tcp::socket socket(io);
  log_in(socket, port);
  replay.write_stdin(feed);  // the feed flows only after the subscriber is in
  replay.close_stdin();

  const SoupSession session = read_session(socket);
  const std::vector<h2s::Signal>& received = session.signals;
  const std::vector<h2s::Cancel>& cancels = session.cancels;
  const auto result = replay.wait();
  REQUIRE(result.exit_code == 0);
  CHECK(session.accepted);
  CHECK(session.last == 'Z');

  // Same signals, same order, same sequence numbers as the JSON lines.
  simdjson::dom::parser parser;
  std::stringstream lines(result.out);
  std::string line;
  std::size_t i = 0, c = 0;
  while (std::getline(lines, line)) {
    simdjson::dom::element doc;
    REQUIRE(parser.parse(line).get(doc) == simdjson::SUCCESS);
    if (std::string_view(doc["type"]) == "cancel") {
      REQUIRE(c < cancels.size());
      CHECK(cancels[c].seq == static_cast<std::uint64_t>(int64_t(doc["seq"])));
      CHECK(cancels[c].cancelled == static_cast<std::uint64_t>(int64_t(doc["cancels"])));
      CHECK(cancels[c].story_id.view() == std::string_view(doc["story_id"]));
      ++c;
      continue;
    }
    REQUIRE(i < received.size());
    CHECK(received[i].seq == static_cast<std::uint64_t>(int64_t(doc["seq"])));
    CHECK(received[i].story_id.view() == std::string_view(doc["story_id"]));
    CHECK(received[i].ticker.view() == std::string_view(doc["ticker"]));
    CHECK(std::string(h2s::to_string(received[i].side)) == std::string_view(doc["side"]));
    CHECK(received[i].ts_signal_us == int64_t(doc["ts_signal_us"]));
    ++i;
  }
  CHECK(i == received.size());
  CHECK(i > 50);
  CHECK(c == cancels.size());
  CHECK(c >= 2);  // the sample's deletes of signalled stories, and revisions that flip a side
}

TEST_CASE("h2s tap prints a running feed's signals as JSON, matching the replay's own output") {
  ::setenv("H2S_SOUP_PASSWORD", "s3cret", 1);
  const std::string feed = h2s::test::read_file(h2s::test::sample_feed());
  h2s::test::Process replay({H2S_BINARY, "replay", "--input", "-", "--soup-listen", "127.0.0.1:0", "--soup-user", "desk"},
                            true);
  const std::uint16_t port = replay.announced_port("SoupBinTCP feed on port ");
  REQUIRE(port != 0);
  h2s::test::Process tap({H2S_BINARY, "tap", "--soup", "127.0.0.1:" + std::to_string(port), "--user", "desk"});
  REQUIRE(tap.wait_for_err("logged in to session H2S"));
  replay.write_stdin(feed);
  replay.close_stdin();
  const auto replayed = replay.wait();
  const auto tapped = tap.wait(std::chrono::seconds(30));
  REQUIRE(replayed.exit_code == 0);
  INFO(tapped.err);
  REQUIRE(tapped.exit_code == 0);
  CHECK_THAT(tapped.err, Catch::Matchers::Contains("end of session"));
  CHECK_THAT(tapped.err, Catch::Matchers::Contains("0 gaps"));

  expect_same_signals(replayed.out, tapped.out);
}

TEST_CASE("h2s tap joins MoldUDP64 late and fills the gap from the retransmission server") {
  const std::uint16_t group_port = h2s::test::free_udp_port();
  const std::string group = "239.192.9.1:" + std::to_string(group_port);
  std::stringstream feed(h2s::test::read_file(h2s::test::sample_feed()));
  std::string first_half, second_half, line;
  for (int i = 0; std::getline(feed, line); ++i) (i < 90 ? first_half : second_half) += line + "\n";

  h2s::test::Process replay({H2S_BINARY, "replay", "--input", "-", "--mold-group", group, "--linger-ms", "1500"}, true);
  const std::uint16_t retransmit = replay.announced_port("retransmissions on port ");
  REQUIRE(retransmit != 0);
  replay.write_stdin(first_half);  // published before anyone listens
  REQUIRE(replay.wait_for_out(R"("seq":1,)"));  // out on stdout: already multicast, so the tap must ask for it

  h2s::test::Process tap({H2S_BINARY, "tap", "--mold", group, "--retransmit", "127.0.0.1:" + std::to_string(retransmit),
                          "--from", "1"});
  REQUIRE(tap.wait_for_err("joined session H2S"));
  replay.write_stdin(second_half);
  replay.close_stdin();
  const auto replayed = replay.wait();
  const auto tapped = tap.wait(std::chrono::seconds(30));
  REQUIRE(replayed.exit_code == 0);
  INFO(tapped.err);
  REQUIRE(tapped.exit_code == 0);
  CHECK_THAT(tapped.err, Catch::Matchers::Contains("requesting retransmission"));
  CHECK_THAT(tapped.err, Catch::Matchers::Contains("0 unfilled"));

  // Every signal, in sequence order, the early ones from the retransmission server.
  expect_same_signals(replayed.out, tapped.out);
}

TEST_CASE("A paced replay serves logins, due signals and heartbeats while it waits, SIGINT ends the session") {
  ::setenv("H2S_SOUP_PASSWORD", "s3cret", 1);
  h2s::test::TempDir dir;
  // Due at once, two seconds later, and an hour later: the replay is waiting when the subscriber comes.
  const auto feed = dir.write("paced.ndjson",
      R"({"id":"p1","headline":"Nvidia raises data center revenue forecast on Blackwell demand","tickers":["NVDA"],"published_at":"2025-12-02T13:30:00Z"})" "\n"
      R"({"id":"p2","headline":"Broadcom raises AI revenue forecast on strong custom accelerator demand","tickers":["AVGO"],"published_at":"2025-12-02T13:30:02Z"})" "\n"
      R"({"id":"p3","headline":"Nvidia raises its dividend","tickers":["NVDA"],"published_at":"2025-12-02T14:30:00Z"})" "\n");
  for (const char* layout : {"fused", "split"}) {
    INFO("layout " << layout);
    h2s::test::Process replay({H2S_BINARY, "replay", "--input", feed.string(), "--speed", "realtime", "--layout", layout,
                               "--soup-listen", "127.0.0.1:0", "--soup-user", "desk", "--quiet"});
    const std::uint16_t port = replay.announced_port("SoupBinTCP feed on port ");
    REQUIRE(port != 0);
    REQUIRE(replay.wait_for_out(R"("story_id":"p1")", std::chrono::seconds(60)));  // now in a paced wait
    asio::io_context io;
    tcp::socket socket(io);
    log_in(socket, port);
    // Read until two signals and a heartbeat have arrived (each read bounded by SO_RCVTIMEO).
    bool accepted = false;
    int signals = 0, heartbeats = 0;
    while (signals < 2 || heartbeats < 1) {
      std::uint8_t length[2];
      boost::system::error_code ec;
      asio::read(socket, asio::buffer(length), ec);
      REQUIRE_FALSE(ec);
      std::vector<std::uint8_t> body((length[0] << 8) | length[1]);
      asio::read(socket, asio::buffer(body), ec);
      REQUIRE_FALSE(ec);
      accepted = accepted || body[0] == 'A';
      signals += body[0] == 'S' ? 1 : 0;
      heartbeats += body[0] == 'H' ? 1 : 0;
    }
    CHECK(accepted);
    replay.signal(SIGINT);
    const SoupSession rest = read_session(socket);
    CHECK(rest.last == 'Z');  // End of Session, though the input was not at its end
    const auto result = replay.wait();
    CHECK(result.exit_code == 128 + SIGINT);
  }
}

TEST_CASE("h2s tap ignores Debug packets from the server, before and after the data") {
  // A SoupBinTCP server of the test's own, which sends Debug packets as the spec lets either side do.
  ::setenv("H2S_SOUP_PASSWORD", "s3cret", 1);
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  h2s::test::Process tap({H2S_BINARY, "tap", "--soup", "127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()),
                          "--user", "desk"});
  const timeval bound{30, 0};  // every wait bounded: accept and read honour SO_RCVTIMEO
  ::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  tcp::socket server(io);
  acceptor.accept(server);
  ::setsockopt(server.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  std::uint8_t login[3 + h2s::soup::kLoginRequestPayload];
  asio::read(server, asio::buffer(login));  // the tap's Login Request
  CHECK(login[2] == 'L');
  std::vector<std::uint8_t> out(64);
  out.resize(h2s::soup::encode_login_accepted("DEBUG", 1, out.data()));
  const auto debug = [&out](std::string_view text) {
    std::uint8_t header[3];
    (void)h2s::soup::encode_header(h2s::soup::PacketType::debug, text.size(), header);
    out.insert(out.end(), header, header + 3);
    out.insert(out.end(), text.begin(), text.end());
  };
  debug("server says hello");
  h2s::Signal signal;
  signal.seq = 1;
  (void)signal.story_id.assign("dbg-1");
  (void)signal.chain_id.assign("dbg-1");
  (void)signal.ticker.assign("NVDA");
  (void)signal.topic.assign("nvda.gpu");
  (void)signal.rule.assign("nvda.guidance");
  signal.side = h2s::Side::buy;
  signal.strength = 0.5;
  signal.confidence = 0.5;
  const h2s::wire::SignalMessage message = h2s::wire::encode(signal);
  std::uint8_t header[3];
  (void)h2s::soup::encode_header(h2s::soup::PacketType::sequenced_data, sizeof message, header);
  out.insert(out.end(), header, header + 3);
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(&message);
  out.insert(out.end(), bytes, bytes + sizeof message);
  debug("and goodbye");
  (void)h2s::soup::encode_header(h2s::soup::PacketType::end_of_session, 0, header);
  out.insert(out.end(), header, header + 3);
  asio::write(server, asio::buffer(out));
  const auto result = tap.wait(std::chrono::seconds(30));
  INFO(result.err);
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.out, Catch::Matchers::Contains(R"("seq":1,"story_id":"dbg-1")") &&
                             Catch::Matchers::Contains(R"("ticker":"NVDA","side":"buy")"));
  CHECK_THAT(result.err, Catch::Matchers::Contains("end of session at sequence 2; 0 gaps"));
}

TEST_CASE("h2s replay serves over TCP exactly the JSON lines it writes to stdout") {
  const std::string feed = h2s::test::read_file(h2s::test::sample_feed());
  h2s::test::Process replay({H2S_BINARY, "replay", "--input", "-", "--ndjson-listen", "127.0.0.1:0", "--wait-subscribers", "1"},
                            true);
  const std::uint16_t port = replay.announced_port("NDJSON feed on port ");
  REQUIRE(port != 0);
  asio::io_context io;
  tcp::socket socket = h2s::test::connect_local(io, port);
  // NDJSON has no handshake: the replay says when this subscriber is in, and reads no input before.
  REQUIRE(replay.wait_for_err("1 subscribers connected, reading the input"));
  replay.write_stdin(feed);
  replay.close_stdin();
  const h2s::test::ReadResult received = h2s::test::read_to_end(socket);
  CHECK(received.closed_by_peer);  // closed by the server at the end, not by the timeout
  const auto result = replay.wait();
  REQUIRE(result.exit_code == 0);
  CHECK(result.out.size() > 10000);
  CHECK(received.bytes == result.out);
}

TEST_CASE("A Benzinga article created, updated and removed reaches a SoupBinTCP subscriber as signal, re-signal and cancel") {
  // Today's message form (kind "news", lower-case action, RFC 2822 content.created, stocks[].name)
  // and the News/v1 form (data.id an event id, content.id the article) for one article.
  // Source of the shapes: docs.benzinga.com news stream and newsfeed-stream-v1 (tests/feeds/fixtures/vendors).
  const std::string feed =
      R"({"id":"7d2c1c4e-1","api_version":"websocket/v1","kind":"news","data":{"action":"created","id":45100001,)"
      R"("timestamp":"2025-12-02T13:30:00Z","content":{"id":45100001,"author":"Benzinga Newsdesk",)"
      R"("created":"Tue, 02 Dec 2025 08:30:00 -0500","updated":"Tue, 02 Dec 2025 08:30:00 -0500",)"
      R"("title":"Nvidia raises data center revenue forecast on Blackwell demand","teaser":"",)"
      R"("body":"<p>Nvidia&rsquo;s outlook beat estimates.</p>","channels":[{"name":"News"}],"stocks":[{"name":"NVDA"}],"tags":[]}}})"
      "\n"
      R"({"api_version":"websocket/v1","kind":"News/v1","data":{"id":91000002,"action":"Updated","timestamp":"2025-12-02T13:40:00Z",)"
      R"("content":{"id":45100001,"revision_id":2,"created_at":"2025-12-02T13:30:00Z","updated_at":"2025-12-02T13:40:00Z",)"
      R"("title":"Nvidia cuts data center revenue forecast on export curbs","teaser":"","body":"",)"
      R"("securities":[{"symbol":"NVDA","exchange":"NASDAQ","primary":true}],"channels":["News"]}}})"
      "\n"
      R"({"id":"7d2c1c4e-3","api_version":"websocket/v1","kind":"news","data":{"action":"DELETED","id":45100001,)"
      R"("timestamp":"2025-12-02T13:50:00Z","content":{"id":45100001,"created":"Tue, 02 Dec 2025 08:30:00 -0500",)"
      R"("updated":"Tue, 02 Dec 2025 08:50:00 -0500"}}})"
      "\n";
  ::setenv("H2S_SOUP_PASSWORD", "s3cret", 1);
  h2s::test::Process replay({H2S_BINARY, "replay", "--input", "-", "--soup-listen", "127.0.0.1:0", "--soup-user", "desk"}, true);
  const std::uint16_t port = replay.announced_port("SoupBinTCP feed on port ");
  REQUIRE(port != 0);
  asio::io_context io;
  tcp::socket socket(io);
  log_in(socket, port);
  replay.write_stdin(feed);
  replay.close_stdin();
  const SoupSession session = read_session(socket);
  const auto result = replay.wait();
  REQUIRE(result.exit_code == 0);
  CHECK(session.last == 'Z');
  // Created: buy. Updated (the forecast flipped): the buy withdrawn, a sell as version 2. Removed:
  // the sell withdrawn. One story id throughout, one gap-free sequence.
  REQUIRE(session.order == "SCSC");
  const auto& s = session.signals;
  const auto& c = session.cancels;
  CHECK(s[0].seq == 1);
  CHECK(s[0].side == h2s::Side::buy);
  CHECK(s[0].version == 1);
  CHECK(c[0].seq == 2);
  CHECK(c[0].cancelled == 1);
  CHECK(s[1].seq == 3);
  CHECK(s[1].side == h2s::Side::sell);
  CHECK(s[1].version == 2);
  CHECK(c[1].seq == 4);
  CHECK(c[1].cancelled == 3);
  for (const auto& signal : s) {
    CHECK(signal.story_id.view() == "45100001");
    CHECK(signal.ticker.view() == "NVDA");
    CHECK(signal.vendor == h2s::Vendor::benzinga);
  }
  for (const auto& cancel : c) CHECK(cancel.story_id.view() == "45100001");
  CHECK_THAT(result.out, Catch::Matchers::Contains(R"("type":"cancel","seq":4,"cancels":3,"story_id":"45100001")"));
}
