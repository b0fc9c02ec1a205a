#pragma once
// One measured quantity of the suite (a stage, a baseline, a wire-to-wire rate): a histogram of
// per-item nanoseconds plus what the loop around it counted. Printed as a table row and as JSON.
#include <valgrind/callgrind.h>

#include <chrono>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "alloc_counter.hpp"
#include "h2s/metrics/histogram.hpp"
#include "h2s/perf/instruction_counter.hpp"

namespace h2s::perf {

struct Figures {
  std::string name{};
  metrics::Histogram ns{};   // per item
  std::uint64_t items = 0;   // messages (or stories, or signals: see `unit`)
  std::string unit = "msg";
  double seconds = 0;        // the measured items' time
  std::uint64_t bytes = 0;   // input bytes through the loop (throughput in MB/s), 0: not applicable
  double allocations_per_item = -1;   // < 0: not measured
  double instructions_per_item = -1;  // < 0: no counter

  [[nodiscard]] double items_per_second() const noexcept { return seconds > 0 ? static_cast<double>(items) / seconds : 0; }
  [[nodiscard]] nlohmann::json to_json() const;
};

[[nodiscard]] inline std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Measures items one by one: time, this thread's allocations and instructions (perf_event) are
// taken around each call only, so meters of different pipelines can interleave item by item and
// see the same machine. Under callgrind (one meter at a time) it dumps exactly its items' cost.
class Meter {
 public:
  Meter(Figures& figures, InstructionCounter& counter) : figures_(figures), counter_(counter) { CALLGRIND_ZERO_STATS; }
  template <class F>
  void item(F&& f) {
    const std::uint64_t allocations = thread_allocations();
    const std::uint64_t instructions = counter_.read();
    const std::int64_t t0 = now_ns();
    CALLGRIND_TOGGLE_COLLECT;
    f();
    CALLGRIND_TOGGLE_COLLECT;
    const std::int64_t elapsed = now_ns() - t0;
    instructions_ += counter_.read() - instructions;
    allocations_ += thread_allocations() - allocations;
    figures_.ns.record(static_cast<std::uint64_t>(elapsed));
    total_ns_ += elapsed;
    ++figures_.items;
  }
  void finish() {
    figures_.seconds = static_cast<double>(total_ns_) / 1e9;  // the items' own time: per_second is their rate
    const auto n = static_cast<double>(figures_.items ? figures_.items : 1);
    figures_.allocations_per_item = static_cast<double>(allocations_) / n;
    if (counter_.available()) figures_.instructions_per_item = static_cast<double>(instructions_) / n;
    CALLGRIND_DUMP_STATS_AT(figures_.name.c_str());
  }

 private:
  Figures& figures_;
  InstructionCounter& counter_;
  std::uint64_t allocations_ = 0;
  std::uint64_t instructions_ = 0;
  std::int64_t total_ns_ = 0;
};

void print_header(const char* title);
void print_row(const Figures& f);

}  // namespace h2s::perf
