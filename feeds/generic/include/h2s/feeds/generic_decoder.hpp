#pragma once
// The generic object: {"id","headline","body","summary","tickers","source","published_at","updated_at",
// "revision","action":"created|updated|deleted"}; only id, headline and published_at are required.
#include "h2s/feeds/json_fields.hpp"

namespace h2s::feeds {

[[nodiscard]] Status decode_generic(od::object item, StoryBuilder& builder) noexcept;

}  // namespace h2s::feeds
