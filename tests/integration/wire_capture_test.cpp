// The binary feed as a gateway team would check it: capture the daemon's loopback traffic with
// tshark and let Wireshark's own SoupBinTCP and MoldUDP64 dissectors (tshark) decode it.
#include <catch2/catch.hpp>

#include <boost/asio.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "socket_io.hpp"
#include "subprocess.hpp"
#include "test_paths.hpp"

using Catch::Matchers::Contains;

namespace {

constexpr const char* kTshark = "/usr/bin/tshark";

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, separator)) parts.push_back(part);
  return parts;
}

std::size_t count_lines(const std::string& text) {
  std::size_t n = 0;
  for (const char c : text) n += c == '\n' ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("tshark decodes the SoupBinTCP and MoldUDP64 traffic with every sequence number once, in order") {
  if (!std::filesystem::exists(kTshark)) {
    WARN("SKIPPED: tshark is not installed (scripts/setup installs it: apt-get install tshark)");
    return;
  }
  ::setenv("H2S_SOUP_PASSWORD", "s3cret", 1);
  const std::uint16_t group_port = h2s::test::free_udp_port();
  const std::string group = "239.192.77.1:" + std::to_string(group_port);
  std::stringstream feed(h2s::test::read_file(h2s::test::sample_feed()));
  std::string first_half, second_half, line;
  for (int i = 0; std::getline(feed, line); ++i) (i < 90 ? first_half : second_half) += line + "\n";

  h2s::test::Process replay({H2S_BINARY, "replay", "--input", "-", "--soup-listen", "127.0.0.1:0", "--soup-user", "desk",
                             "--mold-group", group, "--session", "CAPTURE", "--linger-ms", "1500"},
                            true);
  const std::uint16_t soup_port = replay.announced_port("SoupBinTCP feed on port ");
  const std::uint16_t retransmit_port = replay.announced_port("retransmissions on port ");
  REQUIRE(soup_port != 0);
  REQUIRE(retransmit_port != 0);

  h2s::test::TempDir dir;
  const std::string capture = (dir.path() / "feed.pcapng").string();
  // Probe datagrams to a port of their own show when the capture is really live: "Capturing on"
  // is printed before the filter is attached, so packets sent right after it can be missed.
  // A second probe at the end shows that every packet before it was captured.
  const std::uint16_t probe_port = h2s::test::free_udp_port();
  const std::uint16_t end_probe_port = h2s::test::free_udp_port();
  const std::string filter = "tcp port " + std::to_string(soup_port) + " or udp port " + std::to_string(group_port) +
                             " or udp port " + std::to_string(retransmit_port) + " or udp port " + std::to_string(probe_port) +
                             " or udp port " + std::to_string(end_probe_port);
  h2s::test::Process capturer({kTshark, "-i", "lo", "-f", filter, "-w", capture, "-P", "-l", "-a", "duration:120"});
  if (!capturer.wait_for_err("Capturing on", std::chrono::seconds(20))) {
    const auto failed = capturer.wait(std::chrono::seconds(5));
    WARN("SKIPPED: tshark cannot capture on lo here (needs root or CAP_NET_RAW): " << failed.err);
    return;
  }
  // Sends probe datagrams to `port` until the capture prints one (bounded): it is capturing up to there.
  const auto probe_until_captured = [&capturer](std::uint16_t port) {
    boost::asio::io_context io;
    boost::asio::ip::udp::socket probe(io, {boost::asio::ip::udp::v4(), 0});
    const boost::asio::ip::udp::endpoint to(boost::asio::ip::make_address("127.0.0.1"), port);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    const std::string port_text = std::to_string(port);
    while (capturer.out_so_far().find(port_text) == std::string::npos && std::chrono::steady_clock::now() < until) {
      probe.send_to(boost::asio::buffer("probe", 5), to);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return capturer.out_so_far().find(port_text) != std::string::npos;
  };
  REQUIRE(probe_until_captured(probe_port));

  // A SoupBinTCP subscriber from the start; a MoldUDP64 one that joins late and asks for the rest.
  h2s::test::Process soup_tap({H2S_BINARY, "tap", "--soup", "127.0.0.1:" + std::to_string(soup_port), "--user", "desk"});
  REQUIRE(soup_tap.wait_for_err("logged in to session CAPTURE"));
  replay.write_stdin(first_half);
  REQUIRE(replay.wait_for_out(R"("seq":1,)"));  // published before the MoldUDP64 tap joins: it must ask for it
  h2s::test::Process mold_tap({H2S_BINARY, "tap", "--mold", group, "--retransmit",
                               "127.0.0.1:" + std::to_string(retransmit_port), "--from", "1"});
  REQUIRE(mold_tap.wait_for_err("joined session CAPTURE"));
  replay.write_stdin(second_half);
  replay.close_stdin();
  const auto replayed = replay.wait();
  const auto soup_tapped = soup_tap.wait(std::chrono::seconds(30));
  const auto mold_tapped = mold_tap.wait(std::chrono::seconds(30));
  REQUIRE(probe_until_captured(end_probe_port));  // every packet before it is in the capture
  capturer.signal(SIGINT);
  REQUIRE(capturer.wait(std::chrono::seconds(20)).exit_code == 0);
  REQUIRE(replayed.exit_code == 0);
  REQUIRE(soup_tapped.exit_code == 0);
  REQUIRE(mold_tapped.exit_code == 0);
  const std::uint64_t published = count_lines(replayed.out);  // signals and cancels, seq 1..N
  REQUIRE(published > 50);
  CHECK(count_lines(soup_tapped.out) == published);  // field by field: binary_feed_test
  CHECK(count_lines(mold_tapped.out) == published);

  const std::vector<std::string> decode_as = {
      "-d", "tcp.port==" + std::to_string(soup_port) + ",soupbintcp",
      "-d", "udp.port==" + std::to_string(group_port) + ",moldudp64",
      "-d", "udp.port==" + std::to_string(retransmit_port) + ",moldudp64"};

  // SoupBinTCP: tshark numbers the Sequenced Data packets from the Login Accepted it saw.
  std::vector<std::string> soup_args = {kTshark, "-r", capture, "-V", "-Y", "soupbintcp"};
  soup_args.insert(soup_args.end(), decode_as.begin(), decode_as.end());
  const auto soup = h2s::test::run_process(soup_args);
  REQUIRE(soup.exit_code == 0);
  CHECK_THAT(soup.out, Contains("Packet Type: Login Request ('L')"));
  CHECK(std::regex_search(soup.out, std::regex("Session: +CAPTURE\n")));  // left-padded, as the spec has it
  CHECK_THAT(soup.out, Contains("Next sequence number: 1"));
  CHECK_THAT(soup.out, Contains("Packet Type: End of Session ('Z')"));
  const std::regex soup_sequence(R"(Sequence number: (\d+) \(Calculated\))");
  std::vector<std::uint64_t> soup_sequences;
  for (std::sregex_iterator it(soup.out.begin(), soup.out.end(), soup_sequence), end; it != end; ++it) {
    soup_sequences.push_back(std::stoull((*it)[1]));
  }
  REQUIRE(soup_sequences.size() == published);
  for (std::size_t i = 0; i < soup_sequences.size(); ++i) CHECK(soup_sequences[i] == i + 1);

  // MoldUDP64: every message on the group exactly once and in order, End of Session (count
  // 65535) at the end; the late joiner's request answered from the retransmission port.
  std::vector<std::string> mold_args = {kTshark, "-r", capture, "-Y", "moldudp64", "-T", "fields", "-E", "separator=;",
                                        "-e", "udp.srcport", "-e", "udp.dstport", "-e", "moldudp64.session",
                                        "-e", "moldudp64.sequence", "-e", "moldudp64.count", "-e", "moldudp64.msgseq"};
  mold_args.insert(mold_args.end(), decode_as.begin(), decode_as.end());
  const auto mold = h2s::test::run_process(mold_args);
  REQUIRE(mold.exit_code == 0);
  std::vector<std::uint64_t> multicast;
  std::set<std::uint64_t> retransmitted;
  std::size_t requests = 0, ends = 0, heartbeats = 0;
  for (const std::string& row : split(mold.out, '\n')) {
    INFO(row);
    const std::vector<std::string> f = split(row, ';');
    REQUIRE(f.size() >= 5);
    CHECK(f[2].rfind("CAPTURE", 0) == 0);
    const std::uint16_t src = static_cast<std::uint16_t>(std::stoul(f[0]));
    const std::uint16_t dst = static_cast<std::uint16_t>(std::stoul(f[1]));
    const unsigned count = static_cast<unsigned>(std::stoul(f[4]));
    const std::vector<std::string> sequences = f.size() > 5 ? split(f[5], ',') : std::vector<std::string>{};
    if (dst == retransmit_port) {
      ++requests;
      continue;
    }
    if (count == 0xFFFF) {
      ++ends;
      CHECK(std::stoull(f[3]) == published + 1);  // End of Session carries the next sequence
      continue;
    }
    if (count == 0) {
      ++heartbeats;
      continue;
    }
    REQUIRE(sequences.size() == count);
    for (const std::string& s : sequences) {
      if (src == retransmit_port) {
        retransmitted.insert(std::stoull(s));
      } else {
        multicast.push_back(std::stoull(s));
      }
    }
  }
  REQUIRE(multicast.size() == published);
  for (std::size_t i = 0; i < multicast.size(); ++i) CHECK(multicast[i] == i + 1);
  CHECK(ends >= 1);
  CHECK(requests >= 1);
  CHECK(!retransmitted.empty());
  CHECK(*retransmitted.begin() == 1);
  INFO("heartbeats " << heartbeats);
}
