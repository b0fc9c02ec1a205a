#pragma once
// MoldUDP64 publisher for the binary signal feed: packs messages into datagrams under an MTU,
// sends heartbeats when silent and End of Session at shutdown, and answers retransmission
// requests from the Journal. Runs on the publishing thread's io_context, like SoupServer.
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "h2s/publish/journal.hpp"

namespace h2s::publish {

struct MoldPublisherOptions {
  std::string group = "239.192.0.1";  // multicast group (or a unicast address)
  std::uint16_t port = 0;             // destination port (required)
  std::string interface = "127.0.0.1";  // outgoing interface for multicast
  int ttl = 1;                        // multicast TTL: 1 keeps it on the local network
  std::size_t mtu = 1400;             // largest datagram sent
  std::chrono::milliseconds heartbeat_interval{1000};
  std::string retransmit_address = "127.0.0.1";  // where retransmission requests are served
  std::uint16_t retransmit_port = 0;             // 0: any free port (see retransmit_port())
  std::uint16_t max_retransmit_count = 2000;     // messages answered per request at most
  std::uint32_t max_retransmit_per_second = 20000;  // across all requesters: bounds the load and any amplification
};

struct MoldPublisherCounters {
  std::uint64_t packets = 0;
  std::uint64_t messages = 0;
  std::uint64_t heartbeats = 0;
  std::uint64_t requests = 0;
  std::uint64_t retransmitted = 0;
  std::uint64_t bad_requests = 0;          // malformed, other session, or nothing retained to send
  std::uint64_t throttled_requests = 0;    // over max_retransmit_per_second: answered in part or not at all
  std::uint64_t send_errors = 0;           // includes replies dropped because the socket was full
};

class MoldPublisher {
 public:
  MoldPublisher(boost::asio::io_context& io, const MoldPublisherOptions& options, const Journal& journal);
  ~MoldPublisher();
  MoldPublisher(const MoldPublisher&) = delete;
  MoldPublisher& operator=(const MoldPublisher&) = delete;

  // Adds a message just appended to the journal to the packet being filled. A sequence of 0 or a
  // payload over Journal::kMaxPayload is ignored.
  void publish(std::uint64_t sequence, std::span<const std::uint8_t> payload);
  // Sends the packet being filled (the publisher calls this at the end of each batch).
  void flush();
  // Sends End of Session (count 0xFFFF, three times against loss) and stops heartbeats and
  // retransmissions. The destructor flushes a packet still being filled.
  void end_session();

  [[nodiscard]] std::uint16_t retransmit_port() const noexcept;
  [[nodiscard]] const MoldPublisherCounters& counters() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace h2s::publish
