#include "h2s/pipeline/processor.hpp"

#include <time.h>

#include "h2s/model/clock.hpp"

namespace h2s::pipeline {

Processor::Processor(const ProcessorConfig& config, std::shared_ptr<const rules::CompiledPack> pack, SignalSink& sink,
                     PipelineCounters& counters)
    : config_(config),
      decoder_(config.limits),
      framer_(config.limits.max_message_bytes),
      matcher_(std::make_unique<rules::Matcher>(std::move(pack))),
      scorer_(config.scoring),
      match_(std::make_unique<rules::MatchResult>()),
      score_(std::make_unique<scoring::ScoreResult>()),
      sink_(sink),
      counters_(counters) {}

void Processor::on_stream_bytes(std::string_view bytes) noexcept {
  const std::size_t lines_before = framer_.lines(), blank_before = framer_.blank_lines();
  framer_.feed(
      bytes, [this](std::string_view line) { decode_line(line, kNoTime); }, [this] { on_rejected(Status::oversized); });
  counters_.lines.add(framer_.lines() - lines_before);
  counters_.blank_lines.add(framer_.blank_lines() - blank_before);
}

void Processor::on_end_of_stream() noexcept {
  const std::size_t lines_before = framer_.lines(), blank_before = framer_.blank_lines();
  framer_.finish([this](std::string_view line) { decode_line(line, kNoTime); });
  counters_.lines.add(framer_.lines() - lines_before);
  counters_.blank_lines.add(framer_.blank_lines() - blank_before);
}

std::size_t Processor::on_stream_cut() noexcept {
  const std::size_t partial = framer_.partial_bytes();
  framer_.reset();
  return partial;
}

void Processor::on_message(std::string_view message, std::int64_t recv_us) noexcept {
  counters_.lines.add();
  ++messages_;
  decode_line(message, recv_us);
}

void Processor::on_oversized() noexcept {
  counters_.lines.add();
  ++messages_;
  on_rejected(Status::oversized);
}

void Processor::on_dropped(std::uint64_t count) noexcept {
  if (count == 0) return;
  counters_.lines.add(count);
  counters_.messages.add(count);
  counters_.rejected[static_cast<std::size_t>(Status::queue_full)].add(count);
  messages_ += count;
}

void Processor::decode_line(std::string_view line, std::int64_t recv_us) noexcept {
  // Rule packs change only here, between lines: every story of a line sees one pack.
  if (rule_swap_.take(matcher_)) counters_.rule_swaps.add();
  if (config_.latencies != nullptr) stage_mark_ns_ = steady_clock_ns();
  decoder_.decode(line, recv_us, *this);
}

std::int64_t Processor::now(std::int64_t recv_us) noexcept {
  if (config_.clock == ClockMode::live) return wall_clock_us();
  // The replay clock never runs backwards, even when recorded times do.
  if (recv_us != kNoTime && (replay_clock_us_ == kNoTime || recv_us > replay_clock_us_)) replay_clock_us_ = recv_us;
  return replay_clock_us_;
}

void Processor::pace(std::int64_t recv_us) noexcept {
  if (config_.speed <= 0 || recv_us == kNoTime) return;
  if (pace_origin_recv_us_ == kNoTime) {
    pace_origin_recv_us_ = recv_us;
    pace_origin_steady_ns_ = steady_clock_ns();
    return;
  }
  const double offset_ns = static_cast<double>(recv_us - pace_origin_recv_us_) * 1000.0 / config_.speed;
  const std::int64_t due_ns = pace_origin_steady_ns_ + static_cast<std::int64_t>(offset_ns);
  const std::int64_t wait_ns = due_ns - steady_clock_ns();
  if (wait_ns <= 0) return;
  if (config_.pace_wait != nullptr) return config_.pace_wait->wait_until(due_ns);
  const timespec ts{static_cast<time_t>(wait_ns / 1'000'000'000), static_cast<long>(wait_ns % 1'000'000'000)};
  nanosleep(&ts, nullptr);  // replay pacing is the one place this thread is meant to wait
}

// The time since the last lap (or the message's start) into `stage`; nothing when timing is off.
void Processor::lap(metrics::LiveHistogram StageLatencies::*stage) noexcept {
  if (config_.latencies == nullptr) return;
  const std::int64_t now = steady_clock_ns();
  (config_.latencies->*stage).record(static_cast<std::uint64_t>(now - stage_mark_ns_));
  stage_mark_ns_ = now;
}

void Processor::on_story(const Story& story) noexcept {
  counters_.messages.add();
  counters_.stories.add();
  if (story.text_cut) counters_.text_cut.add();
  lap(&StageLatencies::decode);
  pace(story.ts_recv_us);
  const std::int64_t decoded_us = now(story.ts_recv_us);
  if (!scorer_.admit(story, decoded_us, *score_)) {
    lap(&StageLatencies::score);
    counters_.outcomes[static_cast<std::size_t>(score_->outcome)].add();
    if (score_->near_duplicate) counters_.near_duplicates.add();
    if (score_->cancel) {
      counters_.cancels.add();
      sink_.on_story_deleted(story.id, story.vendor, decoded_us);
      lap(&StageLatencies::publish);
    }
    if (config_.stories != nullptr) config_.stories->on_story_outcome(story, *score_, nullptr, matcher_->pack());
    return;
  }
  if (matcher_->match(story, *match_) != Status::ok || match_->truncated) counters_.match_truncated.add();
  lap(&StageLatencies::match);
  const std::int64_t matched_us = config_.clock == ClockMode::live ? wall_clock_us() : decoded_us;
  scorer_.score(story, *match_, matcher_->pack(), *score_);
  lap(&StageLatencies::score);
  const std::int64_t scored_us = config_.clock == ClockMode::live ? wall_clock_us() : decoded_us;
  counters_.outcomes[static_cast<std::size_t>(score_->outcome)].add();
  if (score_->revision) counters_.revisions.add();
  counters_.revisions_unmoved.add(score_->unmoved);
  counters_.throttled.add(score_->throttled);
  for (std::size_t i = 0; i < score_->signal_count; ++i) {
    Signal& signal = score_->signals[i];
    signal.ts_decode_us = decoded_us;
    signal.ts_match_us = matched_us;
    signal.ts_score_us = scored_us;
    counters_.signals.add();
    sink_.on_signal(signal);
    if (config_.latencies != nullptr && signal.ts_recv_us != kNoTime && signal.ts_signal_us >= signal.ts_recv_us) {
      config_.latencies->end_to_end.record(static_cast<std::uint64_t>(signal.ts_signal_us - signal.ts_recv_us) * 1000);
    }
  }
  if (score_->signal_count > 0) lap(&StageLatencies::publish);
  if (config_.stories != nullptr) config_.stories->on_story_outcome(story, *score_, match_.get(), matcher_->pack());
}

void Processor::on_rejected(Status reason) noexcept {
  counters_.messages.add();
  counters_.rejected[static_cast<std::size_t>(reason)].add();
  if (sample_count_ < kMaxSamples) samples_[sample_count_++] = RejectionSample{framer_.lines() + messages_, reason};
}

void Processor::on_control(ControlReason reason) noexcept {
  counters_.messages.add();
  counters_.control.add();
  counters_.control_by_reason[static_cast<std::size_t>(reason)].add();
}

}  // namespace h2s::pipeline
