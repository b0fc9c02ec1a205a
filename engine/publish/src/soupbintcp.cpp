#include "h2s/publish/soupbintcp.hpp"

#include <cstring>

namespace h2s::soup {
namespace {

void put_alpha(std::uint8_t* out, std::size_t width, std::string_view text) noexcept {
  std::memset(out, ' ', width);
  std::memcpy(out, text.data(), text.size() < width ? text.size() : width);
}

void put_numeric(std::uint8_t* out, std::size_t width, std::uint64_t value) noexcept {
  std::memset(out, ' ', width);
  std::size_t at = width;
  do {
    out[--at] = static_cast<std::uint8_t>('0' + value % 10);
    value /= 10;
  } while (value != 0 && at > 0);
}

// The spec pads sessions on the left ("       H2S"); some peers pad on the right. Both are read.
void put_session(std::uint8_t* out, std::string_view session) noexcept {
  constexpr std::size_t kWidth = 10;
  const std::size_t n = session.size() < kWidth ? session.size() : kWidth;
  std::memset(out, ' ', kWidth);
  std::memcpy(out + kWidth - n, session.data(), n);
}

std::string_view get_alpha(const std::uint8_t* in, std::size_t width) noexcept {
  std::size_t n = width;
  while (n > 0 && in[n - 1] == ' ') --n;
  return {reinterpret_cast<const char*>(in), n};
}

std::string_view get_session(const std::uint8_t* in) noexcept {
  std::string_view session = get_alpha(in, 10);
  while (!session.empty() && session.front() == ' ') session.remove_prefix(1);
  return session;
}

// Spaces around ASCII digits; all spaces reads as 0. Anything else is wrong_type.
Status get_numeric(const std::uint8_t* in, std::size_t width, std::uint64_t& out) noexcept {
  std::size_t i = 0;
  while (i < width && in[i] == ' ') ++i;
  std::uint64_t value = 0;
  std::size_t digits = 0;
  for (; i < width && in[i] >= '0' && in[i] <= '9'; ++i, ++digits) {
    const std::uint64_t digit = in[i] - '0';
    if (value > (UINT64_MAX - digit) / 10) return Status::wrong_type;
    value = value * 10 + digit;
  }
  while (i < width && in[i] == ' ') ++i;
  if (i != width) return Status::wrong_type;
  out = digits == 0 ? 0 : value;
  return Status::ok;
}

bool known(char type) noexcept {
  switch (static_cast<PacketType>(type)) {
    case PacketType::debug: case PacketType::login_accepted: case PacketType::login_rejected:
    case PacketType::sequenced_data: case PacketType::server_heartbeat: case PacketType::end_of_session:
    case PacketType::login_request: case PacketType::unsequenced_data: case PacketType::client_heartbeat:
    case PacketType::logout_request:
      return true;
  }
  return false;
}

}  // namespace

FrameResult next_frame(std::span<const std::uint8_t> stream, std::size_t max_length, Frame& frame,
                       std::size_t& consumed) noexcept {
  if (stream.size() < 2) return FrameResult::need_more;
  const std::size_t length = (static_cast<std::size_t>(stream[0]) << 8) | stream[1];
  if (length == 0 || length > max_length) return FrameResult::malformed;
  if (stream.size() < 2 + length) return FrameResult::need_more;
  if (!known(static_cast<char>(stream[2]))) return FrameResult::malformed;
  frame = Frame{static_cast<PacketType>(stream[2]), stream.subspan(3, length - 1)};
  consumed = 2 + length;
  return FrameResult::frame;
}

Status parse_login_request(std::span<const std::uint8_t> payload, LoginRequest& out) noexcept {
  if (payload.size() != kLoginRequestPayload) return Status::wrong_type;
  out.username = get_alpha(payload.data(), 6);
  out.password = get_alpha(payload.data() + 6, 10);
  out.session = get_session(payload.data() + 16);
  return get_numeric(payload.data() + 26, 20, out.sequence);
}

Status parse_login_accepted(std::span<const std::uint8_t> payload, std::string_view& session,
                            std::uint64_t& next_sequence) noexcept {
  if (payload.size() != kLoginAcceptedPayload) return Status::wrong_type;
  session = get_session(payload.data());
  return get_numeric(payload.data() + 10, 20, next_sequence);
}

std::size_t encode_header(PacketType type, std::size_t payload_length, std::uint8_t* out) noexcept {
  const std::size_t length = payload_length + 1;
  out[0] = static_cast<std::uint8_t>(length >> 8);
  out[1] = static_cast<std::uint8_t>(length & 0xFF);
  out[2] = static_cast<std::uint8_t>(type);
  return 3;
}

std::size_t encode_login_request(std::string_view username, std::string_view password, std::string_view session,
                                 std::uint64_t sequence, std::uint8_t* out) noexcept {
  encode_header(PacketType::login_request, kLoginRequestPayload, out);
  put_alpha(out + 3, 6, username);
  put_alpha(out + 9, 10, password);
  put_session(out + 19, session);
  put_numeric(out + 29, 20, sequence);
  return 3 + kLoginRequestPayload;
}

std::size_t encode_login_accepted(std::string_view session, std::uint64_t next_sequence, std::uint8_t* out) noexcept {
  encode_header(PacketType::login_accepted, kLoginAcceptedPayload, out);
  put_session(out + 3, session);
  put_numeric(out + 13, 20, next_sequence);
  return 3 + kLoginAcceptedPayload;
}

std::size_t encode_login_rejected(char reason, std::uint8_t* out) noexcept {
  encode_header(PacketType::login_rejected, 1, out);
  out[3] = static_cast<std::uint8_t>(reason);
  return 4;
}

}  // namespace h2s::soup
