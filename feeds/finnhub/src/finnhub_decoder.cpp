#include "h2s/feeds/finnhub_decoder.hpp"

namespace h2s::feeds {

Status decode_finnhub(od::object item, StoryBuilder& builder) noexcept {
  Story& story = builder.begin(Vendor::finnhub);
  const Status s = for_each_field(item, [&](std::string_view key, od::value value) {
    if (key == "id") return read_id(value, builder, story.id);
    if (key == "headline") return read_html(value, builder, story.headline);
    if (key == "summary") return read_html(value, builder, story.summary);
    if (key == "related") return read_tickers(value, builder);
    if (key == "source") return read_text(value, story.source);
    if (key == "category") return read_text(value, story.category);
    if (key == "datetime") return read_time(value, story.ts_source_us);
    return Status::ok;
  });
  return s == Status::ok ? validate_story(story) : s;
}

}  // namespace h2s::feeds
