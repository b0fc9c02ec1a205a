#pragma once
// `h2s run`'s configuration: one TOML file (docs/config.md, h2s.example.toml). Every key has a
// documented default; unknown keys and bad values fail start-up, all of them at once, each with
// file:line.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "h2s/feeds/websocket_source.hpp"
#include "h2s/model/endpoint.hpp"
#include "h2s/pipeline/agent.hpp"
#include "h2s/pipeline/message_queue.hpp"
#include "h2s/publish/signal_feeds.hpp"
#include "h2s/scoring/scorer.hpp"

namespace h2s::daemon {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class FeedType : std::uint8_t { file, tcp_client, tcp_server, udp, websocket };
[[nodiscard]] std::string_view to_string(FeedType type) noexcept;

// single: feeds, processor, publisher and outputs on one thread (no queue hop).
// split: feeds on their own thread, handing messages over a bounded queue to the pipeline thread.
enum class ThreadLayout : std::uint8_t { single, split };
enum class LogFormat : std::uint8_t { logfmt, json };

struct FeedConfig {
  std::string name;                  // in logs and metrics labels
  FeedType type = FeedType::file;
  std::filesystem::path path;        // file: the recorded feed, read as fast as the pipeline takes it
  std::string host = "127.0.0.1";    // tcp_client: peer; tcp_server/udp: address to bind
  std::uint16_t port = 0;            // 0 for servers: any free port (logged)
  std::string group;                 // udp: multicast group to join (empty: unicast)
  std::string interface = "127.0.0.1";  // udp: interface address for the multicast join
  std::chrono::milliseconds reconnect_initial{100};  // tcp_client back-off, doubling ...
  std::chrono::milliseconds reconnect_max{10'000};   // ... up to this
  std::size_t max_connections = 16;  // tcp_server
  std::chrono::milliseconds idle_timeout{60'000};  // tcp_server: a silent sender is closed after this (0: never)
  std::size_t max_message_bytes = 1 << 20;  // longer messages are rejected as oversized
  std::size_t receive_batch = 32;    // udp: datagrams per recvmmsg
  std::size_t receive_buffer_bytes = 4 << 20;  // SO_RCVBUF asked of the kernel
  std::filesystem::path record;      // record mode: append every message received here (empty: off)
  feeds::WebSocketOptions websocket; // websocket: preset, URL, credentials (from the environment), timeouts
  // Readiness (/healthz): a required feed must be connected (clients, websocket: to the vendor;
  // tcp_server: by at least one sender) and, when stale_after > 0, have delivered a message within it.
  bool required = true;
  std::chrono::milliseconds stale_after{0};
};

struct DaemonConfig {
  std::filesystem::path file;  // where this was loaded from
  // [rules]
  std::filesystem::path rules;        // a pack directory or file
  std::filesystem::path rules_cache;  // compiled-database cache (empty: none)
  bool reload_on_sighup = true;
  // [scoring]: any parameter of docs/scoring.md
  scoring::ScoringParams scoring;
  // [[feed]]
  std::vector<FeedConfig> feeds;
  // [threads]
  pipeline::IdleKind idle = pipeline::IdleKind::backoff;
  int cpu = -1;  // pin the pipeline thread to this CPU (-1: no pinning)
  ThreadLayout layout = ThreadLayout::single;
  int feed_cpu = -1;  // split: pin the feed thread to this CPU
  pipeline::MessageQueueOptions queue;  // split: between the feed thread and the pipeline thread
  // [logging]
  LogFormat log_format = LogFormat::logfmt;
  std::chrono::milliseconds log_interval{1000};  // events of one kind are summed over this: at most one line each
  // [output]
  bool stdout_lines = false;            // JSON lines on stdout
  std::filesystem::path ndjson_file;    // JSON lines appended to a file (empty: none)
  publish::SignalFeedsOptions network;  // journal, SoupBinTCP, MoldUDP64, NDJSON over TCP
  // [metrics]
  std::optional<Endpoint> metrics;      // Prometheus /metrics and /healthz (none: disabled)
  // [shutdown]
  std::chrono::milliseconds drain_timeout{2000};  // SIGTERM: time to finish in-flight work
  std::chrono::milliseconds linger{0};            // after input ends (file feeds): keep serving
  // Problems that do not stop a --check-config (missing secrets), with file:line.
  std::vector<std::string> warnings;
};

struct ConfigLoadOptions {
  // Start-up (and --check-config --strict): a secret missing from the environment is an error.
  // --check-config alone: a warning, since validation was asked, not a run.
  bool secrets_required = true;
  // Check the machine too (binds, CPUs, files, name resolution); off only to fuzz the reader.
  bool check_environment = true;
};

// Reads and validates the file exactly as start-up needs it: every key, every listen address
// (an IP address, not a name), port clashes between listeners and ports already taken, CPUs this
// process may run on, feed files (present, not directories), the folders of files to be written,
// and tcp_client hosts (resolved). Throws ConfigError listing every problem with file:line.
// rules_default is used when [rules] path is absent; relative paths are relative to the file's folder.
[[nodiscard]] DaemonConfig load_daemon_config(const std::filesystem::path& file, const std::filesystem::path& rules_default,
                                              const ConfigLoadOptions& options = {});

}  // namespace h2s::daemon
