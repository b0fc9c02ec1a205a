#pragma once
// Normalized text fingerprints: the same headline from two wires hashes the same.
#include <cstdint>
#include <string_view>

namespace h2s::scoring {

// Drops wire prefixes ("UPDATE 2-", "BRIEF-", "*", "BREAKING:", "FLASH:", "WRAPUP 1-") and trailing
// source tags ("- Reuters", "| Benzinga").
[[nodiscard]] std::string_view strip_wire_decorations(std::string_view headline) noexcept;

// FNV-1a over the exact bytes (identifiers).
[[nodiscard]] std::uint64_t exact_hash(std::string_view bytes) noexcept;

// One story across its versions: the vendor's id within that vendor.
[[nodiscard]] inline std::uint64_t story_key(std::string_view id, std::uint8_t vendor) noexcept {
  return exact_hash(id) * 8 + vendor;
}

// FNV-1a over lower-cased alphanumeric words joined by one space: case, punctuation and spacing
// do not change the hash.
[[nodiscard]] std::uint64_t normalized_text_hash(std::string_view text) noexcept;

}  // namespace h2s::scoring
