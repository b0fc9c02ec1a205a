// libFuzzer: a datagram to the MoldUDP64 retransmission server, and the same bytes as a
// downstream packet (what h2s tap parses).
#include <cstdint>
#include <cstdlib>
#include <span>

#include "h2s/publish/moldudp64.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> packet(data, size);
  h2s::mold::Request request;
  (void)h2s::mold::parse_request(packet, request);
  h2s::mold::PacketHeader header;
  std::size_t delivered = 0;
  const auto status = h2s::mold::parse_packet(packet, header, [&](std::span<const std::uint8_t> message) {
    if (message.data() < data || message.data() + message.size() > data + size) std::abort();
    ++delivered;
  });
  if (status != h2s::Status::ok && delivered != 0) std::abort();  // malformed packets deliver nothing
  return 0;
}
