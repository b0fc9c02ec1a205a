#pragma once
// Polygon.io news results: {"id":..,"title":..,"description":..,"tickers":[..],"published_utc":..,...}.
#include "h2s/feeds/json_fields.hpp"

namespace h2s::feeds {

// One element of a response's "results" array (or a bare result object).
[[nodiscard]] Status decode_polygon(od::object item, StoryBuilder& builder) noexcept;

}  // namespace h2s::feeds
