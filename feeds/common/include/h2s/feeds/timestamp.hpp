#pragma once
// Vendor timestamp parsing to µs since the Unix epoch, without allocation or locale.
#include <cstdint>
#include <optional>
#include <string_view>

namespace h2s::feeds {

// ISO 8601 / RFC 3339 ("2024-12-03T14:30:00.123-05:00", zone optional = UTC) and
// RFC 2822 ("Tue, 03 Dec 2024 09:30:00 -0500"). Returns nullopt on anything else.
[[nodiscard]] std::optional<std::int64_t> parse_timestamp_us(std::string_view text) noexcept;

// Integer epoch time whose unit is inferred from magnitude: seconds, milliseconds or microseconds.
[[nodiscard]] std::optional<std::int64_t> epoch_number_to_us(std::int64_t value) noexcept;

// Days since 1970-01-01 for a proleptic Gregorian date.
[[nodiscard]] constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace h2s::feeds
