#pragma once
// Test-side sockets on 127.0.0.1: connect with a bounded receive timeout, read until the peer
// closes, find a free UDP port.
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio.hpp>

#include <cstdint>
#include <string>

namespace h2s::test {

// Connected to 127.0.0.1:port; every read gives up after `timeout_seconds` of silence.
inline boost::asio::ip::tcp::socket connect_local(boost::asio::io_context& io, std::uint16_t port, int timeout_seconds = 10,
                                                  int receive_buffer = 0) {
  boost::asio::ip::tcp::socket socket(io);
  socket.open(boost::asio::ip::tcp::v4());
  if (receive_buffer > 0) socket.set_option(boost::asio::socket_base::receive_buffer_size(receive_buffer));
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  const timeval timeout{timeout_seconds, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return socket;
}

// A UDP port nothing is bound to right now (for a multicast group, which cannot take port 0).
inline std::uint16_t free_udp_port() {
  boost::asio::io_context io;
  boost::asio::ip::udp::socket probe(io, {boost::asio::ip::udp::v4(), 0});
  return probe.local_endpoint().port();
}

// A TCP port nothing listens on right now (for configurations that must name one).
inline std::uint16_t free_tcp_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::tcp::v4(), 0});
  return probe.local_endpoint().port();
}

struct ReadResult {
  std::string bytes;
  bool closed_by_peer = false;  // false: the read timed out or failed
};

// Everything until the peer closes (or a read times out).
inline ReadResult read_to_end(boost::asio::ip::tcp::socket& socket) {
  ReadResult result;
  char chunk[65536];
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n = socket.read_some(boost::asio::buffer(chunk), ec);
    result.bytes.append(chunk, n);
    if (ec) {
      result.closed_by_peer = ec == boost::asio::error::eof;
      return result;
    }
  }
}

}  // namespace h2s::test
