// The baselines do h2s's job with other libraries: same stories, same matches, or the suite's
// comparisons would be void.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "decode_capture.hpp"
#include "h2s/baselines/nlohmann_decoder.hpp"
#include "h2s/baselines/std_regex_matcher.hpp"
#include "h2s/feeds/decoder.hpp"
#include "h2s/perf/load_generator.hpp"
#include "h2s/rules/matcher.hpp"
#include "test_paths.hpp"

namespace {

std::shared_ptr<const h2s::rules::CompiledPack> pack() {
  static const auto p = h2s::rules::CompiledPack::load(h2s::test::default_rules());
  return p;
}

std::vector<std::string> generated_lines(std::size_t count) {
  h2s::perf::LoadGenerator generator(h2s::perf::load_corpus(h2s::test::sample_feed(), *pack()), {});
  std::vector<std::string> lines;
  std::istringstream in(generator.lines(count));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> fired(const h2s::rules::MatchResult& m) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < m.rule_count; ++i) ids.push_back(pack()->rules()[m.rules[i].rule].id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

TEST_CASE("nlohmann::json decodes every vendor format to the stories simdjson does") {
  h2s::feeds::Decoder simdjson_decoder;
  h2s::baselines::NlohmannDecoder nlohmann_decoder;
  for (const std::string& line : generated_lines(1200)) {
    const auto expected = h2s::test::decode_line(simdjson_decoder, line);
    h2s::test::DecodeCapture got;
    std::string padded = line + std::string(h2s::feeds::kLinePadding, ' ');
    nlohmann_decoder.decode({padded.data(), line.size()}, h2s::kNoTime, got);
    INFO(line);
    REQUIRE(got.stories.size() == expected.stories.size());
    for (std::size_t i = 0; i < got.stories.size(); ++i) {
      CHECK(got.stories[i].id == expected.stories[i].id);
      CHECK(got.stories[i].headline == expected.stories[i].headline);
      CHECK(got.stories[i].summary == expected.stories[i].summary);
      CHECK(got.stories[i].body == expected.stories[i].body);
      CHECK(got.stories[i].tickers == expected.stories[i].tickers);
      CHECK(got.stories[i].ts_recv_us == expected.stories[i].ts_recv_us);
      CHECK(got.stories[i].revision == expected.stories[i].revision);
    }
  }
}

TEST_CASE("nlohmann::json rejects what is not JSON, as a counted rejection") {
  h2s::baselines::NlohmannDecoder decoder;
  h2s::test::DecodeCapture got;
  const std::string line = "{\"id\":\"x\",\"headline\":" + std::string(h2s::feeds::kLinePadding, ' ');
  decoder.decode({line.data(), line.size() - h2s::feeds::kLinePadding}, h2s::kNoTime, got);
  REQUIRE(got.rejected.size() == 1);
  CHECK(got.rejected[0] == h2s::Status::malformed_json);
}

TEST_CASE("std::regex fires exactly the rules Hyperscan fires, on every sample story") {
  h2s::rules::Matcher hyperscan(pack());
  h2s::baselines::StdRegexMatcher std_regex(pack());
  auto expected = std::make_unique<h2s::rules::MatchResult>();
  auto got = std::make_unique<h2s::rules::MatchResult>();
  h2s::feeds::Decoder decoder;
  std::ifstream in(h2s::test::sample_feed());
  std::size_t stories = 0, matching = 0;
  for (std::string line; std::getline(in, line);) {
    for (const auto& s : h2s::test::decode_line(decoder, line).stories) {
      h2s::Story story;
      story.id = s.id;
      story.headline = s.headline;
      story.summary = s.summary;
      story.body = s.body;
      REQUIRE(hyperscan.match(story, *expected) == h2s::Status::ok);
      REQUIRE(std_regex.match(story, *got) == h2s::Status::ok);
      INFO(s.headline);
      CHECK(fired(*got) == fired(*expected));
      ++stories;
      matching += expected->rule_count > 0 ? 1 : 0;
    }
  }
  CHECK(stories == 211);
  CHECK(matching > 100);
}

TEST_CASE("A pattern std::regex cannot take is named in the error") {
  CHECK_THROWS_WITH(h2s::baselines::to_std_regex("(?<=x)y(", false), Catch::Contains("(?<=x)y("));
}
