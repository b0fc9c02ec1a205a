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
// An array of strings, an array of objects with a "symbol" (Benzinga securities, with "primary")
// or "name" field (Benzinga stocks), or a comma-separated string.
[[nodiscard]] Status read_tickers(od::value value, StoryBuilder& builder) noexcept;
// Channel or tag names: an array of strings or of objects with a "name" field (Benzinga channels).
// Each name goes to add_name(builder, name).
[[nodiscard]] Status read_names(od::value value, StoryBuilder& builder, void (StoryBuilder::*add_name)(std::string_view)) noexcept;
// Polygon insights: [{"ticker":"AMZN","sentiment":"positive","sentiment_reasoning":"..."}].
[[nodiscard]] Status read_insights(od::value value, StoryBuilder& builder) noexcept;
// The "name" field of an object ({"name":"Reuters","url":..}); null reads as empty.
[[nodiscard]] Status read_name_of(od::value value, std::string_view& out) noexcept;
// A boolean; null leaves out unchanged.
[[nodiscard]] Status read_flag(od::value value, bool& out) noexcept;
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

// Iterates an array's elements, calling on_element(value) -> Status; null is an empty array.
template <class OnElement>
[[nodiscard]] Status for_each_element(od::value value, OnElement&& on_element) noexcept {
  od::json_type type;
  if (auto error = value.type().get(type)) return to_status(error);
  if (type == od::json_type::null) return Status::ok;
  od::array array;
  if (auto error = value.get_array().get(array)) return to_status(error);
  for (auto element_result : array) {
    od::value element;
    if (auto error = std::move(element_result).get(element)) return to_status(error);
    if (const Status s = on_element(element); s != Status::ok) return s;
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
