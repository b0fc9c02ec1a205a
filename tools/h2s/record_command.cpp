#include "record_command.hpp"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "default_paths.hpp"
#include "h2s/daemon/daemon_config.hpp"
#include "h2s/daemon/feed_factory.hpp"
#include "h2s/feeds/recording_sink.hpp"
#include "h2s/pipeline/agent.hpp"

namespace h2s::tools {
namespace {

struct RecordOptions {
  std::string config;
  std::vector<std::string> feeds;  // empty: every feed of the config
  std::string output;
  double seconds = 0;              // 0: until SIGINT/SIGTERM (or every feed has ended)
};

// Recording only: nothing is decoded, so what is captured is exactly what arrived.
class DiscardSink final : public feeds::MessageSink {
 public:
  void on_message(std::string_view, std::int64_t) noexcept override {}
  void on_oversized() noexcept override {}
};

int record(const RecordOptions& options) {
  daemon::DaemonConfig config;
  try {
    config = daemon::load_daemon_config(options.config, default_rules_path());
  } catch (const daemon::ConfigError& e) {
    std::fprintf(stderr, "h2s record: invalid configuration:\n%s\n", e.what());
    return 2;
  }
  std::vector<const daemon::FeedConfig*> chosen;
  for (const daemon::FeedConfig& feed : config.feeds) {
    if (options.feeds.empty() || std::find(options.feeds.begin(), options.feeds.end(), feed.name) != options.feeds.end()) {
      chosen.push_back(&feed);
    }
  }
  for (const std::string& name : options.feeds) {
    if (std::none_of(chosen.begin(), chosen.end(), [&](const daemon::FeedConfig* f) { return f->name == name; })) {
      std::fprintf(stderr, "h2s record: no feed named '%s' in %s\n", name.c_str(), options.config.c_str());
      return 2;
    }
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);  // blocked and never taken: a stray HUP must not lose the unflushed tail
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);

  DiscardSink discard;
  std::vector<std::unique_ptr<feeds::RecordingSink>> recorders;
  std::vector<std::unique_ptr<feeds::Source>> sources;
  for (const daemon::FeedConfig* feed : chosen) {
    recorders.push_back(std::make_unique<feeds::RecordingSink>(options.output, feed->name, feed->max_message_bytes, discard));
    sources.push_back(daemon::open_feed(*feed, *recorders.back()));
    std::fprintf(stderr, "h2s record: feed %s (%s)", feed->name.c_str(), std::string(daemon::to_string(feed->type)).c_str());
    if (sources.back()->local_port() != 0) std::fprintf(stderr, " listening on port %u", sources.back()->local_port());
    std::fprintf(stderr, " -> %s\n", options.output.c_str());
  }
  std::fprintf(stderr, "h2s record: recording; SIGINT or SIGTERM stops\n");
  std::fflush(stderr);

  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      std::chrono::duration<double>(options.seconds));
  auto last_flush = started;
  pipeline::IdleStrategy idle(pipeline::IdleKind::backoff);
  const timespec no_wait{0, 0};
  for (;;) {
    int work = 0;
    bool all_finished = true;
    for (auto& source : sources) {
      work += source->poll();
      all_finished = all_finished && source->finished();
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_flush >= std::chrono::milliseconds(100)) {
      last_flush = now;
      for (auto& recorder : recorders) (void)recorder->flush();
      if (sigtimedwait(&stop_signals, nullptr, &no_wait) > 0) break;
      if (options.seconds > 0 && now >= deadline) break;
    }
    if (all_finished) break;
    idle.idle(work);
  }
  for (auto& source : sources) source->close();
  int exit_code = 0;
  for (std::size_t i = 0; i < recorders.size(); ++i) {
    const bool ok = recorders[i]->flush();
    std::fprintf(stderr, "h2s record: %s: %llu messages recorded, %llu not recorded%s%s\n", chosen[i]->name.c_str(),
                 static_cast<unsigned long long>(recorders[i]->recorded()),
                 static_cast<unsigned long long>(recorders[i]->not_recorded()), ok ? "" : "; the file failed: ",
                 ok ? "" : std::strerror(recorders[i]->error()));
    if (!ok) exit_code = 1;
    // A client feed that never connected recorded nothing because it could not: that is a failure.
    const bool client = chosen[i]->type == daemon::FeedType::tcp_client || chosen[i]->type == daemon::FeedType::websocket;
    if (client && recorders[i]->recorded() == 0 && sources[i]->counters().connects.get() == 0) {
      std::fprintf(stderr, "h2s record: %s never connected (%llu connection errors): nothing could be recorded\n",
                   chosen[i]->name.c_str(), static_cast<unsigned long long>(sources[i]->counters().errors.get()));
      exit_code = 1;
    }
  }
  return exit_code;
}

}  // namespace

void add_record_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RecordOptions>();
  CLI::App* cmd = app.add_subcommand(
      "record", "Capture live feeds (as configured for h2s run) to a recording that h2s replay reads back");
  cmd->add_option("--config", options->config, "TOML configuration file: its [[feed]] tables")->required()->check(CLI::ExistingFile);
  cmd->add_option("--feed", options->feeds, "Record only this feed (repeatable; default: every feed)");
  cmd->add_option("--output", options->output, "Recording to append to: {\"h2s_recv_us\":N,\"feed\":NAME,\"msg\":...} lines")->required();
  cmd->add_option("--seconds", options->seconds, "Stop after this long (default: at SIGINT/SIGTERM or when every feed has ended)")
      ->check(CLI::Range(0.0, 1e8));
  cmd->callback([options, &exit_code] { exit_code = record(*options); });
}

}  // namespace h2s::tools
