#include "wire_bench.hpp"

#include <poll.h>
#include <unistd.h>

#include <boost/asio.hpp>

#include <atomic>
#include <cerrno>
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
#include "child_process.hpp"
#include "h2s/publish/moldudp64.hpp"
#include "h2s/publish/soupbintcp.hpp"
#include "h2s/publish/wire.hpp"
#include "workload.hpp"

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

// `h2s run` as a child process, its log in a file.
class DaemonProcess {
 public:
  DaemonProcess(const std::string& binary, const std::filesystem::path& config, std::filesystem::path log, int pipeline_cpu)
      : log_(std::move(log)),
        child_({binary, "run", "--config", config.string()}, log_, {std::string("H2S_SOUP_PASSWORD=") + kSoupPassword},
               pipeline_cpu) {}

  // The port announced after `prefix` in the log, waiting for it (bounded).
  std::uint16_t port_after(const std::string& prefix, std::chrono::seconds limit = std::chrono::seconds(60)) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      const std::string text = read_text(log_);
      if (const std::size_t at = text.find(prefix); at != std::string::npos) {
        return static_cast<std::uint16_t>(std::stoul(text.substr(at + prefix.size())));
      }
      if (!child_.running()) throw std::runtime_error("h2s run exited at start-up:\n" + text);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("h2s run did not announce '" + prefix + "' within the limit:\n" + read_text(log_));
  }
  // SIGTERM; its exit status (0 after a clean drain), -1 when it had to be killed after 10 s.
  int stop() { return child_.stop(std::chrono::seconds(10)); }

 private:
  std::filesystem::path log_;
  ChildProcess child_;
};

// Waits until `fd` is ready for `events`, at most until `deadline`; throws past it.
void await(int fd, short events, Clock::time_point deadline, const char* what) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) throw std::runtime_error(std::string("timed out: ") + what);
    pollfd ready{fd, events, 0};
    if (::poll(&ready, 1, static_cast<int>(left)) > 0) return;
  }
}

// GET /metrics, bounded by 10 s whatever the server does.
std::string scrape(std::uint16_t port) {
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  socket.non_blocking(true);
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  await(socket.native_handle(), POLLOUT, deadline, "sending the /metrics request");
  if (::send(socket.native_handle(), request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    throw std::runtime_error("cannot send the /metrics request");
  }
  std::string response;
  char chunk[65536];
  for (;;) {
    await(socket.native_handle(), POLLIN, deadline, "reading /metrics");
    const ssize_t n = ::recv(socket.native_handle(), chunk, sizeof chunk, 0);
    if (n > 0) response.append(chunk, static_cast<std::size_t>(n));
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return response;
  }
}

// Sends all of [data, data + size) on a non-blocking socket by `deadline` (a daemon that stops
// reading must not hang the bench).
void send_all(int fd, const char* data, std::size_t size, Clock::time_point deadline) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      size -= static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      await(fd, POLLOUT, deadline, "the daemon stopped reading its feed");
    } else {
      throw std::runtime_error("the daemon closed the feed connection");
    }
  }
}

// Sum of every sample of a metric whose name and labels start with `prefix`.
double metric(const std::string& text, const std::string& prefix) {
  double total = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(prefix)) continue;
    const char next = line[prefix.size()];
    if (next != ' ' && next != '{' && next != ',' && next != '}') continue;
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
  std::string error;  // why the subscriber stopped early (read after join)
};

void on_payload(std::span<const std::uint8_t> payload, const Timeline& timeline, Arrivals& arrivals) {
  const std::int64_t now = now_ns();
  Signal signal;
  const std::string_view bytes(reinterpret_cast<const char*>(payload.data()), payload.size());
  if (wire::decode_signal(bytes, signal) != Status::ok) return;
  const auto it = timeline.index.find(signal.story_id.view());
  const std::int64_t sent = it == timeline.index.end() ? 0 : timeline.sent_ns[it->second].load(std::memory_order_acquire);
  if (sent == 0) {
    arrivals.unknown.fetch_add(1, std::memory_order_relaxed);
  } else {
    arrivals.latency_ns.record(static_cast<std::uint64_t>(now - sent));
  }
  arrivals.signals.fetch_add(1, std::memory_order_release);
}

void soup_subscriber(std::uint16_t port, const Timeline& timeline, Arrivals& arrivals, const std::atomic<bool>& stop) try {
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
    if (ec) {
      if (!stop.load()) arrivals.error = "SoupBinTCP subscriber: the daemon closed the connection (" + ec.message() + ")";
      return;
    }
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
} catch (const std::exception& e) {
  arrivals.error = std::string("SoupBinTCP subscriber: ") + e.what();
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
  for (const std::string& path : {o.rules, (o.scratch / "rules-cache").string()}) {
    if (path.find_first_of("\"\\") != std::string::npos) {
      throw std::runtime_error("wire-to-wire: a path with a quote or backslash cannot go into the daemon's config: " + path);
    }
  }
  std::ostringstream c;
  c << "# wire-to-wire benchmark: every generated story is new, so duplicate windows and the\n"
       "# per-ticker throttle are narrowed to let each matching story signal (the path is measured, not the policy)\n"
    << "[rules]\npath = \"" << o.rules << "\"\ncache_dir = \"" << (o.scratch / "rules-cache").string() << "\"\n"
    << "[scoring]\ndedup_window_us = 0\nsemantic_window_us = 0\nchain_window_us = 0\nthrottle_max_signals = 1000\nthrottle_interval_us = 1\n"
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
  DaemonProcess daemon(o.h2s_binary, config, o.scratch / ("wire-" + std::to_string(serial) + ".log"), o.daemon_cpu);
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
    throw std::runtime_error("the SoupBinTCP subscriber was not logged in within 10 s " + soup.error);
  }

  tcp::socket sender(io);
  sender.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), feed_port));
  sender.set_option(tcp::no_delay(true));
  sender.non_blocking(true);
  const auto send_deadline = Clock::now() + std::chrono::seconds(60) +
                             std::chrono::milliseconds(rate > 0 ? static_cast<std::int64_t>(1e3 * static_cast<double>(workload.lines.size()) / rate) : 0);
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
    // Paced: each message's time is when it was due, so a sender that falls behind shows as
    // latency (no coordinated omission). Unpaced: when it was handed to the socket.
    for (std::size_t i = sent; i < due; ++i) {
      const std::int64_t due_ns = rate > 0 ? t0 + static_cast<std::int64_t>(static_cast<double>(i) * 1e9 / rate) : now;
      timeline.sent_ns[i].store(due_ns, std::memory_order_release);
    }
    const std::size_t from = start_of(sent), to = start_of(due - 1) + workload.lines[due - 1].size() + 1;
    send_all(sender.native_handle(), workload.text.data() + from, to - from, send_deadline);
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
  const int daemon_exit = daemon.stop();
  const double rejected = metric(text, "h2s_messages_total{kind=\"rejected\"");

  json run{{"offered_per_second", rate},
           {"messages", total},
           {"sent_per_second", static_cast<double>(total) / send_seconds},
           {"processed_per_second", static_cast<double>(total) / process_seconds},
           {"all_processed", all_processed},
           {"rejected", rejected},
           {"daemon_exit", daemon_exit},
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
  run["ok"] = all_processed && all_received && rejected == 0 && daemon_exit == 0 && soup.unknown.load() == 0 &&
              mold.unknown.load() == 0 && soup.error.empty() && mold.error.empty();
  for (const std::string* error : {&soup.error, &mold.error}) {
    if (!error->empty()) std::printf("    %s\n", error->c_str());
  }
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
