#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "h2s/rules/compiled_pack.hpp"
#include "h2s/rules/matcher.hpp"
#include "h2s/scoring/fingerprint.hpp"
#include "h2s/scoring/scorer.hpp"
#include "h2s/scoring/text_scan.hpp"
#include "test_paths.hpp"

using h2s::Side;
using h2s::scoring::Scorer;
using h2s::scoring::ScoreResult;
using h2s::scoring::StoryOutcome;

namespace {

// Scores headlines against the default pack, each as a fresh story.
class Harness {
 public:
  Harness() : pack_(h2s::rules::CompiledPack::load(h2s::test::default_rules())), matcher_(pack_) {}

  const ScoreResult& score(const std::string& headline, const std::string& body = "") {
    headline_ = headline;
    body_ = body;
    h2s::Story story;
    story.headline = headline_;
    story.body = body_;
    REQUIRE(matcher_.match(story, *match_) == h2s::Status::ok);
    scorer_.score(story, *match_, *pack_, *result_);
    return *result_;
  }
  // The side signalled for ticker, or "none".
  std::string side(const std::string& headline, const std::string& ticker) {
    const ScoreResult& r = score(headline);
    for (std::size_t i = 0; i < r.signal_count; ++i) {
      if (r.signals[i].ticker.view() == ticker) return std::string(h2s::to_string(r.signals[i].side));
    }
    return "none";
  }
  double sentiment(const std::string& headline, const std::string& ticker) {
    const ScoreResult& r = score(headline);
    for (std::size_t i = 0; i < r.signal_count; ++i) {
      if (r.signals[i].ticker.view() == ticker) return r.signals[i].sentiment;
    }
    return 0;
  }

 private:
  std::shared_ptr<const h2s::rules::CompiledPack> pack_;
  h2s::rules::Matcher matcher_;
  Scorer scorer_;
  std::unique_ptr<h2s::rules::MatchResult> match_ = std::make_unique<h2s::rules::MatchResult>();
  std::unique_ptr<ScoreResult> result_ = std::make_unique<ScoreResult>();
  std::string headline_, body_;
};

}  // namespace

TEST_CASE("Negation flips the term it governs, within its clause only") {
  Harness h;
  CHECK(h.side("Amazon delays Trainium3 shipments", "AMZN") == "sell");
  CHECK(h.side("Amazon does not expect delays to Trainium3 shipments", "AMZN") == "buy");
  CHECK(h.side("Powell says the Fed is in no hurry to cut rates", "QQQ") == "sell");
  CHECK(h.side("Powell says the Fed will cut rates", "QQQ") == "buy");
  // A negator in another clause does not reach across the comma.
  CHECK(h.side("No surprise there, Amazon delays Trainium3", "AMZN") == "sell");
}

TEST_CASE("Intensifiers and hedges scale a term without changing its sign") {
  Harness h;
  const double plain = h.sentiment("Broadcom AI revenue rises", "AVGO");
  const double sharp = h.sentiment("Broadcom AI revenue rises sharply", "AVGO");
  const double hedged = h.sentiment("Broadcom AI revenue may rise", "AVGO");
  CHECK(plain > 0);
  CHECK(sharp > plain);
  CHECK(hedged < plain);
}

TEST_CASE("Macro surprises map to QQQ and TLT in the same direction, US only") {
  Harness h;
  CHECK(h.side("US CPI rises 0.4%, hotter than expected", "QQQ") == "sell");
  CHECK(h.side("US CPI rises 0.4%, hotter than expected", "TLT") == "sell");
  CHECK(h.side("Core CPI cools to 2.8%, below forecasts", "TLT") == "buy");
  CHECK(h.side("UK CPI rises 0.4%, hotter than expected", "QQQ") == "none");
  // Rising unemployment is dovish: the slack rule inverts the lexicon's direction.
  CHECK(h.side("US unemployment rate rises to 4.6%", "QQQ") == "buy");
  CHECK(h.side("Payrolls jump 250,000; unemployment rate falls to 4.0%", "QQQ") == "sell");
}

TEST_CASE("On-topic stories without a direction are events, off-topic ones no match") {
  Harness h;
  CHECK(h.score("AWS re:Invent: Amazon details Trainium roadmap").outcome == StoryOutcome::event);
  CHECK(h.score("BLS says shutdown left gaps in November CPI data collection").outcome == StoryOutcome::event);
  CHECK(h.score("Costco opens new headquarters in Austin").outcome == StoryOutcome::no_match);
  CHECK(h.score("Nvidia launches GeForce RTX 5090 gaming cards, demand surges").outcome != StoryOutcome::signalled);
}

TEST_CASE("Exact duplicates are caught across wires, prefixes, case and punctuation") {
  Scorer scorer;
  ScoreResult result;
  int next_id = 0;
  std::string id;
  auto admit = [&](const std::string& headline, std::int64_t now, h2s::StoryAction action = h2s::StoryAction::created) {
    h2s::Story story;
    id = "story-" + std::to_string(++next_id);  // each wire's copy is its own story
    story.id = id;
    story.headline = headline;
    story.action = action;
    return scorer.admit(story, now, result);
  };
  const std::int64_t t0 = 1'764'682'200'000'000;
  CHECK(admit("Broadcom AI revenue climbs 74%, tops estimates", t0));
  CHECK_FALSE(admit("UPDATE 1-Broadcom AI revenue climbs 74%, tops estimates", t0 + 60'000'000));
  CHECK(result.outcome == StoryOutcome::duplicate);
  CHECK_FALSE(admit("*BROADCOM AI REVENUE CLIMBS 74% TOPS ESTIMATES", t0 + 90'000'000));
  CHECK_FALSE(admit("BRIEF-Broadcom AI revenue climbs 74%, tops estimates - Reuters", t0 + 120'000'000));
  // Outside the window the same text is news again.
  CHECK(admit("Broadcom AI revenue climbs 74%, tops estimates", t0 + 16LL * 60 * 1'000'000));
  CHECK_FALSE(admit("anything", t0, h2s::StoryAction::deleted));
  CHECK(result.outcome == StoryOutcome::deleted);
}

TEST_CASE("Wire decorations are stripped before hashing") {
  using h2s::scoring::normalized_text_hash;
  using h2s::scoring::strip_wire_decorations;
  CHECK(strip_wire_decorations("UPDATE 2-Fed holds rates") == "Fed holds rates");
  CHECK(strip_wire_decorations("BREAKING: Fed holds rates") == "Fed holds rates");
  CHECK(strip_wire_decorations("** Fed holds rates") == "Fed holds rates");
  CHECK(strip_wire_decorations("Fed holds rates - Reuters") == "Fed holds rates");
  CHECK(strip_wire_decorations("Fed holds rates | Benzinga") == "Fed holds rates");
  CHECK(normalized_text_hash("Fed's  Williams: rates.") == normalized_text_hash("feds williams rates"));
  CHECK(normalized_text_hash("Fed holds rates") != normalized_text_hash("Fed cuts rates"));
}

TEST_CASE("The recent table never grows past its capacity and forgets after its window") {
  h2s::scoring::RecentTable table(1000, 1'000'000);
  const std::size_t capacity = table.capacity();
  CHECK(capacity == 1024);
  for (std::uint64_t i = 1; i <= 100'000; ++i) table.put(i * 0x9E3779B97F4A7C15ULL, i, static_cast<std::int64_t>(i));
  CHECK(table.capacity() == capacity);
  CHECK(table.memory_bytes() == capacity * 24);
  CHECK(table.evictions() > 0);
  table.put(42, 7, 5'000'000);
  REQUIRE(table.find(42, 5'500'000) != nullptr);
  CHECK(*table.find(42, 5'500'000) == 7);
  CHECK(table.find(42, 6'000'001) == nullptr);  // outside the window
}

TEST_CASE("A revision is news when its text changed, a duplicate when it did not") {
  Scorer scorer;
  ScoreResult result;
  h2s::Story story;
  story.vendor = h2s::Vendor::benzinga;
  story.id = "38042378";
  story.headline = "Equinix lowers AFFO guidance";
  const std::int64_t t0 = 1'764'682'200'000'000;
  CHECK(scorer.admit(story, t0, result));
  story.action = h2s::StoryAction::updated;
  CHECK_FALSE(scorer.admit(story, t0 + 60'000'000, result));  // resent unchanged
  CHECK(result.outcome == StoryOutcome::duplicate);
  story.body = "CFO says demand remains strong";
  CHECK(scorer.admit(story, t0 + 120'000'000, result));  // same headline, new body: a revision
  CHECK_FALSE(scorer.admit(story, t0 + 180'000'000, result));
}

TEST_CASE("Clauses split at punctuation and joining words, not inside numbers or U.S.") {
  using h2s::scoring::clause_begin;
  using h2s::scoring::clause_end;
  const std::string_view text = "U.S. payrolls rise 275,000 as hiring slows; wages 0.4% up";
  CHECK(clause_begin(text, 10) == 0);
  CHECK(clause_end(text, 10) == 26);  // stops before " as"
  CHECK(clause_begin(text, 35) == 27);  // just after the space before "as"
  CHECK(clause_end(text, 35) == 42);  // the ';'
}
