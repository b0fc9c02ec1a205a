#include "h2s/scoring/text_scan.hpp"

#include <array>

#include "h2s/model/ascii.hpp"

namespace h2s::scoring {
namespace {

// Conjunctions that join two clauses with different subjects ("payrolls rise as hiring slows").
constexpr std::array<std::string_view, 9> kJoiners{"as", "while", "but", "whereas", "although", "though",
                                                   "amid", "after", "despite"};

bool joiner_follows(std::string_view text, std::size_t space) noexcept {
  for (std::string_view word : kJoiners) {
    const std::size_t end = space + 1 + word.size();
    if (end >= text.size() || text[end] != ' ') continue;
    if (equals_ci(text.substr(space + 1, word.size()), word)) return true;
  }
  return false;
}

}  // namespace

bool is_clause_break(std::string_view text, std::size_t i) noexcept {
  const char c = text[i];
  if (c == ' ') return joiner_follows(text, i);
  if (c == ',' || c == ';' || c == ':' || c == '!' || c == '?') {
    // "275,000" and "10:30" are numbers, not clause breaks.
    const bool digits_around = i > 0 && i + 1 < text.size() && text[i - 1] >= '0' && text[i - 1] <= '9' &&
                               text[i + 1] >= '0' && text[i + 1] <= '9';
    return !digits_around;
  }
  if (c != '.') return false;
  const bool end_or_space = i + 1 >= text.size() || text[i + 1] == ' ';
  const char before = i > 0 ? text[i - 1] : ' ';
  return end_or_space && ((before >= 'a' && before <= 'z') || (before >= '0' && before <= '9') || before == '%');
}

bool has_clause_break(std::string_view text, std::uint32_t from, std::uint32_t to) noexcept {
  for (std::uint32_t i = from; i < to && i < text.size(); ++i) {
    if (is_clause_break(text, i)) return true;
  }
  return false;
}

std::uint32_t clause_begin(std::string_view text, std::uint32_t at) noexcept {
  while (at > 0 && !is_clause_break(text, at - 1)) --at;
  return at;
}

std::uint32_t clause_end(std::string_view text, std::uint32_t at) noexcept {
  while (at < text.size() && !is_clause_break(text, at)) ++at;
  return at;
}

std::uint32_t words_between(std::string_view text, std::uint32_t from, std::uint32_t to) noexcept {
  std::uint32_t words = 0;
  bool in_word = false;
  for (std::uint32_t i = from; i < to && i < text.size(); ++i) {
    const bool w = is_word_char(text[i]);
    if (w && !in_word) ++words;
    in_word = w;
  }
  return words;
}

}  // namespace h2s::scoring
