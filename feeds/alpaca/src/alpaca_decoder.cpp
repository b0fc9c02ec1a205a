#include "h2s/feeds/alpaca_decoder.hpp"

namespace h2s::feeds {

Status decode_alpaca(od::object item, AlpacaForm form, StoryBuilder& builder) noexcept {
  Story& story = builder.begin(Vendor::alpaca);
  std::string_view type;
  const Status s = for_each_field(item, [&](std::string_view key, od::value value) {
    if (key == "T") return read_text(value, type);
    if (key == "id") return read_id(value, builder, story.id);
    if (key == "headline") return read_html(value, builder, story.headline);
    if (key == "summary") return read_html(value, builder, story.summary);
    if (key == "content") return read_html(value, builder, story.body);
    if (key == "symbols") return read_tickers(value, builder);
    if (key == "source") return read_text(value, story.source);
    if (key == "author") return read_text(value, story.author);
    if (key == "created_at") return read_time(value, story.ts_source_us);
    if (key == "updated_at") return read_time(value, story.ts_updated_us);
    return Status::ok;
  });
  if (s != Status::ok) return s;
  if (form == AlpacaForm::stream) {
    if (type.empty()) return Status::missing_field;
    if (type == "success" || type == "subscription") return builder.control(ControlReason::vendor_status);
    if (type == "error") return builder.control(ControlReason::vendor_error);
    if (type != "n") return Status::wrong_type;
  }
  return validate_story(story);
}

}  // namespace h2s::feeds
