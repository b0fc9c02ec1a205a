#include "h2s/baselines/nlohmann_decoder.hpp"

#include <nlohmann/json.hpp>

#include "h2s/feeds/json_fields.hpp"
#include "h2s/feeds/newsapi_decoder.hpp"
#include "h2s/feeds/story_builder.hpp"
#include "h2s/feeds/timestamp.hpp"

namespace h2s::baselines {
namespace {

using json = nlohmann::json;
using feeds::StoryBuilder;

Status text(const json& v, std::string_view& out) {
  if (v.is_null()) return out = {}, Status::ok;
  if (!v.is_string()) return Status::wrong_type;
  out = v.get_ref<const std::string&>();
  return Status::ok;
}

Status html(const json& v, StoryBuilder& builder, std::string_view& out) {
  std::string_view raw;
  if (const Status s = text(v, raw); s != Status::ok) return s;
  if (raw.find_first_of("<&") == std::string_view::npos) return out = raw, Status::ok;
  return builder.store_html_as_text(raw, out) ? Status::ok : Status::oversized;
}

Status id(const json& v, StoryBuilder& builder, std::string_view& out) {
  if (v.is_string()) return out = v.get_ref<const std::string&>(), Status::ok;
  if (!v.is_number_unsigned()) return Status::wrong_type;
  out = builder.store(std::to_string(v.get<std::uint64_t>()));
  return out.empty() ? Status::oversized : Status::ok;
}

Status time(const json& v, std::int64_t& out_us) {
  if (v.is_null()) return Status::ok;
  std::optional<std::int64_t> us;
  if (v.is_number_integer()) {
    us = feeds::epoch_number_to_us(v.get<std::int64_t>());
  } else if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.empty()) return Status::ok;
    us = feeds::parse_timestamp_us(s);
  } else {
    return Status::wrong_type;
  }
  if (!us) return Status::bad_timestamp;
  out_us = *us;
  return Status::ok;
}

Status tickers(const json& v, StoryBuilder& builder) {
  if (v.is_null()) return Status::ok;
  if (v.is_string()) return builder.add_ticker_list(v.get_ref<const std::string&>()), Status::ok;
  if (!v.is_array()) return Status::wrong_type;
  for (const json& e : v) {
    if (e.is_string()) {
      builder.add_ticker(e.get_ref<const std::string&>());
    } else if (e.is_object()) {
      if (const auto it = e.find("symbol"); it != e.end() && it->is_string()) builder.add_ticker(it->get_ref<const std::string&>());
    } else {
      return Status::wrong_type;
    }
  }
  return Status::ok;
}

Status revision(const json& v, std::uint64_t& out) {
  if (v.is_null()) return Status::ok;
  if (!v.is_number_unsigned()) return Status::wrong_type;
  out = v.get<std::uint64_t>();
  return Status::ok;
}

// Reads each present field with its reader; the first failure wins.
template <class OnField>
Status fields(const json& object, OnField&& on_field) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (const Status s = on_field(it.key(), it.value()); s != Status::ok) return s;
  }
  return Status::ok;
}

}  // namespace

struct NlohmannDecoder::Impl {
  StoryBuilder builder{1 << 20};
  json doc;
  std::int64_t recv_us = kNoTime;
  feeds::DecodeSink* sink = nullptr;

  void emit(Status status) {
    if (status == Status::ok) {
      Story& story = builder.story();
      story.ts_recv_us = recv_us != kNoTime                            ? recv_us
                         : story.ts_updated_us > story.ts_source_us ? story.ts_updated_us
                                                                      : story.ts_source_us;
      sink->on_story(story);
    } else if (status == Status::control_message) {
      sink->on_control(builder.control_reason());
    } else {
      sink->on_rejected(status);
    }
  }

  Status alpaca(const json& item) {
    Story& story = builder.begin(Vendor::alpaca);
    std::string_view type;
    const Status s = fields(item, [&](const std::string& key, const json& v) {
      if (key == "T") return text(v, type);
      if (key == "id") return id(v, builder, story.id);
      if (key == "headline") return text(v, story.headline);
      if (key == "summary") return html(v, builder, story.summary);
      if (key == "content") return html(v, builder, story.body);
      if (key == "symbols") return tickers(v, builder);
      if (key == "created_at") return time(v, story.ts_source_us);
      if (key == "updated_at") return time(v, story.ts_updated_us);
      return Status::ok;
    });
    if (s != Status::ok) return s;
    if (type != "n") return type.empty() ? Status::missing_field : Status::control_message;
    return feeds::validate_story(story);
  }

  Status benzinga(const json& envelope) {
    Story& story = builder.begin(Vendor::benzinga);
    std::string_view kind, action, teaser;
    const auto data = envelope.find("data");
    if (const auto k = envelope.find("kind"); k != envelope.end()) {
      if (const Status s = text(*k, kind); s != Status::ok) return s;
    }
    if (!kind.empty() && !kind.starts_with("News")) return Status::control_message;
    if (data == envelope.end()) return Status::missing_field;
    if (!data->is_object()) return Status::wrong_type;
    Status s = fields(*data, [&](const std::string& key, const json& v) {
      if (key == "id") return id(v, builder, story.id);
      if (key == "action") return text(v, action);
      if (key != "content") return Status::ok;
      if (!v.is_object()) return Status::wrong_type;
      return fields(v, [&](const std::string& ckey, const json& c) {
        if (ckey == "id") return story.id.empty() ? id(c, builder, story.id) : Status::ok;
        if (ckey == "revision_id") return revision(c, story.revision);
        if (ckey == "title") return text(c, story.headline);
        if (ckey == "teaser") return html(c, builder, teaser);
        if (ckey == "body") return html(c, builder, story.body);
        if (ckey == "securities") return tickers(c, builder);
        if (ckey == "created_at") return time(c, story.ts_source_us);
        if (ckey == "updated_at") return time(c, story.ts_updated_us);
        return Status::ok;
      });
    });
    if (s != Status::ok) return s;
    story.summary = teaser;
    if (action == "Updated" || action == "updated") story.action = StoryAction::updated;
    if (action == "Removed" || action == "Deleted" || action == "removed" || action == "deleted") {
      story.action = StoryAction::deleted;
    }
    return feeds::validate_story(story);
  }

  Status finnhub(const json& item) {
    Story& story = builder.begin(Vendor::finnhub);
    const Status s = fields(item, [&](const std::string& key, const json& v) {
      if (key == "id") return id(v, builder, story.id);
      if (key == "headline") return text(v, story.headline);
      if (key == "summary") return html(v, builder, story.summary);
      if (key == "related") return tickers(v, builder);
      if (key == "datetime") return time(v, story.ts_source_us);
      return Status::ok;
    });
    return s != Status::ok ? s : feeds::validate_story(story);
  }

  Status polygon(const json& item) {
    Story& story = builder.begin(Vendor::polygon);
    const Status s = fields(item, [&](const std::string& key, const json& v) {
      if (key == "id") return id(v, builder, story.id);
      if (key == "title") return text(v, story.headline);
      if (key == "description") return html(v, builder, story.summary);
      if (key == "tickers") return tickers(v, builder);
      if (key == "published_utc") return time(v, story.ts_source_us);
      return Status::ok;
    });
    return s != Status::ok ? s : feeds::validate_story(story);
  }

  Status newsapi(const json& item) {
    Story& story = builder.begin(Vendor::newsapi);
    std::string_view url;
    const Status s = fields(item, [&](const std::string& key, const json& v) {
      if (key == "title") return text(v, story.headline);
      if (key == "description") return html(v, builder, story.summary);
      if (key == "content") return html(v, builder, story.body);
      if (key == "url") return text(v, url);
      if (key == "publishedAt") return time(v, story.ts_source_us);
      return Status::ok;
    });
    if (s != Status::ok) return s;
    if (url.empty()) return Status::missing_field;
    const std::array<char, feeds::kNewsapiIdBytes> rendered = feeds::newsapi_id_for_url(url);
    story.id = builder.store({rendered.data(), rendered.size()});
    return feeds::validate_story(story);
  }

  Status generic(const json& item) {
    Story& story = builder.begin(Vendor::generic);
    std::string_view action;
    const Status s = fields(item, [&](const std::string& key, const json& v) {
      if (key == "id") return id(v, builder, story.id);
      if (key == "headline") return text(v, story.headline);
      if (key == "summary") return html(v, builder, story.summary);
      if (key == "body") return html(v, builder, story.body);
      if (key == "tickers") return tickers(v, builder);
      if (key == "published_at") return time(v, story.ts_source_us);
      if (key == "updated_at") return time(v, story.ts_updated_us);
      if (key == "revision") return revision(v, story.revision);
      if (key == "action") return text(v, action);
      return Status::ok;
    });
    if (s != Status::ok) return s;
    if (action == "updated") story.action = StoryAction::updated;
    else if (action == "deleted") story.action = StoryAction::deleted;
    else if (!action.empty() && action != "created") return Status::wrong_type;
    return feeds::validate_story(story);
  }

  // One message: a vendor object, by the field names that identify its format (docs/formats.md).
  void object(const json& o) {
    if (!o.is_object()) return emit(Status::unknown_format);
    if (o.contains("T")) return emit(alpaca(o));
    if (o.contains("data") && (o.contains("kind") || o.contains("api_version"))) return emit(benzinga(o));
    if (o.contains("results") || o.contains("articles")) {
      const bool polygon_page = o.contains("results");
      const json& list = polygon_page ? o["results"] : o["articles"];
      if (!list.is_array()) return emit(Status::wrong_type);
      if (list.empty()) return emit(Status::missing_field);
      for (const json& item : list) emit(!item.is_object() ? Status::wrong_type : polygon_page ? polygon(item) : newsapi(item));
      return;
    }
    if (o.contains("published_utc")) return emit(polygon(o));
    if (o.contains("publishedAt")) return emit(newsapi(o));
    if (o.contains("datetime") && o.contains("headline")) return emit(finnhub(o));
    if (o.contains("headline") || (o.contains("id") && o.contains("published_at"))) return emit(generic(o));
    emit(Status::unknown_format);
  }

  void value(const json& v) {
    if (v.is_array()) {
      if (v.empty()) return emit(Status::missing_field);
      for (const json& item : v) object(item);
    } else if (v.is_object() && v.contains("h2s_recv_us") && v.contains("msg")) {
      if (v["h2s_recv_us"].is_number_integer()) recv_us = v["h2s_recv_us"].get<std::int64_t>();
      value(v["msg"]);
    } else {
      object(v);
    }
  }
};

NlohmannDecoder::NlohmannDecoder() : impl_(std::make_unique<Impl>()) {}
NlohmannDecoder::~NlohmannDecoder() = default;

void NlohmannDecoder::decode(std::string_view line, std::int64_t recv_us, feeds::DecodeSink& sink) {
  Impl& d = *impl_;
  d.sink = &sink;
  d.recv_us = recv_us;
  d.doc = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (d.doc.is_discarded()) return d.emit(Status::malformed_json);
  d.value(d.doc);
}

}  // namespace h2s::baselines
