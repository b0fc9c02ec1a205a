#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <string>

#include "decode_capture.hpp"
#include "h2s/feeds/decoder.hpp"
#include "h2s/feeds/timestamp.hpp"
#include "test_paths.hpp"

using h2s::Status;
using h2s::StoryAction;
using h2s::Vendor;
using h2s::feeds::Decoder;
using h2s::test::decode_line;

TEST_CASE("Alpaca stream arrays: every news item, controls counted, HTML content stripped") {
  Decoder decoder;
  const auto c = decode_line(decoder,
      R"([{"T":"n","id":24918784,"headline":"Amazon unveils Trainium3","summary":"Up to 4x faster","author":"Benzinga",)"
      R"("created_at":"2025-12-02T13:30:00Z","updated_at":"2025-12-02T13:30:00Z","url":"u","content":"<p>AWS &amp; chips</p>",)"
      R"("symbols":["AMZN","NVDA"],"source":"benzinga"},{"T":"success","msg":"authenticated"},)"
      R"({"T":"n","id":24918785,"headline":"Second","created_at":"2025-12-02T13:31:00Z","updated_at":"2025-12-02T13:40:00Z","symbols":[]}])");
  REQUIRE(c.stories.size() == 2);
  CHECK(c.control == 1);
  CHECK(c.rejected.empty());
  const auto& s = c.stories[0];
  CHECK(s.vendor == Vendor::alpaca);
  CHECK(s.id == "24918784");
  CHECK(s.headline == "Amazon unveils Trainium3");
  CHECK(s.summary == "Up to 4x faster");
  CHECK(s.body == "AWS & chips");
  CHECK(s.tickers == std::vector<std::string>{"AMZN", "NVDA"});
  CHECK(s.ts_source_us == 1764682200000000);
  CHECK(s.ts_recv_us == 1764682200000000);  // no receive time given: the vendor's time
  CHECK(s.action == StoryAction::created);
  // updated_at later than created_at: an update, revision = updated_at
  CHECK(c.stories[1].action == StoryAction::updated);
  CHECK(c.stories[1].revision == 1764682800000000ULL);
  CHECK(c.stories[1].ts_recv_us == 1764682800000000);
}

TEST_CASE("Benzinga WebSocket envelopes: created, updated and removed actions") {
  Decoder decoder;
  const std::string created =
      R"({"api_version":"websocket/v1","kind":"News/v1","data":{"id":38042378,"action":"Created","timestamp":"2025-12-02T13:30:00.573Z",)"
      R"("content":{"id":38042378,"revision_id":52163745,"type":"story","title":"Equinix raises guidance","body":"<p>Record <em>bookings</em></p>",)"
      R"("teaser":"Teaser text","authors":[{"name":"Benzinga Staff"}],"securities":[{"symbol":"EQIX","exchange":"NASDAQ","primary":true}],)"
      R"("created_at":"Tue, 02 Dec 2025 08:30:00 -0500","updated_at":"Tue, 02 Dec 2025 08:30:00 -0500"}}})";
  auto c = decode_line(decoder, created);
  REQUIRE(c.stories.size() == 1);
  CHECK(c.stories[0].vendor == Vendor::benzinga);
  CHECK(c.stories[0].id == "38042378");
  CHECK(c.stories[0].revision == 52163745);
  CHECK(c.stories[0].headline == "Equinix raises guidance");
  CHECK(c.stories[0].summary == "Teaser text");
  CHECK(c.stories[0].body == "Record bookings");
  CHECK(c.stories[0].tickers == std::vector<std::string>{"EQIX"});
  CHECK(c.stories[0].primary_tickers == 1);  // "primary": true
  CHECK(c.stories[0].author == "Benzinga Staff");
  CHECK(c.stories[0].ts_source_us == 1764682200000000);
  CHECK(c.stories[0].action == StoryAction::created);

  std::string updated = created;
  updated.replace(updated.find("Created"), 7, "Updated");
  CHECK(decode_line(decoder, updated).stories.at(0).action == StoryAction::updated);

  c = decode_line(decoder,
      R"({"api_version":"websocket/v1","kind":"News/v1","data":{"id":38042378,"action":"Removed",)"
      R"("content":{"id":38042378,"created_at":"Tue, 02 Dec 2025 08:30:00 -0500"}}})");
  REQUIRE(c.stories.size() == 1);
  CHECK(c.stories[0].action == StoryAction::deleted);
  CHECK(c.stories[0].headline.empty());

  // Non-news kinds on the same socket are control messages.
  c = decode_line(decoder, R"({"api_version":"websocket/v1","kind":"Heartbeat/v1","data":{"ts":1}})");
  CHECK(c.control == 1);

  // data.id names the event (each update has its own), content.id the article: updates and
  // removals of one article carry one story id.
  c = decode_line(decoder,
      R"({"api_version":"websocket/v1","kind":"News/v1","data":{"id":91001,"action":"Updated",)"
      R"("content":{"id":38042378,"title":"Equinix raises guidance again","created_at":"Tue, 02 Dec 2025 08:30:00 -0500"}}})");
  REQUIRE(c.stories.size() == 1);
  CHECK(c.stories[0].id == "38042378");
  c = decode_line(decoder,
      R"({"api_version":"websocket/v1","kind":"News/v1","data":{"id":91002,"action":"Removed",)"
      R"("content":{"id":38042378,"created_at":"Tue, 02 Dec 2025 08:30:00 -0500"}}})");
  CHECK(c.stories.at(0).id == "38042378");
  // Without content.id, the event id is all there is.
  c = decode_line(decoder,
      R"({"api_version":"websocket/v1","kind":"News/v1","data":{"id":91003,"action":"Created",)"
      R"("content":{"title":"No article id","created_at":"Tue, 02 Dec 2025 08:30:00 -0500"}}})");
  CHECK(c.stories.at(0).id == "91003");
}

TEST_CASE("Finnhub news: epoch seconds and comma-separated related tickers") {
  Decoder decoder;
  const auto c = decode_line(decoder,
      R"({"category":"company","datetime":1764682200,"headline":"Broadcom AI revenue jumps","id":130000079,)"
      R"("image":"","related":"AVGO,NVDA","source":"Reuters","summary":"XPU demand","url":"u"})");
  REQUIRE(c.stories.size() == 1);
  CHECK(c.stories[0].vendor == Vendor::finnhub);
  CHECK(c.stories[0].id == "130000079");
  CHECK(c.stories[0].tickers == std::vector<std::string>{"AVGO", "NVDA"});
  CHECK(c.stories[0].ts_source_us == 1764682200000000);
}

TEST_CASE("Polygon results: a page or a single article") {
  Decoder decoder;
  const std::string article =
      R"({"id":"8ec638777ca03b553ae516761c2a22ba2fdd2f37befae3ab6fdab74e9e5193eb","publisher":{"name":"X"},"title":"Nvidia orders",)"
      R"("author":"A","published_utc":"2025-12-02T13:30:00Z","article_url":"u","tickers":["NVDA"],"description":"GPUs","keywords":["k"]})";
  auto c = decode_line(decoder, article);
  REQUIRE(c.stories.size() == 1);
  CHECK(c.stories[0].vendor == Vendor::polygon);
  CHECK(c.stories[0].id.size() == 64);
  CHECK(c.stories[0].summary == "GPUs");
  c = decode_line(decoder, R"({"results":[)" + article + "," + article + R"(],"status":"OK","count":2})");
  CHECK(c.stories.size() == 2);
  // The last page is empty: a control message, not a rejection.
  c = decode_line(decoder, R"({"results":[],"status":"OK","count":0})");
  CHECK(c.rejected.empty());
  CHECK(c.control_reasons == std::vector<h2s::ControlReason>{h2s::ControlReason::empty_page});
}

TEST_CASE("NewsAPI articles get a stable id derived from their URL") {
  Decoder decoder;
  const std::string article =
      R"({"source":{"id":"reuters","name":"Reuters"},"author":"R","title":"US CPI rises 0.4%","description":"Hotter",)"
      R"("url":"https://www.reuters.com/markets/us-cpi","urlToImage":null,"publishedAt":"2025-12-02T13:30:00Z","content":"Body [+1800 chars]"})";
  const auto a = decode_line(decoder, article);
  const auto b = decode_line(decoder, R"({"status":"ok","totalResults":1,"articles":[)" + article + "]}");
  REQUIRE(a.stories.size() == 1);
  REQUIRE(b.stories.size() == 1);
  CHECK(a.stories[0].vendor == Vendor::newsapi);
  CHECK(a.stories[0].id.rfind("na-", 0) == 0);
  CHECK(a.stories[0].id.size() == 19);
  CHECK(a.stories[0].id == b.stories[0].id);
  CHECK(a.stories[0].body == "Body [+1800 chars]");
}

TEST_CASE("Generic objects: numeric or string ids, actions, tickers as a string") {
  Decoder decoder;
  auto c = decode_line(decoder,
      R"({"id":42,"headline":"Fed holds rates","body":"Text","tickers":"QQQ TLT","source":"wire","published_at":"2025-12-02T13:30:00Z"})");
  REQUIRE(c.stories.size() == 1);
  CHECK(c.stories[0].vendor == Vendor::generic);
  CHECK(c.stories[0].id == "42");
  CHECK(c.stories[0].tickers == std::vector<std::string>{"QQQ", "TLT"});
  c = decode_line(decoder, R"({"id":"g-1","action":"deleted","published_at":"2025-12-02T13:30:00Z"})");
  REQUIRE(c.stories.size() == 1);
  CHECK(c.stories[0].action == StoryAction::deleted);
  c = decode_line(decoder, R"({"id":"g-1","headline":"x","action":"exploded","published_at":"2025-12-02T13:30:00Z"})");
  CHECK(c.rejected == std::vector<Status>{Status::wrong_type});
}

TEST_CASE("Headlines of every vendor read typographic punctuation and entities as ASCII") {
  Decoder decoder;
  // Raw UTF-8 (as Reuters and Finnhub send it) and entities (as Benzinga and Alpaca do).
  auto c = decode_line(decoder, "{\"id\":\"t1\",\"headline\":\"Fed\u2019s Waller: \u201cno rush\u201d\","
                                "\"published_at\":\"2025-12-02T13:30:00Z\"}");
  REQUIRE(c.stories.size() == 1);
  CHECK(c.stories[0].headline == "Fed's Waller: \"no rush\"");
  c = decode_line(decoder, R"([{"T":"n","id":7,"headline":"Nvidia doesn&#8217;t slow &mdash; yet","summary":"it&rsquo;s","created_at":"2025-12-02T13:30:00Z","updated_at":"2025-12-02T13:30:00Z","symbols":["NVDA"],"content":""}])");
  REQUIRE(c.stories.size() == 1);
  CHECK(c.stories[0].headline == "Nvidia doesn't slow - yet");
  CHECK(c.stories[0].summary == "it's");
}

TEST_CASE("Recorded lines carry their receive time, a live receive time wins") {
  Decoder decoder;
  const std::string line =
      R"({"h2s_recv_us":1764682200001234,"feed":"alpaca","msg":[{"T":"n","id":1,"headline":"A","created_at":"2025-12-02T13:30:00Z"}]})";
  auto c = decode_line(decoder, line);
  REQUIRE(c.stories.size() == 1);
  CHECK(c.stories[0].ts_recv_us == 1764682200001234);
  CHECK(c.stories[0].ts_source_us == 1764682200000000);
  c = decode_line(decoder, line, 1764682299000000);
  CHECK(c.stories.at(0).ts_recv_us == 1764682299000000);
  // A recording of a page.
  c = decode_line(decoder,
      R"({"h2s_recv_us":1764682200001234,"msg":{"results":[{"id":"p1","title":"T","published_utc":"2025-12-02T13:30:00Z"}]}})");
  CHECK(c.stories.size() == 1);
}

TEST_CASE("Malformed and hostile lines are rejected with a reason, one message each") {
  Decoder decoder(h2s::feeds::DecoderLimits{4096, 16});
  struct Case {
    std::string line;
    Status reason;
  };
  const std::vector<Case> cases{
      {R"({"id":"a","headline":"Nvidia","published_at":"2025-12-02T14:)", Status::malformed_json},
      {"this is not json", Status::malformed_json},
      {"42", Status::unknown_format},
      {R"("just a string")", Status::unknown_format},
      {R"({"foo":1})", Status::unknown_format},
      {R"([{"T":"n","id":9,"headline":"no time"}])", Status::missing_field},
      {R"({"id":"a","published_at":"2025-12-02T14:00:00Z"})", Status::missing_field},
      {R"({"id":"a","headline":"x","published_at":"yesterday"})", Status::bad_timestamp},
      {R"({"id":"a","headline":"x","published_at":-5})", Status::bad_timestamp},
      {R"({"category":"c","datetime":1764682200,"headline":42,"id":7})", Status::wrong_type},
      {R"({"id":{"nested":true},"headline":"x","published_at":"2025-12-02T14:00:00Z"})", Status::wrong_type},
      {R"({"id":"a","headline":"x","published_at":"2025-12-02T14:00:00Z"} {"b":1})", Status::trailing_content},
      {"{\"id\":\"a\",\"headline\":\"bad \xff\xfe bytes\",\"published_at\":\"2025-12-02T14:00:00Z\"}", Status::invalid_utf8},
      {R"({"id":")" + std::string(120, 'x') + R"(","headline":"x","published_at":"2025-12-02T14:00:00Z"})",
       Status::field_too_long},
      {std::string(40, '[') + std::string(40, ']'), Status::wrong_type},  // an array of arrays, not of stories
      {"nul", Status::malformed_json},
      {std::string(5000, ' ') + "{}", Status::oversized},
      {R"({"id":18446744073709551616,"headline":"x","published_at":"2025-12-02T14:00:00Z"})", Status::wrong_type},
  };
  for (const Case& tc : cases) {
    INFO(tc.line.substr(0, 120));
    const auto c = decode_line(decoder, tc.line);
    CHECK(c.callbacks() == 1);
    REQUIRE(c.rejected.size() == 1);
    CHECK(h2s::to_string(c.rejected[0]) == h2s::to_string(tc.reason));
  }
}

TEST_CASE("Every truncation of every sample line is accounted for and never crashes") {
  // Each prefix must produce at least one callback: a story, a control or a rejection.
  Decoder decoder;
  std::ifstream in(h2s::test::sample_feed());
  std::string line;
  std::size_t lines = 0, prefixes = 0;
  while (std::getline(in, line) && lines < 40) {
    if (line.empty()) continue;
    ++lines;
    for (std::size_t n = 1; n < line.size(); n += 7) {
      const auto c = decode_line(decoder, line.substr(0, n));
      ++prefixes;
      REQUIRE(c.callbacks() >= 1);
    }
  }
  CHECK(lines == 40);
  CHECK(prefixes > 1000);
}

TEST_CASE("Review regressions: broken arrays, nested receive times, zone names, literal '<', future dates") {
  Decoder decoder;
  // A broken array is one rejection for the whole line (its good first element is not read either).
  auto c = decode_line(decoder, R"([{"T":"n","id":1,"headline":"A","created_at":"2025-12-02T13:30:00Z"} {"b":2}])");
  CHECK(c.stories.empty());
  CHECK(c.rejected == std::vector<Status>{Status::malformed_json});
  // A receive time inside one element does not leak into the next.
  c = decode_line(decoder,
      R"([{"T":"n","id":1,"headline":"A","created_at":"2025-12-02T13:30:00Z","h2s_recv_us":1764682299000000},)"
      R"({"T":"n","id":2,"headline":"B","created_at":"2025-12-02T13:30:00Z"}])");
  REQUIRE(c.stories.size() == 2);
  CHECK(c.stories[1].ts_recv_us == 1764682200000000);
  // RFC 2822 zone names and comments.
  CHECK(h2s::feeds::parse_timestamp_us("Tue, 02 Dec 2025 08:30:00 EST") == 1764682200000000);
  CHECK(h2s::feeds::parse_timestamp_us("Tue, 02 Dec 2025 08:30:00 -0500 (Eastern Standard Time)") == 1764682200000000);
  // A literal '<' in text is text.
  c = decode_line(decoder,
      R"({"id":"x","headline":"Margins","body":"<p>margin <5% &amp; growth >3%</p>","published_at":"2025-12-02T13:30:00Z"})");
  REQUIRE(c.stories.size() == 1);
  CHECK(c.stories[0].body == "margin <5% & growth >3%");
  // A vendor time years ahead of the clock is refused, not trusted.
  c = decode_line(decoder, R"({"id":"x","headline":"Far","published_at":"2240-01-01T00:00:00Z"})");
  CHECK(c.rejected == std::vector<Status>{Status::bad_timestamp});
}

TEST_CASE("Times at or before the epoch, or more than a day ahead, are bad_timestamp, recorded receive times too") {
  Decoder decoder;
  // An offset that lands before the epoch; an epoch number of 0.
  auto c = decode_line(decoder, R"({"id":"x","headline":"Early","published_at":"1970-01-01T00:00:00+23:00"})");
  CHECK(c.rejected == std::vector<Status>{Status::bad_timestamp});
  c = decode_line(decoder, R"({"id":"x","headline":"Zero","published_at":0})");
  CHECK(c.rejected == std::vector<Status>{Status::bad_timestamp});
  c = decode_line(decoder, R"({"id":"x","headline":"Epoch","published_at":"1970-01-01T00:00:00Z"})");
  CHECK(c.rejected == std::vector<Status>{Status::bad_timestamp});
  c = decode_line(decoder, R"({"id":"x","headline":"Just after","published_at":"1970-01-01T00:00:01Z"})");
  CHECK(c.stories.size() == 1);
  // A recorded receive time in 2100 would freeze the replay clock: the line is refused.
  const std::string story = R"({"id":"x","headline":"Nvidia","published_at":"2025-12-02T13:30:00Z"})";
  c = decode_line(decoder, R"({"h2s_recv_us":4102444800000000,"msg":)" + story + "}");
  CHECK(c.rejected == std::vector<Status>{Status::bad_timestamp});
  c = decode_line(decoder, R"({"h2s_recv_us":-5,"msg":)" + story + "}");
  CHECK(c.rejected == std::vector<Status>{Status::bad_timestamp});
  c = decode_line(decoder, R"({"h2s_recv_us":1764682200000000,"msg":)" + story + "}");
  REQUIRE(c.stories.size() == 1);
  CHECK(c.stories[0].ts_recv_us == 1764682200000000);
  // A vendor time a few hours ahead (clock skew) is within the day allowed.
  const auto soon = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() + 3 * 3600;
  c = decode_line(decoder, R"({"id":"x","headline":"Skew","published_at":)" + std::to_string(soon) + "}");
  CHECK(c.stories.size() == 1);
}

TEST_CASE("The whole line is validated: unread fields, nesting beyond the limit, numbers, literals, surrogates") {
  Decoder decoder(h2s::feeds::DecoderLimits{1 << 20, 64});
  const std::string head = R"({"id":"a","headline":"Nvidia","published_at":"2025-12-02T14:00:00Z","extra":)";
  struct Case {
    std::string unread;
    Status reason;
  };
  const std::vector<Case> cases{
      {"1e400", Status::malformed_json},
      {"tru", Status::malformed_json},
      {R"("\ud800")", Status::malformed_json},
      {R"("\ud800\u0041")", Status::malformed_json},
      {R"([1,2,])", Status::malformed_json},
      {std::string(64, '[') + std::string(64, ']'), Status::malformed_json},  // 65 levels with the story object
      {std::string(100000, '[') + std::string(100000, ']'), Status::malformed_json},
  };
  for (const Case& tc : cases) {
    INFO(tc.unread.substr(0, 40));
    const auto c = decode_line(decoder, head + tc.unread + "}");
    CHECK(c.callbacks() == 1);
    CHECK(c.rejected == std::vector<Status>{tc.reason});
  }
  // At the limit exactly, and valid oddities, are fine.
  for (const std::string& unread : {std::string(63, '[') + std::string(63, ']'), std::string("-0.0e-400"),
                                   std::string(R"("\ud83d\ude00")"), std::string("1e308")}) {
    INFO(unread.substr(0, 40));
    CHECK(decode_line(decoder, head + unread + "}").stories.size() == 1);
  }
}

TEST_CASE("Unknown Benzinga actions and Alpaca types are wrong_type, vendor status, errors and empty pages are control") {
  Decoder decoder;
  using h2s::ControlReason;
  auto c = decode_line(decoder,
      R"({"api_version":"websocket/v1","kind":"News/v1","data":{"id":1,"action":"Exploded",)"
      R"("content":{"id":2,"title":"T","created_at":"Tue, 02 Dec 2025 08:30:00 -0500"}}})");
  CHECK(c.rejected == std::vector<Status>{Status::wrong_type});
  c = decode_line(decoder, R"([{"T":"zz","id":1,"headline":"A","created_at":"2025-12-02T13:30:00Z"}])");
  CHECK(c.rejected == std::vector<Status>{Status::wrong_type});
  c = decode_line(decoder, R"([{"T":"success","msg":"connected"},{"T":"subscription","news":["*"]},{"T":"error","code":402,"msg":"auth failed"}])");
  CHECK(c.control_reasons == std::vector<ControlReason>{ControlReason::vendor_status, ControlReason::vendor_status, ControlReason::vendor_error});
  struct Case {
    std::string line;
    ControlReason reason;
  };
  const std::vector<Case> cases{
      {R"({"status":"error","code":"apiKeyInvalid","message":"Your API key is invalid or incorrect."})", ControlReason::vendor_error},
      {R"({"status":"ok","totalResults":0,"articles":[]})", ControlReason::empty_page},
      {R"({"ok":false})", ControlReason::vendor_error},
      {R"({})", ControlReason::empty_page},
      {R"([])", ControlReason::empty_page},
      {R"({"status":"ERROR","request_id":"a1","error":"Unknown API Key"})", ControlReason::vendor_error},
      {R"({"results":[],"status":"OK","request_id":"a2","count":0})", ControlReason::empty_page},
      {R"({"news":[],"next_page_token":null})", ControlReason::empty_page},
      {R"({"code":40110000,"message":"request is not authorized"})", ControlReason::vendor_error},
      {R"({"error":"You don't have access to this resource."})", ControlReason::vendor_error},
      {R"({"message":"too many requests."})", ControlReason::vendor_error},
      {R"({"status":"OK","count":0,"next_url":null})", ControlReason::empty_page},
      {R"({"h2s_recv_us":1764682200000000,"msg":{}})", ControlReason::empty_page},
  };
  for (const Case& tc : cases) {
    INFO(tc.line);
    c = decode_line(decoder, tc.line);
    CHECK(c.callbacks() == 1);
    CHECK(c.control_reasons == std::vector<ControlReason>{tc.reason});
  }
  // A reply with any other field is not a reply.
  CHECK(decode_line(decoder, R"({"status":"error","payload":1})").rejected == std::vector<Status>{Status::unknown_format});
}

TEST_CASE("A text field over max_text_bytes is cut there, at a character boundary, and the story says so") {
  h2s::feeds::DecoderLimits limits;
  limits.max_text_bytes = 300;
  Decoder decoder(limits);
  std::string body;
  while (body.size() < 2000) body += "Nvidia \xC3\xA9l\xC3\xA8ve ses pr\xC3\xA9visions. ";  // two-byte characters throughout
  const auto c = decode_line(decoder, R"({"id":"long","published_at":"2025-12-02T13:30:00Z","headline":"Nvidia raises forecast","summary":"short","body":")" + body + R"("})");
  INFO((c.rejected.empty() ? "" : std::string(h2s::to_string(c.rejected[0]))));
  REQUIRE(c.stories.size() == 1);
  const auto& s = c.stories[0];
  CHECK(s.text_cut);
  CHECK(s.summary == "short");
  CHECK(s.body.size() <= 300);
  CHECK(s.body.size() >= 298);
  CHECK(body.compare(0, s.body.size(), s.body) == 0);
  CHECK((static_cast<unsigned char>(body[s.body.size()]) & 0xC0) != 0x80);  // the next byte begins a character
  const auto whole = decode_line(decoder, R"({"id":"short","published_at":"2025-12-02T13:30:00Z","headline":"Nvidia raises forecast","body":"fits"})");
  REQUIRE(whole.stories.size() == 1);
  CHECK_FALSE(whole.stories[0].text_cut);
  CHECK(whole.stories[0].body == "fits");
}
