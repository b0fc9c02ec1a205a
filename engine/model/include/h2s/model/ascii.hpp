#pragma once
// Locale-free ASCII case helpers for wire text (non-ASCII bytes compare as themselves).
#include <string_view>

namespace h2s {

[[nodiscard]] constexpr char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// `lower` must already be lower-case.
[[nodiscard]] constexpr bool equals_ci(std::string_view text, std::string_view lower) noexcept {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (ascii_lower(text[i]) != lower[i]) return false;
  }
  return true;
}

// `lower_prefix` must already be lower-case.
[[nodiscard]] constexpr bool starts_with_ci(std::string_view text, std::string_view lower_prefix) noexcept {
  return text.size() >= lower_prefix.size() && equals_ci(text.substr(0, lower_prefix.size()), lower_prefix);
}

}  // namespace h2s
