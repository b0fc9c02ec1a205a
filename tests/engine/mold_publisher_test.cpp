// The MoldUDP64 publisher over loopback multicast, with its retransmission server. Waits bounded.
#include <catch2/catch.hpp>

#include <boost/asio.hpp>

#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "h2s/publish/journal.hpp"
#include "io_thread.hpp"
#include "h2s/publish/mold_publisher.hpp"
#include "h2s/publish/moldudp64.hpp"

namespace asio = boost::asio;
using asio::ip::udp;
using h2s::publish::Journal;
using h2s::publish::MoldPublisher;
using h2s::publish::MoldPublisherOptions;

namespace {

constexpr const char* kGroup = "239.192.7.1";

struct Datagram {
  h2s::mold::PacketHeader header;
  std::vector<std::string> messages;
};

// A receiver joined to the group on loopback; also sends retransmission requests.
class Receiver {
 public:
  Receiver() : socket_(io_) {
    socket_.open(udp::v4());
    socket_.set_option(udp::socket::reuse_address(true));
    socket_.bind(udp::endpoint(asio::ip::address_v4::any(), 0));
    socket_.set_option(asio::ip::multicast::join_group(asio::ip::make_address_v4(kGroup), asio::ip::make_address_v4("127.0.0.1")));
    timeval timeout{5, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  std::uint16_t port() const { return socket_.local_endpoint().port(); }
  Datagram receive() {
    std::vector<std::uint8_t> buffer(65536);
    udp::endpoint from;
    const std::size_t n = socket_.receive_from(asio::buffer(buffer), from);  // throws on timeout
    Datagram d;
    REQUIRE(h2s::mold::parse_packet({buffer.data(), n}, d.header, [&](std::span<const std::uint8_t> m) {
              d.messages.emplace_back(reinterpret_cast<const char*>(m.data()), m.size());
            }) == h2s::Status::ok);
    return d;
  }
  void request(std::uint16_t port, const std::string& session, std::uint64_t sequence, std::uint16_t count) {
    std::uint8_t packet[h2s::mold::kRequestBytes];
    h2s::mold::encode_request(session, sequence, count, packet);
    socket_.send_to(asio::buffer(packet), udp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  void send_raw(std::uint16_t port, const std::vector<std::uint8_t>& bytes) {
    socket_.send_to(asio::buffer(bytes), udp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

 private:
  asio::io_context io_;
  udp::socket socket_;
};

class Harness {
 public:
  explicit Harness(std::uint16_t port, std::chrono::milliseconds heartbeat = std::chrono::milliseconds(1000))
      : journal_(h2s::publish::JournalOptions{1024, {}, "MOLDTEST"}) {
    MoldPublisherOptions options;
    options.group = kGroup;
    options.port = port;
    options.heartbeat_interval = heartbeat;
    publisher_ = std::make_unique<MoldPublisher>(io_.io(), options, journal_);
  }
  ~Harness() {
    (void)io_.run_for([this] { publisher_.reset(); }, std::chrono::seconds(10));  // no REQUIRE in a destructor
    io_.stop();
  }
  template <class F>
  void run(F f) {
    io_.run(f);
  }
  void publish(int count, std::size_t size = 400) {
    run([&] {
      for (int i = 0; i < count; ++i) {
        std::string text = std::string("m").append(std::to_string(journal_.next_sequence()));
        text.resize(size, '.');
        const std::span<const std::uint8_t> bytes{reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
        const std::uint64_t sequence = journal_.append(bytes);
        REQUIRE(journal_.commit());  // released: a message may leave only after its journal record
        publisher_->publish(sequence, bytes);
      }
      publisher_->flush();
    });
  }
  MoldPublisher& publisher() { return *publisher_; }

 private:
  h2s::test::IoThread io_;
  Journal journal_;
  std::unique_ptr<MoldPublisher> publisher_;
};

std::string first_chars(const std::string& m) { return m.substr(0, m.find('.')); }

}  // namespace

TEST_CASE("MoldUDP64: messages are packed under the MTU, in sequence, on the multicast group") {
  Receiver receiver;
  Harness h(receiver.port());
  h.publish(7);  // 400-byte messages: three fit in 1400 bytes
  std::vector<std::string> got;
  std::uint64_t expected_first = 1;
  while (got.size() < 7) {
    const Datagram d = receiver.receive();
    if (d.header.count == 0) continue;  // a heartbeat
    CHECK(d.header.session_view() == "MOLDTEST");
    CHECK(d.header.sequence == expected_first);
    CHECK(d.header.count <= 3);
    expected_first += d.header.count;
    for (const auto& m : d.messages) got.push_back(first_chars(m));
  }
  CHECK(got == std::vector<std::string>{"m1", "m2", "m3", "m4", "m5", "m6", "m7"});
}

TEST_CASE("MoldUDP64: heartbeats carry the next sequence, End of Session is 0xFFFF") {
  Receiver receiver;
  Harness h(receiver.port(), std::chrono::milliseconds(100));
  h.publish(2, 10);
  Datagram d = receiver.receive();
  while (d.header.count == 0) d = receiver.receive();  // heartbeats may come first on a busy machine
  CHECK(d.header.count == 2);
  d = receiver.receive();  // silence: a heartbeat
  CHECK(d.header.count == 0);
  CHECK(d.header.sequence == 3);
  h.run([&] { h.publisher().end_session(); });
  do {
    d = receiver.receive();
  } while (d.header.count == 0);
  CHECK(d.header.count == h2s::mold::kEndOfSession);
  CHECK(d.header.sequence == 3);
}

TEST_CASE("MoldUDP64: a gap is filled by the retransmission server, bad requests get nothing") {
  Receiver receiver;
  Harness h(receiver.port());
  h.publish(20, 100);
  // The receiver "missed" 5..12: it asks for them.
  std::uint16_t port = 0;
  h.run([&] { port = h.publisher().retransmit_port(); });
  receiver.request(port, "MOLDTEST", 5, 8);
  std::vector<std::string> filled;
  while (filled.size() < 8) {
    const Datagram d = receiver.receive();
    if (d.header.count == 0 || d.header.sequence < 5 || d.header.sequence > 12) continue;  // live traffic
    for (std::size_t i = 0; i < d.messages.size(); ++i) {
      CHECK(d.header.sequence + i == 5 + filled.size());
      filled.push_back(first_chars(d.messages[i]));
    }
  }
  CHECK(filled.front() == "m5");
  CHECK(filled.back() == "m12");
  receiver.request(port, "OTHER", 1, 5);         // another session
  receiver.request(port, "MOLDTEST", 500, 5);    // not published yet
  receiver.send_raw(port, {1, 2, 3});            // garbage
  h2s::publish::MoldPublisherCounters counters;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    h.run([&] { counters = h.publisher().counters(); });
  } while (counters.requests < 4 && std::chrono::steady_clock::now() < until);
  CHECK(counters.requests == 4);
  CHECK(counters.bad_requests == 3);
  CHECK(counters.retransmitted == 8);
}
