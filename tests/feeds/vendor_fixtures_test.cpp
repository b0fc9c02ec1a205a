// Vendor payloads as their documentation and SDK tests give them (tests/feeds/fixtures/vendors/:
// line 1 of each file names its source), decoded end to end.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "decode_capture.hpp"
#include "h2s/feeds/decoder.hpp"
#include "test_paths.hpp"

using h2s::ControlReason;
using h2s::Status;
using h2s::StoryAction;
using h2s::Vendor;
using h2s::VendorSentiment;
using h2s::feeds::Decoder;
using h2s::test::CapturedStory;
using h2s::test::DecodeCapture;

namespace {

// The payload line of a fixture, after its "# source:" line.
std::string fixture(const std::string& name) {
  std::ifstream in(h2s::test::source_dir() / "tests" / "feeds" / "fixtures" / "vendors" / name);
  REQUIRE(in);
  std::string source, payload;
  std::getline(in, source);
  CHECK(source.rfind("# source: ", 0) == 0);
  std::getline(in, payload);
  return payload;
}

DecodeCapture decode_fixture(const std::string& name) {
  Decoder decoder;
  return h2s::test::decode_line(decoder, fixture(name));
}

CapturedStory only_story(const DecodeCapture& c) {
  REQUIRE(c.stories.size() == 1);
  CHECK(c.control == 0);
  CHECK(c.rejected.empty());
  return c.stories[0];
}

}  // namespace

TEST_CASE("Benzinga stream, both message forms: the article id, RFC 2822 and ISO times, stocks and securities") {
  // Today's form: kind "news", action "created", content.created/updated, stocks[].name, channels, tags.
  const CapturedStory now = only_story(decode_fixture("benzinga_ws_news_current.json"));
  CHECK(now.vendor == Vendor::benzinga);
  CHECK(now.id == "36444586");
  CHECK(now.ts_source_us == 1704130514000000);  // Mon, 01 Jan 2024 13:35:14 -0400
  CHECK(now.ts_updated_us == 1704130515000000);
  CHECK(now.tickers == std::vector<std::string>{"AAPL"});
  CHECK(now.channels == std::vector<std::string>{"Options"});
  CHECK(now.tags == std::vector<std::string>{"BZI-AUOA"});
  CHECK(now.author == "Benzinga Insights");
  // News/v1: data.id names the event, content.id the article; channels and tags as plain strings.
  const CapturedStory v1 = only_story(decode_fixture("benzinga_ws_news_v1.json"));
  CHECK(v1.id == "2353787");
  CHECK(v1.revision == 6421725);
  CHECK(v1.ts_source_us == 1329512499000000);  // 2012-02-17T21:01:39.000Z
  CHECK(v1.tickers == std::vector<std::string>{"GOOG"});
  CHECK(v1.primary_tickers == 0);  // "primary": false
  CHECK(v1.channels == std::vector<std::string>{"News", "Movers & Shakers"});
  CHECK(v1.tags == std::vector<std::string>{"Earnings"});
  CHECK(v1.author == "Scott Rubin");  // "authors": ["Scott Rubin"]
  // Another kind on the socket is a control message.
  const auto other = decode_fixture("benzinga_ws_envelope_generic.json");
  CHECK(other.control_reasons == std::vector<ControlReason>{ControlReason::vendor_status});
}

TEST_CASE("Benzinga REST arrays and error bodies") {
  const auto page = decode_fixture("benzinga_rest_news_v2.json");
  const CapturedStory item = only_story(page);
  CHECK(item.vendor == Vendor::benzinga);
  CHECK(item.id == "36444586");
  CHECK(item.headline == "10 Information Technology Stocks With Whale Alerts In Today's Session");
  CHECK(item.tickers == std::vector<std::string>{"AAPL", "CLSK", "NVDA", "ORCL", "TSM"});
  CHECK(item.ts_source_us == 1704130514000000);
  const CapturedStory full = only_story(decode_fixture("benzinga_rest_news_v2_full_body.json"));
  CHECK(full.id == "37100544");
  CHECK(full.headline.rfind("Nvidia, AMD, Broadcom Among Biggest Beneficiaries", 0) == 0);
  CHECK(full.body.find('<') == std::string::npos);  // HTML body stripped
  CHECK(full.channels.size() >= 2);
  for (const char* name : {"benzinga_rest_error_401.json", "benzinga_rest_error_404.json", "benzinga_rest_error_500.json",
                           "benzinga_rest_error_400_access_denied.json"}) {
    INFO(name);
    CHECK(decode_fixture(name).control_reasons == std::vector<ControlReason>{ControlReason::vendor_error});
  }
}

TEST_CASE("Alpaca stream messages and REST pages, bare REST items and SDK fixtures") {
  const CapturedStory ws = only_story(decode_fixture("alpaca_ws_news.json"));
  CHECK(ws.vendor == Vendor::alpaca);
  CHECK(ws.id == "24918784");
  CHECK(ws.tickers == std::vector<std::string>{"CRSR"});
  CHECK(ws.source == "benzinga");
  CHECK(ws.summary.find("(\"Corsair\")") != std::string::npos);  // typographic quotes read as ASCII
  const CapturedStory wire = only_story(decode_fixture("alpaca_ws_news_wire.json"));
  CHECK(wire.id == "24919710");
  CHECK(wire.tickers == std::vector<std::string>{"GVA"});
  for (const char* name : {"alpaca_ws_success_connected.json", "alpaca_ws_success_authenticated.json",
                           "alpaca_ws_subscription_news.json"}) {
    INFO(name);
    CHECK(decode_fixture(name).control_reasons == std::vector<ControlReason>{ControlReason::vendor_status});
  }
  for (int code : {400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 500}) {
    INFO(code);
    CHECK(decode_fixture("alpaca_ws_error_" + std::to_string(code) + ".json").control_reasons ==
          std::vector<ControlReason>{ControlReason::vendor_error});
  }
  // A REST page: every item, as Alpaca (symbols, created_at the story time, updated_at a later version).
  const auto page = decode_fixture("alpaca_go_test_news_page1.json");
  REQUIRE(page.stories.size() == 2);
  CHECK(page.rejected.empty());
  CHECK(page.stories[0].vendor == Vendor::alpaca);
  CHECK(page.stories[0].id == "20472678");
  CHECK(page.stories[0].ts_source_us == 1617464121000000);  // 2021-04-03T15:35:21Z
  CHECK(page.stories[0].tickers == std::vector<std::string>{"GOOG", "GOOGL", "TSLA"});
  CHECK(page.stories[0].author == "Bibhu Pattnaik");
  const auto last = decode_fixture("alpaca_go_test_news_page2_last.json");
  CHECK(last.stories.size() == 1);
  CHECK(last.stories[0].action == StoryAction::updated);  // updated_at a second after created_at
  CHECK(last.stories[0].revision == 1617453076000000ULL);
  const auto py = decode_fixture("alpaca_py_test_news_page1.json");
  REQUIRE(py.stories.size() == 1);
  CHECK(py.stories[0].id == "40432158");
  CHECK(py.stories[0].tickers == std::vector<std::string>{"AAPL", "QCOM"});
  CHECK(py.stories[0].source == "source");
  CHECK(decode_fixture("alpaca_py_test_news_page2_last.json").stories.size() == 1);
  CHECK(decode_fixture("alpaca_rest_news_page.json").stories.size() == 1);
  CHECK(decode_fixture("alpaca_rest_news_page_latest.json").stories.size() == 1);
  CHECK(decode_fixture("alpaca_trade_api_python_test_news.json").stories.size() == 2);
  // A bare REST item is Alpaca too, not generic.
  const CapturedStory bare = only_story(decode_fixture("alpaca_rest_news_item_with_content.json"));
  CHECK(bare.vendor == Vendor::alpaca);
  CHECK(bare.id == "24803233");
  CHECK(bare.ts_source_us == 1640790663000000);  // created_at 2021-12-29T15:11:03Z, not updated_at
  CHECK(bare.ts_updated_us == 1640896661000000);
  CHECK(bare.action == StoryAction::updated);
  CHECK(!bare.body.empty());
  CHECK(bare.headline == "Benzinga's Top 5 Articles For 2021 - Or 'Who Let The Dog Out?'");
  const CapturedStory crypto = only_story(decode_fixture("alpaca_rest_news_item_crypto_symbols.json"));
  CHECK(crypto.vendor == Vendor::alpaca);
  CHECK(crypto.tickers.size() == 6);
}

TEST_CASE("Polygon pages: insights as vendor sentiment per ticker, the publisher as source") {
  const auto current = decode_fixture("polygon_rest_news_insights_massive.json");
  const CapturedStory s = only_story(current);
  CHECK(s.vendor == Vendor::polygon);
  CHECK(s.id == "8ec638777ca03b553ae516761c2a22ba2fdd2f37befae3ab6fdab74e9e5193eb");
  CHECK(s.ts_source_us == 1719254033000000);  // 2024-06-24T18:33:53Z
  CHECK(s.tickers == std::vector<std::string>{"UBS"});
  CHECK(s.vendor_sentiment == std::vector<VendorSentiment>{VendorSentiment::positive});
  CHECK(s.source == "Investing.com");
  CHECK(only_story(decode_fixture("polygon_rest_news_insights.json")).vendor_sentiment ==
        std::vector<VendorSentiment>{VendorSentiment::positive});
  const CapturedStory legacy = only_story(decode_fixture("polygon_rest_news_legacy_no_insights.json"));
  CHECK(legacy.tickers.size() == h2s::Story::kMaxTickers);  // more are listed: the first 16 are kept
  CHECK(legacy.vendor_sentiment == std::vector<VendorSentiment>(legacy.tickers.size(), VendorSentiment::none));
  const CapturedStory go = only_story(decode_fixture("polygon_client_go_mock_news_insights.json"));
  REQUIRE(go.tickers.size() == 5);
  CHECK(go.tickers[0] == "NVDA");
  CHECK(go.vendor_sentiment[0] == VendorSentiment::negative);
  CHECK(go.vendor_sentiment[1] == VendorSentiment::neutral);
  for (const char* name : {"polygon_client_python_mock_news_nflx.json", "polygon_client_python_mock_news_nflx_polygon_era.json"}) {
    INFO(name);
    const CapturedStory nflx = only_story(decode_fixture(name));
    CHECK(nflx.id == "JeJEhAVoKaqJ2zF9nzQYMg07UlEeWlis6Dsop33TPQY");
    CHECK(nflx.source == "MarketWatch");
  }
}

TEST_CASE("Finnhub and NewsAPI responses, their error bodies and empty results") {
  const auto company = decode_fixture("finnhub_company_news.json");
  REQUIRE(company.stories.size() == 3);
  CHECK(company.stories[0].vendor == Vendor::finnhub);
  CHECK(company.stories[0].id == "25286");
  CHECK(company.stories[0].ts_source_us == 1569550360000000);  // epoch seconds
  CHECK(company.stories[0].tickers == std::vector<std::string>{"AAPL"});
  CHECK(company.stories[0].category == "company news");
  const auto general = decode_fixture("finnhub_market_news_general.json");
  REQUIRE(general.stories.size() == 3);
  CHECK(general.stories[0].category == "technology");
  CHECK(general.stories[0].source == "CNBC");
  CHECK(general.stories[0].tickers.empty());  // "related": ""
  CHECK(decode_fixture("finnhub_error_no_access.json").control_reasons == std::vector<ControlReason>{ControlReason::vendor_error});

  const auto everything = decode_fixture("newsapi_everything_reconstructed.json");
  REQUIRE(everything.stories.size() == 2);
  CHECK(everything.stories[0].vendor == Vendor::newsapi);
  CHECK(everything.stories[0].source == "Gizmodo.com");
  CHECK(everything.stories[0].author == "Kyle Torpey");
  CHECK(everything.stories[0].headline.find("Apple's App Store") != std::string::npos);  // ’ read as '
  CHECK(decode_fixture("newsapi_error_apiKeyInvalid.json").control_reasons == std::vector<ControlReason>{ControlReason::vendor_error});
  CHECK(decode_fixture("newsapi_everything_empty_observed.json").control_reasons ==
        std::vector<ControlReason>{ControlReason::empty_page});
}
