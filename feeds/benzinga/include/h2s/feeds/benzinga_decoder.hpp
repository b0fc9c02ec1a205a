#pragma once
// Benzinga: the WebSocket envelope {"api_version":..,"kind":"News/v1" or "news","data":{"action":..,
// "id":<event>,"content":{"id":<article>,..}}} and the items of a REST /api/v2/news array.
#include "h2s/feeds/json_fields.hpp"

namespace h2s::feeds {

// Actions created/updated/removed (or deleted), in any case, map to StoryAction; another action is
// wrong_type; other kinds on the socket are control messages (vendor_status).
[[nodiscard]] Status decode_benzinga(od::object envelope, StoryBuilder& builder) noexcept;
// One item of a REST page: {"id","title","teaser","body","created","updated","stocks","channels","tags",..}.
[[nodiscard]] Status decode_benzinga_rest(od::object item, StoryBuilder& builder) noexcept;

}  // namespace h2s::feeds
