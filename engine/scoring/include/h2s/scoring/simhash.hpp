#pragma once
// SimHash over word shingles, and a bounded index of recent fingerprints for near-duplicate and
// same-story-chain detection.
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "h2s/model/fixed_string.hpp"
#include "h2s/model/signal.hpp"
#include "h2s/rules/text_tokens.hpp"

namespace h2s::scoring {

// Mixes a 64-bit value so that neighbouring hashes spread over all bits (murmur3's finalizer).
[[nodiscard]] constexpr std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// 64-bit SimHash of the words [begin, end) and their pairs (word hashes of text_tokens.hpp).
[[nodiscard]] std::uint64_t simhash(const rules::TokenizedText& words, std::uint32_t begin, std::uint32_t end) noexcept;

[[nodiscard]] inline int hamming(std::uint64_t a, std::uint64_t b) noexcept { return __builtin_popcountll(a ^ b); }

// 64-bit Bloom signature of the names and figures among words [begin, end): words starting with a
// capital letter and numbers. Two headlines that differ here are different news, however close
// their SimHash ("Nvidia shares rise 5%" is not "Broadcom shares rise 5%").
[[nodiscard]] std::uint64_t names_signature(const rules::TokenizedText& words, std::uint32_t begin,
                                            std::uint32_t end) noexcept;

class ChainIndex {
 public:
  // What nearest() compares, 40 bytes: every story scans the live ones, so the chain ids live apart.
  struct Entry {
    std::uint64_t fingerprint = 0;
    std::uint64_t names = 0;
    std::uint64_t signature = 0;     // what its story signalled (Scorer): a near repeat must signal the same
    std::int64_t seen_us = 0;
    std::uint32_t chain_length = 0;  // stories on this chain so far, including this one
  };

  // `capacity` recent stories are kept (a ring, oldest overwritten); entries expire after window_us.
  ChainIndex(std::size_t capacity, std::int64_t window_us);

  // The live entry with the closest fingerprint among those sharing at least half the names and
  // figures, or nullptr; `distance` is set when found.
  [[nodiscard]] const Entry* nearest(std::uint64_t fingerprint, std::uint64_t names, std::int64_t now_us,
                                     int& distance) const noexcept;
  // Records a story; chain_id/chain_length come from the chain it joins (or start a new one).
  void add(std::uint64_t fingerprint, std::uint64_t names, std::uint64_t signature, std::int64_t now_us,
           std::string_view chain_id, std::uint32_t chain_length) noexcept;
  // The id of the first story of an entry's chain (`entry` from nearest()).
  [[nodiscard]] std::string_view chain_id(const Entry& entry) const noexcept {
    return chain_ids_[static_cast<std::size_t>(&entry - entries_.data())].view();
  }

  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return entries_.size() * (sizeof(Entry) + sizeof(FixedString<kMaxStoryIdBytes>));
  }

 private:
  std::vector<Entry> entries_;
  std::vector<FixedString<kMaxStoryIdBytes>> chain_ids_;  // by entry index
  std::size_t next_ = 0;
  std::size_t filled_ = 0;  // entries written so far, up to the capacity
  std::int64_t window_us_;
};

}  // namespace h2s::scoring
