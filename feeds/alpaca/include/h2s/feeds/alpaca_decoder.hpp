#pragma once
// Alpaca news: stream items {"T":"n","id":..,"headline":..,"summary":..,"content":..,"symbols":[..],..}
// and REST /v1beta1/news items (the same fields without "T"), bare or in a {"news":[..]} page.
#include "h2s/feeds/json_fields.hpp"

namespace h2s::feeds {

enum class AlpacaForm : std::uint8_t { stream, rest };

// A stream item of type "n" is news; "success" and "subscription" are control (vendor_status),
// "error" is control (vendor_error); any other type is wrong_type.
[[nodiscard]] Status decode_alpaca(od::object item, AlpacaForm form, StoryBuilder& builder) noexcept;

}  // namespace h2s::feeds
