#pragma once
// Alpaca news stream items: {"T":"n","id":..,"headline":..,"summary":..,"content":..,"symbols":[..],...}.
#include "h2s/feeds/json_fields.hpp"

namespace h2s::feeds {

// Decodes one array element. Non-news items ("success", "subscription", "error") are control_message.
[[nodiscard]] Status decode_alpaca(od::object item, StoryBuilder& builder) noexcept;

}  // namespace h2s::feeds
