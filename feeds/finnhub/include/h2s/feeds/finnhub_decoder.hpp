#pragma once
// Finnhub news objects: {"category":..,"datetime":<epoch s>,"headline":..,"id":..,"related":"AAPL,MSFT",...}.
#include "h2s/feeds/json_fields.hpp"

namespace h2s::feeds {

[[nodiscard]] Status decode_finnhub(od::object item, StoryBuilder& builder) noexcept;

}  // namespace h2s::feeds
