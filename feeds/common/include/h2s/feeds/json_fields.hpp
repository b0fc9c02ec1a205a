#pragma once
// Typed readers for simdjson On-Demand values that map every failure to a rejection Status.
#include <simdjson.h>

#include <cstdint>
#include <string_view>

#include "h2s/feeds/story_builder.hpp"
#include "h2s/model/status.hpp"

namespace h2s::feeds {

namespace od = simdjson::ondemand;

[[nodiscard]] Status to_status(simdjson::error_code error) noexcept;

// A string, or null (read as empty).
[[nodiscard]] Status read_text(od::value value, std::string_view& out) noexcept;
// A string or an integer id, rendered into the builder's arena when numeric.
[[nodiscard]] Status read_id(od::value value, StoryBuilder& builder, std::string_view& out) noexcept;
// An ISO 8601 / RFC 2822 string, or an epoch number (s, ms or µs); null leaves out unchanged.
[[nodiscard]] Status read_time(od::value value, std::int64_t& out_us) noexcept;
// An HTML string stripped to text in the builder's arena; null reads as empty.
[[nodiscard]] Status read_html(od::value value, StoryBuilder& builder, std::string_view& out) noexcept;
// An array of strings, an array of objects with a "symbol" field, or a comma-separated string.
[[nodiscard]] Status read_tickers(od::value value, StoryBuilder& builder) noexcept;
// An unsigned integer or a decimal string.
[[nodiscard]] Status read_uint(od::value value, std::uint64_t& out) noexcept;

// Iterates the fields of `object`, calling on_field(key, value) -> Status; stops at the first failure.
template <class OnField>
[[nodiscard]] Status for_each_field(od::object object, OnField&& on_field) noexcept {
  for (auto field_result : object) {
    od::field field;
    if (auto error = std::move(field_result).get(field)) return to_status(error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return to_status(error);
    if (const Status s = on_field(key, field.value()); s != Status::ok) return s;
  }
  return Status::ok;
}

}  // namespace h2s::feeds

namespace h2s::feeds {

// How far past this machine's clock a vendor time may be before it is rejected as bad_timestamp.
inline constexpr std::int64_t kMaxFutureUs = 24LL * 3600 * 1'000'000;

// Final checks every vendor decoder applies: id and headline present (headline optional for
// deletes), id within the wire limit, a source time (falling back to updated_at), no time more
// than kMaxFutureUs in the future.
[[nodiscard]] Status validate_story(Story& story) noexcept;

}  // namespace h2s::feeds
