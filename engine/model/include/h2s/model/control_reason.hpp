#pragma once
// Why a message that is not news was still a valid vendor message (counted, never rejected).
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace h2s {

enum class ControlReason : std::uint8_t {
  vendor_status,  // log-in, subscription and other non-news stream messages
  vendor_error,   // a vendor's error body or error message ({"status":"error"}, {"ok":false}, T "error")
  empty_page,     // a REST page with no items ({}, [], totalResults 0, results [])
  kCount
};

inline constexpr std::size_t kControlReasonCount = static_cast<std::size_t>(ControlReason::kCount);

[[nodiscard]] constexpr std::string_view to_string(ControlReason r) noexcept {
  switch (r) {
    case ControlReason::vendor_status: return "vendor_status";
    case ControlReason::vendor_error: return "vendor_error";
    case ControlReason::empty_page: return "empty_page";
    case ControlReason::kCount: break;
  }
  return "unknown";
}

}  // namespace h2s
