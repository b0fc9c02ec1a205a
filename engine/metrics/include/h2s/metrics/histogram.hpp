#pragma once
// Log-linear (HDR-style) histogram of non-negative integers (e.g. nanoseconds): each power of two
// is split into 2^kSubBits linear buckets, so a reported value is within 1/2^kSubBits (~1.6%) of
// the true one. Fixed size, O(1) record, no allocation: safe on a hot path (single writer).
#include <array>
#include <cstdint>

namespace h2s::metrics {

class Histogram {
 public:
  static constexpr unsigned kSubBits = 6;
  static constexpr std::size_t kSub = std::size_t{1} << kSubBits;
  static constexpr std::size_t kBuckets = (64 - kSubBits + 1) * kSub;

  void record(std::uint64_t value) noexcept {
    ++counts_[index(value)];
    ++count_;
    sum_ += value;
    if (value > max_) max_ = value;
    if (value < min_) min_ = value;
  }
  void merge(const Histogram& other) noexcept;
  void reset() noexcept { *this = Histogram{}; }

  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
  [[nodiscard]] std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
  [[nodiscard]] double mean() const noexcept { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0; }
  // Smallest bucket value v such that at least q (0..1] of the recorded values are <= v's bucket.
  [[nodiscard]] std::uint64_t percentile(double q) const noexcept;
  // Upper bound of bucket i (for exporting cumulative buckets, e.g. Prometheus).
  [[nodiscard]] static std::uint64_t bucket_upper(std::size_t i) noexcept;
  [[nodiscard]] std::uint64_t bucket_count(std::size_t i) const noexcept { return counts_[i]; }

  [[nodiscard]] static std::size_t index(std::uint64_t value) noexcept {
    if (value < kSub) return static_cast<std::size_t>(value);
    const unsigned top = 63u - static_cast<unsigned>(__builtin_clzll(value));  // >= kSubBits
    const unsigned shift = top - kSubBits;
    return static_cast<std::size_t>((shift + 1) * kSub + ((value >> shift) - kSub));
  }

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t min_ = UINT64_MAX;
};

}  // namespace h2s::metrics
