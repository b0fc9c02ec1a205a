#pragma once
// NASDAQ SoupBinTCP 4.0 framing: pure encoders and parsers, no I/O and no allocation.
// Every packet is [u16 big-endian length][type][payload], the length counting type + payload.
// Alpha fields are left-justified and space-padded; numeric fields are ASCII digits,
// right-justified and space-padded.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "h2s/model/status.hpp"

namespace h2s::soup {

enum class PacketType : char {
  debug = '+',
  login_accepted = 'A',
  login_rejected = 'J',
  sequenced_data = 'S',
  server_heartbeat = 'H',
  end_of_session = 'Z',
  login_request = 'L',
  unsequenced_data = 'U',
  client_heartbeat = 'R',
  logout_request = 'O',
};

inline constexpr std::size_t kLoginRequestPayload = 46;   // username 6, password 10, session 10, sequence 20
inline constexpr std::size_t kLoginAcceptedPayload = 30;  // session 10, sequence 20
inline constexpr char kRejectNotAuthorized = 'A';
inline constexpr char kRejectSessionUnavailable = 'S';

struct LoginRequest {
  std::string_view username;   // trailing spaces removed
  std::string_view password;
  std::string_view session;    // empty: the current session
  std::uint64_t sequence = 0;  // next message wanted; 0: only new messages
};

struct Frame {
  PacketType type;
  std::span<const std::uint8_t> payload;
};

enum class FrameResult : std::uint8_t { frame, need_more, malformed };

// Extracts the first complete packet from `stream`; `consumed` is its size on the wire. Packets
// longer than `max_length` (or of length 0) are malformed: the peer is not speaking SoupBinTCP.
[[nodiscard]] FrameResult next_frame(std::span<const std::uint8_t> stream, std::size_t max_length, Frame& frame,
                                     std::size_t& consumed) noexcept;

[[nodiscard]] Status parse_login_request(std::span<const std::uint8_t> payload, LoginRequest& out) noexcept;
[[nodiscard]] Status parse_login_accepted(std::span<const std::uint8_t> payload, std::string_view& session,
                                          std::uint64_t& next_sequence) noexcept;

// Encoders write into `out` and return the bytes written (the caller provides room: 3 + payload).
std::size_t encode_header(PacketType type, std::size_t payload_length, std::uint8_t* out) noexcept;
std::size_t encode_login_request(std::string_view username, std::string_view password, std::string_view session,
                                 std::uint64_t sequence, std::uint8_t* out) noexcept;
std::size_t encode_login_accepted(std::string_view session, std::uint64_t next_sequence, std::uint8_t* out) noexcept;
std::size_t encode_login_rejected(char reason, std::uint8_t* out) noexcept;

}  // namespace h2s::soup
