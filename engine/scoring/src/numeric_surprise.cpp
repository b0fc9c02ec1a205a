#include "h2s/scoring/numeric_surprise.hpp"

#include <array>
#include <charconv>
#include <cmath>

#include "h2s/model/ascii.hpp"
#include "h2s/scoring/text_scan.hpp"

namespace h2s::scoring {
namespace {

struct Token {
  enum class Kind : std::uint8_t { number, word, open, close, other } kind;
  std::uint32_t from, to;
  double value;          // numbers: value with its K/M/B/% scale applied
  std::string_view text; // words: as written
};

constexpr std::size_t kMaxTokens = 96;

bool is_one_of(std::string_view word, std::initializer_list<std::string_view> options) noexcept {
  for (std::string_view o : options) {
    if (equals_ci(word, o)) return true;
  }
  return false;
}

bool is_expectation_word(std::string_view w) noexcept {
  return is_one_of(w, {"expected", "expectations", "expectation", "forecast", "forecasts", "estimate", "estimates",
                       "est", "exp", "consensus", "f'cast", "poll", "median", "projected", "anticipated"});
}

bool is_filler(std::string_view w) noexcept {
  return is_one_of(w, {"a", "an", "the", "of", "for", "economists", "analysts", "analyst", "wall", "street", "street's",
                       "prior", "previous", "reuters", "bloomberg", "dow", "jones"}) ||
         is_expectation_word(w);
}

double scale_of(std::string_view w) noexcept {
  if (is_one_of(w, {"k", "thousand"})) return 1e3;
  if (is_one_of(w, {"m", "mln", "million"})) return 1e6;
  if (is_one_of(w, {"b", "bn", "bln", "billion"})) return 1e9;
  return 0;
}

std::size_t tokenize(std::string_view text, std::array<Token, kMaxTokens>& tokens) noexcept {
  std::size_t n = 0;
  std::size_t i = 0;
  while (i < text.size() && n < kMaxTokens) {
    const char c = text[i];
    const auto at = static_cast<std::uint32_t>(i);
    const bool digit_next = i + 1 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '9';
    // A sign only where a number can start ("-0.1%", "(+5%)"), not inside a range ("1.6-1.8B").
    const bool sign_position = i == 0 || text[i - 1] == ' ' || text[i - 1] == '(' || text[i - 1] == '/';
    const bool starts_number = ((c == '-' || c == '+') && sign_position) || c == '$';
    if ((c >= '0' && c <= '9') || (starts_number && digit_next)) {
      // A number: sign or $, digits with thousands commas, decimals, then a unit.
      bool negative = c == '-';
      if (c == '-' || c == '+' || c == '$') ++i;
      char digits[32];
      std::size_t d = 0;
      while (i < text.size() && d < sizeof digits - 1) {
        const char x = text[i];
        if (x >= '0' && x <= '9') digits[d++] = x;
        else if (x == ',' && i + 1 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '9') {}
        else if (x == '.' && i + 1 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '9') digits[d++] = x;
        else break;
        ++i;
      }
      double value = 0;
      std::from_chars(digits, digits + d, value);
      if (negative) value = -value;
      // Attached unit: 0.4%, 254K, 1.2bn, 150k
      std::size_t j = i;
      while (j < text.size() && ((text[j] >= 'a' && text[j] <= 'z') || (text[j] >= 'A' && text[j] <= 'Z'))) ++j;
      if (j > i && scale_of(text.substr(i, j - i)) > 0) {
        value *= scale_of(text.substr(i, j - i));
        i = j;
      } else if (i < text.size() && text[i] == '%') {
        ++i;
      }
      // The upper end of a range ("1.6-1.8B") belongs to this figure: a range is no single actual.
      if (i + 1 < text.size() && text[i] == '-' && text[i + 1] >= '0' && text[i + 1] <= '9') {
        while (i < text.size() && text[i] != ' ') ++i;
        tokens[n++] = Token{Token::Kind::other, at, static_cast<std::uint32_t>(i), 0, {}};
        continue;
      }
      tokens[n++] = Token{Token::Kind::number, at, static_cast<std::uint32_t>(i), value, {}};
      continue;
    }
    if (is_word_char(c) || c == '\'') {
      std::size_t j = i;
      while (j < text.size() && (is_word_char(text[j]) || text[j] == '\'')) ++j;
      const std::string_view word = text.substr(i, j - i);
      // A detached scale word multiplies the number before it ("254 thousand"); single letters and
      // percentages do not take one ("0.2% m/m" is month over month).
      const bool spelled = word.size() > 1 && scale_of(word) > 0;
      const bool percent = n > 0 && tokens[n - 1].to > 0 && text[tokens[n - 1].to - 1] == '%';
      if (n > 0 && tokens[n - 1].kind == Token::Kind::number && spelled && !percent && tokens[n - 1].to + 1 == at) {
        tokens[n - 1].value *= scale_of(word);
        tokens[n - 1].to = static_cast<std::uint32_t>(j);
      } else {
        tokens[n++] = Token{Token::Kind::word, at, static_cast<std::uint32_t>(j), 0, word};
      }
      i = j;
      if (i < text.size() && text[i] == '.') ++i;  // "vs." / "est."
      continue;
    }
    if (c == '(') tokens[n++] = Token{Token::Kind::open, at, at + 1, 0, {}};
    else if (c == ')') tokens[n++] = Token{Token::Kind::close, at, at + 1, 0, {}};
    else if (c != ' ' && c != ',' && c != ':') tokens[n++] = Token{Token::Kind::other, at, at + 1, 0, {}};
    ++i;
  }
  return n;
}

}  // namespace

double NumericSurprise::score() const noexcept {
  if (actual == expected) return 0;
  const double base = std::fabs(expected) > 0.1 ? std::fabs(expected) : 0.1;
  const double gap = (actual - expected) / base * 4.0;
  return gap > 1 ? 1 : (gap < -1 ? -1 : gap);
}

bool find_numeric_surprise(std::string_view text, NumericSurprise& out) noexcept {
  std::array<Token, kMaxTokens> tokens;
  const std::size_t n = tokenize(text, tokens);
  for (std::size_t i = 1; i + 1 < n; ++i) {
    const Token& t = tokens[i];
    // Form 2: <actual> [y/y] (est. <expected>) / (exp 0.3%) / (consensus 150K)
    if (t.kind == Token::Kind::open && i + 2 < n && tokens[i + 1].kind == Token::Kind::word &&
        is_expectation_word(tokens[i + 1].text)) {
      std::size_t a = i;  // the actual figure: the last number within 4 tokens before '('
      while (a > 0 && a + 4 > i && tokens[a - 1].kind != Token::Kind::number) --a;
      if (a > 0 && tokens[a - 1].kind == Token::Kind::number) {
        const Token& actual = tokens[a - 1];
        for (std::size_t j = i + 2; j < n && j <= i + 4; ++j) {
          const Token& u = tokens[j];
          if (u.kind == Token::Kind::word && is_filler(u.text)) continue;
          if (u.kind != Token::Kind::number) break;
          out = NumericSurprise{actual.value, u.value, actual.from, u.to};
          return true;
        }
      }
    }
    // Form 1: <actual> [m/m] vs <expected ...> with an expectation word close by.
    if (t.kind == Token::Kind::word && is_one_of(t.text, {"vs", "versus"})) {
      std::size_t a = i;
      while (a > 0 && a + 4 > i && tokens[a - 1].kind != Token::Kind::number) --a;
      if (a == 0 || tokens[a - 1].kind != Token::Kind::number) continue;
      const Token& before = tokens[a - 1];
      bool expectation = false;
      for (std::size_t j = i + 1; j < n && j <= i + 5; ++j) {
        const Token& u = tokens[j];
        if (u.kind == Token::Kind::word && is_expectation_word(u.text)) expectation = true;
        if (u.kind == Token::Kind::word && is_filler(u.text)) continue;
        if (u.kind != Token::Kind::number) break;
        if (!expectation) {  // "0.4% vs 0.3% expected": the word may follow the number
          expectation = j + 1 < n && tokens[j + 1].kind == Token::Kind::word && is_expectation_word(tokens[j + 1].text);
        }
        if (!expectation) break;
        out = NumericSurprise{before.value, u.value, before.from, u.to};
        return true;
      }
    }
  }
  return false;
}

}  // namespace h2s::scoring
