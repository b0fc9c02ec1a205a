#include "h2s/publish/moldudp64.hpp"

#include <cstring>

namespace h2s::mold {
namespace {

void put_u64(std::uint8_t* out, std::uint64_t v) noexcept {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<std::uint8_t>(v & 0xFF);
    v >>= 8;
  }
}
std::uint64_t get_u64(const std::uint8_t* in) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return v;
}
void put_u16(std::uint8_t* out, std::uint16_t v) noexcept {
  out[0] = static_cast<std::uint8_t>(v >> 8);
  out[1] = static_cast<std::uint8_t>(v & 0xFF);
}
std::uint16_t get_u16(const std::uint8_t* in) noexcept { return static_cast<std::uint16_t>((in[0] << 8) | in[1]); }

void put_session(std::uint8_t* out, std::string_view session) noexcept {
  std::memset(out, ' ', 10);
  std::memcpy(out, session.data(), session.size() < 10 ? session.size() : 10);
}

}  // namespace

std::string_view PacketHeader::session_view() const noexcept {
  std::size_t n = session.size();
  while (n > 0 && session[n - 1] == ' ') --n;
  return {session.data(), n};
}

std::size_t encode_header(std::string_view session, std::uint64_t sequence, std::uint16_t count,
                          std::uint8_t* out) noexcept {
  put_session(out, session);
  put_u64(out + 10, sequence);
  put_u16(out + 18, count);
  return kHeaderBytes;
}

std::size_t encode_message(std::span<const std::uint8_t> payload, std::uint8_t* out) noexcept {
  put_u16(out, static_cast<std::uint16_t>(payload.size()));
  std::memcpy(out + 2, payload.data(), payload.size());
  return 2 + payload.size();
}

std::size_t encode_request(std::string_view session, std::uint64_t sequence, std::uint16_t count,
                           std::uint8_t* out) noexcept {
  return encode_header(session, sequence, count, out);  // same layout as a packet header
}

Status parse_packet(std::span<const std::uint8_t> packet, PacketHeader& header,
                    FunctionRef<void(std::span<const std::uint8_t>)> on_message) noexcept {
  if (packet.size() < kHeaderBytes) return Status::malformed_json;
  std::memcpy(header.session.data(), packet.data(), 10);
  header.sequence = get_u64(packet.data() + 10);
  header.count = get_u16(packet.data() + 18);
  const std::size_t messages = header.count == kEndOfSession ? 0 : header.count;
  // Validate every block before delivering any: a truncated datagram delivers nothing.
  std::size_t at = kHeaderBytes;
  for (std::size_t i = 0; i < messages; ++i) {
    if (at + 2 > packet.size()) return Status::malformed_json;
    const std::size_t length = get_u16(packet.data() + at);
    if (at + 2 + length > packet.size()) return Status::malformed_json;
    at += 2 + length;
  }
  if (at != packet.size()) return Status::trailing_content;
  at = kHeaderBytes;
  for (std::size_t i = 0; i < messages; ++i) {
    const std::size_t length = get_u16(packet.data() + at);
    on_message(packet.subspan(at + 2, length));
    at += 2 + length;
  }
  return Status::ok;
}

Status parse_request(std::span<const std::uint8_t> packet, Request& out) noexcept {
  if (packet.size() != kRequestBytes) return Status::malformed_json;
  std::memcpy(out.session.data(), packet.data(), 10);
  out.sequence = get_u64(packet.data() + 10);
  out.count = get_u16(packet.data() + 18);
  return Status::ok;
}

}  // namespace h2s::mold
