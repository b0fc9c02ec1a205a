#include <catch2/catch.hpp>

#include <simdjson.h>

#include <string>

#include "h2s/publish/signal_json.hpp"

TEST_CASE("A signal renders as one valid JSON line with every contract field") {
  h2s::Signal s;
  s.seq = 7;
  (void)s.story_id.assign("id \"quoted\" \\ and\ncontrol");
  (void)s.topic.assign("amzn.trainium");
  (void)s.rule.assign("amzn.trainium.chip");
  REQUIRE(s.ticker.assign("AMZN"));
  s.vendor = h2s::Vendor::benzinga;
  s.side = h2s::Side::sell;
  s.strength = 0.123456;
  s.sentiment = -0.5;
  s.delta = -0.25;
  s.novelty = 1;
  s.confidence = 0.75;
  s.relevance = 1;
  s.ts_source_us = 1764682200000000;
  s.ts_recv_us = 1764682200000123;
  s.ts_decode_us = s.ts_match_us = s.ts_score_us = s.ts_signal_us = 1764682200000200;
  char buffer[h2s::publish::kMaxSignalJsonBytes];
  const std::size_t n = h2s::publish::format_signal_json(s, buffer);
  REQUIRE(n > 0);
  REQUIRE(buffer[n - 1] == '\n');

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(buffer, n - 1).get(doc) == simdjson::SUCCESS);
  CHECK(std::string_view(doc["type"]) == "signal");
  CHECK(int64_t(doc["seq"]) == 7);
  CHECK(std::string_view(doc["story_id"]) == "id \"quoted\" \\ and\ncontrol");
  CHECK(std::string_view(doc["ticker"]) == "AMZN");
  CHECK(std::string_view(doc["side"]) == "sell");
  CHECK(std::string_view(doc["topic"]) == "amzn.trainium");
  CHECK(std::string_view(doc["rule"]) == "amzn.trainium.chip");
  CHECK(double(doc["strength"]) == 0.123456);  // the wire's fixed point, to the digit
  CHECK(double(doc["sentiment"]) == -0.5);
  CHECK(double(doc["delta"]) == -0.25);
  CHECK(double(doc["novelty"]) == 1.0);
  CHECK(int64_t(doc["ts_source_us"]) == 1764682200000000);
  CHECK(int64_t(doc["ts_recv_us"]) == 1764682200000123);
  CHECK(int64_t(doc["ts_signal_us"]) == 1764682200000200);
  CHECK(doc["vendor_sentiment"].error() == simdjson::NO_SUCH_FIELD);  // only when the vendor gave one
  s.vendor_sentiment = h2s::VendorSentiment::positive;
  const std::size_t with = h2s::publish::format_signal_json(s, buffer);
  REQUIRE(parser.parse(buffer, with - 1).get(doc) == simdjson::SUCCESS);
  CHECK(std::string_view(doc["vendor_sentiment"]) == "positive");
}

TEST_CASE("The worst-case signal fits the documented bound") {
  h2s::Signal s;
  (void)s.story_id.assign(std::string(h2s::kMaxStoryIdBytes, '\x01'));
  (void)s.topic.assign(std::string(47, '"'));
  (void)s.rule.assign(std::string(63, '\x1f'));
  s.seq = UINT64_MAX >> 1;
  s.strength = s.sentiment = s.delta = -1e300;
  s.ts_source_us = s.ts_recv_us = s.ts_decode_us = s.ts_match_us = s.ts_score_us = s.ts_signal_us = INT64_MIN;
  char buffer[h2s::publish::kMaxSignalJsonBytes];
  CHECK(h2s::publish::format_signal_json(s, buffer) <= sizeof buffer);
}

TEST_CASE("A cancel renders as one JSON line naming the signal it withdraws") {
  h2s::Cancel c;
  c.seq = 9;
  c.cancelled = 4;
  c.vendor = h2s::Vendor::alpaca;
  c.ts_us = 1764682200000300;
  REQUIRE(c.ticker.assign("NVDA"));
  REQUIRE(c.story_id.assign("a-1"));
  char buffer[h2s::publish::kMaxSignalJsonBytes];
  const std::size_t n = h2s::publish::format_cancel_json(c, buffer);
  REQUIRE(buffer[n - 1] == '\n');
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(buffer, n - 1).get(doc) == simdjson::SUCCESS);
  CHECK(std::string_view(doc["type"]) == "cancel");
  CHECK(int64_t(doc["seq"]) == 9);
  CHECK(int64_t(doc["cancels"]) == 4);
  CHECK(std::string_view(doc["story_id"]) == "a-1");
  CHECK(std::string_view(doc["vendor"]) == "alpaca");
  CHECK(std::string_view(doc["ticker"]) == "NVDA");
  CHECK(int64_t(doc["ts_us"]) == 1764682200000300);
}
