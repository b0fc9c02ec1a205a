#include "h2s/pipeline/publisher.hpp"

#include "h2s/model/clock.hpp"
#include "h2s/publish/signal_json.hpp"
#include "h2s/scoring/fingerprint.hpp"

namespace h2s::pipeline {

Publisher::Publisher(publish::NdjsonWriter* writer, ClockMode clock, PipelineCounters& counters,
                     publish::SignalFeeds* feed, const PublisherOptions& options)
    : writer_(writer),
      clock_(clock),
      counters_(counters),
      feed_(feed),
      stories_(options.story_capacity, options.story_window_us),
      line_(std::make_unique<char[]>(publish::kMaxSignalJsonBytes)) {
  // With a feed, the local lines wait for their journal records like every other output.
  if (feed_ != nullptr && writer_ != nullptr) feed_->set_line_writer(writer_, &counters_.output_errors);
}

void Publisher::write_line(std::string_view line) noexcept {
  if (feed_ == nullptr && writer_ != nullptr && !writer_->write_line(line)) counters_.output_errors.add();
}

void Publisher::on_signal(Signal& signal) noexcept {
  const std::uint64_t key = scoring::story_key(signal.story_id.view(), static_cast<std::uint8_t>(signal.vendor));
  if (signal.supersedes) withdraw(key, signal.story_id.view(), signal.vendor, &signal.ticker, signal.ts_score_us);
  signal.seq = next_sequence();
  sequence_ = signal.seq;
  signal.ts_signal_us = clock_ == ClockMode::live ? wall_clock_us() : signal.ts_score_us;
  const std::string_view line =
      wants_json_lines() ? std::string_view(line_.get(), publish::format_signal_json(signal, line_.get())) : std::string_view();
  if (feed_ != nullptr && !feed_->publish(signal, line)) counters_.output_errors.add();
  write_line(line);
  counters_.published.add();

  const PublishedStory* known = stories_.find(key, signal.ts_score_us);
  PublishedStory story = known != nullptr ? *known : PublishedStory{};
  if (story.count == kMaxSignalsPerStory) {
    counters_.cancels_untracked.add();
    return;
  }
  story.sequences[story.count] = signal.seq;
  story.tickers[story.count] = signal.ticker;
  ++story.count;
  (void)stories_.put(key, story, signal.ts_score_us);
}

void Publisher::on_story_deleted(std::string_view story_id, Vendor vendor, std::int64_t ts_us) noexcept {
  withdraw(scoring::story_key(story_id, static_cast<std::uint8_t>(vendor)), story_id, vendor, nullptr, ts_us);
}

void Publisher::withdraw(std::uint64_t key, std::string_view story_id, Vendor vendor, const Symbol* ticker,
                         std::int64_t ts_us) noexcept {
  PublishedStory* story = stories_.find(key, ts_us);
  if (story == nullptr || story->count == 0) {
    counters_.cancels_untracked.add();  // its signals were forgotten (window or table bound)
    return;
  }
  Cancel cancel;
  (void)cancel.story_id.assign(story_id);
  cancel.vendor = vendor;
  cancel.ts_us = clock_ == ClockMode::live ? wall_clock_us() : ts_us;
  std::uint8_t kept = 0;
  for (std::size_t i = 0; i < story->count; ++i) {
    if (ticker != nullptr && story->tickers[i].view() != ticker->view()) {
      // Another ticker's signal stays live (and withdrawable).
      story->sequences[kept] = story->sequences[i];
      story->tickers[kept] = story->tickers[i];
      ++kept;
      continue;
    }
    cancel.seq = next_sequence();
    sequence_ = cancel.seq;
    cancel.cancelled = story->sequences[i];
    cancel.ticker = story->tickers[i];
    const std::string_view line =
        wants_json_lines() ? std::string_view(line_.get(), publish::format_cancel_json(cancel, line_.get())) : std::string_view();
    if (feed_ != nullptr && !feed_->publish(cancel, line)) counters_.output_errors.add();
    write_line(line);
    counters_.cancels_published.add();
  }
  story->count = kept;  // withdrawn once; a later delete names only what is still live
}

void Publisher::flush() noexcept {
  if (feed_ != nullptr) (void)feed_->commit();  // the staged lines reach the writer first
  if (writer_ != nullptr && !writer_->flush()) counters_.output_errors.add();
}

}  // namespace h2s::pipeline
