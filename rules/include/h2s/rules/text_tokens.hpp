#pragma once
// Words and clauses of a field, found once per story: the scorer reads roles, scopes and figures
// over them, dedup hashes them, and the compiler counts a phrase's words with the same rules.
#include <array>
#include <cstdint>
#include <string_view>

#include "h2s/model/ascii.hpp"

namespace h2s::rules {

struct Token {
  enum Flag : std::uint8_t {
    number = 1,         // starts with a digit, '$', or a sign before a digit
    possessive = 2,     // "Fed's": the hash is of "fed"
    hyphen_before = 4,  // joined to the previous token by '-' ("Nvidia-backed")
    capital = 8,        // starts with an upper-case letter
    open_paren = 16,    // follows '(' directly
    joiner = 32,        // opens a clause as a joining word ("as", "after"), not after punctuation
  };
  std::uint32_t begin = 0;  // byte offsets in the field
  std::uint32_t end = 0;
  std::uint64_t hash = 0;   // FNV-1a 64 of the lower-cased word (without a possessive 's)
  std::uint16_t clause = 0; // clause index within the field
  std::uint8_t flags = 0;

  [[nodiscard]] bool has(Flag f) const noexcept { return (flags & f) != 0; }
};

struct TokenizedText {
  static constexpr std::size_t kMaxTokens = 128;
  std::array<Token, kMaxTokens> tokens;
  std::uint32_t count = 0;
  bool truncated = false;  // the text had more words than kMaxTokens: the rest is not read

  // The last token that begins before byte `end`: the word a match ending at `end` ends in, or -1.
  [[nodiscard]] int token_ending_at(std::uint32_t end) const noexcept;
};

// FNV-1a 64 of a word, lower-casing ASCII letters.
[[nodiscard]] constexpr std::uint64_t word_hash(std::string_view word) noexcept {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : word) h = (h ^ static_cast<unsigned char>(ascii_lower(c))) * 1099511628211ULL;
  return h;
}

// Splits `text` into words: letters and digits with inner apostrophes ("doesn't"), dots ("U.S.",
// "0.4"), commas in numbers ("275,000"), '/' between letters ("m/m"), '&' between letters
// ("S&P"), a leading '$' or sign and a trailing '%' on numbers; '-' separates words. A clause
// ends at , ; : ! ? (not inside a number), at a sentence's '.', at a spaced dash, and before a
// joining word (as, while, but, whereas, although, though, amid, after, despite).
void tokenize(std::string_view text, TokenizedText& out) noexcept;

// The text of token `t` of `text`.
[[nodiscard]] inline std::string_view token_text(std::string_view text, const Token& t) noexcept {
  return text.substr(t.begin, t.end - t.begin);
}

}  // namespace h2s::rules
