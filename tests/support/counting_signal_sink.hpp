#pragma once
// A pipeline SignalSink that only counts signals: for tests about what reaches the sink, not its content.
#include <cstdint>
#include <string_view>

#include "h2s/pipeline/processor.hpp"

namespace h2s::test {

class CountingSink final : public h2s::pipeline::SignalSink {
 public:
  std::uint64_t signals = 0;
  void on_signal(h2s::Signal&) noexcept override { ++signals; }
  void on_story_deleted(std::string_view, h2s::Vendor, std::int64_t) noexcept override {}
};

}  // namespace h2s::test
