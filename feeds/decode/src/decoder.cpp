#include "h2s/feeds/decoder.hpp"

#include <simdjson.h>

#include <string>

#include "h2s/feeds/alpaca_decoder.hpp"
#include "h2s/feeds/benzinga_decoder.hpp"
#include "h2s/feeds/finnhub_decoder.hpp"
#include "h2s/feeds/generic_decoder.hpp"
#include "h2s/feeds/json_fields.hpp"
#include "h2s/feeds/newsapi_decoder.hpp"
#include "h2s/feeds/polygon_decoder.hpp"
#include "h2s/model/ascii.hpp"
#include "h2s/model/clock.hpp"

static_assert(h2s::feeds::kLinePadding >= simdjson::SIMDJSON_PADDING);

namespace h2s::feeds {
namespace {

enum class Format {
  unknown, alpaca, alpaca_rest, benzinga, benzinga_rest, finnhub, polygon, newsapi, generic,
  polygon_page, newsapi_page, alpaca_page, record, vendor_reply
};

[[nodiscard]] constexpr bool is_container(Format f) noexcept {
  return f == Format::polygon_page || f == Format::newsapi_page || f == Format::alpaca_page || f == Format::record;
}

// Field names that identify a format; a bit each. kOther marks any name not listed.
enum KeyBit : unsigned {
  kT = 1u << 0, kData = 1u << 1, kKind = 1u << 2, kApiVersion = 1u << 3, kResults = 1u << 4,
  kArticles = 1u << 5, kPublishedUtc = 1u << 6, kPublishedAt = 1u << 7, kDatetime = 1u << 8,
  kHeadline = 1u << 9, kPublishedAtSnake = 1u << 10, kRecvUs = 1u << 11, kMsg = 1u << 12, kId = 1u << 13,
  kNews = 1u << 14, kSymbols = 1u << 15, kCreatedAt = 1u << 16, kCreated = 1u << 17, kTitle = 1u << 18,
  kTeaser = 1u << 19, kStocks = 1u << 20,
  // The fields of vendor replies that carry no items: status and error bodies, page bookkeeping.
  kStatus = 1u << 21, kError = 1u << 22, kOk = 1u << 23, kCode = 1u << 24, kMessage = 1u << 25,
  kTotalResults = 1u << 26, kCount = 1u << 27, kRequestId = 1u << 28, kNextPage = 1u << 29,
  kOther = 1u << 31,
};
constexpr unsigned kReplyKeys = kStatus | kError | kOk | kCode | kMessage | kTotalResults | kCount | kRequestId | kNextPage;

unsigned key_bit(std::string_view key) noexcept {
  if (key == "T") return kT;
  if (key == "data") return kData;
  if (key == "kind") return kKind;
  if (key == "api_version") return kApiVersion;
  if (key == "results") return kResults;
  if (key == "articles") return kArticles;
  if (key == "published_utc") return kPublishedUtc;
  if (key == "publishedAt") return kPublishedAt;
  if (key == "datetime") return kDatetime;
  if (key == "headline") return kHeadline;
  if (key == "published_at") return kPublishedAtSnake;
  if (key == "h2s_recv_us") return kRecvUs;
  if (key == "msg") return kMsg;
  if (key == "id") return kId;
  if (key == "news") return kNews;
  if (key == "symbols") return kSymbols;
  if (key == "created_at") return kCreatedAt;
  if (key == "created") return kCreated;
  if (key == "title") return kTitle;
  if (key == "teaser") return kTeaser;
  if (key == "stocks") return kStocks;
  if (key == "status") return kStatus;
  if (key == "error" || key == "errors") return kError;
  if (key == "ok") return kOk;
  if (key == "code") return kCode;
  if (key == "message") return kMessage;
  if (key == "totalResults") return kTotalResults;
  if (key == "count") return kCount;
  if (key == "request_id") return kRequestId;
  if (key == "next_page_token" || key == "next_url") return kNextPage;
  return kOther;
}

Format classify(unsigned keys, bool top_level) noexcept {
  if (keys & kT) return Format::alpaca;
  if ((keys & kData) && (keys & (kKind | kApiVersion))) return Format::benzinga;
  if (top_level && (keys & kRecvUs) && (keys & kMsg)) return Format::record;
  if (top_level && (keys & kResults)) return Format::polygon_page;
  if (top_level && (keys & kArticles)) return Format::newsapi_page;
  if (top_level && (keys & kNews)) return Format::alpaca_page;
  if (keys & kPublishedUtc) return Format::polygon;
  if (keys & kPublishedAt) return Format::newsapi;
  if ((keys & kDatetime) && (keys & kHeadline)) return Format::finnhub;
  if ((keys & kHeadline) && (keys & kSymbols) && (keys & kCreatedAt)) return Format::alpaca_rest;
  if ((keys & kCreated) && (keys & (kTitle | kTeaser | kStocks))) return Format::benzinga_rest;
  if ((keys & kHeadline) && (keys & (kPublishedAtSnake | kId))) return Format::generic;
  if ((keys & kId) && (keys & kPublishedAtSnake)) return Format::generic;  // e.g. a delete, no headline
  if (top_level && (keys & ~kReplyKeys) == 0) return Format::vendor_reply;  // {} included
  return Format::unknown;
}

// A reply without items: an error body (NewsAPI {"status":"error"}, Polygon "ERROR", Benzinga
// {"ok":false}, Alpaca REST {"code","message"} or {"message"}, Finnhub {"error"}) or an empty last page.
Status decode_reply(od::object object, StoryBuilder& builder) noexcept {
  bool error = false;
  const Status s = for_each_field(object, [&](std::string_view key, od::value value) {
    od::json_type type;
    if (auto e = value.type().get(type)) return to_status(e);
    if (key == "status" && type == od::json_type::string) {
      std::string_view status;
      if (auto e = value.get_string().get(status)) return to_status(e);
      error |= equals_ci(status, "error");
    } else if (key == "ok" && type == od::json_type::boolean) {
      bool ok = true;
      if (auto e = value.get_bool().get(ok)) return to_status(e);
      error |= !ok;
    } else if (key == "error" || key == "errors" || key == "code" || key == "message") {
      error |= type != od::json_type::null;  // a page never carries these; a vendor saying why does
    }
    return Status::ok;
  });
  if (s != Status::ok) return s;
  return builder.control(error ? ControlReason::vendor_error : ControlReason::empty_page);
}

// True when nothing but white space follows the root value.
bool at_end(od::document& doc) noexcept { return doc.current_location().error() == simdjson::OUT_OF_BOUNDS; }

// A scalar at the root is never news: valid JSON is an unknown format, anything else is malformed.
Status validate_scalar_root(od::document& doc, od::json_type type) noexcept {
  simdjson::error_code error = simdjson::SUCCESS;
  switch (type) {
    case od::json_type::number: error = doc.get_number().error(); break;
    case od::json_type::string: error = doc.get_string().error(); break;
    case od::json_type::boolean: error = doc.get_bool().error(); break;
    case od::json_type::null: error = doc.is_null().value_unsafe() ? simdjson::SUCCESS : simdjson::INCORRECT_TYPE; break;
    default: error = simdjson::TAPE_ERROR; break;
  }
  if (error != simdjson::SUCCESS) return error == simdjson::UTF8_ERROR ? Status::invalid_utf8 : Status::malformed_json;
  return at_end(doc) ? Status::unknown_format : Status::trailing_content;
}

// Whether the line's first non-blank byte opens an object or an array.
bool is_container_root(std::string_view line) noexcept {
  for (const char c : line) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return c == '{' || c == '[';
  }
  return false;
}

// Records the first rejection of a line already known to be invalid, to report its most specific reason.
class RejectionProbe final : public DecodeSink {
 public:
  Status reason = Status::ok;
  void on_story(const Story&) noexcept override {}
  void on_control(ControlReason) noexcept override {}
  void on_rejected(Status r) noexcept override {
    if (reason == Status::ok) reason = r;
  }
};

// Validation errors of the whole line, for a line whose read fields were all fine.
Status validation_status(simdjson::error_code error) noexcept {
  switch (error) {
    case simdjson::UTF8_ERROR: return Status::invalid_utf8;
    case simdjson::CAPACITY: return Status::oversized;
    case simdjson::NUMBER_OUT_OF_RANGE: return Status::wrong_type;
    default: return Status::malformed_json;
  }
}

}  // namespace

struct Decoder::Impl {
  DecoderLimits limits;
  od::parser outer;
  od::parser inner;  // re-parses array elements so each can be format-detected on its own
  simdjson::dom::parser validator;  // the whole line, unread fields included: depth, numbers, literals, strings
  StoryBuilder builder;
  std::int64_t recv_us = kNoTime;
  DecodeSink* sink = nullptr;
  const char* buffer_end = nullptr;  // end of the caller's padded buffer, for nested parses

  explicit Impl(const DecoderLimits& l)
      : limits(l), outer(l.max_message_bytes), inner(l.max_message_bytes), builder(l.max_message_bytes) {
    builder.set_max_text_bytes(l.max_text_bytes);
    // Allocate once, up front: the hot path never grows a parser.
    if (outer.allocate(l.max_message_bytes, l.max_depth) || inner.allocate(l.max_message_bytes, l.max_depth) ||
        validator.allocate(l.max_message_bytes, l.max_depth)) {
      throw std::bad_alloc();
    }
    // The validator's document grows to the longest line it has seen: size it now, with one parse
    // of a longest-possible line (a number and white space), so no line allocates later.
    std::string longest(l.max_message_bytes + simdjson::SIMDJSON_PADDING, ' ');
    longest[0] = '0';
    if (validator.parse(longest.data(), l.max_message_bytes, false).error()) throw std::bad_alloc();
  }

  void emit(Status status) noexcept {
    if (status == Status::ok) {
      Story& story = builder.story();
      if (recv_us != kNoTime) {
        story.ts_recv_us = recv_us;
      } else {
        story.ts_recv_us = story.ts_updated_us > story.ts_source_us ? story.ts_updated_us : story.ts_source_us;
      }
      sink->on_story(story);
    } else if (status == Status::control_message) {
      sink->on_control(builder.control_reason());
    } else {
      sink->on_rejected(status);
    }
  }

  Status decode_item(Format format, od::object object) noexcept {
    switch (format) {
      case Format::alpaca: return decode_alpaca(object, AlpacaForm::stream, builder);
      case Format::alpaca_rest: return decode_alpaca(object, AlpacaForm::rest, builder);
      case Format::benzinga: return decode_benzinga(object, builder);
      case Format::benzinga_rest: return decode_benzinga_rest(object, builder);
      case Format::vendor_reply: return decode_reply(object, builder);
      case Format::finnhub: return decode_finnhub(object, builder);
      case Format::polygon: return decode_polygon(object, builder);
      case Format::newsapi: return decode_newsapi(object, builder);
      case Format::generic: return decode_generic(object, builder);
      default: return Status::unknown_format;
    }
  }

  // Collects the identifying keys; at the top level a recording's receive time is read on the way.
  template <class Document>
  Status scan_keys(Document& doc, unsigned& keys, bool top_level) noexcept {
    od::object object;
    if (auto error = doc.get_object().get(object)) return to_status(error);
    return for_each_field(object, [&](std::string_view key, od::value value) {
      const unsigned bit = key_bit(key);
      keys |= bit;
      if (top_level && bit == kRecvUs && recv_us == kNoTime) {  // a live receive time wins
        if (const Status s = read_time(value, recv_us); s != Status::ok) return s;
        // A recorded time outside the vendor window would freeze the replay clock (it never runs back).
        if (recv_us != kNoTime && (recv_us <= 0 || recv_us > wall_clock_us() + kMaxFutureUs)) return Status::bad_timestamp;
      }
      return Status::ok;
    });
  }

  // One array element or envelope payload, re-parsed on the inner parser so its keys can be read twice.
  // A recording's payload may itself be a page of results; an array element may not.
  void decode_nested(od::value value, bool allow_pages) noexcept {
    od::object object;
    if (auto error = value.get_object().get(object)) return emit(to_status(error));
    std::string_view raw;
    if (auto error = object.raw_json().get(raw)) return emit(to_status(error));
    const std::size_t capacity = static_cast<std::size_t>(buffer_end - raw.data());
    od::document doc;
    if (auto error = inner.iterate(raw.data(), raw.size(), capacity).get(doc)) return emit(to_status(error));
    unsigned keys = 0;
    if (const Status s = scan_keys(doc, keys, false); s != Status::ok) return emit(s);
    const Format format = classify(keys & ~(kRecvUs | kMsg), allow_pages);
    if (format == Format::unknown) return emit(Status::unknown_format);
    doc.rewind();
    if (auto error = doc.get_object().get(object)) return emit(to_status(error));
    if (is_container(format)) {
      if (const Status s = decode_container(format, object); s != Status::ok) emit(s);
      return;
    }
    emit(decode_item(format, object));
  }

  // Every element of an array of stories; a broken array after its last good element is one rejection,
  // and an empty one is a control message, an empty page (a line is never silently dropped). Returns
  // false when the array itself was broken (already reported).
  bool decode_elements(od::array array, Format known) noexcept {
    bool any = false;
    for (auto element_result : array) {
      od::value element;
      if (auto error = std::move(element_result).get(element)) {
        emit(to_status(error));
        return false;
      }
      any = true;
      if (known == Format::unknown) {
        // A message in place of items: Benzinga answers a refused request with ["Access denied ..."].
        od::json_type type;
        if (auto error = element.type().get(type)) {
          emit(to_status(error));
          return false;
        }
        if (type == od::json_type::string) {
          (void)builder.control(ControlReason::vendor_error);
          emit(Status::control_message);
          continue;
        }
        decode_nested(element, false);
        continue;
      }
      od::object object;
      if (auto error = element.get_object().get(object)) {
        emit(to_status(error));
        continue;
      }
      emit(decode_item(known, object));
    }
    if (!any) {
      (void)builder.control(ControlReason::empty_page);
      emit(Status::control_message);
    }
    return true;
  }

  // {"results":[...]} / {"articles":[...]} / {"news":[...]} / {"h2s_recv_us":N,"msg":...}
  Status decode_container(Format format, od::object object) noexcept {
    std::string_view items_key = format == Format::polygon_page ? "results"
                                 : format == Format::alpaca_page ? "news"
                                                                 : "articles";
    const Format item_format = format == Format::polygon_page ? Format::polygon
                               : format == Format::alpaca_page ? Format::alpaca_rest
                                                               : Format::newsapi;
    bool found = false;
    const Status s = for_each_field(object, [&](std::string_view key, od::value value) {
      if (format == Format::record) {
        if (key != "msg") return Status::ok;
        found = true;
        od::json_type type;
        if (auto error = value.type().get(type)) return to_status(error);
        if (type == od::json_type::array) {
          od::array array;
          if (auto error = value.get_array().get(array)) return to_status(error);
          (void)decode_elements(array, Format::unknown);
        } else {
          decode_nested(value, true);
        }
        return Status::ok;
      }
      if (key != items_key) return Status::ok;
      found = true;
      od::array array;
      if (auto error = value.get_array().get(array)) return to_status(error);
      (void)decode_elements(array, item_format);
      return Status::ok;
    });
    if (s != Status::ok) return s;
    return found ? Status::ok : Status::missing_field;
  }

  void decode_line(std::string_view line) noexcept {
    od::document doc;
    if (auto error = outer.iterate(line.data(), line.size(), line.size() + kLinePadding).get(doc)) {
      return emit(to_status(error));
    }
    od::json_type type;
    if (auto error = doc.type().get(type)) return emit(to_status(error));
    if (type == od::json_type::array) {
      od::array array;
      if (auto error = doc.get_array().get(array)) return emit(to_status(error));
      if (decode_elements(array, Format::unknown) && !at_end(doc)) emit(Status::trailing_content);
      return;
    }
    if (type != od::json_type::object) return emit(validate_scalar_root(doc, type));
    unsigned keys = 0;
    if (const Status s = scan_keys(doc, keys, true); s != Status::ok) return emit(s);
    if (!at_end(doc)) return emit(Status::trailing_content);
    const Format format = classify(keys, true);
    if (format == Format::unknown) return emit(Status::unknown_format);
    od::object object;
    doc.rewind();
    if (auto error = doc.get_object().get(object)) return emit(to_status(error));
    if (is_container(format)) {
      if (const Status s = decode_container(format, object); s != Status::ok) emit(s);
      return;
    }
    emit(decode_item(format, object));
  }
};

Decoder::Decoder(const DecoderLimits& limits) : impl_(std::make_unique<Impl>(limits)) {}
Decoder::~Decoder() = default;

const DecoderLimits& Decoder::limits() const noexcept { return impl_->limits; }

void Decoder::decode(std::string_view line, std::int64_t recv_us, DecodeSink& sink) noexcept {
  Impl& impl = *impl_;
  impl.sink = &sink;
  impl.recv_us = recv_us;
  impl.buffer_end = line.data() + line.size() + kLinePadding;
  if (line.size() > impl.limits.max_message_bytes) return impl.emit(Status::oversized);
  // A line is valid JSON as a whole or it is one rejection: On-Demand alone would skip unread fields.
  // A scalar root is validated whole by decode_line itself (and the DOM parser copies one).
  if (const auto error = is_container_root(line) ? impl.validator.parse(line.data(), line.size(), false).error()
                                                 : simdjson::SUCCESS) {
    RejectionProbe probe;
    impl.sink = &probe;
    impl.decode_line(line);
    impl.sink = &sink;
    return impl.emit(probe.reason != Status::ok ? probe.reason : validation_status(error));
  }
  impl.decode_line(line);
}

}  // namespace h2s::feeds
