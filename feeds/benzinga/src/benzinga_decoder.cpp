#include "h2s/feeds/benzinga_decoder.hpp"

#include "h2s/model/ascii.hpp"

namespace h2s::feeds {
namespace {

// The article's fields, named alike in the stream's `content` and a REST item: both time spellings
// (created_at in older captures, created today) and both ticker lists (securities, stocks).
Status read_article(od::object article, StoryBuilder& builder) noexcept {
  Story& story = builder.story();
  std::string_view teaser;
  const Status s = for_each_field(article, [&](std::string_view key, od::value field) {
    if (key == "id") return read_id(field, builder, story.id);
    if (key == "revision_id") return read_uint(field, story.revision);
    if (key == "title") return read_html(field, builder, story.headline);
    if (key == "teaser") return read_html(field, builder, teaser);
    if (key == "body") return read_html(field, builder, story.body);
    if (key == "securities" || key == "stocks") return read_tickers(field, builder);
    if (key == "channels") return read_names(field, builder, &StoryBuilder::add_channel);
    if (key == "tags") return read_names(field, builder, &StoryBuilder::add_tag);
    if (key == "author") return read_text(field, story.author);
    if (key == "authors") {  // a list of names or {"name":..}; the first is the story's author
      return for_each_element(field, [&](od::value name) { return story.author.empty() ? read_name_of(name, story.author) : Status::ok; });
    }
    if (key == "created_at" || key == "created") return read_time(field, story.ts_source_us);
    if (key == "updated_at" || key == "updated") return read_time(field, story.ts_updated_us);
    return Status::ok;
  });
  story.summary = teaser;
  return s;
}

}  // namespace

Status decode_benzinga(od::object envelope, StoryBuilder& builder) noexcept {
  Story& story = builder.begin(Vendor::benzinga);
  std::string_view kind, action, event_id;
  bool has_data = false;
  const Status s = for_each_field(envelope, [&](std::string_view key, od::value value) {
    if (key == "kind") return read_text(value, kind);
    if (key != "data") return Status::ok;
    has_data = true;
    od::object data;
    if (auto error = value.get_object().get(data)) return to_status(error);
    return for_each_field(data, [&](std::string_view data_key, od::value field) {
      if (data_key == "id") return read_id(field, builder, event_id);  // the event: each update has its own
      if (data_key == "action") return read_text(field, action);
      if (data_key != "content") return Status::ok;
      od::object content;
      if (auto error = field.get_object().get(content)) return to_status(error);
      return read_article(content, builder);
    });
  });
  if (s != Status::ok) return s;
  if (!kind.empty() && !starts_with_ci(kind, "news")) return builder.control(ControlReason::vendor_status);
  if (!has_data) return Status::missing_field;
  if (story.id.empty()) story.id = event_id;  // a message without content.id: the event is all there is
  if (equals_ci(action, "updated")) {
    story.action = StoryAction::updated;
  } else if (equals_ci(action, "removed") || equals_ci(action, "deleted")) {
    story.action = StoryAction::deleted;
  } else if (!action.empty() && !equals_ci(action, "created")) {
    return Status::wrong_type;
  }
  return validate_story(story);
}

Status decode_benzinga_rest(od::object item, StoryBuilder& builder) noexcept {
  Story& story = builder.begin(Vendor::benzinga);
  const Status s = read_article(item, builder);
  return s == Status::ok ? validate_story(story) : s;
}

}  // namespace h2s::feeds
