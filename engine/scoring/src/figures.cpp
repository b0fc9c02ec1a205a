#include "h2s/scoring/figures.hpp"

#include <array>
#include <charconv>
#include <cmath>

#include "h2s/model/ascii.hpp"

namespace h2s::scoring {
namespace {

using rules::Token;
using rules::word_hash;

bool in(std::uint64_t hash, std::initializer_list<std::uint64_t> set) noexcept {
  for (const std::uint64_t h : set) {
    if (h == hash) return true;
  }
  return false;
}

constexpr std::uint64_t kEst = word_hash("est"), kEstimate = word_hash("estimate"), kEstimates = word_hash("estimates"),
                    kEstimated = word_hash("estimated"), kExpected = word_hash("expected"), kExp = word_hash("exp"),
                    kExpectations = word_hash("expectations"), kExpectation = word_hash("expectation"),
                    kForecast = word_hash("forecast"), kForecasts = word_hash("forecasts"), kFcast = word_hash("f'cast"),
                    kConsensus = word_hash("consensus"), kPoll = word_hash("poll"), kMedian = word_hash("median"),
                    kProjected = word_hash("projected"), kAnticipated = word_hash("anticipated"),
                    kExpect = word_hash("expect"), kExpecting = word_hash("expecting"), kSeen = word_hash("seen");
constexpr std::uint64_t kPrior = word_hash("prior"), kPrevious = word_hash("previous"), kPrev = word_hash("prev"),
                    kFrom = word_hash("from"), kLast = word_hash("last"), kRevised = word_hash("revised"),
                    kWas = word_hash("was");
constexpr std::uint64_t kVs = word_hash("vs"), kVersus = word_hash("versus"), kActual = word_hash("actual");
// Words that may stand between a figure and what names it ("forecast of 0.3%", "economists' 0.3%").
constexpr std::uint64_t kFillers[] = {word_hash("of"),        word_hash("a"),         word_hash("an"),
                                  word_hash("the"),       word_hash("for"),       word_hash("at"),
                                  word_hash("economists"), word_hash("analysts"), word_hash("analyst"),
                                  word_hash("street"),    word_hash("wall"),      word_hash("market"),
                                  word_hash("reuters"),   word_hash("had"),       word_hash("have"),
                                  word_hash("y/y"),       word_hash("m/m"),       word_hash("q/q"),
                                  word_hash("yoy"),       word_hash("mom"),       word_hash("adj"),
                                  word_hash("eps"),       word_hash("sales"),     word_hash("revenue")};
constexpr std::uint64_t kScaleThousand[] = {word_hash("k"), word_hash("thousand")};
constexpr std::uint64_t kScaleMillion[] = {word_hash("m"), word_hash("mln"), word_hash("million"), word_hash("mn")};
constexpr std::uint64_t kScaleBillion[] = {word_hash("b"), word_hash("bn"), word_hash("bln"), word_hash("billion")};
constexpr std::uint64_t kDurations[] = {word_hash("years"), word_hash("months"), word_hash("weeks"), word_hash("days"),
                                        word_hash("decades"), word_hash("quarters"), word_hash("hours"), word_hash("minutes")};
constexpr std::uint64_t kSpans[] = {word_hash("year"), word_hash("month"), word_hash("week"), word_hash("day"),
                                word_hash("quarter"), word_hash("point"), word_hash("basis"), word_hash("bp"),
                                word_hash("bps")};

bool is_filler(std::uint64_t h) noexcept {
  for (const std::uint64_t f : kFillers) {
    if (f == h) return true;
  }
  return false;
}

bool is_expected_word(std::uint64_t h) noexcept {
  return in(h, {kEst, kEstimate, kEstimates, kEstimated, kExpected, kExp, kExpectations, kExpectation, kForecast,
                kForecasts, kFcast, kConsensus, kPoll, kMedian, kProjected, kAnticipated, kExpect, kExpecting, kSeen});
}

bool is_prior_word(std::uint64_t h) noexcept { return in(h, {kPrior, kPrevious, kPrev, kFrom, kLast, kRevised, kWas}); }

// Month names and abbreviations (the tokenizer leaves "Nov." as "Nov" and a "."): a number after
// one is a day ("week ended Nov. 27"); not "may", which is mostly the verb, nor "mar".
constexpr std::uint64_t kMonths[] = {
    word_hash("january"), word_hash("february"), word_hash("march"), word_hash("april"), word_hash("june"),
    word_hash("july"),    word_hash("august"),   word_hash("september"), word_hash("october"), word_hash("november"),
    word_hash("december"), word_hash("jan"),     word_hash("feb"),   word_hash("apr"),   word_hash("jun"),
    word_hash("jul"),     word_hash("aug"),      word_hash("sep"),   word_hash("sept"),  word_hash("oct"),
    word_hash("nov"),     word_hash("dec")};

bool is_month(std::uint64_t h) noexcept {
  for (const std::uint64_t m : kMonths) {
    if (m == h) return true;
  }
  return false;
}

double scale_word(std::uint64_t h) noexcept {
  for (const std::uint64_t s : kScaleThousand) if (s == h) return 1e3;
  for (const std::uint64_t s : kScaleMillion) if (s == h) return 1e6;
  for (const std::uint64_t s : kScaleBillion) if (s == h) return 1e9;
  return 0;
}

}  // namespace

bool figure_value(std::string_view text, const rules::TokenizedText& words, std::uint32_t index, double& value,
                  bool* percent_out) noexcept {
  const Token& t = words.tokens[index];
  if (!t.has(Token::number)) return false;
  // A time of day ("8:30 a.m. ET", "10 AM") is no figure.
  const bool colon_after = t.end + 1 < text.size() && text[t.end] == ':' && text[t.end + 1] >= '0' && text[t.end + 1] <= '9';
  const bool colon_before = t.begin >= 2 && text[t.begin - 1] == ':' && text[t.begin - 2] >= '0' && text[t.begin - 2] <= '9';
  if (colon_after || colon_before) return false;
  // A day right after its month is a date ("week ended Nov. 27"); "For June 2.4%" is a figure.
  if (index > 0 && is_month(words.tokens[index - 1].hash) && t.end - t.begin <= 2 &&
      (index + 1 >= words.count || scale_word(words.tokens[index + 1].hash) == 0)) {
    bool day = true;
    for (std::uint32_t c = t.begin; c < t.end; ++c) day = day && text[c] >= '0' && text[c] <= '9';
    for (std::uint32_t c = words.tokens[index - 1].end; c < t.begin; ++c) day = day && (text[c] == ' ' || text[c] == '.');
    if (day) return false;
  }
  if (index + 1 < words.count) {
    const std::uint64_t next = words.tokens[index + 1].hash;
    if (next == word_hash("a.m.") || next == word_hash("p.m.") || next == word_hash("am") || next == word_hash("pm") ||
        next == word_hash("et") || next == word_hash("a") || next == word_hash("p")) {
      return false;
    }
  }
  std::string_view w = rules::token_text(text, t);
  bool negative = false, money = false;
  if (!w.empty() && (w[0] == '+' || w[0] == '-')) {
    negative = w[0] == '-';
    w.remove_prefix(1);
  }
  if (!w.empty() && w[0] == '$') {
    money = true;
    w.remove_prefix(1);
  }
  char digits[40];
  std::size_t d = 0, i = 0;
  for (; i < w.size() && d < sizeof digits - 1; ++i) {
    const char c = w[i];
    if (c >= '0' && c <= '9') digits[d++] = c;
    else if (c == '.') digits[d++] = c;
    else if (c != ',') break;
  }
  if (d == 0) return false;
  double v = 0;
  if (std::from_chars(digits, digits + d, v).ec != std::errc()) return false;
  const std::string_view unit = w.substr(i);
  double scale = 1;
  bool percent = false;
  if (unit == "%") {
    percent = true;
  } else if (!unit.empty()) {
    scale = scale_word(word_hash(unit));
    if (scale == 0) return false;  // 3rd, 4x, 3nm: not a figure
  } else if (index + 1 < words.count && !words.tokens[index + 1].has(Token::hyphen_before)) {
    const double next = scale_word(words.tokens[index + 1].hash);
    if (next > 0) scale = next;
  }
  if (index + 1 < words.count) {
    const Token& next = words.tokens[index + 1];
    for (const std::uint64_t s : kSpans) {
      if (next.hash == s && next.has(Token::hyphen_before)) return false;  // "10-year", "50-basis-point"
    }
    for (const std::uint64_t s : kDurations) {
      if (next.hash == s) return false;  // "biggest hike in 22 years"
    }
    if (next.has(Token::hyphen_before) && next.has(Token::number)) return false;  // a "9-3 vote"
    // A plain number joined to a word ("UPDATE 1-Fed", "3-star") names no amount.
    if (next.has(Token::hyphen_before) && !percent && !money && unit.empty()) return false;
  }
  // The second half of a tally ("9-3"); a range of percentages ("3.50%-3.75%") stays.
  if (t.has(Token::hyphen_before) && index > 0 && words.tokens[index - 1].has(Token::number) && !percent && !money &&
      unit.empty()) {
    return false;
  }
  const bool year = !percent && !money && scale == 1 && unit.empty() && d == 4 && v >= 1900 && v <= 2100;
  if (year) return false;
  value = (negative ? -v : v) * scale;
  if (percent_out != nullptr) *percent_out = percent;
  return true;
}

bool figure_is_estimate(const rules::TokenizedText& words, std::uint32_t index) noexcept {
  for (std::uint32_t back = index, steps = 0; back > 0 && steps < 3; ++steps) {
    const std::uint64_t h = words.tokens[--back].hash;
    if (is_expected_word(h) || h == kVs || h == kVersus) return true;
    if (!is_filler(h)) break;
  }
  std::uint32_t next = index + 1;
  if (next < words.count && scale_word(words.tokens[next].hash) > 0) ++next;
  return next < words.count && is_expected_word(words.tokens[next].hash);
}

namespace {

// Whether a figure from `from` on is named as the estimate ("vs $61.7B est.", "est. $61.7B").
bool compared_later(const rules::TokenizedText& words, std::uint32_t from, std::uint32_t end) noexcept {
  for (std::uint32_t i = from; i < end; ++i) {
    const std::uint64_t h = words.tokens[i].hash;
    if (h == kVs || h == kVersus || h == kEst || h == kEstimate || h == kEstimates || h == kConsensus) return true;
  }
  return false;
}

}  // namespace

Figures read_figures(std::string_view text, const rules::TokenizedText& words, std::uint32_t begin,
                     std::uint32_t end) noexcept {
  Figures f;
  Figures pair;  // a later actual/expected pair ("core 3.1% vs 3.0% est"): mixed when it disagrees
  // Actuals before the first estimate: it belongs to the one nearest in value ("0.1% m/m, 3.3% y/y;
  // est. 0.3%", "AI revenue $4.4B, ...; sees $5.1B vs $4.9B est.").
  struct Candidate {
    double value;
    std::uint32_t word;
  };
  std::array<Candidate, 4> actuals{};
  std::size_t actual_count = 0;
  if (end > words.count) end = words.count;
  for (std::uint32_t i = begin; i < end; ++i) {
    double value = 0;
    bool percent = false;
    if (!figure_value(text, words, i, value, &percent)) continue;
    // "$45.0B, plus or minus 2%, est. $45.9B": a percentage is no estimate of an amount.
    if (f.has_actual && percent != f.percent) continue;
    // What names it: a word before it (skipping fillers), or one right after it.
    enum class Role { actual, expected, prior } role = Role::actual;
    bool named = false;
    for (std::uint32_t back = i, steps = 0; back > begin && steps < 3; ++steps) {
      const std::uint64_t h = words.tokens[--back].hash;
      if (is_expected_word(h)) {
        // A company's own forecast compared with the street's ("4Q REV. FORECAST $65B VS $61.7B
        // EST."): the forecast is the news, the figure after "vs" the estimate.
        const bool own_forecast = (h == kForecast || h == kForecasts) && !f.has_actual && compared_later(words, i + 1, end);
        role = own_forecast ? Role::actual : Role::expected;
        named = true;
        break;
      }
      if (is_prior_word(h)) { role = Role::prior; named = true; break; }
      if (h == kActual) { named = true; break; }
      if (h == kVs || h == kVersus) { role = Role::expected; break; }  // unless a word after says prior
      if (!is_filler(h)) break;
    }
    // "0.3% expected" names it from behind; "231K (Forecast 225K" does not: that word opens the next figure.
    if (!named && f.has_actual && i + 1 < end && !words.tokens[i + 1].has(Token::open_paren)) {
      std::uint32_t next = i + 1;
      if (next < end && scale_word(words.tokens[next].hash) > 0) ++next;  // "231 K est"
      while (next < end && is_filler(words.tokens[next].hash) && next < i + 3) ++next;
      if (next < end) {
        const std::uint64_t h = words.tokens[next].hash;
        if (is_expected_word(h)) role = Role::expected;
        else if (h == kPrior || h == kPrevious || h == kPrev) role = Role::prior;
      }
    }
    if (role == Role::actual && f.has_actual && f.has_expected && !pair.has_actual) {
      pair.has_actual = true;
      pair.actual = value;
      continue;
    }
    if (role == Role::expected && pair.has_actual && !pair.has_expected) {
      pair.has_expected = true;
      pair.expected = value;
      if (pair.against_expected() != f.against_expected()) f.mixed = true;
      continue;
    }
    if (role == Role::actual && !f.has_expected && actual_count < actuals.size()) actuals[actual_count++] = {value, i};
    if (role == Role::expected && !f.has_expected && f.has_actual) {
      for (std::size_t k = 1; k < actual_count; ++k) {
        if (std::fabs(actuals[k].value - value) < std::fabs(f.actual - value)) {
          f.actual = actuals[k].value;
          f.first_word = actuals[k].word;
        }
      }
    }
    if (role == Role::actual && !f.has_actual) {
      f.has_actual = true;
      f.actual = value;
      f.percent = percent;
      f.first_word = i;
    } else if (role == Role::expected && !f.has_expected && f.has_actual) {
      f.has_expected = true;
      f.expected = value;
    } else if (role == Role::prior && !f.has_prior && f.has_actual) {
      f.has_prior = true;
      f.prior = value;
    } else {
      continue;
    }
    f.last_word = i;
  }
  return f;
}

}  // namespace h2s::scoring
