#include "h2s/scoring/fingerprint.hpp"

#include <array>

#include "h2s/model/ascii.hpp"

namespace h2s::scoring {
namespace {

constexpr bool is_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         static_cast<unsigned char>(c) >= 0x80;
}

}  // namespace

std::string_view strip_wire_decorations(std::string_view h) noexcept {
  constexpr std::array<std::string_view, 9> kPrefixes{"update", "wrapup", "refile", "corrected", "brief",
                                                      "breaking", "flash", "exclusive", "urgent"};
  // Most headlines carry no decoration: only a mark or a prefix's first letter starts one.
  const char first = h.empty() ? '\0' : ascii_lower(h.front());
  const bool may_lead = first == ' ' || first == '*' || first == '-' || first == 'u' || first == 'w' || first == 'r' ||
                        first == 'c' || first == 'b' || first == 'f' || first == 'e';
  for (bool changed = may_lead; changed;) {
    changed = false;
    while (!h.empty() && (h.front() == ' ' || h.front() == '*' || h.front() == '-')) {
      h.remove_prefix(1);
      changed = true;
    }
    for (std::string_view p : kPrefixes) {
      if (!starts_with_ci(h, p)) continue;
      std::size_t i = p.size();
      while (i < h.size() && (h[i] == ' ' || (h[i] >= '0' && h[i] <= '9'))) ++i;
      if (i < h.size() && (h[i] == '-' || h[i] == ':')) {
        h.remove_prefix(i + 1);
        changed = true;
      }
    }
  }
  // Trailing " - Reuters" / " | Benzinga": only known source names, so " - below est" stays.
  constexpr std::array<std::string_view, 20> kSources{
      "reuters", "bloomberg", "benzinga", "cnbc", "wsj", "dow jones", "marketwatch", "ap", "afp", "barron's",
      "ft", "yahoo finance", "investing.com", "seeking alpha", "rttnews", "the fly", "zacks", "globenewswire",
      "business wire", "pr newswire"};
  for (const char mark : {'-', '|'}) {
    // The last " - " (or " | "), scanned by hand: rfind compares at every position.
    std::size_t at = std::string_view::npos;
    for (std::size_t i = h.size() >= 3 ? h.size() - 3 : 0; i > 0; --i) {
      if (h[i + 1] == mark && h[i] == ' ' && h[i + 2] == ' ') {
        at = i;
        break;
      }
    }
    if (at == std::string_view::npos) continue;
    std::string_view tail = h.substr(at + 3);
    while (!tail.empty() && (tail.back() == ' ' || tail.back() == '.')) tail.remove_suffix(1);
    for (std::string_view source : kSources) {
      if (equals_ci(tail, source)) {
        h = h.substr(0, at);
        break;
      }
    }
  }
  return h;
}

std::uint64_t exact_hash(std::string_view bytes) noexcept {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : bytes) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return hash;
}

std::uint64_t normalized_text_hash(std::string_view text) noexcept {
  std::uint64_t hash = 14695981039346656037ULL;
  bool in_word = false, any = false;
  for (const char c : text) {
    if (is_alnum(c)) {
      if (!in_word && any) hash = (hash ^ ' ') * 1099511628211ULL;
      hash = (hash ^ static_cast<unsigned char>(ascii_lower(c))) * 1099511628211ULL;
      in_word = any = true;
    } else if (c != '\'') {  // "Amazon's" == "Amazons"
      in_word = false;
    }
  }
  return hash;
}

}  // namespace h2s::scoring
