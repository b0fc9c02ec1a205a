// The SoupBinTCP server over real sockets on 127.0.0.1, every wait bounded.
#include <catch2/catch.hpp>

#include <boost/asio.hpp>

#include <chrono>
#include <cstring>
#include <atomic>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "h2s/publish/journal.hpp"
#include "io_thread.hpp"
#include "h2s/publish/soup_server.hpp"
#include "h2s/publish/soupbintcp.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;
using h2s::publish::Journal;
using h2s::publish::SoupServer;
using h2s::publish::SoupServerOptions;

namespace {

// The server's io_context runs on its own thread; the test talks to it through a blocking client.
class Harness {
 public:
  explicit Harness(SoupServerOptions options = default_options(), std::size_t ring = 1024)
      : journal_(h2s::publish::JournalOptions{ring, {}, "H2STEST"}) {
    server_ = std::make_unique<SoupServer>(io_.io(), options, journal_);
  }
  ~Harness() {
    (void)io_.run_for([this] { server_.reset(); }, std::chrono::seconds(10));  // no REQUIRE in a destructor
    io_.stop();
  }
  static SoupServerOptions default_options() {
    SoupServerOptions o;
    o.username = "desk";
    o.password = "pa55word";
    return o;
  }
  std::uint16_t port() { return server_->port(); }
  // Runs f on the server's thread and waits for it (bounded).
  template <class F>
  void run(F f) {
    io_.run(f);
  }
  void publish(int count, std::size_t pad_to = 0) {
    run([&] {
      for (int i = 0; i < count; ++i) {
        std::string text = "message " + std::to_string(journal_.next_sequence());
        if (text.size() < pad_to) text.resize(pad_to, ' ');  // the size of a real signal message
        const std::span<const std::uint8_t> bytes{reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
        const std::uint64_t seq = journal_.append(bytes);
        REQUIRE(journal_.commit());  // released: a message may leave only after its journal record
        server_->publish(seq, bytes);
      }
    });
  }
  SoupServer& server() { return *server_; }
  Journal& journal() { return journal_; }

 private:
  h2s::test::IoThread io_;
  Journal journal_;
  std::unique_ptr<SoupServer> server_;
};

struct Packet {
  char type;
  std::string payload;
};

class Client {
 public:
  explicit Client(std::uint16_t port, int receive_buffer = 0) : socket_(io_) {
    socket_.open(tcp::v4());
    if (receive_buffer > 0) socket_.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    timeval timeout{5, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  void login(const std::string& user, const std::string& password, std::uint64_t sequence, const std::string& session = "") {
    std::uint8_t packet[64];
    write(packet, h2s::soup::encode_login_request(user, password, session, sequence, packet));
  }
  void heartbeat() {
    std::uint8_t packet[3];
    write(packet, h2s::soup::encode_header(h2s::soup::PacketType::client_heartbeat, 0, packet));
  }
  void write(const std::uint8_t* data, std::size_t n) { asio::write(socket_, asio::buffer(data, n)); }
  // The next packet; type '\0' when the server closed the connection, throws after 5 s of nothing.
  Packet read() {
    std::uint8_t length[2];
    boost::system::error_code ec;
    asio::read(socket_, asio::buffer(length), ec);
    if (ec == asio::error::eof || ec == asio::error::connection_reset) return {'\0', {}};
    if (ec) throw std::runtime_error("read timed out or failed: " + ec.message());
    std::string body((length[0] << 8) | length[1], '\0');
    asio::read(socket_, asio::buffer(body.data(), body.size()), ec);
    if (ec) throw std::runtime_error("read failed: " + ec.message());
    return {body[0], body.substr(1)};
  }
  // Reads whatever has arrived (up to 64 KiB) and counts the sequenced-data packets in it; -1 on close.
  int drain_count_sequenced() {
    std::uint8_t chunk[65536];
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(asio::buffer(chunk), ec);
    if (ec) return -1;
    stream_.insert(stream_.end(), chunk, chunk + n);
    int count = 0;
    std::size_t at = 0;
    h2s::soup::Frame frame;
    std::size_t consumed = 0;
    while (h2s::soup::next_frame({stream_.data() + at, stream_.size() - at}, 1024, frame, consumed) ==
           h2s::soup::FrameResult::frame) {
      count += frame.type == h2s::soup::PacketType::sequenced_data ? 1 : 0;
      at += consumed;
    }
    stream_.erase(stream_.begin(), stream_.begin() + static_cast<std::ptrdiff_t>(at));
    return count;
  }
  // Reads until a packet of `type` (skipping heartbeats), returning it.
  Packet expect(char type) {
    for (;;) {
      Packet p = read();
      if (p.type == 'H' && type != 'H') continue;
      return p;
    }
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  std::vector<std::uint8_t> stream_;
};

}  // namespace

TEST_CASE("SoupBinTCP: login accepted with session and next sequence, wrong password rejected with 'A'") {
  Harness h;
  h.publish(3);
  Client good(h.port());
  good.login("desk", "pa55word", 0);
  const Packet accepted = good.expect('A');
  REQUIRE(accepted.type == 'A');
  CHECK(accepted.payload.substr(0, 10) == "   H2STEST");  // the session left-padded, as the spec has it
  CHECK(accepted.payload.substr(10) == std::string(19, ' ') + "4");  // only new messages: next is 4
  Client bad(h.port());
  bad.login("desk", "wrong", 0);
  const Packet rejected = bad.read();
  CHECK(rejected.type == 'J');
  CHECK(rejected.payload == "A");
  CHECK(bad.read().type == '\0');  // then closed
  Client other_session(h.port());
  other_session.login("desk", "pa55word", 1, "YESTERDAY");
  const Packet unavailable = other_session.read();
  CHECK(unavailable.type == 'J');
  CHECK(unavailable.payload == "S");
  h.run([&] {
    CHECK(h.server().counters().logins_accepted == 1);
    CHECK(h.server().counters().logins_rejected == 2);
  });
}

TEST_CASE("SoupBinTCP: replay from a sequence number, then live, with nothing lost or doubled") {
  Harness h;
  h.publish(50);
  Client client(h.port());
  client.login("desk", "pa55word", 20);
  REQUIRE(client.expect('A').type == 'A');
  for (int seq = 20; seq <= 50; ++seq) {
    const Packet p = client.expect('S');
    REQUIRE(p.type == 'S');
    CHECK(p.payload == "message " + std::to_string(seq));
  }
  h.publish(5);  // live now
  for (int seq = 51; seq <= 55; ++seq) CHECK(client.expect('S').payload == "message " + std::to_string(seq));
  // A reconnecting client picks up where it left off.
  Client again(h.port());
  again.login("desk", "pa55word", 54);
  REQUIRE(again.expect('A').type == 'A');
  CHECK(again.expect('S').payload == "message 54");
  CHECK(again.expect('S').payload == "message 55");
}

TEST_CASE("SoupBinTCP: heartbeats after silence, silent clients dropped, end of session") {
  SoupServerOptions options = Harness::default_options();
  options.heartbeat_interval = std::chrono::milliseconds(100);
  options.client_timeout = std::chrono::milliseconds(600);
  Harness h(options);
  Client client(h.port());
  client.login("desk", "pa55word", 0);
  REQUIRE(client.read().type == 'A');
  CHECK(client.read().type == 'H');  // 100 ms of silence
  client.heartbeat();
  CHECK(client.read().type == 'H');
  // Stop sending: after 600 ms of client silence the server drops it.
  const auto start = std::chrono::steady_clock::now();
  Packet p{'H', {}};
  while (p.type == 'H') p = client.read();
  CHECK(p.type == '\0');
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(300));
  h.run([&] { CHECK(h.server().counters().timeouts == 1); });

  Client last(h.port());
  last.login("desk", "pa55word", 0);
  REQUIRE(last.read().type == 'A');
  h.run([&] { h.server().end_session(); });
  CHECK(last.expect('Z').type == 'Z');
}

TEST_CASE("SoupBinTCP: a subscriber that stops reading is dropped, a fast one keeps receiving") {
  SoupServerOptions options = Harness::default_options();
  options.max_buffered_bytes = 256 << 10;  // the fast reader has slack for a scheduling hiccup
  Harness h(options, 1 << 16);
  Client slow(h.port(), 4096);
  slow.login("desk", "pa55word", 0);
  REQUIRE(slow.read().type == 'A');
  Client fast(h.port());
  fast.login("desk", "pa55word", 0);
  REQUIRE(fast.read().type == 'A');
  // The slow client never reads again; the fast one drains as the server publishes.
  std::atomic<bool> done{false};
  std::atomic<int> received{0};
  std::string reader_error;
  std::thread reader([&] {
    try {
      while (!done) {
        const int n = fast.drain_count_sequenced();
        if (n < 0) break;
        received += n;
      }
    } catch (const std::exception& e) {
      reader_error = e.what();
    }
  });
  // 40,000 signal-sized messages (16 MB per client) in bursts of 50, as a publisher polling its socket would.
  for (int batch = 0; batch < 800; ++batch) {
    h.publish(50, 400);
    std::this_thread::sleep_for(std::chrono::microseconds(1000));  // ~50,000 signals/s
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (received < 40000 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  done = true;
  h.publish(1);  // wakes the reader
  reader.join();
  CHECK(reader_error.empty());
  CHECK(received >= 40000);
  h.run([&] {
    CHECK(h.server().counters().slow_disconnects == 1);
    CHECK(h.server().clients() == 1);
  });
}

TEST_CASE("SoupBinTCP: garbage from a client closes only that client") {
  Harness h;
  Client garbage(h.port());
  const std::uint8_t junk[] = {0xFF, 0xFF, 'X', 1, 2, 3};
  garbage.write(junk, sizeof junk);
  CHECK(garbage.read().type == '\0');
  Client good(h.port());
  good.login("desk", "pa55word", 0);
  CHECK(good.read().type == 'A');
  h.run([&] { CHECK(h.server().counters().protocol_errors == 1); });
}

TEST_CASE("SoupBinTCP: no slot without a login, connections that never log in are dropped") {
  SoupServerOptions options = Harness::default_options();
  options.login_timeout = std::chrono::milliseconds(300);
  Harness h(options);
  Client heartbeats_only(h.port());
  heartbeats_only.heartbeat();  // anything but a login first
  CHECK(heartbeats_only.read().type == '\0');
  Client idle(h.port());  // says nothing at all
  const auto start = std::chrono::steady_clock::now();
  CHECK(idle.read().type == '\0');
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(200));
  h.run([&] {
    CHECK(h.server().counters().protocol_errors == 1);
    CHECK(h.server().counters().timeouts == 1);
    CHECK(h.server().clients() == 0);
  });
}

TEST_CASE("SoupBinTCP: End of Session reaches readers, a subscriber that does not read is closed anyway") {
  SoupServerOptions options = Harness::default_options();
  options.shutdown_grace = std::chrono::milliseconds(300);
  options.max_buffered_bytes = 1 << 20;
  Harness h(options, 1 << 16);
  Client stalled(h.port(), 4096);
  stalled.login("desk", "pa55word", 0);
  REQUIRE(stalled.read().type == 'A');
  h.publish(2000, 400);  // backs up behind the stalled reader's tiny window
  Client reader(h.port());
  reader.login("desk", "pa55word", 1);
  REQUIRE(reader.expect('A').type == 'A');
  h.run([&] { h.server().end_session(); });
  int data = 0;
  Packet p = reader.read();
  while (p.type == 'S' || p.type == 'H') {
    data += p.type == 'S' ? 1 : 0;
    p = reader.read();
  }
  CHECK(data == 2000);  // replayed everything published before the end, then 'Z'
  CHECK(p.type == 'Z');
  // The server closes it after End of Session: polled for (bounded), not slept on.
  std::size_t left = 1;
  for (const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       left != 0 && std::chrono::steady_clock::now() < until;) {
    h.run([&] { left = h.server().clients(); });
    if (left != 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(left == 0);
  // Oversized or unnumbered messages are ignored, not sent.
  h.run([&] {
    const std::vector<std::uint8_t> big(Journal::kMaxPayload + 1, 'x');
    h.server().publish(0, big);
    h.server().publish(7, big);
  });
}

TEST_CASE("SoupBinTCP interop: Debug packets are ignored, and a session padded either way logs in") {
  Harness h;
  h.publish(2);
  // Source of the layouts: SoupBinTCP 4.0 (Nasdaq), "Debug Packet" and "Login Request Packet".
  Client debugging(h.port());
  const std::string debug_text = "+hello from a client";
  std::vector<std::uint8_t> debug{0, static_cast<std::uint8_t>(debug_text.size())};
  debug.insert(debug.end(), debug_text.begin(), debug_text.end());
  debugging.write(debug.data(), debug.size());  // before login: still not an error
  debugging.login("desk", "pa55word", 1);
  REQUIRE(debugging.expect('A').type == 'A');
  debugging.write(debug.data(), debug.size());  // logged in: ignored, the connection stays
  CHECK(debugging.expect('S').payload == "message 1");
  CHECK(debugging.expect('S').payload == "message 2");
  for (const std::string& padded : {std::string("   H2STEST"), std::string("H2STEST   ")}) {
    INFO("'" << padded << "'");
    // A login request written by hand, with the session padded the other peer's way.
    std::uint8_t packet[64];
    const std::size_t n = h2s::soup::encode_login_request("desk", "pa55word", "", 1, packet);
    std::memcpy(packet + 3 + 16, padded.data(), 10);
    Client peer(h.port());
    peer.write(packet, n);
    REQUIRE(peer.expect('A').type == 'A');
  }
  h.run([&] { CHECK(h.server().counters().protocol_errors == 0); });
}
