// SoupBinTCP 4.0 and MoldUDP64 framing: round trips, byte layouts, and hostile input.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "h2s/publish/moldudp64.hpp"
#include "h2s/publish/soupbintcp.hpp"

using h2s::Status;

TEST_CASE("SoupBinTCP login request: 46 bytes of padded fields, parsed back exactly") {
  std::uint8_t buffer[64];
  const std::size_t n = h2s::soup::encode_login_request("desk1", "s3cret", "", 1234, buffer);
  REQUIRE(n == 49);
  CHECK(buffer[0] == 0);
  CHECK(buffer[1] == 47);  // type + 46
  CHECK(buffer[2] == 'L');
  CHECK(std::string(reinterpret_cast<char*>(buffer) + 3, 6) == "desk1 ");
  CHECK(std::string(reinterpret_cast<char*>(buffer) + 29, 20) == std::string(16, ' ') + "1234");
  h2s::soup::Frame frame;
  std::size_t consumed = 0;
  REQUIRE(h2s::soup::next_frame({buffer, n}, 1024, frame, consumed) == h2s::soup::FrameResult::frame);
  CHECK(consumed == n);
  CHECK(frame.type == h2s::soup::PacketType::login_request);
  h2s::soup::LoginRequest login;
  REQUIRE(h2s::soup::parse_login_request(frame.payload, login) == Status::ok);
  CHECK(login.username == "desk1");
  CHECK(login.password == "s3cret");
  CHECK(login.session.empty());
  CHECK(login.sequence == 1234);
}

TEST_CASE("SoupBinTCP login accepted and rejected round trip") {
  std::uint8_t buffer[64];
  std::size_t n = h2s::soup::encode_login_accepted("H2S0001", 18446744073709551615ULL, buffer);
  h2s::soup::Frame frame;
  std::size_t consumed = 0;
  REQUIRE(h2s::soup::next_frame({buffer, n}, 1024, frame, consumed) == h2s::soup::FrameResult::frame);
  std::string_view session;
  std::uint64_t next = 0;
  REQUIRE(h2s::soup::parse_login_accepted(frame.payload, session, next) == Status::ok);
  CHECK(session == "H2S0001");
  CHECK(next == 18446744073709551615ULL);
  n = h2s::soup::encode_login_rejected(h2s::soup::kRejectNotAuthorized, buffer);
  REQUIRE(h2s::soup::next_frame({buffer, n}, 1024, frame, consumed) == h2s::soup::FrameResult::frame);
  CHECK(frame.type == h2s::soup::PacketType::login_rejected);
  CHECK(frame.payload.size() == 1);
  CHECK(frame.payload[0] == 'A');
}

TEST_CASE("SoupBinTCP frames are found in a byte stream however it is split") {
  std::vector<std::uint8_t> stream(256);
  std::size_t n = h2s::soup::encode_header(h2s::soup::PacketType::server_heartbeat, 0, stream.data());
  n += h2s::soup::encode_header(h2s::soup::PacketType::sequenced_data, 3, stream.data() + n);
  stream[n++] = 'a';
  stream[n++] = 'b';
  stream[n++] = 'c';
  n += h2s::soup::encode_header(h2s::soup::PacketType::end_of_session, 0, stream.data() + n);
  stream.resize(n);
  h2s::soup::Frame frame;
  std::size_t consumed = 0;
  for (std::size_t cut = 0; cut < 3; ++cut) {
    CHECK(h2s::soup::next_frame({stream.data(), cut}, 1024, frame, consumed) == h2s::soup::FrameResult::need_more);
  }
  std::size_t at = 0;
  std::vector<char> types;
  while (h2s::soup::next_frame({stream.data() + at, stream.size() - at}, 1024, frame, consumed) ==
         h2s::soup::FrameResult::frame) {
    types.push_back(static_cast<char>(frame.type));
    at += consumed;
  }
  CHECK(types == std::vector<char>{'H', 'S', 'Z'});
  CHECK(at == stream.size());
}

TEST_CASE("Hostile SoupBinTCP input is refused, never trusted") {
  h2s::soup::Frame frame;
  std::size_t consumed = 0;
  const std::uint8_t zero_length[] = {0, 0, 'R'};
  CHECK(h2s::soup::next_frame(zero_length, 1024, frame, consumed) == h2s::soup::FrameResult::malformed);
  const std::uint8_t huge[] = {0xFF, 0xFF, 'S'};
  CHECK(h2s::soup::next_frame(huge, 1024, frame, consumed) == h2s::soup::FrameResult::malformed);
  const std::uint8_t unknown_type[] = {0, 1, 'Q'};
  CHECK(h2s::soup::next_frame(unknown_type, 1024, frame, consumed) == h2s::soup::FrameResult::malformed);
  std::uint8_t login[64];
  const std::size_t n = h2s::soup::encode_login_request("u", "p", "", 5, login);
  login[n - 3] = 'x';  // a letter in the sequence number
  h2s::soup::LoginRequest parsed;
  CHECK(h2s::soup::parse_login_request({login + 3, n - 3}, parsed) == Status::wrong_type);
  CHECK(h2s::soup::parse_login_request({login + 3, 10}, parsed) == Status::wrong_type);  // short
  std::uint8_t overflow[64];
  h2s::soup::encode_login_request("u", "p", "", 0, overflow);
  std::memcpy(overflow + 29, "99999999999999999999", 20);  // > 2^64 - 1
  CHECK(h2s::soup::parse_login_request({overflow + 3, 46}, parsed) == Status::wrong_type);
}

TEST_CASE("MoldUDP64 packets carry their messages, heartbeats and end of session") {
  std::uint8_t packet[256];
  std::size_t n = h2s::mold::encode_header("H2S0001", 41, 2, packet);
  const std::uint8_t first[] = {1, 2, 3};
  const std::uint8_t second[] = {9};
  n += h2s::mold::encode_message(first, packet + n);
  n += h2s::mold::encode_message(second, packet + n);
  CHECK(n == 20 + 5 + 3);
  CHECK(packet[17] == 41);  // big-endian sequence
  h2s::mold::PacketHeader header;
  std::vector<std::vector<std::uint8_t>> messages;
  REQUIRE(h2s::mold::parse_packet({packet, n}, header, [&](std::span<const std::uint8_t> m) {
            messages.emplace_back(m.begin(), m.end());
          }) == Status::ok);
  CHECK(header.session_view() == "H2S0001");
  CHECK(header.sequence == 41);
  CHECK(header.count == 2);
  CHECK(messages == std::vector<std::vector<std::uint8_t>>{{1, 2, 3}, {9}});

  messages.clear();
  n = h2s::mold::encode_header("H2S0001", 43, h2s::mold::kEndOfSession, packet);
  REQUIRE(h2s::mold::parse_packet({packet, n}, header, [&](std::span<const std::uint8_t>) { messages.push_back({}); }) ==
          Status::ok);
  CHECK(header.count == h2s::mold::kEndOfSession);
  CHECK(messages.empty());
}

TEST_CASE("Truncated or padded MoldUDP64 packets deliver nothing, requests parse exactly") {
  std::uint8_t packet[64];
  std::size_t n = h2s::mold::encode_header("S", 1, 2, packet);
  const std::uint8_t body[] = {7, 7, 7, 7};
  n += h2s::mold::encode_message(body, packet + n);  // only one of the two announced
  h2s::mold::PacketHeader header;
  int delivered = 0;
  CHECK(h2s::mold::parse_packet({packet, n}, header, [&](std::span<const std::uint8_t>) { ++delivered; }) ==
        Status::malformed_json);
  CHECK(delivered == 0);
  n = h2s::mold::encode_header("S", 1, 0, packet);
  packet[n++] = 0;  // a stray byte after a heartbeat
  CHECK(h2s::mold::parse_packet({packet, n}, header, [&](std::span<const std::uint8_t>) { ++delivered; }) ==
        Status::trailing_content);
  CHECK(h2s::mold::parse_packet({packet, 5}, header, [&](std::span<const std::uint8_t>) { ++delivered; }) ==
        Status::malformed_json);

  h2s::mold::Request request;
  n = h2s::mold::encode_request("H2S0001", 1000, 50, packet);
  REQUIRE(h2s::mold::parse_request({packet, n}, request) == Status::ok);
  CHECK(request.sequence == 1000);
  CHECK(request.count == 50);
  CHECK(h2s::mold::parse_request({packet, n - 1}, request) == Status::malformed_json);
}
