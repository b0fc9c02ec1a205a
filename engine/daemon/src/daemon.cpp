#include "h2s/daemon/daemon.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <initializer_list>
#include <cstring>
#include <chrono>
#include <optional>
#include <sstream>
#include <system_error>
#include <vector>

#include "event_log.hpp"
#include "h2s/daemon/feed_factory.hpp"
#include "h2s/daemon/metrics_server.hpp"
#include "h2s/feeds/file_feed.hpp"
#include "h2s/feeds/recording_sink.hpp"
#include "h2s/feeds/tcp_sources.hpp"
#include "h2s/feeds/udp_source.hpp"
#include "h2s/feeds/websocket_source.hpp"
#include "h2s/pipeline/message_queue.hpp"
#include "h2s/pipeline/processor.hpp"
#include "h2s/pipeline/publisher.hpp"
#include "h2s/pipeline/background_reloader.hpp"

namespace h2s::daemon {
namespace {

using pipeline::Agent;
using pipeline::PipelineCounters;

// Status codes 1 up to (not including) control_message are the rejection reasons.
constexpr std::size_t kRejectionReasonEnd = static_cast<std::size_t>(Status::control_message);

// Every source, polled in turn; on a stop request they close (delivering what they hold). The
// feeds' recordings and the queue to the pipeline thread (split layout) are flushed from here,
// the thread that writes them.
class SourcesAgent final : public Agent {
 public:
  // `last_message_ns[i]`: when source i last delivered (steady clock), for readiness.
  SourcesAgent(std::vector<std::unique_ptr<feeds::Source>>& sources, std::atomic<bool>& stop,
               std::vector<std::unique_ptr<feeds::RecordingSink>>& recorders, pipeline::MessageQueue::Writer* queue,
               Counter* last_message_ns)
      : sources_(sources), stop_(stop), recorders_(recorders), queue_(queue), last_message_ns_(last_message_ns),
        seen_(sources.size(), 0) {}
  int do_work() noexcept override {
    if (done_.load(std::memory_order_relaxed)) return 0;
    if (stop_.load(std::memory_order_relaxed)) {
      for (auto& source : sources_) source->close();
      finish();
      return 1;
    }
    int work = 0;
    bool all_finished = true;
    for (auto& source : sources_) {
      work += source->poll();
      all_finished = all_finished && source->finished();
    }
    if (queue_ != nullptr) queue_->flush();
    const auto now = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < sources_.size(); ++i) {
      const std::uint64_t messages = sources_[i]->counters().messages.get();
      if (messages == seen_[i]) continue;
      seen_[i] = messages;
      last_message_ns_[i].set(static_cast<std::uint64_t>(now.time_since_epoch().count()));
    }
    if (now - last_flush_ >= std::chrono::milliseconds(100)) {  // recordings reach their files within 100 ms
      last_flush_ = now;
      flush_recordings();
    }
    if (all_finished) finish();
    return work;
  }
  // Read by other threads (the main thread notices the end of file feeds; the queue reader its upstream).
  bool done() const noexcept override { return done_.load(std::memory_order_acquire); }
  std::string_view name() const noexcept override { return "sources"; }

 private:
  void finish() noexcept {
    if (queue_ != nullptr) queue_->flush();
    flush_recordings();
    done_.store(true, std::memory_order_release);
  }
  void flush_recordings() noexcept {
    for (auto& recorder : recorders_) {
      if (recorder) (void)recorder->flush();
    }
  }
  std::vector<std::unique_ptr<feeds::Source>>& sources_;
  std::atomic<bool>& stop_;
  std::vector<std::unique_ptr<feeds::RecordingSink>>& recorders_;
  pipeline::MessageQueue::Writer* queue_;
  Counter* last_message_ns_;
  std::vector<std::uint64_t> seen_;  // each source's message count at the last poll
  std::chrono::steady_clock::time_point last_flush_{};
  std::atomic<bool> done_{false};
};

// What the publishing thread's objects know, copied where the metrics thread may read it.
struct FeedStats {
  Counter next_sequence, soup_clients, soup_logins_accepted, soup_logins_rejected, soup_slow_disconnects,
      soup_timeouts, soup_protocol_errors, mold_packets, mold_retransmit_requests, mold_retransmitted,
      mold_bad_requests, ndjson_clients, ndjson_slow_disconnects, journal_error, journal_halted, journal_unjournaled,
      journal_syncs, journal_commits;
};

// Polls the network outputs and, every 100 ms, snapshots their statistics.
class OutputsAgent final : public Agent {
 public:
  OutputsAgent(publish::SignalFeeds* feeds, pipeline::Publisher& publisher, FeedStats& stats)
      : feeds_(feeds), publisher_(publisher), stats_(stats) {}
  int do_work() noexcept override {
    int work = feeds_ != nullptr ? static_cast<int>(feeds_->poll()) : 0;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ >= std::chrono::milliseconds(100)) {
      last_ = now;
      publisher_.flush();  // JSON lines reach their file within 100 ms
      snapshot();
    }
    return work;
  }
  // Holds the runner open (serving subscribers) until the main thread releases it.
  bool done() const noexcept override { return released_.load(std::memory_order_acquire); }
  void release() noexcept { released_.store(true, std::memory_order_release); }
  std::string_view name() const noexcept override { return "outputs"; }
  void snapshot() noexcept {
    stats_.next_sequence.set(feeds_ != nullptr ? feeds_->next_sequence() : publisher_.last_sequence() + 1);
    if (feeds_ == nullptr) return;
    stats_.journal_error.set(static_cast<std::uint64_t>(feeds_->journal().error()));
    stats_.journal_halted.set(feeds_->halted() ? 1 : 0);
    stats_.journal_unjournaled.set(feeds_->journal().unjournaled());
    stats_.journal_syncs.set(feeds_->journal().syncs());
    stats_.journal_commits.set(feeds_->journal().commits());
    if (const auto* soup = feeds_->soup()) {
      stats_.soup_clients.set(soup->clients());
      stats_.soup_logins_accepted.set(soup->counters().logins_accepted);
      stats_.soup_logins_rejected.set(soup->counters().logins_rejected);
      stats_.soup_slow_disconnects.set(soup->counters().slow_disconnects);
      stats_.soup_timeouts.set(soup->counters().timeouts);
      stats_.soup_protocol_errors.set(soup->counters().protocol_errors);
    }
    if (const auto* mold = feeds_->mold()) {
      stats_.mold_packets.set(mold->counters().packets);
      stats_.mold_retransmit_requests.set(mold->counters().requests);
      stats_.mold_retransmitted.set(mold->counters().retransmitted);
      stats_.mold_bad_requests.set(mold->counters().bad_requests);
    }
    if (const auto* ndjson = feeds_->ndjson()) {
      stats_.ndjson_clients.set(ndjson->clients());
      stats_.ndjson_slow_disconnects.set(ndjson->counters().slow_disconnects);
    }
  }

 private:
  publish::SignalFeeds* feeds_;
  pipeline::Publisher& publisher_;
  FeedStats& stats_;
  std::chrono::steady_clock::time_point last_{};
  std::atomic<bool> released_{false};
};

// Prometheus text exposition format 0.0.4.
class MetricsText {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  }
  void sample(std::string_view name, std::uint64_t value) { out_ << name << ' ' << value << '\n'; }
  void sample(std::string_view name, std::string_view label, std::string_view label_value, std::uint64_t value) {
    sample(name, {{label, label_value}}, value);
  }
  void sample(std::string_view name, std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
              std::uint64_t value) {
    out_ << name << '{';
    const char* separator = "";
    for (const auto& [label, label_value] : labels) {
      out_ << separator << label << "=\"";
      separator = ",";
      for (const char c : label_value) {
        if (c == '"' || c == '\\') out_ << '\\' << c;
        else if (c == '\n') out_ << "\\n";
        else out_ << c;
      }
      out_ << '"';
    }
    out_ << "} " << value << '\n';
  }

  // A histogram family's samples for one label value: cumulative le buckets (seconds), sum, count.
  void histogram(std::string_view name, std::string_view label, std::string_view label_value,
                 const metrics::LiveHistogram& h) {
    // 1-2-5 steps from 1 us to 10 s, in nanoseconds.
    static constexpr std::array<std::uint64_t, 22> kBoundsNs = {
        1'000, 2'000, 5'000, 10'000, 20'000, 50'000, 100'000, 200'000, 500'000, 1'000'000, 2'000'000, 5'000'000,
        10'000'000, 20'000'000, 50'000'000, 100'000'000, 200'000'000, 500'000'000, 1'000'000'000, 2'000'000'000,
        5'000'000'000, 10'000'000'000};
    std::array<std::uint64_t, kBoundsNs.size()> counts{};
    const std::uint64_t count = h.count();  // read first: the buckets may run a little ahead, never behind
    h.cumulative(kBoundsNs, counts);
    const std::string bucket = std::string(name) + "_bucket";
    for (std::size_t i = 0; i < kBoundsNs.size(); ++i) {
      std::ostringstream le;
      le << static_cast<double>(kBoundsNs[i]) / 1e9;
      sample(bucket, {{label, label_value}, {"le", le.str()}}, std::min(counts[i], count));
    }
    sample(bucket, {{label, label_value}, {"le", "+Inf"}}, count);
    std::ostringstream sum;
    sum.precision(15);  // a running total: every digit a double holds exactly
    sum << static_cast<double>(h.sum()) / 1e9;
    out_ << name << "_sum{" << label << "=\"" << label_value << "\"} " << sum.str() << '\n';
    out_ << name << "_count{" << label << "=\"" << label_value << "\"} " << count << '\n';
  }
  [[nodiscard]] std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

// Everything /metrics reads: atomics written by the pipeline threads, or fixed at start-up.
struct MetricsView {
  const PipelineCounters& counters;
  const std::vector<std::unique_ptr<feeds::Source>>& sources;
  const std::vector<std::unique_ptr<feeds::RecordingSink>>& recorders;
  const FeedStats& stats;
  const pipeline::BackgroundReloader* reloader;
  const publish::SignalFeedsOptions& network;
  const pipeline::StageLatencies& latencies;
  const pipeline::MessageQueue* queue;  // split layout only
};

std::string render_metrics(const MetricsView& view) {
  const PipelineCounters& c = view.counters;
  const auto& sources = view.sources;
  const auto& recorders = view.recorders;
  const FeedStats& s = view.stats;
  const pipeline::BackgroundReloader* reloader = view.reloader;
  const publish::SignalFeedsOptions& net = view.network;
  MetricsText m;
  m.family("h2s_messages_total", "counter", "Messages read, by what they were: story, control or rejected.");
  m.sample("h2s_messages_total", "kind", "story", c.stories.get());
  m.sample("h2s_messages_total", "kind", "control", c.control.get());
  m.sample("h2s_messages_total", "kind", "rejected", c.rejected_total());
  m.family("h2s_control_messages_total", "counter", "Control messages by reason: vendor status, vendor error, empty page.");
  for (std::size_t i = 0; i < kControlReasonCount; ++i) {
    m.sample("h2s_control_messages_total", "reason", to_string(static_cast<ControlReason>(i)), c.control_by_reason[i].get());
  }
  m.family("h2s_story_outcomes_total", "counter", "Stories by outcome.");
  for (std::size_t i = 0; i < pipeline::kOutcomeCount; ++i) {
    m.sample("h2s_story_outcomes_total", "outcome", scoring::to_string(static_cast<scoring::StoryOutcome>(i)), c.outcomes[i].get());
  }
  m.family("h2s_rejected_total", "counter", "Rejected messages by reason.");
  for (std::size_t i = 1; i < kRejectionReasonEnd; ++i) {
    m.sample("h2s_rejected_total", "reason", to_string(static_cast<Status>(i)), c.rejected[i].get());
  }
  m.family("h2s_accounting_balanced", "gauge",
           "1 when messages = stories + control + rejected and stories = sum of outcomes (read mid-message it may show 0).");
  m.sample("h2s_accounting_balanced", std::uint64_t{c.balanced() ? 1u : 0u});
  m.family("h2s_signals_total", "counter", "Signals produced by scoring.");
  m.sample("h2s_signals_total", c.signals.get());
  m.family("h2s_signals_published_total", "counter", "Signals sequenced and published.");
  m.sample("h2s_signals_published_total", c.published.get());
  m.family("h2s_cancels_published_total", "counter", "Cancels published for deleted stories.");
  m.sample("h2s_cancels_published_total", c.cancels_published.get());
  m.family("h2s_output_errors_total", "counter", "Failed writes to an output or the journal.");
  m.sample("h2s_output_errors_total", c.output_errors.get());
  m.family("h2s_publish_next_sequence", "gauge", "The sequence number the next published message gets.");
  m.sample("h2s_publish_next_sequence", s.next_sequence.get());
  m.family("h2s_scoring_events_total", "counter", "Scoring decisions besides outcomes.");
  m.sample("h2s_scoring_events_total", "event", "near_duplicate", c.near_duplicates.get());
  m.sample("h2s_scoring_events_total", "event", "revision", c.revisions.get());
  m.sample("h2s_scoring_events_total", "event", "revision_unmoved", c.revisions_unmoved.get());
  m.sample("h2s_scoring_events_total", "event", "throttled", c.throttled.get());
  m.sample("h2s_scoring_events_total", "event", "match_truncated", c.match_truncated.get());
  m.sample("h2s_scoring_events_total", "event", "text_cut", c.text_cut.get());
  m.family("h2s_rule_reloads_total", "counter", "Rule pack reloads (SIGHUP) by result.");
  m.sample("h2s_rule_reloads_total", "result", "swapped", c.rule_swaps.get());
  m.sample("h2s_rule_reloads_total", "result", "refused", reloader != nullptr ? reloader->failed() : 0);
  const auto per_feed = [&](std::string_view name, std::string_view type, std::string_view help, auto field) {
    m.family(name, type, help);
    for (const auto& source : sources) m.sample(name, "feed", source->name(), field(source->counters()).get());
  };
  per_feed("h2s_feed_bytes_total", "counter", "Bytes read per feed.", [](const feeds::FeedCounters& f) -> const Counter& { return f.bytes; });
  per_feed("h2s_feed_messages_total", "counter", "Messages handed to the processor per feed.",
           [](const feeds::FeedCounters& f) -> const Counter& { return f.messages; });
  per_feed("h2s_feed_connects_total", "counter", "Connections made or accepted per feed.",
           [](const feeds::FeedCounters& f) -> const Counter& { return f.connects; });
  per_feed("h2s_feed_disconnects_total", "counter", "Connections lost per feed.",
           [](const feeds::FeedCounters& f) -> const Counter& { return f.disconnects; });
  per_feed("h2s_feed_idle_closed_total", "counter", "Senders closed for silence (idle_timeout_ms) per feed.",
           [](const feeds::FeedCounters& f) -> const Counter& { return f.idle_closed; });
  per_feed("h2s_feed_errors_total", "counter", "Connect/read failures, refused connections, truncated datagrams per feed.",
           [](const feeds::FeedCounters& f) -> const Counter& { return f.errors; });
  per_feed("h2s_feed_connections", "gauge", "Open connections per feed.",
           [](const feeds::FeedCounters& f) -> const Counter& { return f.connected; });
  per_feed("h2s_feed_kernel_timestamps_total", "counter", "Datagrams stamped with the kernel receive time (UDP).",
           [](const feeds::FeedCounters& f) -> const Counter& { return f.kernel_timestamps; });
  m.family("h2s_feed_websocket_failures_total", "counter", "WebSocket connections refused or ended, by reason.");
  for (const auto& source : sources) {
    if (const auto* ws = dynamic_cast<const feeds::WebSocketSource*>(source.get())) {
      m.sample("h2s_feed_websocket_failures_total", {{"feed", source->name()}, {"reason", "auth"}}, ws->websocket_counters().auth_failures.get());
      m.sample("h2s_feed_websocket_failures_total", {{"feed", source->name()}, {"reason", "timeout"}}, ws->websocket_counters().timeouts.get());
      m.sample("h2s_feed_websocket_failures_total", {{"feed", source->name()}, {"reason", "tls"}}, ws->websocket_counters().tls_failures.get());
    }
  }
  m.family("h2s_feed_recorded_total", "counter", "Messages appended to the feed's recording (record mode).");
  for (std::size_t i = 0; i < sources.size(); ++i) {
    if (recorders[i]) m.sample("h2s_feed_recorded_total", "feed", sources[i]->name(), recorders[i]->recorded());
  }
  m.family("h2s_feed_not_recorded_total", "counter", "Messages the recording missed (oversized, or the file failed).");
  for (std::size_t i = 0; i < sources.size(); ++i) {
    if (recorders[i]) m.sample("h2s_feed_not_recorded_total", "feed", sources[i]->name(), recorders[i]->not_recorded());
  }
  m.family("h2s_subscribers", "gauge", "Connected subscribers per output.");
  if (net.soup) m.sample("h2s_subscribers", "output", "soupbintcp", s.soup_clients.get());
  if (net.ndjson) m.sample("h2s_subscribers", "output", "ndjson_tcp", s.ndjson_clients.get());
  m.family("h2s_subscriber_drops_total", "counter", "Subscribers disconnected for falling behind, timing out or protocol errors.");
  if (net.soup) {
    m.sample("h2s_subscriber_drops_total", "reason", "soupbintcp_slow", s.soup_slow_disconnects.get());
    m.sample("h2s_subscriber_drops_total", "reason", "soupbintcp_timeout", s.soup_timeouts.get());
    m.sample("h2s_subscriber_drops_total", "reason", "soupbintcp_protocol", s.soup_protocol_errors.get());
  }
  if (net.ndjson) m.sample("h2s_subscriber_drops_total", "reason", "ndjson_tcp_slow", s.ndjson_slow_disconnects.get());
  if (net.soup) {
    m.family("h2s_soupbintcp_logins_total", "counter", "SoupBinTCP logins by result.");
    m.sample("h2s_soupbintcp_logins_total", "result", "accepted", s.soup_logins_accepted.get());
    m.sample("h2s_soupbintcp_logins_total", "result", "rejected", s.soup_logins_rejected.get());
  }
  if (net.mold) {
    m.family("h2s_moldudp64_packets_total", "counter", "MoldUDP64 packets sent to the group.");
    m.sample("h2s_moldudp64_packets_total", s.mold_packets.get());
    m.family("h2s_moldudp64_retransmission_requests_total", "counter", "Retransmission requests by result.");
    m.sample("h2s_moldudp64_retransmission_requests_total", "result", "received", s.mold_retransmit_requests.get());
    m.sample("h2s_moldudp64_retransmission_requests_total", "result", "bad", s.mold_bad_requests.get());
  }
  m.family("h2s_journal_errno", "gauge", "The journal file's last error (0: healthy).");
  m.sample("h2s_journal_errno", s.journal_error.get());
  m.family("h2s_journal_halted", "gauge", "1 when the journal failed under on_error = halt: nothing more is published.");
  m.sample("h2s_journal_halted", s.journal_halted.get());
  m.family("h2s_journal_unjournaled_total", "counter", "Messages published without a journal record (on_error = memory, after a failure).");
  m.sample("h2s_journal_unjournaled_total", s.journal_unjournaled.get());
  m.family("h2s_journal_commits_total", "counter", "Group commits: writes of the staged journal records.");
  m.sample("h2s_journal_commits_total", s.journal_commits.get());
  m.family("h2s_journal_syncs_total", "counter", "fdatasync calls on the journal.");
  m.sample("h2s_journal_syncs_total", s.journal_syncs.get());
  if (view.queue != nullptr) {
    m.family("h2s_queue_depth", "gauge", "Chunks of messages waiting between the feed thread and the pipeline thread.");
    m.sample("h2s_queue_depth", view.queue->depth());
    m.family("h2s_queue_capacity", "gauge", "The queue's bound, in chunks.");
    m.sample("h2s_queue_capacity", view.queue->capacity());
    m.family("h2s_queue_overflows_total", "counter",
             "Times the queue was full: messages dropped (overflow = drop) or waits of the feed thread (backpressure).");
    m.sample("h2s_queue_overflows_total", "policy", to_string(view.queue->overflow()),
             view.queue->overflow() == pipeline::OverflowPolicy::drop ? view.queue->dropped() : view.queue->full_waits());
  }
  m.family("h2s_stage_latency_seconds", "histogram", "Time spent per story in each pipeline stage.");
  m.histogram("h2s_stage_latency_seconds", "stage", "decode", view.latencies.decode);
  m.histogram("h2s_stage_latency_seconds", "stage", "match", view.latencies.match);
  m.histogram("h2s_stage_latency_seconds", "stage", "score", view.latencies.score);
  m.histogram("h2s_stage_latency_seconds", "stage", "publish", view.latencies.publish);
  m.family("h2s_end_to_end_latency_seconds", "histogram",
           "Per signal, from the message's receive time (kernel timestamp or read) to publication.");
  m.histogram("h2s_end_to_end_latency_seconds", "path", "receive_to_publish", view.latencies.end_to_end);
  return m.str();
}

// The operator's view of the run as it goes: one structured line per counter that moved, per interval.
void watch_events(EventLog& events, const PipelineCounters& c, const std::vector<std::unique_ptr<feeds::Source>>& sources,
                  const std::vector<std::unique_ptr<feeds::RecordingSink>>& recorders, const FeedStats& s,
                  const pipeline::MessageQueue* queue) {
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const feeds::Source* source = sources[i].get();
    const EventLog::Fields feed{{"feed", source->name()}};
    events.watch(LogLevel::info, "feed_connected", feed, [source] { return source->counters().connects.get(); });
    events.watch(LogLevel::warn, "feed_disconnected", feed, [source] { return source->counters().disconnects.get(); });
    events.watch(LogLevel::warn, "feed_idle_closed", feed, [source] { return source->counters().idle_closed.get(); });
    events.watch(LogLevel::warn, "feed_errors", feed, [source] { return source->counters().errors.get(); });
    if (const auto* ws = dynamic_cast<const feeds::WebSocketSource*>(source)) {
      events.watch(LogLevel::error, "feed_auth_refused", feed, [ws] { return ws->websocket_counters().auth_failures.get(); });
      events.watch(LogLevel::warn, "feed_timeouts", feed, [ws] { return ws->websocket_counters().timeouts.get(); });
      events.watch(LogLevel::error, "feed_tls_failures", feed, [ws] { return ws->websocket_counters().tls_failures.get(); });
    }
    if (const feeds::RecordingSink* recorder = recorders[i].get()) {
      events.watch(LogLevel::error, "recording_missed", feed, [recorder] { return recorder->not_recorded(); });
    }
  }
  for (std::size_t i = 1; i < kRejectionReasonEnd; ++i) {
    const Counter* rejected = &c.rejected[i];
    events.watch(LogLevel::warn, "messages_rejected", {{"reason", std::string(to_string(static_cast<Status>(i)))}},
                 [rejected] { return rejected->get(); });
  }
  // A vendor's error reply (refused credentials, no access, a rate limit) is valid JSON but no news.
  const Counter* vendor_errors = &c.control_by_reason[static_cast<std::size_t>(ControlReason::vendor_error)];
  events.watch(LogLevel::warn, "vendor_error_replies", {}, [vendor_errors] { return vendor_errors->get(); });
  events.watch(LogLevel::error, "output_errors", {}, [&c] { return c.output_errors.get(); });
  // on_error = "memory": an error line each interval in which messages went out without a record.
  events.watch(LogLevel::error, "published_unjournaled", {}, [&s] { return s.journal_unjournaled.get(); });
  events.watch(LogLevel::warn, "subscriber_dropped", {{"output", "soupbintcp"}, {"reason", "slow"}},
               [&s] { return s.soup_slow_disconnects.get(); });
  events.watch(LogLevel::warn, "subscriber_dropped", {{"output", "soupbintcp"}, {"reason", "timeout"}},
               [&s] { return s.soup_timeouts.get(); });
  events.watch(LogLevel::warn, "subscriber_dropped", {{"output", "soupbintcp"}, {"reason", "protocol"}},
               [&s] { return s.soup_protocol_errors.get(); });
  events.watch(LogLevel::warn, "subscriber_dropped", {{"output", "ndjson_tcp"}, {"reason", "slow"}},
               [&s] { return s.ndjson_slow_disconnects.get(); });
  events.watch(LogLevel::warn, "login_refused", {{"output", "soupbintcp"}}, [&s] { return s.soup_logins_rejected.get(); });
  if (queue != nullptr) {
    if (queue->overflow() == pipeline::OverflowPolicy::drop) {
      events.watch(LogLevel::error, "queue_dropped", {}, [queue] { return queue->dropped(); });
    } else {
      events.watch(LogLevel::warn, "queue_backpressure", {}, [queue] { return queue->full_waits(); });
    }
  }
}

// /healthz: ready while not stopping, the journal not halted, and every required feed connected
// and fresh within its stale_after. Runs on the metrics thread: reads only atomics and config.
MetricsServer::Readiness readiness(const DaemonConfig& config, const std::vector<std::unique_ptr<feeds::Source>>& sources,
                                   const Counter* last_message_ns, std::chrono::steady_clock::time_point up_since,
                                   const FeedStats& stats, bool stopping) {
  using Clock = std::chrono::steady_clock;
  MetricsServer::Readiness result;
  std::string& why = result.reasons;
  if (stopping) why += "stopping\n";
  if (stats.journal_halted.get() != 0) why += "the journal failed and its policy is halt: nothing is published\n";
  const auto now = Clock::now();
  for (std::size_t i = 0; i < config.feeds.size() && i < sources.size(); ++i) {
    const FeedConfig& feed = config.feeds[i];
    if (!feed.required) continue;
    const feeds::FeedCounters& c = sources[i]->counters();
    if ((feed.type == FeedType::tcp_client || feed.type == FeedType::websocket) && c.connected.get() == 0) {
      why += "feed " + feed.name + ": not connected\n";
    }
    if (feed.type == FeedType::tcp_server && c.connected.get() == 0) why += "feed " + feed.name + ": no sender connected\n";
    if (feed.stale_after.count() <= 0) continue;
    const std::uint64_t last = last_message_ns[i].get();
    const auto since = now - (last == 0 ? up_since : Clock::time_point(Clock::duration(static_cast<Clock::rep>(last))));
    if (since > feed.stale_after) {
      char line[160];
      std::snprintf(line, sizeof line, ": %s for %.1f s (stale_after_ms = %lld)\n", last == 0 ? "no message yet" : "no message",
                    std::chrono::duration<double>(since).count(), static_cast<long long>(feed.stale_after.count()));
      why += "feed " + feed.name + line;
    }
  }
  result.ready = why.empty();
  return result;
}

}  // namespace

sigset_t block_daemon_signals() noexcept {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int run_daemon(const DaemonConfig& config, std::shared_ptr<const rules::CompiledPack> pack, std::FILE* log) {
  // The signals are taken by this thread with sigtimedwait; blocked before any thread starts.
  const sigset_t signals = block_daemon_signals();

  PipelineCounters counters;
  pipeline::StageLatencies latencies;
  std::unique_ptr<publish::NdjsonWriter> lines;
  int lines_fd = -1;
  if (!config.ndjson_file.empty()) {
    lines_fd = ::open(config.ndjson_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (lines_fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + config.ndjson_file.string());
    lines = std::make_unique<publish::NdjsonWriter>(lines_fd);
  } else if (config.stdout_lines) {
    lines = std::make_unique<publish::NdjsonWriter>(STDOUT_FILENO);
  }
  const bool network = config.network.soup || config.network.mold || config.network.ndjson || !config.network.journal.file.empty();
  std::unique_ptr<publish::SignalFeeds> outputs;
  if (network) outputs = std::make_unique<publish::SignalFeeds>(config.network);

  pipeline::Publisher publisher(lines.get(), pipeline::ClockMode::live, counters, outputs.get(),
                                pipeline::PublisherOptions{config.scoring.story_capacity / 4, config.scoring.story_window_us});
  pipeline::ProcessorConfig processor_config;
  processor_config.clock = pipeline::ClockMode::live;
  processor_config.scoring = config.scoring;
  processor_config.latencies = &latencies;
  std::size_t largest = 0;
  for (const FeedConfig& feed : config.feeds) largest = std::max(largest, feed.max_message_bytes);
  processor_config.limits.max_message_bytes = largest;
  pipeline::Processor processor(processor_config, std::move(pack), publisher, counters);

  // Split layout: the feeds hand messages to the pipeline thread over a bounded queue.
  std::unique_ptr<pipeline::MessageQueue> queue;
  if (config.layout == ThreadLayout::split) queue = std::make_unique<pipeline::MessageQueue>(config.queue, largest);
  feeds::MessageSink& feed_sink = queue ? static_cast<feeds::MessageSink&>(queue->writer()) : processor;

  // Recorders before sources: sources deliver into them, so they are destroyed after.
  std::vector<std::unique_ptr<feeds::RecordingSink>> recorders;  // one slot per feed, empty when not recording
  std::vector<std::unique_ptr<feeds::Source>> sources;
  for (const FeedConfig& feed : config.feeds) {
    recorders.push_back(feed.record.empty() ? nullptr
                                            : std::make_unique<feeds::RecordingSink>(feed.record, feed.name,
                                                                                     feed.max_message_bytes, feed_sink));
    feeds::MessageSink& sink = recorders.back() ? static_cast<feeds::MessageSink&>(*recorders.back()) : feed_sink;
    sources.push_back(open_feed(feed, sink));
    std::fprintf(log, "h2s run: feed %s (%s)", feed.name.c_str(), std::string(to_string(feed.type)).c_str());
    if (sources.back()->local_port() != 0) std::fprintf(log, " listening on port %u", sources.back()->local_port());
    if (feed.type == FeedType::websocket) std::fprintf(log, " %s", feed.websocket.url.c_str());
    if (!feed.record.empty()) std::fprintf(log, ", recording to %s", feed.record.c_str());
    std::fprintf(log, "\n");
  }
  if (outputs) outputs->announce(log, "h2s run");

  std::unique_ptr<pipeline::BackgroundReloader> reloader;  // compiles off this (the signal-taking) thread
  if (config.reload_on_sighup) {
    rules::CompileOptions options;
    options.cache_dir = config.rules_cache;
    reloader = std::make_unique<pipeline::BackgroundReloader>(config.rules, options, processor.rule_swap());
  }

  FeedStats stats;
  std::atomic<bool> stop{false};
  const auto up_since = std::chrono::steady_clock::now();
  const auto last_message_ns = std::make_unique<Counter[]>(sources.size());  // per feed, for readiness
  SourcesAgent reading(sources, stop, recorders, queue ? &queue->writer() : nullptr, last_message_ns.get());
  std::unique_ptr<pipeline::MessageQueue::Reader> draining;
  if (queue) draining = std::make_unique<pipeline::MessageQueue::Reader>(*queue, processor, reading);
  const Agent& last_reader = draining ? static_cast<const Agent&>(*draining) : reading;  // done: all input processed
  OutputsAgent outputting(outputs.get(), publisher, stats);
  outputting.snapshot();

  std::unique_ptr<MetricsServer> metrics;
  if (config.metrics) {
    const MetricsView view{counters, sources, recorders, stats, reloader.get(), config.network, latencies, queue.get()};
    metrics = std::make_unique<MetricsServer>(*config.metrics, [view] { return render_metrics(view); },
                                              [&config, &sources, &last_message_ns, up_since, &stats, &stop] {
                                                return readiness(config, sources, last_message_ns.get(), up_since, stats, stop.load());
                                              });
    std::fprintf(log, "h2s run: metrics on http://%s:%u/metrics\n", config.metrics->host.c_str(), metrics->port());
  }
  std::fprintf(log, "h2s run: running (pid %d, %s layout); SIGHUP reloads rules, SIGTERM stops\n",
               static_cast<int>(::getpid()), queue ? "split" : "single");
  std::fflush(log);
  EventLog events(log, config.log_format);
  watch_events(events, counters, sources, recorders, stats, queue.get());
  if (outputs && outputs->journal().has_file()) {
    const publish::Journal& journal = outputs->journal();
    events.write(LogLevel::info, "journal_opened",
                 {{"file", config.network.journal.file.string()}, {"records", std::to_string(journal.recovered())},
                  {"next_sequence", std::to_string(journal.next_sequence())}});
    if (journal.truncated_bytes() != 0) {  // a crash mid-write: cut, and said
      events.write(LogLevel::warn, "journal_torn_tail_cut",
                   {{"file", config.network.journal.file.string()}, {"bytes", std::to_string(journal.truncated_bytes())},
                    {"last_sequence", std::to_string(journal.next_sequence() - 1)}});
    }
  }

  const auto started = std::chrono::steady_clock::now();
  // Outputs first: a subscriber that connected before a message arrived is taken before it is published.
  std::unique_ptr<pipeline::AgentRunner> feed_runner;
  std::unique_ptr<pipeline::AgentRunner> pipeline_runner;
  if (queue) {
    feed_runner = std::make_unique<pipeline::AgentRunner>("h2s-feeds", std::vector<Agent*>{&reading},
                                                          pipeline::IdleStrategy(config.idle), config.feed_cpu);
    pipeline_runner = std::make_unique<pipeline::AgentRunner>("h2s-pipeline", std::vector<Agent*>{&outputting, draining.get()},
                                                              pipeline::IdleStrategy(config.idle), config.cpu);
  } else {
    pipeline_runner = std::make_unique<pipeline::AgentRunner>("h2s-run", std::vector<Agent*>{&outputting, &reading},
                                                              pipeline::IdleStrategy(config.idle), config.cpu);
  }
  // Should anything throw from here on, the feed thread must not wait forever on a queue that the
  // (already stopped) pipeline thread no longer drains: this runs before the runners are joined.
  struct AbandonOnUnwind {
    std::atomic<bool>& stop;
    pipeline::MessageQueue* queue;
    ~AbandonOnUnwind() {
      stop = true;
      if (queue != nullptr) queue->writer().abandon_waits();
    }
  } abandon_on_unwind{stop, queue.get()};
  pipeline_runner->start();
  if (feed_runner) feed_runner->start();
  // This thread: signals, the event log, and noticing the end of finite feeds (then lingering,
  // still serving subscribers and still answering signals, for linger_ms).
  std::optional<std::chrono::steady_clock::time_point> linger_until;
  auto next_log = std::chrono::steady_clock::now() + config.log_interval;
  const timespec tick{0, 50'000'000};
  for (;;) {
    const int sig = sigtimedwait(&signals, nullptr, &tick);
    if (std::chrono::steady_clock::now() >= next_log) {
      events.check();
      next_log += config.log_interval;
    }
    while (reloader) {
      const auto result = reloader->take_result();
      if (!result) break;
      if (result->swapped) {
        events.write(LogLevel::info, "rules_reloaded", {{"path", config.rules.string()}});
      } else {
        events.write(LogLevel::error, "rules_reload_refused", {{"path", config.rules.string()}, {"error", result->error}});
      }
    }
    if (sig == SIGHUP && reloader) {
      reloader->request();  // returns at once: SIGTERM is still taken while it compiles
      events.write(LogLevel::info, "rules_reload_started", {{"path", config.rules.string()}});
    } else if (sig == SIGTERM || sig == SIGINT) {
      events.write(LogLevel::info, "draining", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      stop = true;
      break;
    } else if (stats.journal_halted.get() != 0) {
      // on_error = "halt": nothing more leaves; drain what was read and stop with a non-zero exit.
      events.write(LogLevel::error, "journal_failed",
                   {{"file", config.network.journal.file.string()}, {"error", std::strerror(static_cast<int>(stats.journal_error.get()))},
                    {"policy", "halt"}, {"next_sequence", std::to_string(stats.next_sequence.get())}});
      stop = true;
      break;
    } else if (!linger_until && last_reader.done()) {
      linger_until = std::chrono::steady_clock::now() + config.linger;
      events.write(LogLevel::info, "feeds_ended", {{"linger_ms", std::to_string(config.linger.count())}});
    }
    if (linger_until && std::chrono::steady_clock::now() >= *linger_until) break;
  }
  stop = true;
  if (reloader && reloader->busy()) {
    // Not waited for: the reloader, destroyed on return, abandons it and it is never swapped in.
    events.write(LogLevel::warn, "rules_reload_abandoned", {{"path", config.rules.string()}, {"reason", "stopping"}});
  }
  if (feed_runner) feed_runner->join();  // the sources closed and flushed what they held into the queue
  outputting.release();
  pipeline_runner->join();  // everything the sources delivered was processed and published
  publisher.flush();
  if (outputs) outputs->finish(std::chrono::milliseconds(0), config.drain_timeout);
  outputting.snapshot();
  metrics.reset();
  events.check();

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  char elapsed[32];
  std::snprintf(elapsed, sizeof elapsed, "%.1f", seconds);
  events.write(counters.balanced() ? LogLevel::info : LogLevel::error, "stopped",
               {{"seconds", elapsed},
                {"messages", std::to_string(counters.messages.get())},
                {"stories", std::to_string(counters.stories.get())},
                {"control", std::to_string(counters.control.get())},
                {"rejected", std::to_string(counters.rejected_total())},
                {"signals_published", std::to_string(counters.published.get())},
                {"cancels_published", std::to_string(counters.cancels_published.get())},
                {"accounting", counters.balanced() ? "balanced" : "UNBALANCED"}});
  for (std::size_t i = 0; i < recorders.size(); ++i) {
    if (recorders[i] && !recorders[i]->flush()) {
      events.write(LogLevel::error, "recording_failed", {{"feed", sources[i]->name()}, {"error", std::strerror(recorders[i]->error())}});
    }
  }
  lines.reset();
  if (lines_fd >= 0) ::close(lines_fd);
  const bool journal_ok = stats.journal_error.get() == 0;
  if (!journal_ok) {
    events.write(LogLevel::error, "journal_not_written",
                 {{"file", config.network.journal.file.string()}, {"error", std::strerror(static_cast<int>(stats.journal_error.get()))},
                  {"unjournaled", std::to_string(stats.journal_unjournaled.get())}});
  }
  return counters.balanced() && counters.output_errors.get() == 0 && journal_ok ? 0 : 1;
}

}  // namespace h2s::daemon
