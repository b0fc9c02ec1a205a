#include <catch2/catch.hpp>

#include <string>

#include "h2s/rules/compiled_pack.hpp"
#include "h2s/rules/rule_pack.hpp"
#include "test_paths.hpp"

using h2s::rules::CompiledPack;
using h2s::rules::load_rule_pack;
using h2s::rules::phrase_to_regex;
using h2s::rules::RulePackError;
using Catch::Matchers::Contains;

namespace {

const char* kTopics = R"(
[[topic]]
id = "t.company"
side = "sentiment"

[[entity]]
ticker = "AMZN"
names = ["Amazon"]
)";

std::string error_of(const std::filesystem::path& path) {
  try {
    (void)CompiledPack::load(path);
  } catch (const RulePackError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("The default pack loads and compiles") {
  const auto pack = CompiledPack::load(h2s::test::default_rules());
  CHECK(pack->stats().rules >= 13);
  CHECK(pack->source().topics.size() == 13);
  CHECK(pack->stats().database_bytes > 0);
}

TEST_CASE("Bad regexes are reported with file, line, rule id and Hyperscan's message") {
  h2s::test::TempDir dir;
  dir.write("a.toml", std::string(kTopics) + R"(
[[rule]]
id = "broken.rule"
topic = "t.company"
tickers = ["AMZN"]
patterns = ['Trainium(3']
)");
  const std::string error = error_of(dir.path());
  CHECK_THAT(error, Contains("a.toml:14"));  // the line of the regex itself
  CHECK_THAT(error, Contains("broken.rule"));
  CHECK_THAT(error, Contains("bad pattern /Trainium(3/"));
  CHECK_THAT(error, Contains("parenthes"));
}

TEST_CASE("Patterns that match empty text are refused") {
  h2s::test::TempDir dir;
  dir.write("a.toml", std::string(kTopics) + R"(
[[rule]]
id = "empty"
topic = "t.company"
tickers = ["AMZN"]
patterns = ['(Trainium)?']
)");
  CHECK_THAT(error_of(dir.path()), Contains("can match empty text"));
}

TEST_CASE("Every structural problem is listed at once with its file and line") {
  h2s::test::TempDir dir;
  dir.write("a.toml", std::string(kTopics) + R"(
[[rule]]
id = "dup"
topic = "t.company"
tickers = ["AMZN"]
patterns = ['x1']

[[rule]]
id = "dup"
topic = "t.unknown"
tickers = ["ZZZZ"]
patterns = ['x2']
colour = "red"
examples = [{ text = "x2", ticker = "AMZN", side = "sideways" }]
)");
  const std::string error = error_of(dir.path());
  CHECK_THAT(error, Contains("a.toml:21: unknown key 'colour'"));
  CHECK_THAT(error, Contains("duplicate rule id 'dup'"));
  CHECK_THAT(error, Contains("unknown topic 't.unknown'"));
  CHECK_THAT(error, Contains("unknown ticker 'ZZZZ'"));
  CHECK_THAT(error, Contains("example side must be buy, sell or none"));
}

TEST_CASE("A dated name must be one of the entity's names, with a date") {
  h2s::test::TempDir dir;
  dir.write("a.toml", std::string(kTopics) + R"(
[[entity]]
ticker = "AVGO"
names = ["Broadcom"]
names_from = { "Broadcom Corp" = 2016-02-01, "Broadcom" = "February 2016" }
)");
  const std::string error = error_of(dir.path());
  CHECK_THAT(error, Contains("names_from: 'Broadcom Corp' is not one of the entity's names"));
  CHECK_THAT(error, Contains("names_from: 'Broadcom' must be a date (YYYY-MM-DD)"));
}

TEST_CASE("TOML syntax errors and missing packs are clear errors") {
  h2s::test::TempDir dir;
  dir.write("a.toml", "[[rule]\nid = 1\n");
  CHECK_THAT(error_of(dir.path()), Contains("a.toml:1"));
  CHECK_THAT(error_of(dir.path() / "missing"), Contains("rule pack not found"));
  h2s::test::TempDir empty;
  CHECK_THAT(error_of(empty.path()), Contains("no .toml files"));
}

TEST_CASE("Lexicon phrases become whole-word, space-tolerant regexes") {
  // A quote may close or open a word between them: "'a little uneasy' with" reads "uneasy with".
  CHECK(phrase_to_regex("raises guidance") == "\\braises[\"']?\\s+[\"']?guidance\\b");
  CHECK(phrase_to_regex("accelerat*") == "\\baccelerat\\w*\\b");
  CHECK(phrase_to_regex("better-than-expected") == "\\bbetter\\-than\\-expected\\b");
  CHECK(phrase_to_regex("Amazon.com") == "\\bAmazon\\.com\\b");
  CHECK(phrase_to_regex("too * to") == "\\btoo[\"']?\\s+[\"']?[^\\s]+[\"']?\\s+[\"']?to\\b");
  // After a gap a word may end a hyphenated one: "signs 48MW pre-lease" reads "sign* ~5 leas*".
  CHECK(phrase_to_regex("raises ~2 guidance") == "\\braises(?:\\s+[^\\s]+){0,2}[\\s-]+guidance\\b");
}

TEST_CASE("A phrase's shape gives the words it spans and its first word, as the scorer tokenizes") {
  using h2s::rules::phrase_shape;
  auto shape = phrase_shape("raises ~3 guidance");
  CHECK(shape.min_words == 2);
  CHECK(shape.max_words == 5);
  CHECK(shape.first == "raises");
  shape = phrase_shape("better-than-expected");
  CHECK(shape.min_words == 3);  // '-' separates words
  CHECK(shape.max_words == 3);
  shape = phrase_shape("accelerat*");
  CHECK(shape.first == "accelerat");
  CHECK(shape.first_is_prefix);
  shape = phrase_shape("U.S. consumer prices");
  CHECK(shape.min_words == 3);
  CHECK(shape.first == "u.s.");
}

TEST_CASE("Events load with their kind, direction or roles, mistakes are errors with their line") {
  h2s::test::TempDir dir;
  dir.write("a.toml", std::string(kTopics) + R"(
[[event]]
id = "deal.won"
kind = "company"
roles = { subject = 1, over = -1 }
phrases = ["wins ~3 deal"]

[[event]]
id = "policy.cut"
kind = "policy"
direction = -1
phrases = ["cut* rates"]
)");
  const auto pack = h2s::rules::load_rule_pack(dir.path());
  REQUIRE(pack.events.size() == 2);
  CHECK(pack.events[0].kind == h2s::rules::EventKind::company);
  CHECK(pack.events[0].roles[static_cast<std::size_t>(h2s::rules::Role::over)] == -1);
  CHECK(pack.events[1].direction == -1);

  h2s::test::TempDir bad;
  bad.write("a.toml", std::string(kTopics) + R"(
[[event]]
id = "no.roles"
kind = "company"
phrases = ["wins"]

[[event]]
id = "bad.role"
kind = "company"
roles = { winner = 1 }
phrases = ["wins"]

[[event]]
id = "no.direction"
kind = "stance"
phrases = ["~2 hawkish"]

[[event]]
id = "a.very.long.event.id.beyond.thirty.one"
kind = "move"
direction = 1
phrases = ["rises ~12 sharply"]
)");
  const std::string error = error_of(bad.path());
  CHECK_THAT(error, Contains("needs roles"));
  CHECK_THAT(error, Contains("unknown role 'winner'"));
  CHECK_THAT(error, Contains("needs a direction"));
  CHECK_THAT(error, Contains("must start with a word"));
  CHECK_THAT(error, Contains("longer than 31 bytes"));
  CHECK_THAT(error, Contains("a gap is ~1 to ~9"));
}

TEST_CASE("Rule scope and invert are read from the pack, bad values are errors") {
  h2s::test::TempDir dir;
  dir.write("a.toml", std::string(kTopics) + R"(
[[rule]]
id = "scoped"
topic = "t.company"
tickers = ["AMZN"]
scope = "story"
invert = true
patterns = ['x1']

[[rule]]
id = "bad.scope"
topic = "t.company"
tickers = ["AMZN"]
scope = "galaxy"
patterns = ['x2']
)");
  CHECK_THAT(error_of(dir.path()), Contains("scope must be clause or story, not 'galaxy'"));
  dir.write("a.toml", std::string(kTopics) + R"(
[[rule]]
id = "scoped"
topic = "t.company"
tickers = ["AMZN"]
scope = "story"
invert = true
patterns = ['x1']
)");
  const auto pack = CompiledPack::load(dir.path());
  CHECK(pack->rules().at(0).story_scope);
  CHECK(pack->rules().at(0).invert);
}

TEST_CASE("Tickers must be valid upper-case symbols and lexicon weights bounded") {
  h2s::test::TempDir dir;
  dir.write("a.toml", R"(
[[topic]]
id = "t"
side = "sentiment"

[[entity]]
ticker = "BRK/B"

[[entity]]
ticker = "aapl"

[lexicon.sentiment]
"beats" = 1e9
)");
  const std::string error = error_of(dir.path());
  CHECK_THAT(error, Contains("ticker 'BRK/B' must be 1 to 7 characters"));
  CHECK_THAT(error, Contains("ticker 'aapl' must be upper case ('AAPL')"));
  CHECK_THAT(error, Contains("lexicon weight of 'beats' must be a number in [-10, 10]"));
}
