#pragma once
// Recorded feed file -> processor -> publisher, with the thread layout chosen by configuration.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <string_view>

#include "h2s/pipeline/agent.hpp"
#include "h2s/pipeline/counters.hpp"
#include "h2s/pipeline/processor.hpp"
#include "h2s/publish/signal_feeds.hpp"
#include "h2s/publish/ndjson_writer.hpp"

namespace h2s::pipeline {

// Which agents share a thread:
//   fused:  [source, processor+publisher]           one thread, no queue hop for signals
//   split:  [source] | [processor+publisher]         I/O apart from the hot path (moodycamel SPSC)
//   staged: [source] | [processor] | [publisher]     every stage on its own thread
enum class Layout : std::uint8_t { fused, split, staged };
[[nodiscard]] Layout parse_layout(std::string_view text);  // throws std::invalid_argument

// How far a replay has got, for a progress line.
struct ReplayProgress {
  std::uint64_t messages = 0;
  std::uint64_t signals = 0;         // published
  std::uint64_t input_position = 0;  // bytes of the input file consumed (compressed bytes for gzip)
  std::uint64_t input_size = 0;      // 0 when unknown (standard input, a pipe)
  double elapsed_seconds = 0;
};

struct ReplayConfig {
  std::string input;  // file path, "-" for standard input
  ProcessorConfig processor;
  Layout layout = Layout::fused;
  IdleKind idle = IdleKind::backoff;
  std::size_t chunk_bytes = 256 * 1024;  // one read() and one queue hop
  std::size_t chunk_count = 8;           // bounded: the source waits for free chunks (back-pressure)
  std::size_t signal_queue_depth = 4096; // staged layout; a full queue back-pressures the processor
  // When set, SIGHUP recompiles this rule pack off the hot path and swaps it in between lines.
  std::string reload_rules_on_sighup;
  std::filesystem::path rules_cache;
  // The binary signal feed (SoupBinTCP / MoldUDP64 / journal), polled on the publishing thread.
  std::optional<publish::SignalFeedsOptions> feed;
  std::function<void(const publish::SignalFeeds&)> on_feed_ready;  // e.g. to announce its ports
  std::chrono::milliseconds linger{0};  // keep serving subscribers this long after the input ends
  // Read no input until this many subscribers (SoupBinTCP, NDJSON/TCP) are connected, so that
  // none misses the start; on_waiting is told once when the wait begins and once when it ends.
  std::size_t wait_subscribers = 0;
  std::function<void(std::size_t connected, bool waiting)> on_waiting;
  // Live or paced input (stdin, --speed): the output is flushed after every chunk and before every
  // paced wait, so due signals appear as they are due rather than at the end.
  bool flush_as_it_goes = false;
  // SIGINT/SIGTERM end the input: what was already read is processed (unpaced), published and
  // flushed, and the report says which signal (the caller prints the summary).
  bool stop_on_interrupt = false;
  // Called on the control thread every progress_interval while the replay runs.
  std::function<void(const ReplayProgress&)> on_progress;
  std::chrono::milliseconds progress_interval{1000};
};

struct ReplayReport {
  std::size_t samples = 0;
  std::array<RejectionSample, Processor::kMaxSamples> rejection_samples{};
  int read_errno = 0;
  std::string read_error;  // read_errno in words
  int output_errno = 0;
  int journal_errno = 0;              // the journal file failed (its policy said what followed)
  bool journal_halted = false;        // ... and under `halt`, nothing after the failure was published
  std::uint64_t journal_unjournaled = 0;  // under `memory`: published without a record
  double elapsed_seconds = 0;
  std::uint64_t reloads_ok = 0;
  std::uint64_t reloads_failed = 0;
  int interrupted_by = 0;  // SIGINT or SIGTERM when one ended the input early
  std::size_t cut_partial_bytes = 0;  // ... and a line it cut, begun but not ended, was dropped
};

// Runs to the end of the input. Throws at start-up (unreadable input); never during the run.
ReplayReport run_replay(const ReplayConfig& config, std::shared_ptr<const rules::CompiledPack> pack,
                        publish::NdjsonWriter& output, PipelineCounters& counters);

}  // namespace h2s::pipeline
