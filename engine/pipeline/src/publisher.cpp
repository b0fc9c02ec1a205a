#include "h2s/pipeline/publisher.hpp"

#include "h2s/model/clock.hpp"

namespace h2s::pipeline {

void Publisher::on_signal(Signal& signal) noexcept {
  signal.seq = feed_ != nullptr ? feed_->next_sequence() : sequence_ + 1;
  sequence_ = signal.seq;
  signal.ts_signal_us = clock_ == ClockMode::live ? wall_clock_us() : signal.ts_score_us;
  if (feed_ != nullptr && !feed_->publish(signal)) counters_.output_errors.add();
  if (!writer_.write(signal)) counters_.output_errors.add();
  counters_.published.add();
}

void Publisher::flush() noexcept {
  if (!writer_.flush()) counters_.output_errors.add();
}

}  // namespace h2s::pipeline
