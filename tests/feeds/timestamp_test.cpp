#include <catch2/catch.hpp>

#include "h2s/feeds/timestamp.hpp"

using h2s::feeds::epoch_number_to_us;
using h2s::feeds::parse_timestamp_us;

TEST_CASE("ISO 8601 timestamps parse to microseconds since the epoch") {
  CHECK(parse_timestamp_us("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_timestamp_us("2025-12-02T13:30:00Z") == 1764682200000000);
  CHECK(parse_timestamp_us("2025-12-02T13:30:00.123456Z") == 1764682200123456);
  CHECK(parse_timestamp_us("2025-12-02T13:30:00.5Z") == 1764682200500000);
  CHECK(parse_timestamp_us("2025-12-02T08:30:00-05:00") == 1764682200000000);
  CHECK(parse_timestamp_us("2025-12-02T14:30:00+0100") == 1764682200000000);
  CHECK(parse_timestamp_us("2025-12-02 13:30:00") == 1764682200000000);  // no zone: UTC
  CHECK(parse_timestamp_us("2024-02-29T00:00:00Z").has_value());
}

TEST_CASE("RFC 2822 timestamps (Benzinga) parse with their offset") {
  CHECK(parse_timestamp_us("Tue, 02 Dec 2025 08:30:00 -0500") == 1764682200000000);
  CHECK(parse_timestamp_us("2 Dec 2025 13:30:00 GMT") == 1764682200000000);
}

TEST_CASE("Invalid timestamps are rejected, not guessed") {
  for (const char* bad : {"", "yesterday afternoon", "2025-13-02T00:00:00Z", "2025-02-30T00:00:00Z",
                          "2023-02-29T00:00:00Z", "2025-12-02T25:00:00Z", "2025-12-02T13:30:00+25:00",
                          "2025-12-02T13:30:00Zjunk", "Tue, 02 Foo 2025 08:30:00 -0500", "2025-12-02T13:30:00."}) {
    INFO(bad);
    CHECK_FALSE(parse_timestamp_us(bad).has_value());
  }
}

TEST_CASE("Epoch numbers are read as seconds, milliseconds or microseconds by magnitude") {
  CHECK(epoch_number_to_us(1764682200) == 1764682200000000);
  CHECK(epoch_number_to_us(1764682200123) == 1764682200123000);
  CHECK(epoch_number_to_us(1764682200123456) == 1764682200123456);
  CHECK_FALSE(epoch_number_to_us(0).has_value());
  CHECK_FALSE(epoch_number_to_us(-5).has_value());
}
