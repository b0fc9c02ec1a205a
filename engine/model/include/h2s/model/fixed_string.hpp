#pragma once
// Inline, bounded string for values that cross threads inside fixed-size messages.
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace h2s {

template <std::size_t Capacity>
class FixedString {
  static_assert(Capacity < 256, "length is stored in one byte");

 public:
  static constexpr std::size_t kCapacity = Capacity;

  // Copies at most Capacity bytes; returns false when text had to be truncated.
  bool assign(std::string_view text) noexcept {
    const std::size_t n = text.size() < Capacity ? text.size() : Capacity;
    if (n != 0) std::memcpy(chars_.data(), text.data(), n);
    length_ = static_cast<std::uint8_t>(n);
    return n == text.size();
  }
  [[nodiscard]] std::string_view view() const noexcept { return {chars_.data(), length_}; }
  [[nodiscard]] bool empty() const noexcept { return length_ == 0; }

 private:
  std::array<char, Capacity> chars_{};
  std::uint8_t length_ = 0;
};

}  // namespace h2s
