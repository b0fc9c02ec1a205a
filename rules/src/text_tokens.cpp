#include "h2s/rules/text_tokens.hpp"

#include <array>

#include "h2s/model/ascii.hpp"

namespace h2s::rules {
namespace {

constexpr bool is_letter(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || static_cast<unsigned char>(c) >= 0x80;
}
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_alnum(char c) noexcept { return is_letter(c) || is_digit(c); }

// A word character's lower-case byte, 0 for any other: one load per byte in the words' loop.
constexpr auto kWordByte = [] {
  std::array<unsigned char, 256> table{};
  for (int c = 0; c < 256; ++c) {
    if (is_alnum(static_cast<char>(c))) table[static_cast<std::size_t>(c)] = static_cast<unsigned char>(ascii_lower(static_cast<char>(c)));
  }
  return table;
}();

// Words that open a new clause with a subject of its own ("payrolls rise as hiring slows").
constexpr std::uint64_t kJoiners[] = {word_hash("as"),      word_hash("while"),    word_hash("but"),
                                      word_hash("whereas"), word_hash("although"), word_hash("though"),
                                      word_hash("amid"),    word_hash("after"),    word_hash("despite")};

bool is_joiner(std::uint64_t hash) noexcept {
  for (const std::uint64_t j : kJoiners) {
    if (j == hash) return true;
  }
  return false;
}

constexpr std::uint64_t kFnvOffset = 14695981039346656037ULL, kFnvPrime = 1099511628211ULL;

// Where a word that starts at `i` ends, with word_hash() of it (`hash`) and of it up to its last
// apostrophe (`before_apostrophe`, for possessives), in one pass.
std::size_t word_end(std::string_view text, std::size_t i, std::uint64_t& hash, std::uint64_t& before_apostrophe) noexcept {
  const std::size_t n = text.size();
  std::size_t j = i;
  std::uint64_t h = kFnvOffset;
  if (text[j] == '$' || text[j] == '+' || text[j] == '-') {
    h = (h ^ static_cast<unsigned char>(text[j])) * kFnvPrime;
    ++j;
  }
  before_apostrophe = h;
  while (j < n) {
    const char c = text[j];
    if (const unsigned char lower = kWordByte[static_cast<unsigned char>(c)]; lower != 0) {  // the common case first
      h = (h ^ lower) * kFnvPrime;
      ++j;
      continue;
    }
    const char prev = j > i ? text[j - 1] : ' ';
    const char next = j + 1 < n ? text[j + 1] : ' ';
    bool take = false, last = false;
    if (c == '\'' && is_letter(prev) && is_letter(next)) {
      before_apostrophe = h;  // doesn't, Fed's
      take = true;
    } else if (c == '.' && is_digit(prev) && is_digit(next)) {
      take = true;  // 0.4
    } else if (c == '.' && is_letter(prev) && (j - i == 1 || text[j - 2] == '.') &&
               (is_letter(next) ? (j + 2 >= n || !is_letter(text[j + 2])) : j - i >= 3)) {
      take = true;  // U.S., U.K. (single letters between dots)
    } else if (c == ',' && is_digit(prev) && j + 3 < n && is_digit(text[j + 1]) && is_digit(text[j + 2]) &&
               is_digit(text[j + 3]) && (j + 4 >= n || !is_digit(text[j + 4]))) {
      take = true;  // 275,000
    } else if ((c == '/' || c == '&') && is_letter(prev) && is_letter(next)) {
      take = true;  // m/m, S&P
    } else if (c == '%' && is_digit(prev)) {
      take = last = true;
    }
    if (!take) break;
    h = (h ^ static_cast<unsigned char>(c)) * kFnvPrime;
    ++j;
    if (last) break;
  }
  hash = h;
  return j;
}

bool starts_word(std::string_view text, std::size_t i) noexcept {
  const char c = text[i];
  if (is_alnum(c)) return true;
  const bool digit_next = i + 1 < text.size() && is_digit(text[i + 1]);
  if (c == '$') return digit_next;
  if (c == '+' || c == '-') {
    const char before = i > 0 ? text[i - 1] : ' ';
    return digit_next && (before == ' ' || before == '(' || before == '/');
  }
  return false;
}

}  // namespace

int TokenizedText::token_ending_at(std::uint32_t end) const noexcept {
  std::uint32_t lo = 0, hi = count;  // first token that begins at or after `end`
  while (lo < hi) {
    const std::uint32_t mid = (lo + hi) / 2;
    if (tokens[mid].begin < end) lo = mid + 1;
    else hi = mid;
  }
  return static_cast<int>(lo) - 1;
}

void tokenize(std::string_view text, TokenizedText& out) noexcept {
  out.count = 0;
  out.truncated = false;
  std::uint16_t clause = 0;
  bool pending_break = false;
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const char c = text[i];
    if (starts_word(text, i)) {
      std::uint64_t hash = 0, before_apostrophe = 0;
      const std::size_t j = word_end(text, i, hash, before_apostrophe);
      if (out.count == TokenizedText::kMaxTokens) {
        out.truncated = true;
        return;
      }
      Token t;
      t.begin = static_cast<std::uint32_t>(i);
      t.end = static_cast<std::uint32_t>(j);
      t.hash = hash;
      if (j - i > 2 && text[j - 2] == '\'' && (text[j - 1] == 's' || text[j - 1] == 'S')) {
        t.hash = before_apostrophe;
        t.flags |= Token::possessive;
      }
      if (is_digit(c) || c == '$' || c == '+' || c == '-') t.flags |= Token::number;
      if (c >= 'A' && c <= 'Z') t.flags |= Token::capital;
      if (i > 0 && text[i - 1] == '-' && out.count > 0 && out.tokens[out.count - 1].end + 1 == i) t.flags |= Token::hyphen_before;
      if (i > 0 && text[i - 1] == '(') t.flags |= Token::open_paren;
      if (out.count > 0 && (pending_break || is_joiner(t.hash))) {
        ++clause;
        if (!pending_break) t.flags |= Token::joiner;
      }
      pending_break = false;
      t.clause = clause;
      out.tokens[out.count++] = t;
      i = j;
      continue;
    }
    const char prev = i > 0 ? text[i - 1] : ' ';
    const char next = i + 1 < n ? text[i + 1] : ' ';
    if (c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '|') {
      if (!(is_digit(prev) && is_digit(next))) pending_break = true;  // "10:30" is a time
    } else if (c == '.' && next == ' ') {
      // A sentence ends here unless the dot closes an abbreviation ("vs.", "est.", "Inc. shares").
      const std::size_t after = i + 2;
      const bool capital_next = after < n && text[after] >= 'A' && text[after] <= 'Z';
      std::size_t w = i;
      while (w > 0 && is_alnum(text[w - 1])) --w;
      const bool long_word = i - w >= 4 || (i > w && (is_digit(prev) || prev == '%'));
      if (capital_next && (long_word || prev == '%')) pending_break = true;
    } else if (c == '-' && prev == ' ' && (next == ' ' || next == '-')) {
      pending_break = true;  // " - " and " -- " join two statements
    }
    ++i;
  }
}

}  // namespace h2s::rules
