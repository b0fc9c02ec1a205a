#pragma once
// Sequences signals (gap-free from 1), stamps the publish time and writes them to the outputs.
#include <cstdint>

#include "h2s/pipeline/counters.hpp"
#include "h2s/pipeline/processor.hpp"
#include "h2s/publish/binary_feed.hpp"
#include "h2s/publish/ndjson_writer.hpp"

namespace h2s::pipeline {

class Publisher final : public SignalSink {
 public:
  // With a binary feed, sequence numbers are the feed journal's (a restarted session continues).
  Publisher(publish::NdjsonWriter& writer, ClockMode clock, PipelineCounters& counters,
            publish::BinaryFeed* feed = nullptr) noexcept
      : writer_(writer), clock_(clock), counters_(counters), feed_(feed) {}

  void on_signal(Signal& signal) noexcept override;
  void flush() noexcept;
  [[nodiscard]] std::uint64_t last_sequence() const noexcept { return sequence_; }

 private:
  publish::NdjsonWriter& writer_;
  ClockMode clock_;
  PipelineCounters& counters_;
  publish::BinaryFeed* feed_;
  std::uint64_t sequence_ = 0;
};

}  // namespace h2s::pipeline
