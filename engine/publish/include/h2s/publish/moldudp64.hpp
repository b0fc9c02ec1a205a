#pragma once
// NASDAQ MoldUDP64 framing: pure encoders and parsers, no I/O and no allocation.
// Downstream packet: session (10 alpha), sequence of the first message (u64 BE), message count
// (u16 BE; 0 = heartbeat, 0xFFFF = end of session), then per message [u16 BE length][data].
// Request packet (to the retransmission server): session, first sequence wanted, count wanted.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "h2s/model/function_ref.hpp"
#include "h2s/model/status.hpp"

namespace h2s::mold {

inline constexpr std::size_t kHeaderBytes = 20;
inline constexpr std::size_t kRequestBytes = 20;
inline constexpr std::uint16_t kEndOfSession = 0xFFFF;

struct PacketHeader {
  std::array<char, 10> session{};
  std::uint64_t sequence = 0;  // of the first message in the packet (heartbeat: the next one)
  std::uint16_t count = 0;
  [[nodiscard]] std::string_view session_view() const noexcept;
};

struct Request {
  std::array<char, 10> session{};
  std::uint64_t sequence = 0;
  std::uint16_t count = 0;
};

std::size_t encode_header(std::string_view session, std::uint64_t sequence, std::uint16_t count,
                          std::uint8_t* out) noexcept;
// Appends one message block; returns its size on the wire (2 + payload).
std::size_t encode_message(std::span<const std::uint8_t> payload, std::uint8_t* out) noexcept;
std::size_t encode_request(std::string_view session, std::uint64_t sequence, std::uint16_t count,
                           std::uint8_t* out) noexcept;

// Parses a downstream packet, calling on_message for each block in order. A count that the
// packet's bytes do not hold, or bytes left over, make it malformed (nothing is delivered).
[[nodiscard]] Status parse_packet(std::span<const std::uint8_t> packet, PacketHeader& header,
                                  FunctionRef<void(std::span<const std::uint8_t>)> on_message) noexcept;
[[nodiscard]] Status parse_request(std::span<const std::uint8_t> packet, Request& out) noexcept;

}  // namespace h2s::mold
