// The load generator: repeatable, every vendor format decodable with the ids it predicts, and the
// shares it is asked for.
#include <catch2/catch.hpp>

#include <map>
#include <sstream>

#include "decode_capture.hpp"
#include "h2s/feeds/decoder.hpp"
#include "h2s/perf/load_generator.hpp"
#include "h2s/pipeline/processor.hpp"
#include "h2s/rules/matcher.hpp"
#include "counting_signal_sink.hpp"
#include "test_paths.hpp"

namespace {

using h2s::perf::LoadGenerator;
using h2s::perf::LoadOptions;
using h2s::perf::MessageKind;

std::shared_ptr<const h2s::rules::CompiledPack> pack() {
  static const auto p = h2s::rules::CompiledPack::load(h2s::test::default_rules());
  return p;
}

const std::vector<h2s::perf::CorpusStory>& corpus() {
  static const auto c = h2s::perf::load_corpus(h2s::test::sample_feed(), *pack());
  return c;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("The corpus is the sample feed's distinct new stories, classified against the pack") {
  REQUIRE(corpus().size() > 150);
  std::size_t matching = 0;
  for (const auto& story : corpus()) matching += story.matching ? 1 : 0;
  CHECK(matching > 50);
  CHECK(matching < corpus().size());
}

TEST_CASE("The same seed gives the same bytes, another seed other bytes") {
  LoadOptions options;
  options.seed = 7;
  LoadGenerator a(corpus(), options), b(corpus(), options);
  options.seed = 8;
  LoadGenerator c(corpus(), options);
  const std::string first = a.lines(500);
  CHECK(first == b.lines(500));
  CHECK(first != c.lines(500));
}

TEST_CASE("Every generated message decodes as one story in its vendor's format, with the predicted id") {
  LoadGenerator generator(corpus(), LoadOptions{});
  std::vector<h2s::perf::GeneratedMessage> meta;
  const std::vector<std::string> lines = split_lines(generator.lines(3000, &meta));
  REQUIRE(lines.size() == 3000);
  h2s::feeds::Decoder decoder;
  std::map<h2s::Vendor, std::size_t> vendors;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto captured = h2s::test::decode_line(decoder, lines[i]);
    INFO("line " << i << ": " << lines[i]);
    REQUIRE(captured.stories.size() == 1);
    REQUIRE(captured.callbacks() == 1);
    CHECK(captured.stories[0].vendor == meta[i].vendor);
    CHECK(captured.stories[0].id == meta[i].story_id);
    ++vendors[meta[i].vendor];
  }
  CHECK(vendors.size() == 6);
  for (const auto& [vendor, count] : vendors) CHECK(count > 300);
}

TEST_CASE("The generator produces the matching, duplicate and revision shares it is given") {
  LoadOptions options;
  options.matching_share = 0.8;
  options.duplicate_share = 0.1;
  options.revision_share = 0.15;
  LoadGenerator generator(corpus(), options);
  std::vector<h2s::perf::GeneratedMessage> meta;
  const std::vector<std::string> lines = split_lines(generator.lines(10000, &meta));
  std::size_t fresh = 0, matching = 0, duplicates = 0, revisions = 0;
  h2s::feeds::Decoder decoder;
  h2s::rules::Matcher matcher(pack());
  auto match = std::make_unique<h2s::rules::MatchResult>();
  for (std::size_t i = 0; i < meta.size(); ++i) {
    duplicates += meta[i].kind == MessageKind::duplicate ? 1 : 0;
    revisions += meta[i].kind == MessageKind::revision ? 1 : 0;
    if (meta[i].kind != MessageKind::fresh) continue;
    ++fresh;
    matching += meta[i].matching ? 1 : 0;
    if (i % 50 == 0) {  // the label is the matcher's verdict on the decoded story
      struct Check final : h2s::feeds::DecodeSink {
        h2s::rules::Matcher* m;
        h2s::rules::MatchResult* r;
        bool matched = false;
        void on_story(const h2s::Story& s) noexcept override { matched = m->match(s, *r) == h2s::Status::ok && r->rule_count > 0; }
        void on_rejected(h2s::Status) noexcept override {}
        void on_control(h2s::ControlReason) noexcept override {}
      } check;
      check.m = &matcher;
      check.r = match.get();
      std::string padded = lines[i] + std::string(h2s::feeds::kLinePadding, ' ');
      decoder.decode({padded.data(), lines[i].size()}, h2s::kNoTime, check);
      CHECK(check.matched == meta[i].matching);
    }
  }
  CHECK(static_cast<double>(duplicates) / 10000 == Approx(0.1).margin(0.015));
  CHECK(static_cast<double>(revisions) / 10000 == Approx(0.15).margin(0.015));
  CHECK(static_cast<double>(matching) / static_cast<double>(fresh) == Approx(0.8).margin(0.02));
}

TEST_CASE("h2s scores generated duplicates as duplicates and revisions as revisions") {
  LoadOptions options;
  options.duplicate_share = 0.1;
  options.revision_share = 0.1;
  LoadGenerator generator(corpus(), options);
  std::vector<h2s::perf::GeneratedMessage> meta;
  std::string text = generator.lines(4000, &meta);
  std::size_t duplicates = 0, revisions = 0;
  for (const auto& m : meta) {
    duplicates += m.kind == MessageKind::duplicate ? 1 : 0;
    revisions += m.kind == MessageKind::revision ? 1 : 0;
  }
  h2s::pipeline::PipelineCounters counters;
  h2s::test::CountingSink sink;
  h2s::pipeline::Processor processor(h2s::pipeline::ProcessorConfig{}, pack(), sink, counters);
  text.append(h2s::feeds::kLinePadding, ' ');
  processor.on_stream_bytes({text.data(), text.size() - h2s::feeds::kLinePadding});
  processor.on_end_of_stream();
  CHECK(counters.balanced());
  CHECK(counters.messages.get() == 4000);
  CHECK(counters.rejected_total() == 0);
  // New stories are a minute apart, so only the generated repeats fall inside the duplicate window.
  CHECK(counters.outcome(h2s::scoring::StoryOutcome::duplicate) >= duplicates);
  CHECK(counters.outcome(h2s::scoring::StoryOutcome::duplicate) < duplicates + revisions + 40);
  CHECK(counters.revisions.get() + counters.revisions_unmoved.get() > revisions / 2);
}

TEST_CASE("Impossible generator options are refused") {
  LoadOptions options;
  options.duplicate_share = 0.7;
  options.revision_share = 0.4;
  CHECK_THROWS_WITH(LoadGenerator(corpus(), options), Catch::Contains("more than 1"));
  options = LoadOptions{};
  options.matching_share = 1.5;
  CHECK_THROWS_AS(LoadGenerator(corpus(), options), std::invalid_argument);
  options = LoadOptions{};
  options.vendors.clear();
  CHECK_THROWS_WITH(LoadGenerator(corpus(), options), Catch::Contains("no vendor"));
}
