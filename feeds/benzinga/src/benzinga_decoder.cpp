#include "h2s/feeds/benzinga_decoder.hpp"

#include "h2s/model/ascii.hpp"

namespace h2s::feeds {
namespace {

Status decode_content(od::value value, StoryBuilder& builder, Story& story) noexcept {
  od::object content;
  if (auto error = value.get_object().get(content)) return to_status(error);
  std::string_view teaser;
  const Status s = for_each_field(content, [&](std::string_view key, od::value field) {
    if (key == "id") return read_id(field, builder, story.id);  // the article: Benzinga's data.id names the event
    if (key == "revision_id") return read_uint(field, story.revision);
    if (key == "title") return read_html(field, builder, story.headline);
    if (key == "teaser") return read_html(field, builder, teaser);
    if (key == "body") return read_html(field, builder, story.body);
    if (key == "securities") return read_tickers(field, builder);
    if (key == "created_at") return read_time(field, story.ts_source_us);
    if (key == "updated_at") return read_time(field, story.ts_updated_us);
    return Status::ok;
  });
  story.summary = teaser;
  return s;
}

}  // namespace

Status decode_benzinga(od::object envelope, StoryBuilder& builder) noexcept {
  Story& story = builder.begin(Vendor::benzinga);
  std::string_view kind;
  bool has_data = false;
  const Status s = for_each_field(envelope, [&](std::string_view key, od::value value) {
    if (key == "kind") return read_text(value, kind);
    if (key != "data") return Status::ok;
    has_data = true;
    od::object data;
    if (auto error = value.get_object().get(data)) return to_status(error);
    std::string_view action, event_id;
    const Status inner = for_each_field(data, [&](std::string_view data_key, od::value field) {
      if (data_key == "id") return read_id(field, builder, event_id);
      if (data_key == "action") return read_text(field, action);
      if (data_key == "content") return decode_content(field, builder, story);
      return Status::ok;
    });
    if (inner != Status::ok) return inner;
    if (story.id.empty()) story.id = event_id;  // a message without content.id: the event is all there is
    if (equals_ci(action, "updated")) story.action = StoryAction::updated;
    if (equals_ci(action, "removed") || equals_ci(action, "deleted")) story.action = StoryAction::deleted;
    return Status::ok;
  });
  if (s != Status::ok) return s;
  if (!kind.empty() && !kind.starts_with("News")) return Status::control_message;
  if (!has_data) return Status::missing_field;
  return validate_story(story);
}

}  // namespace h2s::feeds
