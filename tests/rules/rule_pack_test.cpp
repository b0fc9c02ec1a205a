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

TEST_CASE("TOML syntax errors and missing packs are clear errors") {
  h2s::test::TempDir dir;
  dir.write("a.toml", "[[rule]\nid = 1\n");
  CHECK_THAT(error_of(dir.path()), Contains("a.toml:1"));
  CHECK_THAT(error_of(dir.path() / "missing"), Contains("rule pack not found"));
  h2s::test::TempDir empty;
  CHECK_THAT(error_of(empty.path()), Contains("no .toml files"));
}

TEST_CASE("Lexicon phrases become whole-word, space-tolerant regexes") {
  CHECK(phrase_to_regex("raises guidance") == "\\braises\\s+guidance\\b");
  CHECK(phrase_to_regex("accelerat*") == "\\baccelerat\\w*\\b");
  CHECK(phrase_to_regex("better-than-expected") == "\\bbetter\\-than\\-expected\\b");
  CHECK(phrase_to_regex("Amazon.com") == "\\bAmazon\\.com\\b");
  CHECK(phrase_to_regex("too * to") == "\\btoo\\s+\\w*\\s+to\\b");
}

TEST_CASE("Rule scope and invert are read from the pack; bad values are errors") {
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
