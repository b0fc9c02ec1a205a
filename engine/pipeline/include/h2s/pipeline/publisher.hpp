#pragma once
// Sequences signals (gap-free from 1), stamps the publish time and writes them to the outputs.
#include <cstdint>

#include "h2s/pipeline/counters.hpp"
#include "h2s/pipeline/processor.hpp"
#include "h2s/publish/ndjson_writer.hpp"

namespace h2s::pipeline {

class Publisher final : public SignalSink {
 public:
  Publisher(publish::NdjsonWriter& writer, ClockMode clock, PipelineCounters& counters) noexcept
      : writer_(writer), clock_(clock), counters_(counters) {}

  void on_signal(Signal& signal) noexcept override;
  void flush() noexcept;
  [[nodiscard]] std::uint64_t last_sequence() const noexcept { return sequence_; }

 private:
  publish::NdjsonWriter& writer_;
  ClockMode clock_;
  PipelineCounters& counters_;
  std::uint64_t sequence_ = 0;
};

}  // namespace h2s::pipeline
