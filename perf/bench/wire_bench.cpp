#include "wire_bench.hpp"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "figures.hpp"
#include "h2s/model/write_all.hpp"
#include "h2s/publish/moldudp64.hpp"
#include "h2s/publish/soupbintcp.hpp"
#include "h2s/publish/wire.hpp"
#include "workload.hpp"

extern char** environ;

namespace h2s::perf {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kGroup = "239.255.77.2";
constexpr const char* kSoupUser = "bench";
constexpr const char* kSoupPassword = "bench";
constexpr double kSustainedP99Us = 5000;

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `h2s run` as a child process, its log in a file; SIGTERM then SIGKILL when done.
class DaemonProcess {
 public:
  DaemonProcess(const std::string& binary, const std::filesystem::path& config, std::filesystem::path log) : log_(std::move(log)) {
    ::setenv("H2S_SOUP_PASSWORD", kSoupPassword, 1);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::vector<std::string> args{binary, "run", "--config", config.string()};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + binary + ": " + std::strerror(rc));
  }
  ~DaemonProcess() { (void)stop(); }
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // The port announced after `prefix` in the log, waiting for it (bounded).
  std::uint16_t port_after(const std::string& prefix, std::chrono::seconds limit = std::chrono::seconds(60)) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      const std::string text = read_text(log_);
      if (const std::size_t at = text.find(prefix); at != std::string::npos) {
        return static_cast<std::uint16_t>(std::stoul(text.substr(at + prefix.size())));
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("h2s run exited at start-up:\n" + text);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("h2s run did not announce '" + prefix + "' within the limit:\n" + read_text(log_));
  }

  int stop() {
    if (pid_ <= 0) return 0;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 1000 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  std::filesystem::path log_;
};

std::string scrape(std::uint16_t port) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  const timeval timeout{5, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  asio::write(socket, asio::buffer(request));
  std::string response;
  boost::system::error_code ec;
  char chunk[65536];
  for (;;) {
    const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
    response.append(chunk, n);
    if (ec) break;
  }
  return response;
}

// Sum of every sample of a metric whose name and labels start with `prefix`.
double metric(const std::string& text, const std::string& prefix) {
  double total = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(prefix)) continue;
    const char next = line[prefix.size()];
    if (next != ' ' && next != '{' && next != ',') continue;
    total += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return total;
}

// A Prometheus histogram of the daemon as its bucket bounds: p50/p99 are "at most this bound".
json daemon_histogram(const std::string& text, const std::string& family, const std::string& label) {
  std::vector<std::pair<double, double>> buckets;  // le, cumulative count
  const std::string prefix = family + "_bucket{" + label + ",le=\"";
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(prefix)) continue;
    const std::string le = line.substr(prefix.size(), line.find('"', prefix.size()) - prefix.size());
    buckets.emplace_back(le == "+Inf" ? 1e300 : std::stod(le), std::stod(line.substr(line.rfind(' ') + 1)));
  }
  const double count = metric(text, family + "_count{" + label + "}");
  const double sum = metric(text, family + "_sum{" + label + "}");
  const auto bound_us = [&](double q) {
    for (const auto& [le, cumulative] : buckets) {
      if (cumulative >= q * count) return le * 1e6;
    }
    return 0.0;
  };
  return {{"count", count}, {"mean_us", count > 0 ? sum / count * 1e6 : 0}, {"p50_le_us", bound_us(0.5)}, {"p99_le_us", bound_us(0.99)}};
}

// Send times by message index, and the map from a signal's story id to its message.
struct Timeline {
  explicit Timeline(const Workload& w) : sent_ns(std::make_unique<std::atomic<std::int64_t>[]>(w.lines.size())) {
    for (std::uint32_t i = 0; i < w.meta.size(); ++i) index.emplace(w.meta[i].story_id, i);
  }
  std::unique_ptr<std::atomic<std::int64_t>[]> sent_ns;
  std::unordered_map<std::string_view, std::uint32_t> index;
};

// What one subscriber saw.
struct Arrivals {
  metrics::Histogram latency_ns;
  std::atomic<std::uint64_t> signals{0};
  std::atomic<std::uint64_t> unknown{0};  // signals whose story was not sent by this run
  std::atomic<bool> ready{false};
};

void on_payload(std::span<const std::uint8_t> payload, const Timeline& timeline, Arrivals& arrivals) {
  const std::int64_t now = now_ns();
  if (payload.size() != sizeof(wire::SignalMessage) || payload[0] != wire::kSignalType) return;
  wire::SignalMessage message;
  std::memcpy(&message, payload.data(), sizeof message);
  Signal signal;
  if (wire::decode(message, signal) != Status::ok) return;
  const auto it = timeline.index.find(signal.story_id.view());
  const std::int64_t sent = it == timeline.index.end() ? 0 : timeline.sent_ns[it->second].load(std::memory_order_acquire);
  if (sent == 0) {
    arrivals.unknown.fetch_add(1, std::memory_order_relaxed);
  } else {
    arrivals.latency_ns.record(static_cast<std::uint64_t>(now - sent));
  }
  arrivals.signals.fetch_add(1, std::memory_order_release);
}

void soup_subscriber(std::uint16_t port, const Timeline& timeline, Arrivals& arrivals, const std::atomic<bool>& stop) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  socket.set_option(tcp::no_delay(true));
  std::uint8_t packet[64];
  asio::write(socket, asio::buffer(packet, soup::encode_login_request(kSoupUser, kSoupPassword, "", 1, packet)));
  std::vector<std::uint8_t> stream;
  std::vector<std::uint8_t> chunk(1 << 16);
  auto heartbeat = Clock::now();
  while (!stop.load(std::memory_order_relaxed)) {
    if (Clock::now() - heartbeat > std::chrono::milliseconds(500)) {
      asio::write(socket, asio::buffer(packet, soup::encode_header(soup::PacketType::client_heartbeat, 0, packet)));
      heartbeat = Clock::now();
    }
    pollfd ready{socket.native_handle(), POLLIN, 0};
    if (::poll(&ready, 1, 50) <= 0) continue;
    boost::system::error_code ec;
    const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
    if (ec) return;
    stream.insert(stream.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
    std::size_t at = 0, consumed = 0;
    soup::Frame frame;
    while (soup::next_frame({stream.data() + at, stream.size() - at}, 65535, frame, consumed) == soup::FrameResult::frame) {
      at += consumed;
      if (frame.type == soup::PacketType::login_accepted) arrivals.ready.store(true);
      if (frame.type == soup::PacketType::sequenced_data) on_payload(frame.payload, timeline, arrivals);
    }
    stream.erase(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(at));
  }
}

void mold_subscriber(udp::socket& socket, const Timeline& timeline, Arrivals& arrivals, const std::atomic<bool>& stop) {
  std::vector<std::uint8_t> datagram(1 << 16);
  arrivals.ready.store(true);
  while (!stop.load(std::memory_order_relaxed)) {
    pollfd ready{socket.native_handle(), POLLIN, 0};
    if (::poll(&ready, 1, 50) <= 0) continue;
    boost::system::error_code ec;
    const std::size_t n = socket.receive(asio::buffer(datagram), 0, ec);
    if (ec) continue;
    mold::PacketHeader header;
    (void)mold::parse_packet({datagram.data(), n}, header,
                             [&](std::span<const std::uint8_t> message) { on_payload(message, timeline, arrivals); });
  }
}

std::string config_text(const WireOptions& o, std::uint16_t mold_port) {
  std::ostringstream c;
  c << "# wire-to-wire benchmark: every generated story is new, so duplicate windows and the\n"
       "# per-ticker throttle are narrowed to let each matching story signal (the path is measured, not the policy)\n"
    << "[rules]\npath = \"" << o.rules << "\"\ncache_dir = \"" << (o.scratch / "rules-cache").string() << "\"\n"
    << "[scoring]\ndedup_window_us = 0\nchain_window_us = 0\nthrottle_max_signals = 1000\nthrottle_interval_us = 1\n"
    << "[threads]\nidle = \"busy-spin\"\ncpu = " << o.daemon_cpu << "\n"
    << "[[feed]]\nname = \"wire\"\ntype = \"tcp_server\"\nlisten = \"127.0.0.1:0\"\n"
    << "[output.soupbintcp]\nlisten = \"127.0.0.1:0\"\nuser = \"" << kSoupUser << "\"\n"
    << "[output.moldudp64]\ngroup = \"" << kGroup << ":" << mold_port << "\"\n"
    << "[metrics]\nlisten = \"127.0.0.1:0\"\n[shutdown]\nlinger_ms = 0\n";
  return c.str();
}

void print_latency(const char* who, const Arrivals& a) {
  const auto us = [&](double q) { return static_cast<double>(a.latency_ns.percentile(q)) / 1e3; };
  std::printf("    %-10s %8llu signals   p50 %8.1f  p99 %8.1f  p99.9 %8.1f  max %9.1f us\n", who,
              static_cast<unsigned long long>(a.signals.load()), us(0.5), us(0.99), us(0.999),
              static_cast<double>(a.latency_ns.max()) / 1e3);
}

json latency_json(const Arrivals& a) {
  return {{"signals", a.signals.load()},
          {"unknown", a.unknown.load()},
          {"p50_us", static_cast<double>(a.latency_ns.percentile(0.5)) / 1e3},
          {"p99_us", static_cast<double>(a.latency_ns.percentile(0.99)) / 1e3},
          {"p999_us", static_cast<double>(a.latency_ns.percentile(0.999)) / 1e3},
          {"max_us", static_cast<double>(a.latency_ns.max()) / 1e3}};
}

// One daemon, one offered rate (0: as fast as TCP takes it).
json run_once(const WireOptions& o, const Workload& workload, double rate, int serial) {
  const Timeline timeline(workload);
  asio::io_context io;
  udp::socket mold_socket(io);
  mold_socket.open(udp::v4());
  mold_socket.set_option(udp::socket::reuse_address(true));
  mold_socket.bind(udp::endpoint(asio::ip::address_v4::any(), 0));
  mold_socket.set_option(asio::ip::multicast::join_group(asio::ip::make_address_v4(kGroup), asio::ip::make_address_v4("127.0.0.1")));
  const int receive_buffer = 8 << 20;
  ::setsockopt(mold_socket.native_handle(), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);

  const auto config = o.scratch / ("wire-" + std::to_string(serial) + ".toml");
  std::ofstream(config) << config_text(o, mold_socket.local_endpoint().port());
  DaemonProcess daemon(o.h2s_binary, config, o.scratch / ("wire-" + std::to_string(serial) + ".log"));
  const std::uint16_t feed_port = daemon.port_after("feed wire (tcp_server) listening on port ");
  const std::uint16_t soup_port = daemon.port_after("SoupBinTCP feed on port ");
  const std::uint16_t metrics_port = daemon.port_after("metrics on http://127.0.0.1:");
  (void)daemon.port_after("running (pid ");

  Arrivals soup, mold;
  std::atomic<bool> stop{false};
  std::jthread soup_thread([&] { soup_subscriber(soup_port, timeline, soup, stop); });
  std::jthread mold_thread([&] { mold_subscriber(mold_socket, timeline, mold, stop); });
  struct StopOnExit {  // destroyed before the threads, which then join: an exception cannot leak them
    std::atomic<bool>& stop;
    ~StopOnExit() { stop.store(true); }
  } stop_on_exit{stop};
  const auto join = [&] {
    stop.store(true);
    soup_thread.join();
    mold_thread.join();
  };
  const auto wait_until = [](auto&& done, std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (!done() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return done();
  };
  if (!wait_until([&] { return soup.ready.load() && mold.ready.load(); }, std::chrono::seconds(10))) {
    join();
    throw std::runtime_error("the SoupBinTCP subscriber was not logged in within 10 s");
  }

  tcp::socket sender(io);
  sender.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), feed_port));
  sender.set_option(tcp::no_delay(true));
  const std::size_t total = workload.lines.size();
  const auto start_of = [&](std::size_t i) { return static_cast<std::size_t>(workload.lines[i].data() - workload.text.data()); };
  const std::int64_t t0 = now_ns();
  std::size_t sent = 0;
  while (sent < total) {
    const std::int64_t now = now_ns();
    std::size_t due = rate > 0 ? std::min(total, static_cast<std::size_t>(static_cast<double>(now - t0) * rate / 1e9) + 1)
                               : std::min(total, sent + 64);
    if (due <= sent) {
      const auto next = t0 + static_cast<std::int64_t>(static_cast<double>(sent) * 1e9 / rate);
      if (next - now > 80'000) std::this_thread::sleep_for(std::chrono::nanoseconds(next - now - 60'000));
      continue;
    }
    for (std::size_t i = sent; i < due; ++i) timeline.sent_ns[i].store(now, std::memory_order_release);
    const std::size_t from = start_of(sent), to = start_of(due - 1) + workload.lines[due - 1].size() + 1;
    if (write_all(sender.native_handle(), workload.text.data() + from, to - from) != 0) {
      join();
      throw std::runtime_error("the daemon closed the feed connection");
    }
    sent = due;
  }
  const double send_seconds = static_cast<double>(now_ns() - t0) / 1e9;

  // Every message accounted for by the daemon, then every published signal at both subscribers.
  std::string text;
  const auto processed = [&] {
    text = scrape(metrics_port);
    return metric(text, "h2s_messages_total") >= static_cast<double>(total);
  };
  const bool all_processed = wait_until(processed, std::chrono::seconds(60));
  const double process_seconds = static_cast<double>(now_ns() - t0) / 1e9;
  const auto published = static_cast<std::uint64_t>(metric(text, "h2s_signals_published_total"));
  const bool all_received = wait_until([&] { return soup.signals.load() >= published && mold.signals.load() >= published; },
                                       std::chrono::seconds(10));
  text = scrape(metrics_port);
  join();
  daemon.stop();

  json run{{"offered_per_second", rate},
           {"messages", total},
           {"sent_per_second", static_cast<double>(total) / send_seconds},
           {"processed_per_second", static_cast<double>(total) / process_seconds},
           {"all_processed", all_processed},
           {"rejected", metric(text, "h2s_messages_total{kind=\"rejected\"")},
           {"signals_published", published},
           {"all_received", all_received},
           {"soupbintcp", latency_json(soup)},
           {"moldudp64", latency_json(mold)},
           {"daemon",
            {{"decode", daemon_histogram(text, "h2s_stage_latency_seconds", "stage=\"decode\"")},
             {"match", daemon_histogram(text, "h2s_stage_latency_seconds", "stage=\"match\"")},
             {"score", daemon_histogram(text, "h2s_stage_latency_seconds", "stage=\"score\"")},
             {"publish", daemon_histogram(text, "h2s_stage_latency_seconds", "stage=\"publish\"")},
             {"receive_to_publish", daemon_histogram(text, "h2s_end_to_end_latency_seconds", "path=\"receive_to_publish\"")}}}};
  run["ok"] = all_processed && all_received && soup.unknown.load() == 0 && mold.unknown.load() == 0;
  if (rate > 0) {
    std::printf("  offered %.0f msg/s (sent %.0f/s) for %zu messages: %llu signals\n", rate, run["sent_per_second"].get<double>(),
                total, static_cast<unsigned long long>(published));
  } else {
    std::printf("  as fast as TCP takes it: %zu messages processed at %.0f msg/s: %llu signals\n", total,
                run["processed_per_second"].get<double>(), static_cast<unsigned long long>(published));
  }
  print_latency("SoupBinTCP", soup);
  print_latency("MoldUDP64", mold);
  const json& d = run["daemon"];
  std::printf("    daemon     decode %.1f  match %.1f  score %.1f  publish %.1f  receive->publish %.1f us (means; p99 <= %.0f us)%s\n",
              d["decode"]["mean_us"].get<double>(), d["match"]["mean_us"].get<double>(), d["score"]["mean_us"].get<double>(),
              d["publish"]["mean_us"].get<double>(), d["receive_to_publish"]["mean_us"].get<double>(),
              d["receive_to_publish"]["p99_le_us"].get<double>(), run["ok"].get<bool>() ? "" : "   LOST MESSAGES OR SIGNALS");
  return run;
}

}  // namespace

// A rate is sustained when nothing is lost, the daemon finishes with the sender (no backlog
// builds up) and latency stays bounded.
bool sustained(const json& run, double rate) {
  return run["ok"].get<bool>() && run["processed_per_second"].get<double>() >= 0.97 * rate &&
         run["soupbintcp"]["p99_us"].get<double>() <= kSustainedP99Us;
}

json run_wire(const WireOptions& o, const std::vector<CorpusStory>& corpus, const LoadOptions& load) {
  if (o.h2s_binary.empty()) throw std::runtime_error("wire-to-wire needs --h2s (the h2s binary to start)");
  std::printf("\nWire-to-wire (generator -> NDJSON over TCP -> h2s run [busy-spin, CPU %d] -> SoupBinTCP + MoldUDP64 "
              "subscribers; send to arrival)\n", o.daemon_cpu);
  json runs = json::array();
  bool ok = true;
  int serial = 0;
  const auto run_at = [&](double rate, std::size_t messages) {
    LoadGenerator generator(corpus, load);
    const Workload workload = make_workload(generator, std::max<std::size_t>(messages, 100));
    json run = run_once(o, workload, rate, serial++);
    ok = ok && run["ok"].get<bool>();
    runs.push_back(run);
    return run;
  };
  double best = 0;  // highest offered rate sustained so far
  for (const double rate : o.rates) {
    if (sustained(run_at(rate, static_cast<std::size_t>(rate * o.seconds)), rate)) best = std::max(best, rate);
  }
  // As fast as TCP takes it: the daemon's capacity (TCP pushes back, nothing is dropped) ...
  const json capacity = run_at(0, o.quick ? 20000 : 200000);
  // ... then a bisection below it for the highest offered rate it sustains.
  double low = best, high = capacity["processed_per_second"].get<double>();
  if (low >= high) low = 0;
  for (int step = 0; step < (o.quick ? 1 : 3) && high - low > 2000; ++step) {
    const double rate = std::floor((low + high) / 2 / 1000) * 1000;
    if (sustained(run_at(rate, static_cast<std::size_t>(rate * o.seconds)), rate)) {
      low = best = std::max(best, rate);
    } else {
      high = rate;
    }
  }
  json max{{"capacity_messages_per_second", capacity["processed_per_second"]},
           {"sustained_messages_per_second", best},
           {"criterion", "nothing lost, processed rate >= 97% of offered, SoupBinTCP p99 <= 5 ms"}};
  std::printf("  capacity (unpaced, TCP back-pressure, nothing lost): %.0f msg/s; highest offered rate sustained "
              "(nothing lost, no backlog, p99 <= 5 ms): %.0f msg/s\n",
              capacity["processed_per_second"].get<double>(), best);
  return {{"runs", runs}, {"max_sustainable", max}, {"ok", ok}};
}

}  // namespace h2s::perf
