#include "h2s/metrics/histogram.hpp"

namespace h2s::metrics {

void Histogram::merge(const Histogram& other) noexcept {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  if (other.max_ > max_) max_ = other.max_;
  if (other.count_ && other.min_ < min_) min_ = other.min_;
}

std::uint64_t Histogram::bucket_upper(std::size_t i) noexcept {
  if (i < kSub) return i;
  const std::size_t shift = i / kSub - 1;
  const std::uint64_t mantissa = kSub + i % kSub;
  return ((mantissa + 1) << shift) - 1;
}

std::uint64_t Histogram::percentile(double q) const noexcept {
  if (count_ == 0) return 0;
  if (q <= 0) return min();
  auto target = static_cast<std::uint64_t>(q * static_cast<double>(count_) + 0.999999);
  if (target > count_) target = count_;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= target) {
      const std::uint64_t upper = bucket_upper(i);
      return upper < max_ ? upper : max_;
    }
  }
  return max_;
}

}  // namespace h2s::metrics
