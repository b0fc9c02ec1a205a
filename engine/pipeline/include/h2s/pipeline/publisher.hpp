#pragma once
// Sequences signals and cancels (gap-free from 1, one sequence for both), stamps the publish time
// and writes them to the outputs. Remembers which sequence numbers each story got, so a delete
// withdraws exactly those, and a revision that flips a ticker's side withdraws that ticker's.
#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "h2s/pipeline/counters.hpp"
#include "h2s/pipeline/processor.hpp"
#include "h2s/publish/signal_feeds.hpp"
#include "h2s/publish/ndjson_writer.hpp"
#include "h2s/scoring/recent_table.hpp"

namespace h2s::pipeline {

struct PublisherOptions {
  std::size_t story_capacity = 1 << 14;              // signalled stories remembered for cancels
  std::int64_t story_window_us = 24LL * 3600 * 1'000'000;  // ... and for how long
};

class Publisher final : public SignalSink {
 public:
  static constexpr std::size_t kMaxSignalsPerStory = 8;  // a story's signals a cancel can name

  // With a binary feed, sequence numbers are the feed journal's (a restarted session continues).
  // Without a writer, no JSON lines are written locally.
  Publisher(publish::NdjsonWriter* writer, ClockMode clock, PipelineCounters& counters,
            publish::SignalFeeds* feed = nullptr, const PublisherOptions& options = {});

  void on_signal(Signal& signal) noexcept override;
  void on_story_deleted(std::string_view story_id, Vendor vendor, std::int64_t ts_us) noexcept override;
  // Commits the feed (its staged messages go out), then flushes the local writer. On the feed's thread.
  void flush() noexcept;
  [[nodiscard]] std::uint64_t last_sequence() const noexcept { return sequence_; }

 private:
  struct PublishedStory {
    std::array<std::uint64_t, kMaxSignalsPerStory> sequences{};
    std::array<Symbol, kMaxSignalsPerStory> tickers{};
    std::uint8_t count = 0;
  };
  [[nodiscard]] std::uint64_t next_sequence() const noexcept {
    return feed_ != nullptr ? feed_->next_sequence() : sequence_ + 1;
  }
  // Each line is formatted once, for the local writer and the NDJSON clients alike.
  [[nodiscard]] bool wants_json_lines() const noexcept {
    return writer_ != nullptr || (feed_ != nullptr && feed_->wants_json_lines());
  }
  void write_line(std::string_view line) noexcept;
  // One cancel per live signal of the story (of `ticker` only, when given).
  void withdraw(std::uint64_t key, std::string_view story_id, Vendor vendor, const Symbol* ticker, std::int64_t ts_us) noexcept;

  publish::NdjsonWriter* writer_;
  ClockMode clock_;
  PipelineCounters& counters_;
  publish::SignalFeeds* feed_;
  std::uint64_t sequence_ = 0;
  scoring::RecentTable<PublishedStory> stories_;
  std::unique_ptr<char[]> line_;  // the JSON line being published
};

}  // namespace h2s::pipeline
