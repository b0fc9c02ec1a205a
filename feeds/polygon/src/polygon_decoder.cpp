#include "h2s/feeds/polygon_decoder.hpp"

namespace h2s::feeds {

Status decode_polygon(od::object item, StoryBuilder& builder) noexcept {
  Story& story = builder.begin(Vendor::polygon);
  const Status s = for_each_field(item, [&](std::string_view key, od::value value) {
    if (key == "id") return read_id(value, builder, story.id);
    if (key == "title") return read_html(value, builder, story.headline);
    if (key == "description") return read_html(value, builder, story.summary);
    if (key == "tickers") return read_tickers(value, builder);
    if (key == "publisher") return read_name_of(value, story.source);
    if (key == "author") return read_text(value, story.author);
    if (key == "insights") return read_insights(value, builder);
    if (key == "published_utc") return read_time(value, story.ts_source_us);
    return Status::ok;
  });
  return s == Status::ok ? validate_story(story) : s;
}

}  // namespace h2s::feeds
