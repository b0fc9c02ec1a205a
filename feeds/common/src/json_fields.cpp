#include "h2s/feeds/json_fields.hpp"

#include <charconv>

#include "h2s/feeds/timestamp.hpp"
#include "h2s/model/ascii.hpp"

namespace h2s::feeds {

Status to_status(simdjson::error_code error) noexcept {
  switch (error) {
    case simdjson::SUCCESS: return Status::ok;
    case simdjson::UTF8_ERROR: return Status::invalid_utf8;
    case simdjson::INCORRECT_TYPE: return Status::wrong_type;
    case simdjson::CAPACITY: return Status::oversized;
    case simdjson::DEPTH_ERROR: return Status::malformed_json;
    case simdjson::NUMBER_OUT_OF_RANGE: return Status::wrong_type;
    default: return Status::malformed_json;
  }
}

Status read_text(od::value value, std::string_view& out) noexcept {
  bool is_null = false;
  if (auto error = value.is_null().get(is_null)) return to_status(error);
  if (is_null) {
    out = {};
    return Status::ok;
  }
  return to_status(value.get_string().get(out));
}

Status read_id(od::value value, StoryBuilder& builder, std::string_view& out) noexcept {
  od::json_type type;
  if (auto error = value.type().get(type)) return to_status(error);
  if (type == od::json_type::string) return to_status(value.get_string().get(out));
  if (type != od::json_type::number) return Status::wrong_type;
  std::uint64_t number = 0;
  if (auto error = value.get_uint64().get(number)) return to_status(error);
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, number);
  if (ec != std::errc{}) return Status::wrong_type;
  out = builder.store({digits, static_cast<std::size_t>(end - digits)});
  return out.empty() ? Status::oversized : Status::ok;
}

Status read_time(od::value value, std::int64_t& out_us) noexcept {
  od::json_type type;
  if (auto error = value.type().get(type)) return to_status(error);
  if (type == od::json_type::null) return Status::ok;
  if (type == od::json_type::number) {
    std::int64_t number = 0;
    if (auto error = value.get_int64().get(number)) return to_status(error);
    const auto us = epoch_number_to_us(number);
    if (!us) return Status::bad_timestamp;
    out_us = *us;
    return Status::ok;
  }
  std::string_view text;
  if (auto error = value.get_string().get(text)) return to_status(error);
  if (text.empty()) return Status::ok;
  const auto us = parse_timestamp_us(text);
  if (!us) return Status::bad_timestamp;
  out_us = *us;
  return Status::ok;
}

Status read_html(od::value value, StoryBuilder& builder, std::string_view& out) noexcept {
  std::string_view html;
  if (const Status s = read_text(value, html); s != Status::ok) return s;
  html = builder.cut_text(html);  // before the rewrite, so that too is bounded
  if (html.empty()) {
    out = {};
    return Status::ok;
  }
  // Plain text needs no copy; only markup, entities or typographic punctuation are rewritten.
  if (!needs_text_rewrite(html)) {
    out = html;
    return Status::ok;
  }
  return builder.store_html_as_text(html, out) ? Status::ok : Status::oversized;
}

Status read_tickers(od::value value, StoryBuilder& builder) noexcept {
  od::json_type type;
  if (auto error = value.type().get(type)) return to_status(error);
  if (type == od::json_type::null) return Status::ok;
  if (type == od::json_type::string) {
    std::string_view list;
    if (auto error = value.get_string().get(list)) return to_status(error);
    builder.add_ticker_list(list);
    return Status::ok;
  }
  od::array array;
  if (auto error = value.get_array().get(array)) return to_status(error);
  for (auto element_result : array) {
    od::value element;
    if (auto error = std::move(element_result).get(element)) return to_status(error);
    if (auto error = element.type().get(type)) return to_status(error);
    if (type == od::json_type::string) {
      std::string_view symbol;
      if (auto error = element.get_string().get(symbol)) return to_status(error);
      builder.add_ticker(symbol);
    } else if (type == od::json_type::object) {
      // Benzinga "securities": [{"symbol":"AMZN","exchange":"NASDAQ","primary":true}], "stocks": [{"name":"AMZN"}]
      od::object security;
      if (auto error = element.get_object().get(security)) return to_status(error);
      std::string_view symbol;
      bool primary = false;
      const Status s = for_each_field(security, [&](std::string_view key, od::value field) {
        if (key == "symbol" || (key == "name" && symbol.empty())) return read_text(field, symbol);
        if (key == "primary") return read_flag(field, primary);
        return Status::ok;
      });
      if (s != Status::ok) return s;
      const int index = builder.add_ticker(symbol);
      if (primary && index >= 0) builder.story().primary_tickers |= static_cast<std::uint16_t>(1u << index);
    } else {
      return Status::wrong_type;
    }
  }
  return Status::ok;
}

Status read_flag(od::value value, bool& out) noexcept {
  od::json_type type;
  if (auto error = value.type().get(type)) return to_status(error);
  if (type == od::json_type::null) return Status::ok;
  return to_status(value.get_bool().get(out));
}

Status read_name_of(od::value value, std::string_view& out) noexcept {
  od::json_type type;
  if (auto error = value.type().get(type)) return to_status(error);
  if (type == od::json_type::null) return Status::ok;
  if (type == od::json_type::string) return to_status(value.get_string().get(out));
  od::object object;
  if (auto error = value.get_object().get(object)) return to_status(error);
  return for_each_field(object, [&](std::string_view key, od::value field) {
    return key == "name" ? read_text(field, out) : Status::ok;
  });
}

Status read_names(od::value value, StoryBuilder& builder, void (StoryBuilder::*add_name)(std::string_view)) noexcept {
  return for_each_element(value, [&](od::value element) {
    std::string_view name;
    const Status s = read_name_of(element, name);
    if (s == Status::ok) (builder.*add_name)(name);
    return s;
  });
}

Status read_insights(od::value value, StoryBuilder& builder) noexcept {
  return for_each_element(value, [&](od::value element) {
    od::object insight;
    if (auto error = element.get_object().get(insight)) return to_status(error);
    std::string_view ticker, sentiment;
    const Status s = for_each_field(insight, [&](std::string_view key, od::value field) {
      if (key == "ticker") return read_text(field, ticker);
      if (key == "sentiment") return read_text(field, sentiment);
      return Status::ok;
    });
    if (s != Status::ok) return s;
    VendorSentiment reading = VendorSentiment::none;
    if (equals_ci(sentiment, "positive")) reading = VendorSentiment::positive;
    else if (equals_ci(sentiment, "neutral")) reading = VendorSentiment::neutral;
    else if (equals_ci(sentiment, "negative")) reading = VendorSentiment::negative;
    const int index = reading == VendorSentiment::none ? -1 : builder.add_ticker(ticker);
    if (index >= 0) builder.story().vendor_sentiment[static_cast<std::size_t>(index)] = reading;
    return Status::ok;
  });
}

Status read_uint(od::value value, std::uint64_t& out) noexcept {
  od::json_type type;
  if (auto error = value.type().get(type)) return to_status(error);
  if (type == od::json_type::null) return Status::ok;
  if (type == od::json_type::number) return to_status(value.get_uint64().get(out));
  std::string_view text;
  if (auto error = value.get_string().get(text)) return to_status(error);
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size() ? Status::ok : Status::wrong_type;
}

}  // namespace h2s::feeds

#include "h2s/model/clock.hpp"
#include "h2s/model/signal.hpp"

namespace h2s::feeds {

Status validate_story(Story& story) noexcept {
  if (story.id.empty()) return Status::missing_field;
  // At or before the epoch is no news time: a zone offset or a unit that went wrong.
  if ((story.ts_source_us != kNoTime && story.ts_source_us <= 0) ||
      (story.ts_updated_us != kNoTime && story.ts_updated_us <= 0)) {
    return Status::bad_timestamp;
  }
  // A time more than a day ahead of this machine's clock is a vendor error; trusting it would
  // freeze a replay clock (which never runs backwards) at that date.
  const std::int64_t latest = wall_clock_us() + kMaxFutureUs;
  if ((story.ts_source_us != kNoTime && story.ts_source_us > latest) ||
      (story.ts_updated_us != kNoTime && story.ts_updated_us > latest)) {
    return Status::bad_timestamp;
  }
  if (story.id.size() > kMaxStoryIdBytes) return Status::field_too_long;
  if (story.ts_source_us == kNoTime) story.ts_source_us = story.ts_updated_us;
  if (story.ts_source_us == kNoTime) return Status::missing_field;
  if (story.action != StoryAction::deleted && story.headline.empty()) return Status::missing_field;
  if (story.action == StoryAction::created && story.ts_updated_us != kNoTime &&
      story.ts_updated_us > story.ts_source_us) {
    story.action = StoryAction::updated;
  }
  if (story.revision == 0 && story.action == StoryAction::updated && story.ts_updated_us != kNoTime) {
    story.revision = static_cast<std::uint64_t>(story.ts_updated_us);
  }
  return Status::ok;
}

}  // namespace h2s::feeds
