#pragma once
// Token and clause arithmetic over field text, for negation windows and clause-scoped tone.
#include <cstdint>
#include <string_view>

namespace h2s::scoring {

[[nodiscard]] constexpr bool is_word_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         static_cast<unsigned char>(c) >= 0x80;
}

// True when text[i] ends a clause: , ; : ! ? a sentence '.' (not "U.S." nor "0.4"), or the space
// before a joining conjunction ("as", "while", "but", "amid", ...).
[[nodiscard]] bool is_clause_break(std::string_view text, std::size_t i) noexcept;
// Any clause break in text[from, to).
[[nodiscard]] bool has_clause_break(std::string_view text, std::uint32_t from, std::uint32_t to) noexcept;
// Start of the clause holding offset `at` (just after the previous break) and end (the next break).
[[nodiscard]] std::uint32_t clause_begin(std::string_view text, std::uint32_t at) noexcept;
[[nodiscard]] std::uint32_t clause_end(std::string_view text, std::uint32_t at) noexcept;
// Words that start within text[from, to).
[[nodiscard]] std::uint32_t words_between(std::string_view text, std::uint32_t from, std::uint32_t to) noexcept;

}  // namespace h2s::scoring
