#pragma once
// Status codes returned by hot-path functions (simdjson's shape: [[nodiscard]] codes, no exceptions).
#include <cstdint>
#include <string_view>

namespace h2s {

enum class Status : std::uint8_t {
  ok = 0,
  // Rejection reasons for an ingested message; every one is counted and reported.
  malformed_json,
  invalid_utf8,
  oversized,
  unknown_format,
  missing_field,
  wrong_type,
  bad_timestamp,
  field_too_long,
  trailing_content,
  queue_full,  // dropped between the feed thread and the pipeline thread (overflow = "drop")
  // Not rejections: outcomes that still account for a message.
  control_message,
  kCount
};

inline constexpr std::size_t kStatusCount = static_cast<std::size_t>(Status::kCount);

[[nodiscard]] constexpr std::string_view to_string(Status s) noexcept {
  switch (s) {
    case Status::ok: return "ok";
    case Status::malformed_json: return "malformed_json";
    case Status::invalid_utf8: return "invalid_utf8";
    case Status::oversized: return "oversized";
    case Status::unknown_format: return "unknown_format";
    case Status::missing_field: return "missing_field";
    case Status::wrong_type: return "wrong_type";
    case Status::bad_timestamp: return "bad_timestamp";
    case Status::field_too_long: return "field_too_long";
    case Status::trailing_content: return "trailing_content";
    case Status::queue_full: return "queue_full";
    case Status::control_message: return "control_message";
    case Status::kCount: break;
  }
  return "unknown";
}

}  // namespace h2s
