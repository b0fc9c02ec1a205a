#pragma once
// Bounded memory of recent keys (text fingerprints, story versions): fixed capacity set at start,
// entries expire after a time window, the oldest entry of a probe run is replaced when full.
#include <cstdint>
#include <vector>

namespace h2s::scoring {

class RecentTable {
 public:
  // capacity is rounded up to a power of two; entries older than window_us are treated as absent.
  RecentTable(std::size_t capacity, std::int64_t window_us);

  // The value stored for key, if seen within the window.
  [[nodiscard]] const std::uint64_t* find(std::uint64_t key, std::int64_t now_us) const noexcept;
  // Inserts or refreshes key. Never allocates.
  void put(std::uint64_t key, std::uint64_t value, std::int64_t now_us) noexcept;

  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }
  [[nodiscard]] std::size_t memory_bytes() const noexcept { return slots_.size() * sizeof(Slot); }
  // Live entries displaced before their window ended: a sign the capacity is too small.
  [[nodiscard]] std::uint64_t evictions() const noexcept { return evictions_; }

 private:
  struct Slot {
    std::uint64_t key = 0;  // 0 marks an empty slot
    std::uint64_t value = 0;
    std::int64_t seen_us = 0;
  };
  static constexpr std::size_t kProbe = 8;

  [[nodiscard]] std::size_t home(std::uint64_t key) const noexcept;
  [[nodiscard]] bool live(const Slot& slot, std::int64_t now_us) const noexcept {
    return slot.key != 0 && now_us - slot.seen_us <= window_us_;
  }

  std::vector<Slot> slots_;
  std::size_t mask_;
  std::int64_t window_us_;
  std::uint64_t evictions_ = 0;
};

}  // namespace h2s::scoring
