#include "h2s/scoring/recent_table.hpp"

#include <bit>

namespace h2s::scoring {
namespace {
constexpr std::uint64_t nonzero(std::uint64_t key) noexcept { return key == 0 ? 1 : key; }
}  // namespace

RecentTable::RecentTable(std::size_t capacity, std::int64_t window_us)
    : slots_(std::bit_ceil(capacity < kProbe ? kProbe : capacity)), mask_(slots_.size() - 1), window_us_(window_us) {}

std::size_t RecentTable::home(std::uint64_t key) const noexcept {
  return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> 20) & mask_;
}

const std::uint64_t* RecentTable::find(std::uint64_t key, std::int64_t now_us) const noexcept {
  key = nonzero(key);
  const std::size_t start = home(key);
  for (std::size_t i = 0; i < kProbe; ++i) {
    const Slot& slot = slots_[(start + i) & mask_];
    if (slot.key == key && live(slot, now_us)) return &slot.value;
  }
  return nullptr;
}

void RecentTable::put(std::uint64_t key, std::uint64_t value, std::int64_t now_us) noexcept {
  key = nonzero(key);
  const std::size_t start = home(key);
  std::size_t victim = start;
  std::int64_t victim_age = INT64_MIN;
  for (std::size_t i = 0; i < kProbe; ++i) {
    Slot& slot = slots_[(start + i) & mask_];
    if (slot.key == key) {
      slot.value = value;
      slot.seen_us = now_us;
      return;
    }
    const std::int64_t age = slot.key == 0 ? INT64_MAX : now_us - slot.seen_us;
    if (age > victim_age) {
      victim_age = age;
      victim = (start + i) & mask_;
    }
  }
  Slot& slot = slots_[victim];
  if (live(slot, now_us)) ++evictions_;
  slot = Slot{key, value, now_us};
}

}  // namespace h2s::scoring
