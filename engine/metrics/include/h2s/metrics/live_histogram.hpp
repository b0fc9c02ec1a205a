#pragma once
// The Histogram's buckets as relaxed atomics: one thread records (plain loads and stores on x86,
// no locked instructions), any thread reads, e.g. the metrics server exporting Prometheus buckets.
#include <array>
#include <atomic>
#include <cstdint>

#include "h2s/metrics/histogram.hpp"

namespace h2s::metrics {

class LiveHistogram {
 public:
  void record(std::uint64_t value) noexcept {
    bump(counts_[Histogram::index(value)], 1);
    bump(count_, 1);
    bump(sum_, value);
  }
  [[nodiscard]] std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t sum() const noexcept { return sum_.load(std::memory_order_relaxed); }
  // Cumulative counts of values <= each of the ascending bounds (within the bucket resolution,
  // ~1.6%), in one pass: Prometheus's `le` buckets.
  template <std::size_t N>
  void cumulative(const std::array<std::uint64_t, N>& bounds, std::array<std::uint64_t, N>& out) const noexcept {
    std::uint64_t total = 0;
    std::size_t b = 0;
    for (std::size_t i = 0; i < Histogram::kBuckets && b < N; ++i) {
      while (b < N && Histogram::bucket_upper(i) > bounds[b]) out[b++] = total;
      total += counts_[i].load(std::memory_order_relaxed);
    }
    while (b < N) out[b++] = total;
  }

 private:
  static void bump(std::atomic<std::uint64_t>& a, std::uint64_t by) noexcept {
    a.store(a.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);  // single writer
  }
  std::array<std::atomic<std::uint64_t>, Histogram::kBuckets> counts_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_{0};
};

}  // namespace h2s::metrics
