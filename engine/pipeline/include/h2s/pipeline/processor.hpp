#pragma once
// The fused hot path: frame -> decode -> match -> score -> hand signals to a sink. One thread.
#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "h2s/feeds/decoder.hpp"
#include "h2s/feeds/line_framer.hpp"
#include "h2s/feeds/source.hpp"
#include "h2s/model/signal.hpp"
#include "h2s/pipeline/counters.hpp"
#include "h2s/pipeline/rule_swap.hpp"
#include "h2s/pipeline/stage_latencies.hpp"
#include "h2s/pipeline/story_observer.hpp"
#include "h2s/rules/matcher.hpp"
#include "h2s/scoring/scorer.hpp"

namespace h2s::pipeline {

class SignalSink {
 public:
  virtual ~SignalSink() = default;
  virtual void on_signal(Signal& signal) noexcept = 0;
  // The vendor deleted a story whose signals were published: they are to be withdrawn.
  virtual void on_story_deleted(std::string_view story_id, Vendor vendor, std::int64_t ts_us) noexcept = 0;
};

// Replay: every timestamp comes from the recorded receive times, so output is reproducible.
// Live: wall-clock microseconds at each stage.
enum class ClockMode : std::uint8_t { replay, live };

// How a paced replay waits until a story is due. The waiting thread may serve other work meanwhile
// (its network outputs' logins and heartbeats); nullptr in the config: the thread sleeps.
class PaceWait {
 public:
  virtual ~PaceWait() = default;
  virtual void wait_until(std::int64_t due_steady_ns) noexcept = 0;
};

struct ProcessorConfig {
  feeds::DecoderLimits limits;
  scoring::ScoringParams scoring;
  ClockMode clock = ClockMode::replay;
  double speed = 0;  // replay pacing: 0 = as fast as possible, 1 = recorded pace, N = N times faster
  PaceWait* pace_wait = nullptr;
  StageLatencies* latencies = nullptr;  // when set, each stage is timed (a monotonic clock read per stage)
  StoryObserver* stories = nullptr;     // when set, told every story's outcome (research output, off the hot-path rules)
};

// A rejected message worth showing an operator: where and why.
struct RejectionSample {
  std::uint64_t line = 0;
  Status reason = Status::ok;
};

class Processor final : public feeds::MessageSink, private feeds::DecodeSink {
 public:
  static constexpr std::size_t kMaxSamples = 16;

  Processor(const ProcessorConfig& config, std::shared_ptr<const rules::CompiledPack> pack, SignalSink& sink,
            PipelineCounters& counters);

  // A block of a byte stream (kLinePadding readable bytes must follow it).
  void on_stream_bytes(std::string_view bytes) noexcept;
  // End of the stream: a last line without a newline is still processed.
  void on_end_of_stream() noexcept;
  // The stream was cut (an interrupt): a last line begun but not ended is dropped, not read as a
  // message. Returns its bytes so far.
  [[nodiscard]] std::size_t on_stream_cut() noexcept;
  // One complete message (a datagram or a framed line), with its receive time (kNoTime: unknown).
  void on_message(std::string_view message, std::int64_t recv_us) noexcept override;
  // A message a source dropped for its size: counted as rejected (oversized).
  void on_oversized() noexcept override;
  // Messages dropped before they reached this thread (a full queue): each is one message,
  // rejected as queue_full.
  void on_dropped(std::uint64_t count) noexcept;

  [[nodiscard]] const std::array<RejectionSample, kMaxSamples>& samples() const noexcept { return samples_; }
  [[nodiscard]] std::size_t sample_count() const noexcept { return sample_count_; }
  [[nodiscard]] const rules::Matcher& matcher() const noexcept { return *matcher_; }
  // Where a RuleReloader offers new packs; they take effect between lines.
  [[nodiscard]] RuleSwap& rule_swap() noexcept { return rule_swap_; }

 private:
  void on_story(const Story& story) noexcept override;
  void on_rejected(Status reason) noexcept override;
  void on_control(ControlReason reason) noexcept override;
  [[nodiscard]] std::int64_t now(std::int64_t recv_us) noexcept;
  void pace(std::int64_t recv_us) noexcept;
  void lap(metrics::LiveHistogram StageLatencies::*stage) noexcept;
  void decode_line(std::string_view line, std::int64_t recv_us) noexcept;

  ProcessorConfig config_;
  feeds::Decoder decoder_;
  feeds::LineFramer framer_;
  std::unique_ptr<rules::Matcher> matcher_;
  RuleSwap rule_swap_;
  scoring::Scorer scorer_;
  std::unique_ptr<rules::MatchResult> match_;   // large: kept off the stack
  std::unique_ptr<scoring::ScoreResult> score_;
  SignalSink& sink_;
  PipelineCounters& counters_;
  std::int64_t replay_clock_us_ = kNoTime;
  std::int64_t pace_origin_recv_us_ = kNoTime;
  std::int64_t pace_origin_steady_ns_ = 0;
  std::uint64_t messages_ = 0;  // handed over whole by on_message (not framed)
  std::int64_t stage_mark_ns_ = 0;  // when the current stage began (latencies only)
  std::array<RejectionSample, kMaxSamples> samples_{};
  std::size_t sample_count_ = 0;
};

}  // namespace h2s::pipeline
