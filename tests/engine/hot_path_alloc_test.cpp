// Proves the hot path (frame -> decode -> match -> score -> publish) never allocates: global
// operator new (and, outside sanitizer builds, malloc) are counted while the sample feed runs.
#include <catch2/catch.hpp>

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <boost/asio.hpp>

#include <atomic>
#include <thread>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <sstream>
#include <string>

#include "h2s/feeds/websocket_source.hpp"
#include "h2s/model/clock.hpp"
#include "h2s/pipeline/processor.hpp"
#include "h2s/pipeline/publisher.hpp"
#include "h2s/publish/soupbintcp.hpp"
#include "h2s/rules/compiled_pack.hpp"
#include "test_paths.hpp"
#include "websocket_server.hpp"

#if !defined(H2S_SANITIZER_BUILD)  // sanitizer runtimes own the allocator: nothing to count there

// The replacement new/delete pair on malloc/free by design; GCC cannot see they match.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<std::size_t> g_allocations{0};
thread_local std::size_t t_allocations = 0;  // this thread's share, for tests with helper threads
thread_local std::size_t t_openssl_allocations = 0;  // of which OpenSSL's own (called from libssl or libcrypto)
void note_allocation() noexcept {
  if (g_counting.load(std::memory_order_relaxed)) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    ++t_allocations;
  }
}
// A C allocation, attributed to OpenSSL when libssl or libcrypto called malloc.
void note_c_allocation(void* caller) noexcept {
  if (!g_counting.load(std::memory_order_relaxed)) return;
  note_allocation();
  Dl_info where;
  if (dladdr(caller, &where) != 0 && where.dli_fname != nullptr && (std::strstr(where.dli_fname, "libcrypto") != nullptr || std::strstr(where.dli_fname, "libssl") != nullptr)) {
    ++t_openssl_allocations;
  }
}
}  // namespace

void* operator new(std::size_t n) {
  note_allocation();
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  note_allocation();
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  note_allocation();
  if (void* p = std::aligned_alloc(static_cast<std::size_t>(a), (n + static_cast<std::size_t>(a) - 1) & ~(static_cast<std::size_t>(a) - 1))) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

// C allocations too (simdjson and Hyperscan could call malloc directly): glibc lets a program
// interpose malloc and reach the real one through __libc_malloc.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* malloc(std::size_t n) {
  note_c_allocation(__builtin_return_address(0));
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
  note_c_allocation(__builtin_return_address(0));
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
  note_c_allocation(__builtin_return_address(0));
  return __libc_realloc(p, n);
}
}

TEST_CASE("The hot path does not allocate, from the first message on") {
  std::ifstream in(h2s::test::sample_feed(), std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  std::string feed = contents.str();
  const std::size_t feed_size = feed.size();
  feed.append(h2s::feeds::kLinePadding, ' ');

  auto pack = h2s::rules::CompiledPack::load(h2s::test::default_rules());
  const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  REQUIRE(devnull >= 0);
  h2s::publish::NdjsonWriter writer(devnull, 4096);  // small: flushes (write syscalls) happen during the run
  h2s::pipeline::PipelineCounters counters;
  h2s::pipeline::Publisher publisher(&writer, h2s::pipeline::ClockMode::live, counters);
  h2s::pipeline::ProcessorConfig config;
  config.clock = h2s::pipeline::ClockMode::live;
  config.scoring.throttle_max_signals = 1000;  // the whole feed runs within one live second
  h2s::pipeline::Processor processor(config, pack, publisher, counters);

  g_allocations = 0;
  g_counting = true;
  // Odd-sized chunks so lines also cross chunk boundaries (the carry path).
  for (std::size_t at = 0; at < feed_size; at += 777) {
    const std::size_t n = at + 777 < feed_size ? 777 : feed_size - at;
    processor.on_stream_bytes({feed.data() + at, n});
  }
  processor.on_end_of_stream();
  publisher.flush();
  g_counting = false;
  ::close(devnull);

  CHECK(g_allocations.load() == 0);
  CHECK(counters.messages.get() > 200);
  CHECK(counters.published.get() > 50);
  CHECK(counters.balanced());
}

namespace {

// Reads a TCP stream into a fixed buffer until the peer closes: never allocates.
void drain(boost::asio::ip::tcp::socket& socket, std::atomic<std::size_t>& received) {
  static thread_local char chunk[1 << 16];
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n = socket.read_some(boost::asio::buffer(chunk), ec);
    received.fetch_add(n, std::memory_order_relaxed);
    if (ec) return;
  }
}

}  // namespace

TEST_CASE("Publishing to live subscribers (SoupBinTCP, MoldUDP64, NDJSON over TCP) does not allocate once warm") {
  namespace asio = boost::asio;
  using asio::ip::tcp;
  const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  REQUIRE(devnull >= 0);
  h2s::publish::NdjsonWriter writer(devnull, 4096);
  h2s::pipeline::PipelineCounters counters;
  h2s::publish::SignalFeedsOptions options;
  options.journal.ring_capacity = 4096;
  options.soup.emplace();
  options.soup->username = "desk";
  options.soup->password = "pw";
  options.mold.emplace();
  options.mold->group = "239.192.0.77";
  options.mold->port = 31977;
  options.ndjson.emplace();
  h2s::publish::SignalFeeds feeds(options);
  h2s::pipeline::Publisher publisher(&writer, h2s::pipeline::ClockMode::live, counters, &feeds);

  asio::io_context client_io;
  tcp::socket soup(client_io), ndjson(client_io);
  soup.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), feeds.soup_port()));
  ndjson.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), feeds.ndjson_port()));
  std::uint8_t login[64];
  asio::write(soup, asio::buffer(login, h2s::soup::encode_login_request("desk", "pw", "", 0, login)));
  std::atomic<std::size_t> soup_bytes{0}, ndjson_bytes{0};
  std::thread soup_reader([&] { drain(soup, soup_bytes); });
  std::thread ndjson_reader([&] { drain(ndjson, ndjson_bytes); });

  h2s::Signal signal;
  (void)signal.ticker.assign("AMZN");
  (void)signal.topic.assign("amzn.trainium");
  (void)signal.rule.assign("amzn.trainium.chip");
  signal.vendor = h2s::Vendor::benzinga;
  signal.strength = signal.sentiment = 0.5;
  auto publish = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      char id[16];
      const int n = std::snprintf(id, sizeof id, "s%d", i);
      (void)signal.story_id.assign(std::string_view(id, static_cast<std::size_t>(n)));
      signal.ts_score_us = h2s::wall_clock_us();
      publisher.on_signal(signal);
      if (i % 10 == 0) publisher.on_story_deleted(signal.story_id.view(), signal.vendor, signal.ts_score_us);
      (void)feeds.poll();
    }
  };
  // Warm-up: accepts, the login, buffers growing to their working size, Asio's handler memory.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (feeds.soup()->clients() + feeds.ndjson()->clients() < 2 || soup_bytes.load() < 40) {
    (void)feeds.poll();
    if (std::chrono::steady_clock::now() > until) FAIL("subscribers did not connect and log in within 10 s");
  }
  publish(0, 2000);

  g_allocations = 0;
  g_counting = true;
  publish(2000, 12000);
  g_counting = false;

  CHECK(g_allocations.load() == 0);
  CHECK(counters.published.get() == 12000);
  CHECK(counters.cancels_published.get() == 1200);
  CHECK(feeds.soup()->counters().slow_disconnects == 0);
  CHECK(feeds.ndjson()->counters().slow_disconnects == 0);
  CHECK(feeds.mold()->counters().packets > 0);
  feeds.end_session();
  const auto drained = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((feeds.soup()->clients() + feeds.ndjson()->clients() > 0) && std::chrono::steady_clock::now() < drained) {
    (void)feeds.poll();
  }
  soup.close();  // unblocks a reader whose server has not closed yet
  ndjson.close();
  soup_reader.join();
  ndjson_reader.join();
  CHECK(ndjson_bytes.load() > 13200 * 200);  // every line reached the NDJSON client
  ::close(devnull);
}

TEST_CASE("Reading a vendor's WebSocket/TLS stream does not allocate once connected") {
  h2s::test::TestCertificate cert;
  std::atomic<int> phase{0};  // 1: send the measured burst
  constexpr int kWarmUp = 200, kMeasured = 5000;
  const auto news = [](int i) {
    return R"([{"T":"n","id":)" + std::to_string(100000 + i) +
           R"(,"headline":"Broadcom lifts AI revenue outlook","created_at":"2025-12-02T13:30:25Z","symbols":["AVGO"]}])";
  };
  h2s::test::WebSocketTestServer server(cert, [&](h2s::test::WebSocketSession& s, int) {
    s.send(R"([{"T":"success","msg":"connected"}])");
    if (!s.receive()) return;
    s.send(R"([{"T":"success","msg":"authenticated"}])");
    if (!s.receive()) return;
    s.send(R"([{"T":"subscription","news":["*"]}])");
    for (int i = 0; i < kWarmUp; ++i) s.send(news(i));
    for (int i = 0; i < 3000 && phase.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (int i = 0; i < kMeasured; ++i) s.send(news(kWarmUp + i));
    s.hold_open();
  });
  struct CountingSink final : h2s::feeds::MessageSink {
    void on_message(std::string_view message, std::int64_t) noexcept override {
      ++messages;
      bytes += message.size();
    }
    void on_oversized() noexcept override {}
    std::size_t messages = 0, bytes = 0;
  } sink;
  h2s::feeds::WebSocketOptions options;
  options.url = "wss://127.0.0.1:" + std::to_string(server.port()) + "/v1beta1/news";
  options.key = "k";
  options.secret = "s";
  options.ca_file = cert.cert();
  auto source = h2s::feeds::make_websocket_source("alpaca", options, sink);
  const auto poll_until = [&](std::size_t messages) {
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (sink.messages < messages && std::chrono::steady_clock::now() < limit) {
      if (source->poll() == 0) std::this_thread::yield();
    }
    return sink.messages >= messages;
  };
  REQUIRE(poll_until(3 + kWarmUp));  // connected, logged in, buffers grown to size
  t_allocations = 0;
  t_openssl_allocations = 0;
  g_counting = true;
  phase = 1;
  const bool all = poll_until(3 + kWarmUp + kMeasured);
  g_counting = false;
  REQUIRE(all);
  // This thread: socket reads, WebSocket framing, handler dispatch, delivery. OpenSSL 3.0's
  // record decryption allocates inside libssl/libcrypto: the TLS library's, reported apart.
  CHECK(t_allocations - t_openssl_allocations == 0);
  WARN("OpenSSL allocations per WebSocket message: " << static_cast<double>(t_openssl_allocations) / kMeasured);
  CHECK(source->counters().messages.get() == 3 + kWarmUp + kMeasured);
  source->close();
}

#endif  // !H2S_SANITIZER_BUILD
