#include "h2s/scoring/dedup_cache.hpp"

#include <bit>

namespace h2s::scoring {

DedupCache::DedupCache(std::size_t capacity, std::int64_t window_us)
    : slots_(std::bit_ceil(capacity < kProbe ? kProbe : capacity)), mask_(slots_.size() - 1), window_us_(window_us) {}

DedupCache::Verdict DedupCache::check_and_insert(std::uint64_t text_hash, std::int64_t now_us) noexcept {
  if (text_hash == 0) text_hash = 1;  // 0 marks an empty slot
  const std::size_t home = static_cast<std::size_t>(text_hash * 0x9E3779B97F4A7C15ULL >> 20) & mask_;
  std::size_t victim = home;
  std::int64_t victim_age = INT64_MIN;
  for (std::size_t i = 0; i < kProbe; ++i) {
    Slot& slot = slots_[(home + i) & mask_];
    const bool live = slot.text_hash != 0 && now_us - slot.seen_us <= window_us_;
    if (live && slot.text_hash == text_hash) return Verdict::duplicate;
    const std::int64_t age = slot.text_hash == 0 ? INT64_MAX : now_us - slot.seen_us;
    if (age > victim_age) {
      victim_age = age;
      victim = (home + i) & mask_;
    }
  }
  Slot& slot = slots_[victim];
  if (slot.text_hash != 0 && now_us - slot.seen_us <= window_us_) ++evictions_;
  slot = Slot{text_hash, now_us};
  return Verdict::fresh;
}

}  // namespace h2s::scoring
