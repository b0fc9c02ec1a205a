#include "tap_command.hpp"

#include <poll.h>

#include <boost/asio.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "endpoint.hpp"
#include "h2s/publish/moldudp64.hpp"
#include "h2s/publish/signal_json.hpp"
#include "h2s/publish/soupbintcp.hpp"
#include "h2s/publish/wire.hpp"

namespace h2s::tools {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct TapOptions {
  std::string soup;  // HOST:PORT
  std::string mold;  // GROUP:PORT
  std::string retransmit;  // HOST:PORT of the MoldUDP64 retransmission server
  std::string interface = "127.0.0.1";
  std::string user;
  std::string session;
  std::uint64_t from = 1;
  int heartbeat_ms = 1000;
};

// A sequenced message as its JSON line (signal or cancel) and its own sequence number; an
// unknown or malformed message renders as nothing (it still takes its place in the sequence).
struct Rendered {
  std::uint64_t sequence = 0;
  std::string line;
};

std::optional<Rendered> render(std::span<const std::uint8_t> payload) {
  char line[publish::kMaxSignalJsonBytes];
  if (!payload.empty() && payload[0] == wire::kSignalType) {
    Signal signal;
    const std::string_view bytes(reinterpret_cast<const char*>(payload.data()), payload.size());
    if (wire::decode_signal(bytes, signal) != Status::ok) return std::nullopt;
    return Rendered{signal.seq, std::string(line, publish::format_signal_json(signal, line))};
  }
  if (payload.size() == sizeof(wire::CancelMessage) && payload[0] == wire::kCancelType) {
    wire::CancelMessage message;
    std::memcpy(&message, payload.data(), sizeof message);
    Cancel cancel;
    if (wire::decode(message, cancel) != Status::ok) return std::nullopt;
    return Rendered{cancel.seq, std::string(line, publish::format_cancel_json(cancel, line))};
  }
  return std::nullopt;
}

void print(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

// Logs in, prints every sequenced signal, reports gaps, answers with client heartbeats.
int tap_soup(const TapOptions& o) {
  const auto [host, port] = parse_endpoint(o.soup, "--soup");
  const char* password = std::getenv("H2S_SOUP_PASSWORD");
  const char* env_user = std::getenv("H2S_SOUP_USER");
  const std::string user = !o.user.empty() ? o.user : (env_user != nullptr ? env_user : "");
  if (password == nullptr || user.empty()) {
    throw CLI::ValidationError("--soup", "needs --user (or H2S_SOUP_USER) and H2S_SOUP_PASSWORD in the environment");
  }
  asio::io_context io;
  tcp::socket socket(io);
  tcp::resolver resolver(io);
  asio::connect(socket, resolver.resolve(host, std::to_string(port)));
  std::uint8_t packet[64];
  asio::write(socket, asio::buffer(packet, soup::encode_login_request(user, password, o.session, o.from, packet)));

  std::vector<std::uint8_t> stream;
  std::vector<std::uint8_t> chunk(65536);
  std::uint64_t expected = 0;  // next sequence number, from Login Accepted
  std::uint64_t gaps = 0;
  auto last_heartbeat = std::chrono::steady_clock::now();
  for (;;) {
    // Client heartbeats keep the server from timing us out while the feed is quiet.
    if (std::chrono::steady_clock::now() - last_heartbeat >= std::chrono::milliseconds(o.heartbeat_ms)) {
      asio::write(socket, asio::buffer(packet, soup::encode_header(soup::PacketType::client_heartbeat, 0, packet)));
      last_heartbeat = std::chrono::steady_clock::now();
    }
    pollfd ready{socket.native_handle(), POLLIN, 0};
    if (::poll(&ready, 1, o.heartbeat_ms) <= 0) continue;
    boost::system::error_code ec;
    const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
    if (ec) {
      std::fprintf(stderr, "h2s tap: connection closed (%s); %llu gaps\n", ec.message().c_str(),
                   static_cast<unsigned long long>(gaps));
      return 1;
    }
    stream.insert(stream.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
    std::size_t at = 0;
    soup::Frame frame;
    std::size_t consumed = 0;
    for (;;) {
      const auto result = soup::next_frame({stream.data() + at, stream.size() - at}, 65535, frame, consumed);
      if (result == soup::FrameResult::need_more) break;
      if (result == soup::FrameResult::malformed) {
        std::fprintf(stderr, "h2s tap: the server sent something that is not SoupBinTCP\n");
        return 1;
      }
      at += consumed;
      switch (frame.type) {
        case soup::PacketType::login_accepted: {
          std::string_view session;
          if (soup::parse_login_accepted(frame.payload, session, expected) != Status::ok) return 1;
          std::fprintf(stderr, "h2s tap: logged in to session %.*s, next sequence %llu\n", static_cast<int>(session.size()),
                       session.data(), static_cast<unsigned long long>(expected));
          break;
        }
        case soup::PacketType::login_rejected:
          std::fprintf(stderr, "h2s tap: login rejected (%s)\n",
                       !frame.payload.empty() && frame.payload[0] == 'A' ? "not authorized" : "session or sequence not available");
          return 1;
        case soup::PacketType::sequenced_data: {
          const std::optional<Rendered> message = render(frame.payload);
          if (!message) {
            ++expected;  // a message type this tap does not know: counted in the sequence, not printed
            break;
          }
          if (message->sequence != expected) {
            ++gaps;
            std::fprintf(stderr, "h2s tap: gap: expected sequence %llu, got %llu\n",
                         static_cast<unsigned long long>(expected), static_cast<unsigned long long>(message->sequence));
          }
          expected = message->sequence + 1;
          print(message->line);
          break;
        }
        case soup::PacketType::end_of_session:
          std::fprintf(stderr, "h2s tap: end of session at sequence %llu; %llu gaps\n",
                       static_cast<unsigned long long>(expected), static_cast<unsigned long long>(gaps));
          return gaps == 0 ? 0 : 1;
        default:
          break;  // heartbeats, debug
      }
    }
    stream.erase(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(at));
  }
}

// Joins the group, prints signals in sequence order, fills gaps from the retransmission server.
int tap_mold(const TapOptions& o) {
  using udp = asio::ip::udp;
  const auto [group, port] = parse_endpoint(o.mold, "--mold");
  asio::io_context io;
  udp::socket socket(io);
  socket.open(udp::v4());
  socket.set_option(udp::socket::reuse_address(true));
  socket.bind(udp::endpoint(asio::ip::address_v4::any(), port));
  socket.set_option(asio::ip::multicast::join_group(asio::ip::make_address_v4(group), asio::ip::make_address_v4(o.interface)));
  std::optional<udp::endpoint> retransmit;
  if (!o.retransmit.empty()) {
    const auto [host, rport] = parse_endpoint(o.retransmit, "--retransmit");
    retransmit = udp::endpoint(asio::ip::make_address(host), rport);
  }
  std::uint64_t expected = o.from;  // 0: start with whatever arrives first
  std::uint64_t end_of_session = 0;  // the sequence at which the session ended, once known
  std::map<std::uint64_t, std::string> ahead;  // received beyond a gap, waiting for it to fill
  std::uint64_t known_end = 0;            // every sequence below this exists (from any packet header)
  std::uint64_t gaps = 0, unfilled = 0;
  std::string session;
  auto last_request = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  std::vector<std::uint8_t> datagram(65536);
  const auto deliver = [&](std::uint64_t seq, const std::string& line) {
    if (seq < expected) return;  // a duplicate (retransmission overlap)
    if (seq == expected) {
      print(line);
      ++expected;
      for (auto it = ahead.begin(); it != ahead.end() && it->first <= expected; it = ahead.erase(it)) {
        if (it->first == expected) {
          print(it->second);
          ++expected;
        }
      }
    } else {
      ahead.emplace(seq, line);
    }
  };
  for (;;) {
    if (end_of_session != 0 && expected >= end_of_session) {
      std::fprintf(stderr, "h2s tap: end of session at sequence %llu; %llu gaps, %llu unfilled\n",
                   static_cast<unsigned long long>(end_of_session), static_cast<unsigned long long>(gaps),
                   static_cast<unsigned long long>(unfilled));
      return unfilled == 0 ? 0 : 1;
    }
    // Ask for what is missing, at most every 100 ms.
    const std::uint64_t missing_to = !ahead.empty() ? ahead.begin()->first : known_end;
    if (expected != 0 && missing_to > expected && retransmit && !session.empty() &&
        std::chrono::steady_clock::now() - last_request > std::chrono::milliseconds(100)) {
      std::uint8_t request[mold::kRequestBytes];
      const auto count = static_cast<std::uint16_t>(std::min<std::uint64_t>(missing_to - expected, 1000));
      mold::encode_request(session, expected, count, request);
      socket.send_to(asio::buffer(request), *retransmit);
      last_request = std::chrono::steady_clock::now();
    }
    pollfd ready{socket.native_handle(), POLLIN, 0};
    if (::poll(&ready, 1, 5000) <= 0) {
      if (missing_to > expected) {  // the gap is not coming back
        unfilled += missing_to - expected;
        std::fprintf(stderr, "h2s tap: gap at %llu not filled\n", static_cast<unsigned long long>(expected));
        return 1;
      }
      continue;
    }
    udp::endpoint from;
    const std::size_t n = socket.receive_from(asio::buffer(datagram), from);
    mold::PacketHeader header;
    std::vector<std::pair<std::uint64_t, std::string>> batch;
    std::uint64_t seq = 0;
    const Status parsed = mold::parse_packet({datagram.data(), n}, header, [&](std::span<const std::uint8_t> m) {
      const std::uint64_t this_seq = header.sequence + seq++;
      std::optional<Rendered> message = render(m);
      // An unknown message type still fills its sequence number (as an empty line, not printed).
      batch.emplace_back(this_seq, message ? std::move(message->line) : std::string());
    });
    if (parsed != Status::ok) continue;  // not MoldUDP64: ignore
    if (session.empty()) {
      session = std::string(header.session_view());
      std::fprintf(stderr, "h2s tap: joined session %s at sequence %llu\n", session.c_str(),
                   static_cast<unsigned long long>(header.sequence));
      if (expected == 0) expected = header.sequence;
    }
    const bool data = header.count != mold::kEndOfSession && header.count != 0;
    if (header.count == mold::kEndOfSession) end_of_session = header.sequence;
    // A header proves every earlier sequence exists; one beyond what we hold opens a gap.
    const std::uint64_t header_end = header.sequence + (data ? header.count : 0);
    if (header.sequence > expected && known_end <= expected) {
      ++gaps;
      std::fprintf(stderr, "h2s tap: gap: expected %llu, got %llu; requesting retransmission\n",
                   static_cast<unsigned long long>(expected), static_cast<unsigned long long>(header.sequence));
    }
    known_end = std::max(known_end, header_end);
    for (const auto& [s, line] : batch) deliver(s, line);
  }
}

}  // namespace

void add_tap_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<TapOptions>();
  CLI::App* cmd = app.add_subcommand("tap", "Subscribe to a running binary feed and print one JSON line per signal or cancel");
  auto* soup = cmd->add_option("--soup", options->soup, "SoupBinTCP server HOST:PORT");
  auto* mold = cmd->add_option("--mold", options->mold, "MoldUDP64 group GROUP:PORT to join");
  soup->excludes(mold);
  cmd->add_option("--retransmit", options->retransmit, "MoldUDP64 retransmission server HOST:PORT (gaps are filled from it)");
  cmd->add_option("--interface", options->interface, "Interface address to join the group on")->default_val("127.0.0.1");
  cmd->add_option("--user", options->user, "Username (or H2S_SOUP_USER); password from H2S_SOUP_PASSWORD");
  cmd->add_option("--session", options->session, "Session to log in to (default: the current one)");
  cmd->add_option("--from", options->from, "First sequence number wanted (0: only new signals)")->default_val(1);
  cmd->callback([options, &exit_code] {
    if (options->soup.empty() && options->mold.empty()) throw CLI::ValidationError("tap", "needs --soup or --mold");
    exit_code = options->soup.empty() ? tap_mold(*options) : tap_soup(*options);
  });
}

}  // namespace h2s::tools
