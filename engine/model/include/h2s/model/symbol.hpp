#pragma once
// A ticker symbol stored inline (no heap), upper-case ASCII, at most 7 characters.
#include <array>
#include <cstdint>
#include <string_view>

namespace h2s {

class Symbol {
 public:
  static constexpr std::size_t kCapacity = 7;

  constexpr Symbol() noexcept = default;

  // Returns false (and leaves the symbol empty) when text is empty, too long or not [A-Za-z0-9.-].
  [[nodiscard]] constexpr bool assign(std::string_view text) noexcept {
    length_ = 0;
    if (text.empty() || text.size() > kCapacity) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      const bool valid = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
      if (!valid) return false;
      chars_[i] = c;
    }
    length_ = static_cast<std::uint8_t>(text.size());
    return true;
  }

  [[nodiscard]] constexpr std::string_view view() const noexcept { return {chars_.data(), length_}; }
  [[nodiscard]] constexpr bool empty() const noexcept { return length_ == 0; }
  friend constexpr bool operator==(const Symbol& a, const Symbol& b) noexcept { return a.view() == b.view(); }

 private:
  std::array<char, kCapacity> chars_{};
  std::uint8_t length_ = 0;
};
static_assert(sizeof(Symbol) == 8);

}  // namespace h2s
