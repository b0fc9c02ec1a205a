#include "h2s/feeds/timestamp.hpp"

#include <array>

namespace h2s::feeds {
namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;

// Cursor over the text; every reader returns false instead of reading past the end.
struct Cursor {
  std::string_view text;
  std::size_t pos = 0;

  [[nodiscard]] bool done() const noexcept { return pos >= text.size(); }
  [[nodiscard]] char peek() const noexcept { return done() ? '\0' : text[pos]; }
  bool accept(char c) noexcept {
    if (peek() != c) return false;
    ++pos;
    return true;
  }
  void skip_spaces() noexcept {
    while (peek() == ' ') ++pos;
  }
  // Exactly `digits` decimal digits.
  bool fixed(unsigned digits, unsigned& out) noexcept {
    unsigned v = 0;
    for (unsigned i = 0; i < digits; ++i) {
      const char c = peek();
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<unsigned>(c - '0');
      ++pos;
    }
    out = v;
    return true;
  }
  // One or two digits (RFC 2822 days).
  bool one_or_two(unsigned& out) noexcept {
    if (!fixed(1, out)) return false;
    const char c = peek();
    if (c >= '0' && c <= '9') {
      out = out * 10 + static_cast<unsigned>(c - '0');
      ++pos;
    }
    return true;
  }
};

constexpr bool valid_date(unsigned y, unsigned m, unsigned d) noexcept {
  constexpr std::array<unsigned, 12> kDays{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || y > 2400 || m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

std::int64_t to_us(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s,
                   std::int64_t frac_us, std::int64_t offset_s) noexcept {
  const std::int64_t days = days_from_civil(y, mo, d);
  const std::int64_t secs = days * 86400 + h * 3600LL + mi * 60LL + s - offset_s;
  return secs * kMicrosPerSecond + frac_us;
}

struct NamedZone {
  std::string_view name;
  int hours;
};
// RFC 2822's obsolete zone names, still sent by some wires.
constexpr std::array<NamedZone, 11> kNamedZones{{{"UTC", 0}, {"GMT", 0}, {"UT", 0}, {"EST", -5}, {"EDT", -4},
                                                 {"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8},
                                                 {"PDT", -7}}};

// "Z", "+HH:MM", "+HHMM", "+HH", a zone name, or nothing (UTC); an RFC 2822 "(comment)" may follow.
bool parse_zone(Cursor& c, std::int64_t& offset_s) noexcept {
  offset_s = 0;
  c.skip_spaces();
  // Drop a trailing comment such as "(UTC)" or "(Eastern Standard Time)".
  if (const auto open = c.text.find('(', c.pos); open != std::string_view::npos && c.text.back() == ')') {
    c.text = c.text.substr(0, open);
    while (!c.text.empty() && c.text.back() == ' ') c.text.remove_suffix(1);
  }
  if (c.done()) return true;
  if (c.accept('Z') || c.accept('z')) return c.done();
  for (const NamedZone& zone : kNamedZones) {
    if (c.text.substr(c.pos) == zone.name) {
      offset_s = zone.hours * 3600LL;
      return true;
    }
  }
  const char sign = c.peek();
  if (sign != '+' && sign != '-') return false;
  ++c.pos;
  unsigned hh = 0, mm = 0;
  if (!c.fixed(2, hh)) return false;
  c.accept(':');
  if (!c.done() && !c.fixed(2, mm)) return false;
  if (!c.done() || hh > 23 || mm > 59) return false;
  offset_s = (sign == '-' ? -1 : 1) * static_cast<std::int64_t>(hh * 3600 + mm * 60);
  return true;
}

bool parse_clock(Cursor& c, unsigned& h, unsigned& mi, unsigned& s, std::int64_t& frac_us) noexcept {
  s = 0;
  frac_us = 0;
  if (!c.fixed(2, h) || !c.accept(':') || !c.fixed(2, mi)) return false;
  if (c.accept(':')) {
    if (!c.fixed(2, s)) return false;
    if (c.accept('.') || c.accept(',')) {
      std::int64_t scale = 100000;
      bool any = false;
      while (c.peek() >= '0' && c.peek() <= '9') {
        frac_us += (c.peek() - '0') * scale;
        scale /= 10;
        any = true;
        ++c.pos;
      }
      if (!any) return false;
    }
  }
  return h <= 23 && mi <= 59 && s <= 60;
}

std::optional<std::int64_t> parse_iso8601(std::string_view text) noexcept {
  Cursor c{text};
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  std::int64_t frac = 0, offset = 0;
  if (!c.fixed(4, y) || !c.accept('-') || !c.fixed(2, mo) || !c.accept('-') || !c.fixed(2, d)) return std::nullopt;
  if (!valid_date(y, mo, d)) return std::nullopt;
  if (c.done()) return to_us(y, mo, d, 0, 0, 0, 0, 0);
  if (!(c.accept('T') || c.accept('t') || c.accept(' '))) return std::nullopt;
  if (!parse_clock(c, h, mi, s, frac) || !parse_zone(c, offset)) return std::nullopt;
  return to_us(y, mo, d, h, mi, s, frac, offset);
}

std::optional<unsigned> month_from_name(std::string_view name) noexcept {
  constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (name == kMonths[i]) return i + 1;
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_rfc2822(std::string_view text) noexcept {
  Cursor c{text};
  // Optional "Tue, " weekday.
  if (const auto comma = text.find(','); comma != std::string_view::npos && comma <= 4) c.pos = comma + 1;
  c.skip_spaces();
  unsigned d = 0, y = 0, h = 0, mi = 0, s = 0;
  std::int64_t frac = 0, offset = 0;
  if (!c.one_or_two(d)) return std::nullopt;
  c.skip_spaces();
  if (c.pos + 3 > text.size()) return std::nullopt;
  const auto month = month_from_name(text.substr(c.pos, 3));
  if (!month) return std::nullopt;
  c.pos += 3;
  c.skip_spaces();
  if (!c.fixed(4, y) || !valid_date(y, *month, d)) return std::nullopt;
  c.skip_spaces();
  if (!parse_clock(c, h, mi, s, frac) || !parse_zone(c, offset)) return std::nullopt;
  return to_us(y, *month, d, h, mi, s, frac, offset);
}

}  // namespace

std::optional<std::int64_t> parse_timestamp_us(std::string_view text) noexcept {
  if (text.size() < 10 || text.size() > 80) return std::nullopt;
  if (text[0] >= '0' && text[0] <= '9' && text[4] == '-') return parse_iso8601(text);
  return parse_rfc2822(text);
}

std::optional<std::int64_t> epoch_number_to_us(std::int64_t value) noexcept {
  // Seconds until year 5138, milliseconds until 5138, else microseconds; negative times are invalid.
  if (value <= 0) return std::nullopt;
  if (value < 100'000'000'000LL) return value * kMicrosPerSecond;
  if (value < 100'000'000'000'000LL) return value * 1000;
  if (value < 100'000'000'000'000'000LL) return value;
  return std::nullopt;
}

}  // namespace h2s::feeds
