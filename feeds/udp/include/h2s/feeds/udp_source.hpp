#pragma once
// NDJSON over UDP, unicast or multicast: each datagram holds one or more complete lines. Reads in
// batches with recvmmsg and takes the kernel's receive timestamp (SO_TIMESTAMPNS) where the
// kernel gives one.
#include <cstdint>
#include <memory>
#include <string>

#include "h2s/feeds/source.hpp"

namespace h2s::feeds {

struct UdpSourceOptions {
  std::string address = "127.0.0.1";  // unicast: address to bind; multicast: ignored (binds the group port)
  std::uint16_t port = 0;             // 0: any free port (unicast only)
  std::string group;                  // multicast group to join; empty for unicast
  std::string interface = "127.0.0.1";  // interface address for the join
  std::size_t batch = 32;             // datagrams per recvmmsg
  std::size_t max_message_bytes = 65507;  // datagram size limit (larger ones are truncated: rejected)
  int receive_buffer_bytes = 4 << 20;
};

// Binds (and joins) at once; throws std::system_error when it cannot.
std::unique_ptr<Source> make_udp_source(std::string name, const UdpSourceOptions& options, MessageSink& sink);

}  // namespace h2s::feeds
