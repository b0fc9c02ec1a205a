#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio.hpp>

#include <memory>
#include <string>
#include <thread>

#include "h2s/publish/ndjson_server.hpp"
#include "io_thread.hpp"
#include "socket_io.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;
using h2s::publish::NdjsonServer;
using h2s::publish::NdjsonServerOptions;

namespace {

std::string line(int i) {
  std::string text = R"({"type":"signal","seq":)" + std::to_string(i) + R"(,"pad":")";
  text.append(400, 'x');
  return text + "\"}\n";
}

// Waits (bounded) until the server has n clients.
void wait_for_clients(h2s::test::IoThread& io, NdjsonServer& server, std::size_t n) {
  for (int i = 0; i < 500; ++i) {
    std::size_t clients = 0;
    io.run([&] { clients = server.clients(); });
    if (clients == n) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL("server never had " << n << " clients");
}

}  // namespace

TEST_CASE("NDJSON over TCP: a slow client is disconnected while a fast one gets every line, then the end") {
  h2s::test::IoThread io;
  NdjsonServerOptions options;
  options.max_buffered_bytes = 256 << 10;
  options.max_clients = 2;
  auto server = std::make_unique<NdjsonServer>(io.io(), options);
  const std::uint16_t port = server->port();
  REQUIRE(port != 0);

  asio::io_context client_io;
  tcp::socket slow = h2s::test::connect_local(client_io, port, 5, 4096);  // never reads
  tcp::socket fast = h2s::test::connect_local(client_io, port, 5);
  wait_for_clients(io, *server, 2);
  tcp::socket refused = h2s::test::connect_local(client_io, port, 5);  // over max_clients: closed at once
  CHECK(h2s::test::read_to_end(refused).bytes.empty());

  std::string fast_got, expected;
  std::thread reader([&] { fast_got = h2s::test::read_to_end(fast).bytes; });
  // ~8.6 MB: beyond what the kernel's socket buffers absorb for the slow client, plus its 256 KiB;
  // published 43 KB at a time, which the fast client drains in between.
  constexpr int kLines = 20000;
  for (int batch = 0; batch < kLines / 100; ++batch) {
    io.run([&] {
      for (int i = batch * 100; i < (batch + 1) * 100; ++i) server->publish(line(i + 1));
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the fast reader keeps up
  }
  for (int i = 1; i <= kLines; ++i) expected += line(i);
  io.run([&] { server->end_session(); });
  reader.join();
  CHECK(fast_got.size() == expected.size());
  CHECK(fast_got == expected);  // every line, in order, then the server closed
  io.run([&] {
    CHECK(server->counters().slow_disconnects == 1);
    CHECK(server->counters().refused_connections == 1);
    CHECK(server->counters().connections == 2);
    CHECK(server->counters().lines == kLines);
    CHECK(server->clients() == 0);
  });
  io.run([&] { server.reset(); });
}

TEST_CASE("NDJSON over TCP: listens on loopback unless told otherwise") {
  CHECK(NdjsonServerOptions{}.address == "127.0.0.1");
  h2s::test::IoThread io;
  auto server = std::make_unique<NdjsonServer>(io.io(), NdjsonServerOptions{});
  asio::io_context client_io;
  tcp::socket client = h2s::test::connect_local(client_io, server->port(), 5);
  CHECK(client.remote_endpoint().address().to_string() == "127.0.0.1");
  io.run([&] { server->end_session(); });
  CHECK(h2s::test::read_to_end(client).bytes.empty());
  io.run([&] { server.reset(); });  // on its own thread, like everything it does
}
