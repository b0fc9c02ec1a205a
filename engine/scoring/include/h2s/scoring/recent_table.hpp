#pragma once
// Bounded memory of recent keys (text fingerprints, story versions, baselines): fixed capacity
// set at start, entries expire after a time window, the oldest entry of a probe run is replaced
// when full. Never allocates after construction.
#include <bit>
#include <cstdint>
#include <vector>

namespace h2s::scoring {

template <class Value>
class RecentTable {
 public:
  // capacity is rounded up to a power of two; entries older than window_us are treated as absent.
  RecentTable(std::size_t capacity, std::int64_t window_us)
      : slots_(std::bit_ceil(capacity < kProbe ? kProbe : capacity)), mask_(slots_.size() - 1), window_us_(window_us) {}

  // The value stored for key, if seen within the window.
  [[nodiscard]] Value* find(std::uint64_t key, std::int64_t now_us) noexcept {
    key = nonzero(key);
    const std::size_t start = home(key);
    for (std::size_t i = 0; i < kProbe; ++i) {
      Slot& slot = slots_[(start + i) & mask_];
      if (slot.key == key && live(slot, now_us)) return &slot.value;
    }
    return nullptr;
  }

  // Starts loading key's probe run into cache: find() and put() of several keys then wait on
  // their memory together, not one miss after another.
  void prefetch(std::uint64_t key) const noexcept {
    const std::size_t start = home(nonzero(key));
    __builtin_prefetch(&slots_[start]);
    __builtin_prefetch(&slots_[(start + kProbe - 1) & mask_]);
  }

  // Inserts or refreshes key, returning its value slot.
  Value& put(std::uint64_t key, const Value& value, std::int64_t now_us) noexcept {
    key = nonzero(key);
    const std::size_t start = home(key);
    std::size_t victim = start;
    std::int64_t victim_age = INT64_MIN;
    for (std::size_t i = 0; i < kProbe; ++i) {
      Slot& slot = slots_[(start + i) & mask_];
      if (slot.key == key) {
        slot.value = value;
        slot.seen_us = now_us;
        return slot.value;
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
    return slot.value;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }
  [[nodiscard]] std::size_t memory_bytes() const noexcept { return slots_.size() * sizeof(Slot); }
  // Live entries displaced before their window ended: a sign the capacity is too small.
  [[nodiscard]] std::uint64_t evictions() const noexcept { return evictions_; }

 private:
  struct Slot {
    std::uint64_t key = 0;  // 0 marks an empty slot
    Value value{};
    std::int64_t seen_us = 0;
  };
  static constexpr std::size_t kProbe = 8;

  static constexpr std::uint64_t nonzero(std::uint64_t key) noexcept { return key == 0 ? 1 : key; }
  [[nodiscard]] std::size_t home(std::uint64_t key) const noexcept {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> 20) & mask_;
  }
  [[nodiscard]] bool live(const Slot& slot, std::int64_t now_us) const noexcept {
    return slot.key != 0 && now_us - slot.seen_us <= window_us_;
  }

  std::vector<Slot> slots_;
  std::size_t mask_;
  std::int64_t window_us_;
  std::uint64_t evictions_ = 0;
};

}  // namespace h2s::scoring
