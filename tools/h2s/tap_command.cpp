#include "tap_command.hpp"

#include <poll.h>

#include <boost/asio.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "h2s/publish/signal_json.hpp"
#include "h2s/publish/soupbintcp.hpp"
#include "h2s/publish/wire.hpp"

namespace h2s::tools {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct TapOptions {
  std::string soup;  // HOST:PORT
  std::string user;
  std::string session;
  std::uint64_t from = 1;
  int heartbeat_ms = 1000;
};

void print(const Signal& signal) {
  char line[publish::kMaxSignalJsonBytes];
  const std::size_t n = publish::format_signal_json(signal, line);
  std::fwrite(line, 1, n, stdout);
  std::fflush(stdout);
}

// Logs in, prints every sequenced signal, reports gaps, answers with client heartbeats.
int tap_soup(const TapOptions& o) {
  const auto colon = o.soup.rfind(':');
  if (colon == std::string::npos) throw CLI::ValidationError("--soup", "expects HOST:PORT");
  const char* password = std::getenv("H2S_SOUP_PASSWORD");
  const char* env_user = std::getenv("H2S_SOUP_USER");
  const std::string user = !o.user.empty() ? o.user : (env_user != nullptr ? env_user : "");
  if (password == nullptr || user.empty()) {
    throw CLI::ValidationError("--soup", "needs --user (or H2S_SOUP_USER) and H2S_SOUP_PASSWORD in the environment");
  }
  asio::io_context io;
  tcp::socket socket(io);
  tcp::resolver resolver(io);
  asio::connect(socket, resolver.resolve(o.soup.substr(0, colon), o.soup.substr(colon + 1)));
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
          if (frame.payload.size() == sizeof(wire::SignalMessage) && frame.payload[0] == wire::kSignalType) {
            wire::SignalMessage message;
            std::memcpy(&message, frame.payload.data(), sizeof message);
            Signal signal;
            if (wire::decode(message, signal) == Status::ok) {
              if (signal.seq != expected) {
                ++gaps;
                std::fprintf(stderr, "h2s tap: gap: expected sequence %llu, got %llu\n",
                             static_cast<unsigned long long>(expected), static_cast<unsigned long long>(signal.seq));
              }
              expected = signal.seq + 1;
              print(signal);
              break;
            }
          }
          ++expected;  // another message type: counted in the sequence, not printed
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

}  // namespace

void add_tap_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<TapOptions>();
  CLI::App* cmd = app.add_subcommand("tap", "Subscribe to a running binary feed and print one JSON signal per line");
  cmd->add_option("--soup", options->soup, "SoupBinTCP server HOST:PORT")->required();
  cmd->add_option("--user", options->user, "Username (or H2S_SOUP_USER); password from H2S_SOUP_PASSWORD");
  cmd->add_option("--session", options->session, "Session to log in to (default: the current one)");
  cmd->add_option("--from", options->from, "First sequence number wanted (0: only new signals)")->default_val(1);
  cmd->callback([options, &exit_code] { exit_code = tap_soup(*options); });
}

}  // namespace h2s::tools
