#include <catch2/catch.hpp>

#include <string>

#include "h2s/perf/pack_generator.hpp"
#include "h2s/rules/compiled_pack.hpp"
#include "h2s/rules/matcher.hpp"
#include "test_paths.hpp"

using h2s::rules::CompiledPack;
using h2s::rules::Field;
using h2s::rules::Matcher;
using h2s::rules::MatchResult;

namespace {

std::shared_ptr<const CompiledPack> small_pack(const h2s::test::TempDir& dir) {
  dir.write("pack.toml", R"(
[[topic]]
id = "chips"
side = "sentiment"

[[topic]]
id = "fed"
side = "hawkish"

[[entity]]
ticker = "AMZN"
names = ["Amazon"]
patterns = ['\bAWS\b']
exclude = ['Amazon\s+rainforest']

[[entity]]
ticker = "QQQ"

[[rule]]
id = "chips.trainium"
topic = "chips"
tickers = ["AMZN"]
patterns = ['\bTrainium\d?\b']

[[rule]]
id = "chips.capex"
topic = "chips"
tickers = ["AMZN"]
require_entity = true
patterns = ['\bdata\s+centers?\b']
exclude = ['\bwelding\b']

[[rule]]
id = "fed.williams"
topic = "fed"
tickers = ["QQQ"]
caseless = false
patterns = ['\bWilliams\b']
requires = ['(?i)\b(rates?|inflation)\b']

[lexicon.sentiment]
"delays" = -1.0
)");
  return CompiledPack::load(dir.path());
}

const h2s::rules::RuleMatch* find_rule(const CompiledPack& pack, const MatchResult& r, const std::string& id) {
  for (std::size_t i = 0; i < r.rule_count; ++i) {
    if (pack.rules()[r.rules[i].rule].id == id) return &r.rules[i];
  }
  return nullptr;
}

}  // namespace

TEST_CASE("Headline and body are scanned separately, hits know their field and offsets") {
  h2s::test::TempDir dir;
  const auto pack = small_pack(dir);
  Matcher matcher(pack);
  MatchResult result;
  h2s::Story story;
  story.headline = "Amazon delays chips";
  story.body = "The Trainium3 launch slips";
  REQUIRE(matcher.match(story, result) == h2s::Status::ok);
  const auto* trainium = find_rule(*pack, result, "chips.trainium");
  REQUIRE(trainium != nullptr);
  CHECK(trainium->field == Field::body);
  CHECK(trainium->position == 13);  // end of "Trainium3" in the body
  bool saw_delays = false;
  for (std::size_t i = 0; i < result.hit_count; ++i) {
    const auto& hit = result.hits[i];
    if (pack->describe(hit.pattern) == "lexicon sentiment 'delays'") {
      saw_delays = true;
      CHECK(hit.field == Field::headline);
      CHECK(hit.to == 13);  // phrases report where they end; the scorer finds the start by its words
    }
  }
  CHECK(saw_delays);
  REQUIRE(result.mention_count == 1);
  CHECK(result.mentions[0].in_text);
  CHECK(result.mentions[0].field == Field::headline);
}

TEST_CASE("Entity exclusions cancel mentions inside their span, rule exclusions suppress the rule") {
  h2s::test::TempDir dir;
  const auto pack = small_pack(dir);
  Matcher matcher(pack);
  MatchResult result;
  REQUIRE(matcher.match_text("New data centers threaten the Amazon rainforest", result) == h2s::Status::ok);
  REQUIRE(find_rule(*pack, result, "chips.capex") != nullptr);  // pattern matched...
  CHECK(result.mention_of(0) == nullptr);                         // ...but Amazon is not mentioned
  REQUIRE(matcher.match_text("AWS welding data center", result) == h2s::Status::ok);
  CHECK(find_rule(*pack, result, "chips.capex") == nullptr);
}

TEST_CASE("A dated name mentions its company only in stories published from its date") {
  h2s::test::TempDir dir;
  dir.write("pack.toml", R"(
[[topic]]
id = "chips"
side = "sentiment"

[[entity]]
ticker = "AVGO"
names = ["Broadcom", "Avago"]
names_from = { "Broadcom" = 2016-02-01 }

[[rule]]
id = "chips.results"
topic = "chips"
tickers = ["AVGO"]
require_entity = true
patterns = ['\bforecast\b']
)");
  const auto pack = CompiledPack::load(dir.path());
  Matcher matcher(pack);
  MatchResult result;
  h2s::Story story;
  story.headline = "Broadcom sales forecast misses estimates";
  story.ts_source_us = 1'359'676'800'000'000;  // 2013-02-01: Broadcom Corp, another company
  REQUIRE(matcher.match(story, result) == h2s::Status::ok);
  CHECK(result.mention_of(0) == nullptr);
  story.ts_source_us = 1'454'284'800'000'000;  // 2016-02-01, the day the name passed to AVGO
  REQUIRE(matcher.match(story, result) == h2s::Status::ok);
  CHECK(result.mention_of(0) != nullptr);
  story.ts_source_us = h2s::kNoTime;  // a story without a time reads the name as it is today
  REQUIRE(matcher.match(story, result) == h2s::Status::ok);
  CHECK(result.mention_of(0) != nullptr);
  story.headline = "Avago sales forecast misses estimates";  // an undated name is the company's at any time
  story.ts_source_us = 1'359'676'800'000'000;
  REQUIRE(matcher.match(story, result) == h2s::Status::ok);
  CHECK(result.mention_of(0) != nullptr);
}

TEST_CASE("Vendor tags count as mentions, requires gates a rule, case-sensitive rules stay so") {
  h2s::test::TempDir dir;
  const auto pack = small_pack(dir);
  Matcher matcher(pack);
  MatchResult result;
  h2s::Story story;
  story.headline = "New data center opens";
  REQUIRE(story.tickers[0].assign("AMZN"));
  story.ticker_count = 1;
  REQUIRE(matcher.match(story, result) == h2s::Status::ok);
  const auto* mention = result.mention_of(0);
  REQUIRE(mention != nullptr);
  CHECK(mention->vendor_tagged);
  CHECK_FALSE(mention->in_text);

  REQUIRE(matcher.match_text("Serena Williams wins", result) == h2s::Status::ok);
  CHECK(find_rule(*pack, result, "fed.williams") == nullptr);
  REQUIRE(matcher.match_text("Williams says rates can fall", result) == h2s::Status::ok);
  CHECK(find_rule(*pack, result, "fed.williams") != nullptr);
  REQUIRE(matcher.match_text("williams says rates can fall", result) == h2s::Status::ok);
  CHECK(find_rule(*pack, result, "fed.williams") == nullptr);
}

TEST_CASE("A story with more hits than the result holds is flagged, not overflowed") {
  h2s::test::TempDir dir;
  const auto pack = small_pack(dir);
  Matcher matcher(pack);
  MatchResult result;
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "delays ";
  REQUIRE(matcher.match_text(text, result) == h2s::Status::ok);
  CHECK(result.truncated);
  CHECK(result.hit_count == MatchResult::kMaxHits - MatchResult::kReservedHits);
  // An exclusion after the flood still suppresses its rule.
  REQUIRE(matcher.match_text("AWS data center " + text + "welding", result) == h2s::Status::ok);
  CHECK(result.truncated);
  CHECK(find_rule(*pack, result, "chips.capex") == nullptr);
}

TEST_CASE("Compiled databases are cached on disk by content and reused") {
  h2s::test::TempDir dir;
  h2s::test::TempDir cache;
  small_pack(dir);
  h2s::rules::CompileOptions options;
  options.cache_dir = cache.path();
  const auto first = CompiledPack::load(dir.path(), options);
  CHECK_FALSE(first->stats().from_cache);
  const auto second = CompiledPack::load(dir.path(), options);
  CHECK(second->stats().from_cache);
  Matcher matcher(second);
  MatchResult result;
  REQUIRE(matcher.match_text("Trainium2 delays", result) == h2s::Status::ok);
  CHECK(result.rule_count == 1);
}

TEST_CASE("A generated pack with thousands of extra patterns compiles, matches and caches") {
  h2s::test::TempDir dir;
  h2s::perf::generate_pack(h2s::test::default_rules(), dir.path() / "pack", 3000);
  h2s::rules::CompileOptions options;
  options.cache_dir = dir.path() / "cache";
  const auto pack = CompiledPack::load(dir.path() / "pack", options);
  CHECK(pack->stats().patterns > 3000);
  Matcher matcher(pack);
  MatchResult result;
  // The default pack still answers inside the larger one.
  REQUIRE(matcher.match_text("Amazon unveils Trainium3 chip", result) == h2s::Status::ok);
  bool trainium = false;
  for (std::size_t i = 0; i < result.rule_count; ++i) trainium |= pack->rules()[result.rules[i].rule].id == "amzn.trainium.chip";
  CHECK(trainium);
  const auto cached = CompiledPack::load(dir.path() / "pack", options);
  CHECK(cached->stats().from_cache);
  CHECK(cached->stats().database_bytes == pack->stats().database_bytes);
}

TEST_CASE("Rules may require or exclude vendor channels and sources, caselessly and by whole name") {
  h2s::test::TempDir dir;
  dir.write("pack.toml", R"(
[[topic]]
id = "chips"
side = "sentiment"

[[entity]]
ticker = "NVDA"
names = ["Nvidia"]

[[rule]]
id = "chips.wiim"
topic = "chips"
tickers = ["NVDA"]
patterns = ['\bNvidia\b']
channels = ["WIIM", "Analyst Ratings"]
exclude_sources = ["GlobeNewswire"]

[[rule]]
id = "chips.not_pr"
topic = "chips"
tickers = ["NVDA"]
patterns = ['\bNvidia\b']
exclude_channels = ["Press Releases"]
sources = ["benzinga", "Reuters"]
)");
  const auto pack = CompiledPack::load(dir.path());
  Matcher matcher(pack);
  MatchResult result;
  h2s::Story story;
  story.headline = "Nvidia shares are trading higher";
  auto matched = [&](const char* id) {
    REQUIRE(matcher.match(story, result) == h2s::Status::ok);
    return find_rule(*pack, result, id) != nullptr;
  };
  // No channel and no source: a rule that requires either stands down.
  CHECK_FALSE(matched("chips.wiim"));
  CHECK_FALSE(matched("chips.not_pr"));
  story.channels[0] = "wiim";
  story.channel_count = 1;
  story.source = "Benzinga";
  CHECK(matched("chips.wiim"));
  CHECK(matched("chips.not_pr"));
  story.channels[1] = "PRESS RELEASES";
  story.channel_count = 2;
  CHECK(matched("chips.wiim"));
  CHECK_FALSE(matched("chips.not_pr"));
  story.source = "GlobeNewswire";
  CHECK_FALSE(matched("chips.wiim"));
  // Finnhub's category is a channel; a name must match whole.
  story.channel_count = 0;
  story.source = "Reuters";
  story.category = "analyst ratings";
  CHECK(matched("chips.wiim"));
  story.category = "analyst";
  CHECK_FALSE(matched("chips.wiim"));
  CHECK(matched("chips.not_pr"));
}
