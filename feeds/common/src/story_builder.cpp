#include "h2s/feeds/story_builder.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "h2s/model/ascii.hpp"

namespace h2s::feeds {

StoryBuilder::StoryBuilder(std::size_t arena_bytes)
    : arena_(std::make_unique<char[]>(arena_bytes)), capacity_(arena_bytes) {}

Story& StoryBuilder::begin(Vendor vendor) noexcept {
  used_ = 0;
  story_ = Story{};
  control_reason_ = ControlReason::vendor_status;
  story_.vendor = vendor;
  return story_;
}

std::string_view StoryBuilder::cut_text(std::string_view text) noexcept {
  if (text.size() <= max_text_bytes_) return text;
  std::size_t end = max_text_bytes_;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // not inside a UTF-8 sequence
  story_.text_cut = true;
  return text.substr(0, end);
}

std::string_view StoryBuilder::store(std::string_view text) noexcept {
  if (text.size() > capacity_ - used_) return {};
  char* dst = arena_.get() + used_;
  if (!text.empty()) std::memcpy(dst, text.data(), text.size());
  used_ += text.size();
  return {dst, text.size()};
}

bool StoryBuilder::store_html_as_text(std::string_view html, std::string_view& out) noexcept {
  char* dst = arena_.get() + used_;
  const std::size_t room = capacity_ - used_;
  if (html.size() > room) return false;  // output never exceeds input, so this is the only bound
  const std::size_t n = html_to_text(html, dst, room);
  used_ += n;
  out = {dst, n};
  return true;
}

int StoryBuilder::add_ticker(std::string_view symbol) noexcept {
  while (!symbol.empty() && (symbol.front() == ' ' || symbol.front() == '$')) symbol.remove_prefix(1);
  while (!symbol.empty() && symbol.back() == ' ') symbol.remove_suffix(1);
  Symbol parsed;
  if (!parsed.assign(symbol)) return -1;
  if (const int existing = story_.vendor_ticker_index(parsed.view()); existing >= 0) return existing;
  if (story_.ticker_count >= Story::kMaxTickers) return -1;
  story_.tickers[story_.ticker_count] = parsed;
  return story_.ticker_count++;
}

namespace {

void add_name(std::string_view name, std::array<std::string_view, Story::kMaxChannels>& names, std::uint8_t& count) noexcept {
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  if (name.empty() || count >= names.size()) return;
  names[count++] = name;
}

}  // namespace

void StoryBuilder::add_channel(std::string_view name) noexcept { add_name(name, story_.channels, story_.channel_count); }
void StoryBuilder::add_tag(std::string_view name) noexcept { add_name(name, story_.tags, story_.tag_count); }

void StoryBuilder::add_ticker_list(std::string_view list) noexcept {
  std::size_t start = 0;
  for (std::size_t i = 0; i <= list.size(); ++i) {
    if (i == list.size() || list[i] == ',' || list[i] == ' ') {
      if (i > start) add_ticker(list.substr(start, i - start));
      start = i + 1;
    }
  }
}

namespace {

struct NamedReference {
  std::string_view name;  // without '&' and ';'
  std::string_view utf8;
};
#include "html_named_references.inc"  // every HTML5 named reference, sorted by name

// The value of the named reference "&name;" at the start of `rest` (after the '&') and its length.
bool named_reference(std::string_view rest, std::string_view& value, std::size_t& length) noexcept {
  std::size_t end = 0;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  while (end < rest.size() && end < 33 && alnum(rest[end])) ++end;
  if (end == 0 || end >= rest.size() || rest[end] != ';') return false;
  const std::string_view name = rest.substr(0, end);
  const auto* found = std::lower_bound(kNamedReferences.begin(), kNamedReferences.end(), name,
                                       [](const NamedReference& r, std::string_view n) { return r.name < n; });
  if (found == kNamedReferences.end() || found->name != name) return false;
  value = found->utf8;
  length = end + 1;
  return true;
}

// The ASCII reading of a typographic code point (quotes, dashes, spaces), or nullptr.
const char* ascii_for(std::uint32_t cp) noexcept {
  switch (cp) {
    case 0x2018: case 0x2019: case 0x201A: case 0x201B: case 0x2032: return "'";
    case 0x201C: case 0x201D: case 0x201E: case 0x201F: case 0x2033: case 0x00AB: case 0x00BB: return "\"";
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2015: case 0x2212: return "-";
    case 0x00A0: case 0x2002: case 0x2003: case 0x2009: case 0x200A: case 0x202F: return " ";
    case 0x2026: return "...";
    default: return nullptr;
  }
}

// The code point of a one-character UTF-8 string, or 0 when it is longer or empty.
std::uint32_t single_code_point(std::string_view utf8) noexcept {
  const auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(utf8[i])); };
  if (utf8.size() == 1) return b(0);
  if (utf8.size() == 2 && (b(0) & 0xE0u) == 0xC0u) return ((b(0) & 0x1Fu) << 6) | (b(1) & 0x3Fu);
  if (utf8.size() == 3 && (b(0) & 0xF0u) == 0xE0u) return ((b(0) & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
  return 0;
}

// UTF-8 of a code point (for numeric entities); returns the byte count written to out[0..3].
std::size_t utf8_encode(std::uint32_t cp, char* out) noexcept {
  if (cp < 0x80) { out[0] = static_cast<char>(cp); return 1; }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

// "&#8217;" / "&#x2019;" at the start of `rest` (after the '&'): its code point and length.
bool numeric_entity(std::string_view rest, std::uint32_t& cp, std::size_t& length) noexcept {
  if (rest.size() < 3 || rest[0] != '#') return false;
  const bool hex = rest[1] == 'x' || rest[1] == 'X';
  std::size_t i = hex ? 2 : 1;
  std::uint32_t value = 0;
  const std::size_t first = i;
  for (; i < rest.size() && i < first + 7; ++i) {
    const char c = rest[i];
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (hex && c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    else if (hex && c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (digit < 0) break;
    value = value * (hex ? 16u : 10u) + static_cast<std::uint32_t>(digit);
  }
  if (i == first || i >= rest.size() || rest[i] != ';') return false;
  if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return false;  // not a character
  cp = value;
  length = i + 1;
  return true;
}

// The code point of the UTF-8 sequence at text[i] when it is a typographic one, else 0.
std::uint32_t typographic_at(std::string_view text, std::size_t i, std::size_t& length) noexcept {
  const auto b0 = static_cast<unsigned char>(text[i]);
  if (b0 == 0xC2 && i + 1 < text.size()) {
    const auto b1 = static_cast<unsigned char>(text[i + 1]);
    const std::uint32_t cp = 0x80u | (b1 & 0x3Fu) | ((b0 & 0x1Fu) << 6);
    length = 2;
    return ascii_for(cp) != nullptr ? cp : 0;
  }
  if (b0 == 0xE2 && i + 2 < text.size()) {
    const auto b1 = static_cast<unsigned char>(text[i + 1]), b2 = static_cast<unsigned char>(text[i + 2]);
    const std::uint32_t cp = ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
    length = 3;
    return ascii_for(cp) != nullptr ? cp : 0;
  }
  return 0;
}

}  // namespace

bool needs_text_rewrite(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '<' || c == '&') return true;
    std::size_t length = 0;
    if ((static_cast<unsigned char>(c) == 0xC2 || static_cast<unsigned char>(c) == 0xE2) && typographic_at(text, i, length) != 0) {
      return true;
    }
  }
  return false;
}

std::size_t html_to_text(std::string_view html, char* out, std::size_t capacity) noexcept {
  std::size_t n = 0;
  bool pending_space = false;
  auto emit = [&](char c) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      pending_space = n > 0;
      return;
    }
    if (pending_space && n < capacity) out[n++] = ' ';
    pending_space = false;
    if (n < capacity) out[n++] = c;
  };
  std::size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    const char next = i + 1 < html.size() ? html[i + 1] : '\0';
    const bool tag = c == '<' && ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') || next == '/' || next == '!');
    if (tag) {
      const std::string_view rest = html.substr(i + 1);
      // Skip the content of script and style elements entirely.
      for (std::string_view raw : {std::string_view("script"), std::string_view("style")}) {
        if (starts_with_ci(rest, raw)) {
          std::size_t close = i;
          while (close < html.size()) {
            close = html.find("</", close + 1);
            if (close == std::string_view::npos || starts_with_ci(html.substr(close + 2), raw)) break;
          }
          i = close == std::string_view::npos ? html.size() : close;
          break;
        }
      }
      const std::size_t end = html.find('>', i);
      if (end == std::string_view::npos) break;  // truncated tag: drop the rest
      i = end + 1;
      emit(' ');  // tags separate words ("<p>a</p><p>b</p>" is "a b")
      continue;
    }
    if (c == '&') {
      const std::string_view rest = html.substr(i + 1);
      std::string_view value;
      std::size_t length = 0;
      char utf8[4];
      std::uint32_t cp = 0;
      if (numeric_entity(rest, cp, length)) {
        const char* ascii = ascii_for(cp);
        value = ascii != nullptr ? std::string_view(ascii) : std::string_view(utf8, utf8_encode(cp, utf8));
      } else if (named_reference(rest, value, length)) {
        // Typographic punctuation reads as ASCII whichever way it was written.
        if (const char* ascii = ascii_for(single_code_point(value)); ascii != nullptr) value = ascii;
      }
      if (!value.empty()) {
        for (const char v : value) emit(v);
        i += length + 1;
        continue;
      }
    }
    if (static_cast<unsigned char>(c) == 0xC2 || static_cast<unsigned char>(c) == 0xE2) {
      std::size_t length = 0;
      if (const std::uint32_t cp = typographic_at(html, i, length); cp != 0) {
        for (const char* a = ascii_for(cp); *a != '\0'; ++a) emit(*a);
        i += length;
        continue;
      }
    }
    emit(c);
    ++i;
  }
  return n;
}

}  // namespace h2s::feeds
