// Sequenced output against kill -9, a full disk, a corrupt or vanished journal and a reader that
// goes away: a sequence number, once seen by a subscriber, never means anything else.
#include <catch2/catch.hpp>

#include <boost/asio.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "h2s/publish/journal.hpp"
#include "h2s/publish/soupbintcp.hpp"
#include "subprocess.hpp"
#include "test_paths.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;
using Catch::Matchers::Contains;
using h2s::publish::Journal;

namespace {

// Eight headlines that each signal, made distinct per story; dedup is off in these runs.
std::string story_line(std::uint64_t k) {
  static const char* const kHeadlines[] = {
      "Nvidia raises data center revenue forecast on Blackwell demand", "Amazon raises 2026 capex forecast to record",
      "Broadcom cuts AI revenue outlook on weak orders", "Equinix raises full-year guidance on record bookings",
      "Fed's Waller says no rush to cut rates", "Nvidia shares slump as export curbs hit China sales",
      "Digital Realty beats quarterly estimates, raises outlook", "AWS unveils Trainium3 chips, says customers cut training costs"};
  return R"({"id":"k)" + std::to_string(k) + R"(","headline":")" + kHeadlines[k % 8] + " - wire " + std::to_string(k) +
         R"(","published_at":)" + std::to_string(1764684000 + k % 1'000'000) + "}\n";  // a second apart
}

// Compiled rule databases: the run's shared cache when there is one (the sanitizer builds), else the test's own.
std::string rules_cache(const h2s::test::TempDir& dir) {
  const char* shared = std::getenv("H2S_RULES_CACHE_DIR");
  return shared != nullptr && *shared != '\0' ? std::string(shared) : (dir.path() / "cache").string();
}

std::string daemon_config(const h2s::test::TempDir& dir, const std::string& journal_extra = "") {
  return "[rules]\npath = \"" + h2s::test::default_rules().string() + "\"\ncache_dir = \"" + rules_cache(dir) +
         "\"\n" + R"(
[scoring]
dedup_window_us = 0
semantic_window_us = 0
chain_window_us = 0
near_duplicate_bits = 0
throttle_max_signals = 1000

[[feed]]
name = "wire"
type = "tcp_server"
listen = "127.0.0.1:0"

[output]
stdout = false

[output.journal]
file = ")" + (dir.path() / "signals.journal").string() +
         "\"\n" + journal_extra + R"(
[output.soupbintcp]
listen = "127.0.0.1:0"
user = "desk"

[shutdown]
linger_ms = 600000
)";
}

std::uint16_t port_after(const h2s::test::Process& p, const std::string& prefix) {
  const std::uint16_t port = p.announced_port(prefix);
  REQUIRE(port != 0);
  return port;
}

// The "next sequence N" a starting daemon announces.
std::uint64_t announced_next_sequence(const h2s::test::Process& p) {
  REQUIRE(p.wait_for_err(", next sequence "));
  const std::string err = p.err_so_far();
  return std::stoull(err.substr(err.find(", next sequence ") + 16));
}

// A SoupBinTCP subscriber on its own thread: every sequenced message it receives, by sequence.
class Subscriber {
 public:
  Subscriber(std::uint16_t port, std::uint64_t from) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    timeval timeout{10, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::uint8_t login[64];
    asio::write(socket_, asio::buffer(login, h2s::soup::encode_login_request("desk", "s3cret", "", from, login)));
    thread_ = std::thread([this, from] { read(from); });
  }
  ~Subscriber() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  [[nodiscard]] std::size_t received() const { return count_.load(); }
  // Valid once joined.
  [[nodiscard]] const std::vector<std::pair<std::uint64_t, std::string>>& messages() const { return messages_; }
  [[nodiscard]] bool accepted() const { return accepted_.load(); }

 private:
  void read(std::uint64_t next) {
    for (;;) {
      std::uint8_t length[2];
      boost::system::error_code ec;
      asio::read(socket_, asio::buffer(length), ec);
      if (ec) return;  // the daemon was killed: the connection ends
      std::string body((length[0] << 8) | length[1], '\0');
      asio::read(socket_, asio::buffer(body), ec);
      if (ec) return;
      if (body[0] == 'A') {
        accepted_ = true;
        next = std::stoull(body.substr(11, 20));  // Login Accepted: session (10), then the sequence
      } else if (body[0] == 'S') {
        messages_.emplace_back(next++, body.substr(1));
        count_.fetch_add(1);
      }
    }
  }

  asio::io_context io_;
  tcp::socket socket_;
  std::thread thread_;
  std::vector<std::pair<std::uint64_t, std::string>> messages_;
  std::atomic<std::size_t> count_{0};
  std::atomic<bool> accepted_{false};
};

// Sends story lines to a TCP feed as fast as it takes them, until stopped or the peer is gone.
class Sender {
 public:
  Sender(std::uint16_t port, std::uint64_t first) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    thread_ = std::thread([this, first] {
      std::uint64_t k = first;
      while (!stop_.load()) {
        std::string batch;
        for (int i = 0; i < 64; ++i) batch += story_line(k++);
        boost::system::error_code ec;
        asio::write(socket_, asio::buffer(batch), ec);
        if (ec) return;
      }
    });
  }
  ~Sender() {
    stop_ = true;
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    if (thread_.joinable()) thread_.join();
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

bool wait_until(const std::function<bool()>& condition, std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!condition() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return condition();
}

// A daemon journaling a TCP feed, with a SoupBinTCP subscriber that has received its first 20 signals.
struct JournalingDaemon {
  explicit JournalingDaemon(const std::string& config_text)
      : config(dir.write("h2s.toml", config_text)), daemon({H2S_BINARY, "run", "--config", config.string()}) {
    const std::uint16_t soup_port = port_after(daemon, "SoupBinTCP feed on port ");
    const std::uint16_t feed_port = port_after(daemon, "feed wire (tcp_server) listening on port ");
    REQUIRE(daemon.wait_for_err("event=journal_opened"));
    subscriber = std::make_unique<Subscriber>(soup_port, 1);
    feed.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), feed_port));
    send(0, 20);
    REQUIRE(wait_until([&] { return subscriber->received() >= 20; }));
  }
  void send(std::uint64_t first, std::uint64_t count) {
    std::string lines;
    for (std::uint64_t k = first; k < first + count; ++k) lines += story_line(k);
    boost::system::error_code ec;
    asio::write(feed, asio::buffer(lines), ec);
  }
  h2s::test::TempDir dir;
  std::filesystem::path config;
  h2s::test::Process daemon;
  std::unique_ptr<Subscriber> subscriber;
  asio::io_context io;
  tcp::socket feed{io};
};

}  // namespace

TEST_CASE("kill -9 at full rate never reissues a sequence number, and a restart continues after the last journaled record") {
  ::setenv("H2S_SOUP_PASSWORD", "s3cret", 1);
  const char* requested = std::getenv("H2S_KILL_LOOP");
  const int kills = requested != nullptr ? std::atoi(requested) : 50;
  h2s::test::TempDir dir;
  const auto config = dir.write("h2s.toml", daemon_config(dir));
  const auto journal = dir.path() / "signals.journal";
  std::map<std::uint64_t, std::string> seen;  // every sequence any subscriber got, with its payload
  std::size_t reissued = 0, received_total = 0, replayed_total = 0;
  std::mt19937 random(20261202);
  std::uint64_t story = 0;
  for (int kill = 0; kill < kills; ++kill) {
    INFO("kill " << kill);
    const std::uint64_t journaled = std::filesystem::exists(journal) ? Journal::scan(journal).records : 0;
    h2s::test::Process daemon({H2S_BINARY, "run", "--config", config.string()});
    const std::uint16_t soup_port = port_after(daemon, "SoupBinTCP feed on port ");
    const std::uint16_t feed_port = port_after(daemon, "feed wire (tcp_server) listening on port ");
    REQUIRE(announced_next_sequence(daemon) == journaled + 1);  // continues after the last record on file
    // Replays the last few hundred journaled messages, then follows live ones.
    const std::uint64_t from = journaled > 300 ? journaled - 300 : 1;
    Subscriber subscriber(soup_port, from);
    {
      Sender sender(feed_port, story);
      story += 1'000'000;
      // Killed while signals flow: after a random share of a few hundred live messages.
      const std::size_t live_target = (journaled + 1 - from) + 20 + random() % 400;
      REQUIRE(wait_until([&] { return subscriber.received() >= live_target; }));
      daemon.signal(SIGKILL);
      (void)daemon.wait(std::chrono::seconds(10));
    }
    subscriber.join();
    REQUIRE(subscriber.accepted());
    for (const auto& [sequence, payload] : subscriber.messages()) {
      const auto [at, fresh] = seen.emplace(sequence, payload);
      if (!fresh && at->second != payload) ++reissued;
      replayed_total += sequence <= journaled ? 1 : 0;
    }
    received_total += subscriber.messages().size();
  }
  CHECK(reissued == 0);
  CHECK(received_total > static_cast<std::size_t>(kills) * 20);
  CHECK(replayed_total > 0);  // restarts replayed what earlier runs had sent, byte for byte
  const auto scan = Journal::scan(journal);
  CHECK_FALSE(scan.corrupt);
  // Every sequence a subscriber saw is on file (a torn tail holds only what never left).
  CHECK(scan.records + 1 >= seen.rbegin()->first);
  WARN(kills << " kills: " << received_total << " messages received, " << seen.size() << " distinct sequences, "
             << reissued << " reissued, journal " << scan.records << " records");
}

TEST_CASE("A full disk under on_error = halt publishes nothing past the journal and exits non-zero, memory goes on, loudly") {
  ::setenv("H2S_SOUP_PASSWORD", "s3cret", 1);
  h2s::test::TempDir dir;
  std::string feed;
  for (std::uint64_t k = 0; k < 1000; ++k) feed += story_line(k);  // ~480 KB of journal records
  for (const std::string policy : {"halt", "memory"}) {
    INFO(policy);
    const auto journal = dir.path() / (policy + ".journal");
    // RLIMIT_FSIZE stands in for a full disk (EFBIG instead of ENOSPC); stdout goes to /dev/null,
    // which no file-size limit covers.
    h2s::test::Process replay({"/bin/sh", "-c",
                               "exec prlimit --fsize=200000 " + std::string(H2S_BINARY) + " replay --input - --rules-cache " +
                                   rules_cache(dir) + " --journal " + journal.string() + " --journal-on-error " +
                                   policy + " --soup-listen 127.0.0.1:0 --soup-user desk -p dedup_window_us=0"
                                   " -p semantic_window_us=0 -p near_duplicate_bits=0 -p throttle_max_signals=1000 > /dev/null"},
                              true);
    const std::uint16_t port = port_after(replay, "SoupBinTCP feed on port ");
    Subscriber subscriber(port, 1);
    REQUIRE(wait_until([&] { return subscriber.accepted(); }));  // logged in before the feed flows
    replay.write_stdin(feed);
    const auto result = replay.wait(std::chrono::seconds(120));
    subscriber.join();
    CHECK(result.exit_code == 1);
    const auto scan = Journal::scan(journal);
    CHECK_FALSE(scan.corrupt);
    CHECK_FALSE(scan.torn_tail);  // a failed group is cut back to the last whole record
    CHECK(scan.records > 0);
    CHECK(std::filesystem::file_size(journal) <= 200000);
    if (policy == "halt") {
      CHECK_THAT(result.err, Contains("error writing the journal") && Contains("File too large") && Contains("halted"));
      // Not one message past the journal left the process.
      REQUIRE_FALSE(subscriber.messages().empty());
      CHECK(subscriber.messages().back().first == scan.records);
      CHECK(subscriber.messages().size() == scan.records);
    } else {
      CHECK_THAT(result.err, Contains("published without a record"));
      CHECK(subscriber.messages().size() > scan.records);  // it went on from memory
    }
  }
}

TEST_CASE("A corrupt journal refuses to start, naming where, h2s journal check reports it and repair cuts it") {
  ::setenv("H2S_SOUP_PASSWORD", "s3cret", 1);
  h2s::test::TempDir dir;
  std::string feed;
  for (std::uint64_t k = 0; k < 50; ++k) feed += story_line(k);
  const auto input = dir.write("feed.ndjson", feed);
  const auto journal = dir.path() / "signals.journal";
  const std::vector<std::string> replay{H2S_BINARY, "replay", "--input", input.string(), "--rules-cache", rules_cache(dir),
                                        "--journal", journal.string(), "--quiet", "-p", "dedup_window_us=0"};
  REQUIRE(h2s::test::run_process(replay).exit_code == 0);
  const auto good = Journal::scan(journal);
  REQUIRE(good.records > 20);
  CHECK(h2s::test::run_process({H2S_BINARY, "journal", "check", journal.string()}).exit_code == 0);
  {
    std::fstream f(journal, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(Journal::kHeaderBytes + 5 * (Journal::kRecordHeaderBytes + 432) + 100);  // inside record 6
    f.put('\x7f');
  }
  const auto refused = h2s::test::run_process(replay);
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Contains("corrupt at byte " + std::to_string(Journal::kHeaderBytes + 5 * (Journal::kRecordHeaderBytes + 432))) &&
                              Contains("sequences 1-5 are good"));
  const auto check = h2s::test::run_process({H2S_BINARY, "journal", "check", journal.string()});
  CHECK(check.exit_code == 1);
  CHECK_THAT(check.out, Contains("CORRUPT at byte") && Contains("after sequence 5"));
  const auto repair = h2s::test::run_process({H2S_BINARY, "journal", "repair", journal.string()});
  CHECK(repair.exit_code == 0);
  CHECK_THAT(repair.out, Contains("sequences after 5 are dropped"));
  const auto resumed = h2s::test::run_process(replay);
  CHECK(resumed.exit_code == 0);
  CHECK_THAT(resumed.out, Contains(R"({"type":"signal","seq":6,)"));  // continues after the last good record
  // A torn tail is cut at start-up and said so.
  std::ofstream(journal, std::ios::app | std::ios::binary) << std::string("\x01\x02\x03", 3);
  const auto torn = h2s::test::run_process({H2S_BINARY, "replay", "--input", input.string(), "--rules-cache",
                                            rules_cache(dir), "--journal", journal.string(), "--soup-listen",
                                            "127.0.0.1:0", "--soup-user", "desk"});
  CHECK(torn.exit_code == 0);
  CHECK_THAT(torn.err, Contains("journal: a torn tail of 3 bytes was cut after sequence"));
}

TEST_CASE("A journal deleted under the daemon is detected and handled by halt: logged, nothing more published, exit 1") {
  ::setenv("H2S_SOUP_PASSWORD", "s3cret", 1);
  h2s::test::TempDir config_dir;
  JournalingDaemon d(daemon_config(config_dir));
  std::filesystem::remove(config_dir.path() / "signals.journal");
  REQUIRE(d.daemon.wait_for_err("event=journal_failed"));
  const std::size_t before = d.subscriber->received();
  d.send(100, 20);
  const auto result = d.daemon.wait(std::chrono::seconds(30));
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.err, Contains("level=error event=journal_failed") && Contains("No such file or directory") &&
                             Contains("policy=halt"));
  CHECK_THAT(result.err, Contains("event=stopped"));  // the final accounting line, on this exit path too
  d.subscriber->join();
  CHECK(d.subscriber->messages().size() == before);
}

TEST_CASE("A reader that goes away is an error on that write (SIGPIPE ignored): the summary is still printed") {
  h2s::test::TempDir dir;
  std::string feed;
  for (std::uint64_t k = 0; k < 3000; ++k) feed += story_line(k);
  const auto input = dir.write("feed.ndjson", feed);
  const auto result = h2s::test::run_process(
      {"/bin/sh", "-c",
       std::string(H2S_BINARY) + " replay --input " + input.string() + " --rules-cache " + rules_cache(dir) +
           " -p dedup_window_us=0 -p semantic_window_us=0 -p near_duplicate_bits=0 -p throttle_max_signals=1000 | head -c 1 > /dev/null"});
  CHECK_THAT(result.err, Contains("accounting"));                      // the summary, after the broken pipe
  CHECK_THAT(result.err, Contains("error writing signals: Broken pipe"));
}

TEST_CASE("The journal's fsync and on_error keys are checked at start-up, with file and line") {
  h2s::test::TempDir dir;
  for (const auto& [extra, message] : {std::pair{std::string("fsync = \"sometimes\"\n"), std::string("fsync must be none, batch or interval")},
                                       std::pair{std::string("on_error = \"ignore\"\n"), std::string("on_error must be halt or memory")},
                                       std::pair{std::string("fsync_interval_ms = 0\n"), std::string("fsync_interval_ms")}}) {
    const auto config = dir.write("bad.toml", daemon_config(dir, extra));
    const auto result = h2s::test::run_process({H2S_BINARY, "run", "--config", config.string(), "--check-config"});
    CHECK(result.exit_code != 0);
    CHECK_THAT(result.err, Contains(message) && Contains("bad.toml:"));
  }
  const auto good = dir.write("good.toml", daemon_config(dir, "fsync = \"interval\"\nfsync_interval_ms = 250\non_error = \"memory\"\n"));
  ::setenv("H2S_SOUP_PASSWORD", "s3cret", 1);
  CHECK(h2s::test::run_process({H2S_BINARY, "run", "--config", good.string(), "--check-config"}).exit_code == 0);
}

TEST_CASE("Under on_error = memory a journal deleted under the daemon is logged each interval while publishing goes on") {
  ::setenv("H2S_SOUP_PASSWORD", "s3cret", 1);
  h2s::test::TempDir config_dir;
  JournalingDaemon d(daemon_config(config_dir, "on_error = \"memory\"\n") + "\n[logging]\ninterval_ms = 200\n");
  const std::size_t before = d.subscriber->received();
  std::filesystem::remove(config_dir.path() / "signals.journal");
  // Published on, from memory, and said so: the first line comes once the file check has run.
  std::uint64_t k = 100;
  REQUIRE(wait_until([&] {
    d.send(k, 5);
    k += 5;
    return d.daemon.err_so_far().find("event=published_unjournaled") != std::string::npos;
  }));
  REQUIRE(wait_until([&] { return d.subscriber->received() > before + 5; }));
  d.daemon.signal(SIGTERM);
  const auto result = d.daemon.wait(std::chrono::seconds(30));
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.err, Contains("level=error event=published_unjournaled count="));
  CHECK_THAT(result.err, Contains("level=error event=journal_not_written") && Contains("No such file or directory"));
  CHECK_THAT(result.err, Contains("event=stopped"));
  d.subscriber->join();
  CHECK(d.subscriber->messages().size() > before);
}
