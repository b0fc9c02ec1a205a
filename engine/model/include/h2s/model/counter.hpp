#pragma once
// A statistic written by one thread and read by any (metrics): a relaxed load+store, no locked
// instruction on the hot path.
#include <atomic>
#include <cstdint>

namespace h2s {

class Counter {
 public:
  void add(std::uint64_t n = 1) noexcept { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void set(std::uint64_t n) noexcept { value_.store(n, std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t get() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

}  // namespace h2s
