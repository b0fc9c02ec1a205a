#pragma once
// Benzinga WebSocket envelope: {"api_version":..,"kind":"News/v1","data":{"action":..,"content":{..}}}.
#include "h2s/feeds/json_fields.hpp"

namespace h2s::feeds {

// Actions Created/Updated/Removed (or Deleted) map to StoryAction; other kinds are control_message.
[[nodiscard]] Status decode_benzinga(od::object envelope, StoryBuilder& builder) noexcept;

}  // namespace h2s::feeds
