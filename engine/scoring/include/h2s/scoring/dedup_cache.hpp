#pragma once
// Bounded memory of recent story fingerprints: fixed capacity, time window, no allocation after start.
#include <cstdint>
#include <vector>

namespace h2s::scoring {

class DedupCache {
 public:
  enum class Verdict : std::uint8_t { fresh, duplicate };

  // capacity is rounded up to a power of two; entries older than window_us are ignored.
  DedupCache(std::size_t capacity, std::int64_t window_us);

  // Looks up text_hash within the window; records it at now_us when fresh.
  [[nodiscard]] Verdict check_and_insert(std::uint64_t text_hash, std::int64_t now_us) noexcept;

  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }
  [[nodiscard]] std::size_t memory_bytes() const noexcept { return slots_.size() * sizeof(Slot); }
  [[nodiscard]] std::uint64_t evictions() const noexcept { return evictions_; }

 private:
  struct Slot {
    std::uint64_t text_hash = 0;
    std::int64_t seen_us = 0;
  };
  static constexpr std::size_t kProbe = 8;  // linear probe length before the oldest slot is replaced

  std::vector<Slot> slots_;
  std::size_t mask_;
  std::int64_t window_us_;
  std::uint64_t evictions_ = 0;
};

}  // namespace h2s::scoring
