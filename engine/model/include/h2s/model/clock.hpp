#pragma once
// Microsecond clocks: wall time for live timestamps, a steady clock for latency.
#include <chrono>
#include <cstdint>

namespace h2s {

[[nodiscard]] inline std::int64_t wall_clock_us() noexcept {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

[[nodiscard]] inline std::int64_t steady_clock_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace h2s
