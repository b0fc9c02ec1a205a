#include "h2s/feeds/story_builder.hpp"

#include <array>
#include <cstring>

#include "h2s/model/ascii.hpp"

namespace h2s::feeds {

StoryBuilder::StoryBuilder(std::size_t arena_bytes)
    : arena_(std::make_unique<char[]>(arena_bytes)), capacity_(arena_bytes) {}

Story& StoryBuilder::begin(Vendor vendor) noexcept {
  used_ = 0;
  story_ = Story{};
  story_.vendor = vendor;
  return story_;
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

void StoryBuilder::add_ticker(std::string_view symbol) noexcept {
  while (!symbol.empty() && (symbol.front() == ' ' || symbol.front() == '$')) symbol.remove_prefix(1);
  while (!symbol.empty() && symbol.back() == ' ') symbol.remove_suffix(1);
  if (story_.ticker_count >= Story::kMaxTickers) return;
  Symbol parsed;
  if (!parsed.assign(symbol) || story_.has_vendor_ticker(parsed.view())) return;
  story_.tickers[story_.ticker_count++] = parsed;
}

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

struct Entity {
  std::string_view name;
  char value;
};
constexpr std::array<Entity, 8> kEntities{{{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'},
                                           {"apos", '\''}, {"nbsp", ' '}, {"#39", '\''}, {"#160", ' '}}};

}  // namespace

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
      bool decoded = false;
      for (const Entity& e : kEntities) {
        const std::string_view rest = html.substr(i + 1);
        if (rest.size() > e.name.size() && rest.substr(0, e.name.size()) == e.name && rest[e.name.size()] == ';') {
          emit(e.value);
          i += e.name.size() + 2;
          decoded = true;
          break;
        }
      }
      if (decoded) continue;
    }
    emit(c);
    ++i;
  }
  return n;
}

}  // namespace h2s::feeds
