#include "h2s/feeds/generic_decoder.hpp"

namespace h2s::feeds {

Status decode_generic(od::object item, StoryBuilder& builder) noexcept {
  Story& story = builder.begin(Vendor::generic);
  std::string_view action;
  const Status s = for_each_field(item, [&](std::string_view key, od::value value) {
    if (key == "id") return read_id(value, builder, story.id);
    if (key == "headline") return read_html(value, builder, story.headline);
    if (key == "summary") return read_html(value, builder, story.summary);
    if (key == "body") return read_html(value, builder, story.body);
    if (key == "tickers") return read_tickers(value, builder);
    if (key == "published_at") return read_time(value, story.ts_source_us);
    if (key == "updated_at") return read_time(value, story.ts_updated_us);
    if (key == "revision") return read_uint(value, story.revision);
    if (key == "action") return read_text(value, action);
    return Status::ok;
  });
  if (s != Status::ok) return s;
  if (action == "updated") story.action = StoryAction::updated;
  else if (action == "deleted") story.action = StoryAction::deleted;
  else if (!action.empty() && action != "created") return Status::wrong_type;
  return validate_story(story);
}

}  // namespace h2s::feeds
