// The scorer against the default pack: readings (company roles, policy stances, releases),
// duplicates, revisions, deletes, baselines, throttling and its fixed memory.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <string>

#include "h2s/rules/compiled_pack.hpp"
#include "h2s/rules/matcher.hpp"
#include "h2s/scoring/figures.hpp"
#include "h2s/scoring/fingerprint.hpp"
#include "h2s/scoring/scorer.hpp"
#include "test_paths.hpp"

using h2s::Side;
using h2s::scoring::Scorer;
using h2s::scoring::ScoreResult;
using h2s::scoring::StoryOutcome;

namespace {

std::shared_ptr<const h2s::rules::CompiledPack> default_pack() {
  static const auto pack = h2s::rules::CompiledPack::load(h2s::test::default_rules());
  return pack;
}

// Scores headlines against the default pack, each as a fresh story.
class Harness {
 public:
  Harness() : pack_(default_pack()), matcher_(pack_) {}

  const ScoreResult& score(const std::string& headline, const std::string& summary = "") {
    headline_ = headline;
    summary_ = summary;
    h2s::Story story;
    story.headline = headline_;
    story.summary = summary_;
    REQUIRE(matcher_.match(story, *match_) == h2s::Status::ok);
    scorer_.score(story, *match_, *pack_, *result_);
    return *result_;
  }
  // The side signalled for ticker, or "none".
  std::string side(const std::string& headline, const std::string& ticker) {
    const h2s::Signal* s = signal(headline, ticker);
    return s == nullptr ? "none" : std::string(h2s::to_string(s->side));
  }
  const h2s::Signal* signal(const std::string& headline, const std::string& ticker) {
    const ScoreResult& r = score(headline);
    for (std::size_t i = 0; i < r.signal_count; ++i) {
      if (r.signals[i].ticker.view() == ticker) return &r.signals[i];
    }
    return nullptr;
  }

 private:
  std::shared_ptr<const h2s::rules::CompiledPack> pack_;
  h2s::rules::Matcher matcher_;
  Scorer scorer_;
  std::unique_ptr<h2s::rules::MatchResult> match_ = std::make_unique<h2s::rules::MatchResult>();
  std::unique_ptr<ScoreResult> result_ = std::make_unique<ScoreResult>();
  std::string headline_, summary_;
};

// Admits and scores stories in time order against the default pack, as the pipeline does.
class Session {
 public:
  explicit Session(const h2s::scoring::ScoringParams& params = {}) : pack_(default_pack()), matcher_(pack_), scorer_(params) {}

  const ScoreResult& feed(const std::string& id, const std::string& headline, std::int64_t t_seconds,
                          h2s::StoryAction action = h2s::StoryAction::created, const std::string& body = "",
                          h2s::Vendor vendor = h2s::Vendor::benzinga) {
    id_ = id;
    headline_ = headline;
    body_ = body;
    h2s::Story story;
    story.vendor = vendor;
    story.id = id_;
    story.headline = headline_;
    story.body = body_;
    story.action = action;
    const std::int64_t now = 1'764'682'200'000'000 + t_seconds * 1'000'000;
    story.ts_source_us = story.ts_recv_us = now;
    if (scorer_.admit(story, now, *result_)) {
      REQUIRE(matcher_.match(story, *match_) == h2s::Status::ok);
      scorer_.score(story, *match_, *pack_, *result_);
    }
    return *result_;
  }
  const h2s::Signal* signal(const std::string& ticker) const {
    for (std::size_t i = 0; i < result_->signal_count; ++i) {
      if (result_->signals[i].ticker.view() == ticker) return &result_->signals[i];
    }
    return nullptr;
  }
  Scorer& scorer() { return scorer_; }

 private:
  std::shared_ptr<const h2s::rules::CompiledPack> pack_;
  h2s::rules::Matcher matcher_;
  Scorer scorer_;
  std::unique_ptr<h2s::rules::MatchResult> match_ = std::make_unique<h2s::rules::MatchResult>();
  std::unique_ptr<ScoreResult> result_ = std::make_unique<ScoreResult>();
  std::string id_, headline_, body_;
};

constexpr std::int64_t kMinute = 60;

}  // namespace

TEST_CASE("Company events give each company the side of its role, and nothing to companies named as context") {
  Harness h;
  // "A picks B over C": B wins, C loses, A (the customer) gets nothing.
  const char* picks = "Microsoft picks Broadcom over Nvidia for its next custom AI accelerator";
  CHECK(h.side(picks, "AVGO") == "buy");
  CHECK(h.side(picks, "NVDA") == "sell");
  CHECK(h.side(picks, "MSFT") == "none");
  // Workloads move from one cloud to another.
  const char* moves = "Anthropic shifts workloads away from AWS to Microsoft Azure";
  CHECK(h.side(moves, "AMZN") == "sell");
  CHECK(h.side(moves, "MSFT") == "buy");
  // Active and passive: the broker is untracked, the company rated is read either way.
  CHECK(h.side("Morgan Stanley downgrades Nvidia to equal-weight", "NVDA") == "sell");
  CHECK(h.side("Nvidia downgraded by Morgan Stanley on valuation", "NVDA") == "sell");
  CHECK(h.side("Equinix shares hit by short seller report", "EQIX") == "sell");
  // The side comes from the event, not the tone of the words around it.
  CHECK(h.side("Digital Realty lowers full-year FFO guidance", "DLR") == "sell");
  CHECK(h.side("Broadcom raises AI revenue forecast", "AVGO") == "buy");
  // A company named as context ("Nvidia supplier") is not the one acting.
  CHECK(h.side("Nvidia supplier TSMC raises AI chip forecast", "NVDA") == "none");
  // An event whose clause names no company reads the story's lead company.
  CHECK(h.side("Oracle: shares jump after record cloud bookings", "ORCL") == "buy");
  // A later clause naming only the lead, in none of its event's roles, still has the lead as actor.
  CHECK(h.side("AWS unveils Trn3 UltraServers, claims 3x the performance of Trn2", "AMZN") == "buy");
  // Results in one word, each company its own clause: opposite sides.
  const char* diverge = "Digital Realty beats on core FFO while Equinix misses";
  CHECK(h.side(diverge, "DLR") == "buy");
  CHECK(h.side(diverge, "EQIX") == "sell");
  // "by" before a figure is a margin, not who acts: the clause still reads the lead.
  CHECK(h.side("Oracle: misses by $0.05 as cloud costs mount", "ORCL") == "sell");
  // A print level with its estimate is in line, whatever its words.
  CHECK(h.side("*MICROSOFT 2Q AZURE REVENUE GROWTH 31%, EST. 31%", "MSFT") == "none");
  // A buyer weighing one supplier over another.
  const char* weighs = "Google weighs Broadcom-built accelerators over Nvidia chips for new cluster";
  CHECK(h.side(weighs, "AVGO") == "buy");
  CHECK(h.side(weighs, "NVDA") == "sell");
  // Gaming cards are outside the taxonomy, whatever the news.
  CHECK(h.side("Nvidia GeForce RTX 5090 demand surges at launch", "NVDA") == "none");
  // A share move the market explains is no company news; company news beside it still reads.
  CHECK(h.side("Nvidia shares edge lower as tech stocks retreat on rate worries", "NVDA") == "none");
  CHECK(h.side("Equinix stock climbs as REITs rally on falling bond yields", "EQIX") == "none");
  CHECK(h.side("Nvidia shares jump 4%", "NVDA") == "buy");
  CHECK(h.side("Broadcom shares fall as chip stocks slide after it cuts AI revenue forecast", "AVGO") == "sell");
  // An event a government imposes binds the company named after it.
  CHECK(h.side("U.S. widens chip curbs, blocking Nvidia H20 sales to China", "NVDA") == "sell");
  CHECK(h.side("Commerce revokes export licences, halting Nvidia supply to Chinese AI labs", "NVDA") == "sell");
}

TEST_CASE("Negations and stance operators turn what they govern, and compose") {
  Harness h;
  CHECK(h.side("Amazon delays Trainium3 shipments", "AMZN") == "sell");
  // Negation flips (topics.md): a denied setback is good news, and so is a denial with good news.
  CHECK(h.side("Amazon does not expect delays to Trainium3 shipments", "AMZN") == "buy");
  CHECK(h.side("Amazon says Trainium3 ramp on track, does not expect delays", "AMZN") == "buy");
  // "no rush to cut" is hawkish, "no rush to hike" dovish; "no rush" alone reads hawkish.
  CHECK(h.side("Fed's Williams says no rush to cut rates", "QQQ") == "sell");
  CHECK(h.side("Fed's Bullard says no rush to hike rates", "QQQ") == "buy");
  CHECK(h.side("*POWELL: NO RUSH ON POLICY", "TLT") == "sell");
  CHECK(h.side("Fed's Kocherlakota: premature to raise rates", "TLT") == "buy");
  CHECK(h.side("Fed's Schmid opposes further rate cuts", "QQQ") == "sell");
  CHECK(h.side("Fed's Jefferson refutes reports of an emergency cut", "QQQ") == "sell");
  CHECK(h.side("Fed's Logan says she would not support a rate cut", "QQQ") == "sell");
  // Ending an action reverses it, and a stance operator on the end reverses it back.
  CHECK(h.side("Fed officials signal end to rate hikes", "QQQ") == "buy");
  CHECK(h.side("Fed's Mester: premature to end rate hikes", "QQQ") == "sell");
  // Wanting more evidence of the easing case is the hawkish half of it.
  CHECK(h.side("Fed's Daly wants to see more progress on inflation before cutting", "TLT") == "sell");
  CHECK(h.side("Fed's Logan says she needs to see further evidence inflation is cooling", "QQQ") == "sell");
  // Two negations cancel: not ruling out a hike is hawkish.
  CHECK(h.side("Fed's Lockhart says he isn't ruling out a rate hike", "QQQ") == "sell");
  // Fewer cuts, a pause in hikes, a slower pace: the action is turned.
  CHECK(h.side("Fed's Bostic sees fewer rate cuts this year", "QQQ") == "sell");
  CHECK(h.side("Fed's Harker favors a pause in rate hikes", "QQQ") == "buy");
  CHECK(h.side("Fed's Daly backs slower pace of rate hikes", "TLT") == "buy");
  // A double negative keeps what follows; declining to advocate an action negates it.
  CHECK(h.side("Fed's Bullard says it would not be inappropriate to raise rates in June", "QQQ") == "sell");
  CHECK(h.side("Fed's Kashkari: not unreasonable to expect no rate hikes this year", "QQQ") == "buy");
  CHECK(h.side("Fed's Collins says she is not advocating a rate cut at this point", "QQQ") == "sell");
  // A weak or doubted case, a limit or a questioned action turns it.
  CHECK(h.side("Fed's Williams says case for a December hike less compelling", "QQQ") == "buy");
  CHECK(h.side("Fed's Hammack sees little case for further rate cuts", "QQQ") == "sell");
  CHECK(h.side("Fed's Schmid: scope for further easing limited", "TLT") == "sell");
  CHECK(h.side("Fed's Jefferson questions more asset purchases", "QQQ") == "sell");
  CHECK(h.side("Powell: The question of when to cut is coming into view", "QQQ") == "buy");  // a noun, no turn
  // Rates that must stay high and stalled progress are hawkish; policy at a sufficiently restrictive level is not.
  CHECK(h.side("Fed's Musalem says rates must stay high for some time", "QQQ") == "sell");
  CHECK(h.side("Fed's Bowman: inflation progress appears to have stalled", "TLT") == "sell");
  CHECK(h.side("Fed's Goolsbee says policy is at or near sufficiently restrictive level", "QQQ") == "buy");
  // A negator reaches the next term in its own clause only.
  CHECK(h.side("No surprise there, Amazon delays Trainium3", "AMZN") == "sell");
}

TEST_CASE("Hedges and intensifiers qualify strength and confidence, never the side") {
  Harness h;
  const h2s::Signal* found = h.signal("Broadcom AI revenue jumps", "AVGO");
  REQUIRE(found != nullptr);
  const h2s::Signal plain = *found;
  const double plain_confidence = plain.confidence, plain_strength = plain.strength;
  const h2s::Signal* hedged = h.signal("Broadcom AI revenue may jump, sources say", "AVGO");
  REQUIRE(hedged != nullptr);
  CHECK(hedged->side == Side::buy);
  CHECK(hedged->confidence < plain_confidence);
  CHECK(std::fabs(hedged->sentiment) < std::fabs(plain.sentiment));
  const h2s::Signal* sharp = h.signal("Broadcom AI revenue jumps sharply", "AVGO");
  REQUIRE(sharp != nullptr);
  CHECK(sharp->strength >= plain_strength);
  CHECK(plain_confidence > 0);
}

TEST_CASE("Releases read figures against estimates, surprises and moves with the indicator's polarity") {
  Harness h;
  // Figures against the estimate decide, in each wire's form.
  CHECK(h.side("US CPI YoY For November 2.7% Vs. 3.1% Est.; Prior 3.0%", "QQQ") == "buy");
  CHECK(h.side("*US MAY CPI RISES 0.4% M/M; EST. +0.3%", "TLT") == "sell");
  CHECK(h.side("*U.S. DEC. CPI FALLS 0.4%; EST. -0.4%", "QQQ") == "none");  // in line
  // More jobless claims and a higher unemployment rate are weaker labour: dovish.
  CHECK(h.side("U.S. Initial Jobless Claims Actual 231K (Forecast 225K, Previous 219K)", "QQQ") == "buy");
  CHECK(h.side("US unemployment rate rises to 4.6%, highest since 2021", "TLT") == "buy");
  CHECK(h.side("Weekly jobless claims fall to 210,000, lowest in months", "QQQ") == "sell");
  CHECK(h.side("ADP: private employers shed 32,000 jobs in November", "QQQ") == "buy");
  // "Less than expected" turns a rise; "barely" too.
  CHECK(h.side("U.S. consumer prices rise less than expected in March", "QQQ") == "buy");
  CHECK(h.side("US consumer prices barely rise in May", "QQQ") == "buy");
  // "Barely" qualifies its own clause's rise, not the sum with a superlative after it.
  CHECK(h.side("Consumer prices barely rose in May, smallest annual gain in three years", "QQQ") == "buy");
  // A superlative opening the next clause qualifies the print however far its indicator is.
  CHECK(h.side("Core PCE prices up 2.6% from a year ago in the latest month, slowest since March 2021", "TLT") == "buy");
  CHECK(h.side("Core PCE hotter than expected at 2.9%", "QQQ") == "sell");
  // In line, previews and calendars carry no direction.
  CHECK(h.side("US CPI rises 0.3% in May, in line with expectations", "QQQ") == "none");
  CHECK(h.side("CPI preview: economists expect prices to rise 0.3%", "QQQ") == "none");
  CHECK(h.side("*US FEB. CPI DUE AT 8:30 AM ET; EST. +0.4% M/M", "QQQ") == "none");
  // Indicators that point both ways are mixed.
  CHECK(h.side("US job growth slows in January; unemployment rate falls to 4.0%", "QQQ") == "none");
  // Only US releases count.
  CHECK(h.side("UK CPI rises 0.4%, hotter than expected", "QQQ") == "none");
  CHECK(h.side("Canada adds 60,000 jobs in October", "QQQ") == "none");
}

TEST_CASE("An FOMC hold is neutral unless the story guides, a speaker's hold reads hawkish") {
  Harness h;
  CHECK(h.side("Fed holds rates steady as expected", "QQQ") == "none");
  CHECK(h.side("Fed holds rates steady, signals two cuts later this year", "QQQ") == "buy");
  CHECK(h.side("FOMC holds rates, dot plot shows fewer cuts in 2026", "QQQ") == "sell");
  CHECK(h.side("*FED CUTS RATES BY 25 BPS TO 3.50%-3.75% RANGE", "TLT") == "buy");
  CHECK(h.side("Federal Reserve raises rates by 75 basis points", "TLT") == "sell");
  CHECK(h.side("Fed expected to cut rates next week", "QQQ") == "none");
  CHECK(h.side("Fed's Hammack says she favors holding rates steady", "QQQ") == "sell");
}

TEST_CASE("Fed officials are matched caseless beyond the famous few, and namesakes are not") {
  Harness h;
  CHECK(h.side("Minneapolis Fed's Kocherlakota backs more stimulus", "QQQ") == "buy");
  CHECK(h.side("PHILADELPHIA FED'S HARKER: RATE HIKES MAY BE NEEDED", "QQQ") == "sell");
  CHECK(h.side("fed's musalem says inflation still too high", "TLT") == "sell");
  CHECK(h.side("Boston Fed's Collins sees room to cut rates", "QQQ") == "buy");
  // Namesakes and foreign central banks.
  CHECK(h.side("Sen. Susan Collins says inflation is too high for families", "QQQ") == "none");
  CHECK(h.side("Treasury Secretary Yellen says inflation is easing", "QQQ") == "none");
  CHECK(h.side("Tim Cook says Apple will absorb tariff costs rather than hike prices", "QQQ") == "none");
  CHECK(h.side("Serena Williams says she is fed up with rising ticket prices", "QQQ") == "none");
  CHECK(h.side("ECB's Lagarde says rates can fall further", "QQQ") == "none");
  // Regulation is not rate stance.
  CHECK(h.side("Fed's Barr says bank capital rules will ease", "QQQ") == "none");
}

TEST_CASE("Entities are caseless, with their collision guards") {
  Harness h;
  CHECK(h.side("NVIDIA RAISES OUTLOOK ON STRONG DATA CENTER DEMAND", "NVDA") == "buy");
  CHECK(h.side("nvidia shares slide after china bans h20 purchases", "NVDA") == "sell");
  CHECK(h.side("Amazon rainforest fires spread as data centers strain power", "AMZN") == "none");
  CHECK(h.side("Azure Power Global wins solar contract as data center demand grows", "MSFT") == "none");
}

TEST_CASE("Every signal says what decided it: the event, or the lexicon at low confidence") {
  Harness h;
  const h2s::Signal* s = h.signal("Digital Realty raises core FFO guidance", "DLR");
  REQUIRE(s != nullptr);
  CHECK(s->event.view() == "guidance.raised");
  CHECK(s->basis == h2s::Basis::event);
  const h2s::Signal* macro = h.signal("US CPI YoY For November 2.7% Vs. 3.1% Est.", "QQQ");
  REQUIRE(macro != nullptr);
  CHECK(macro->event.view() == "figures.vs_expected");
}

TEST_CASE("Exact repeats are caught across wires, prefixes, case and punctuation") {
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

TEST_CASE("Near repeats are duplicates only when they signal the same: one-word edits and re-worded re-carries") {
  Session s;
  REQUIRE(s.feed("1", "Equinix raises AFFO guidance on record bookings", 0).outcome == StoryOutcome::signalled);
  // One word changed, same reading: a repeat.
  const auto& edited = s.feed("2", "Equinix lifts AFFO guidance on record bookings", kMinute);
  CHECK(edited.outcome == StoryOutcome::duplicate);
  CHECK(edited.near_duplicate);
  // Another wire, other words, the same company, side and topic: the same news.
  CHECK(s.feed("3", "Equinix boosts outlook as bookings hit a record", 2 * kMinute).outcome == StoryOutcome::duplicate);
  // One word changed that turns the reading: different news.
  REQUIRE(s.feed("4", "Fed's Waller says he supports a rate cut in December", 3 * kMinute).outcome == StoryOutcome::signalled);
  CHECK(s.feed("5", "Fed's Waller says he opposes a rate cut in December", 4 * kMinute).outcome == StoryOutcome::signalled);
  // The same reading from another official is other news.
  CHECK(s.feed("6", "Fed's Bowman says she supports a rate cut in December", 5 * kMinute).outcome == StoryOutcome::signalled);
  // A different figure is a different print.
  REQUIRE(s.feed("7", "US CPI rises 0.4% in May, above 0.3% forecast", 6 * kMinute).outcome == StoryOutcome::signalled);
  CHECK(s.feed("8", "US core CPI rises 0.5% in May, above 0.3% forecast", 7 * kMinute).outcome == StoryOutcome::signalled);
  CHECK(s.feed("9", "*US MAY CPI RISES 0.4% M/M; EST. +0.3%", 8 * kMinute).outcome == StoryOutcome::duplicate);
  // A flash and its prose re-carry share their words once wire abbreviations are read in full.
  REQUIRE(s.feed("11", "*BROADCOM SEES 1Q REV $14.6B, EST. $14.1B", 9 * kMinute).outcome == StoryOutcome::signalled);
  CHECK(s.feed("12", "Broadcom forecasts first-quarter revenue above estimates", 11 * kMinute).outcome == StoryOutcome::duplicate);
  // A speaker's flash that also hits the FOMC rule ("FED RATE INCREASE") and its prose re-carry are one speech.
  const auto& flash = s.feed("13", "*YELLEN: CASE FOR FED RATE INCREASE HAS STRENGTHENED IN RECENT MONTHS", 12 * kMinute);
  REQUIRE(flash.outcome == StoryOutcome::signalled);
  CHECK(s.signal("TLT")->topic.view() == "macro.fomc");
  CHECK(s.feed("14", "Yellen says case for rate hike has strengthened in recent months - Reuters", 13 * kMinute).outcome ==
        StoryOutcome::duplicate);
  // One FOMC decision, however a wire words it, is one event; the other side is other news.
  REQUIRE(s.feed("15", "Fed cuts rate three quarters point", 14 * kMinute).outcome == StoryOutcome::signalled);
  CHECK(s.feed("16", "FOMC Cuts 75 bps", 15 * kMinute).outcome == StoryOutcome::duplicate);
  CHECK(s.feed("17", "Fed holds rates, dot plot shows fewer cuts next year", 16 * kMinute).outcome == StoryOutcome::signalled);
  // A re-carry that names fewer of the story's companies repeats what it names.
  REQUIRE(s.feed("18", "Meta moves more training to Broadcom-designed MTIA chips from Nvidia GPUs", 17 * kMinute).signal_count == 2);
  CHECK(s.feed("19", "Meta shifts training workloads to Broadcom-built MTIA accelerators", 18 * kMinute).outcome ==
        StoryOutcome::duplicate);
  // After the window the same reading is news again.
  CHECK(s.feed("10", "Equinix boosts outlook as bookings hit a record", 30 * kMinute).outcome == StoryOutcome::signalled);
  // A decision that names a dissenter after it is the decision, as the re-carry that names nobody.
  REQUIRE(s.feed("20", "*FED RAISES RATES BY 25 BPS; KASHKARI DISSENTS", 50 * kMinute).outcome == StoryOutcome::signalled);
  CHECK(s.feed("21", "Federal Reserve raises interest rates by a quarter point", 51 * kMinute).outcome == StoryOutcome::duplicate);
}

TEST_CASE("A revision signals what it gains, withdraws and re-signals what it flips, and stays silent otherwise") {
  Session s;
  REQUIRE(s.feed("rev", "Equinix lowers AFFO guidance", 0).outcome == StoryOutcome::signalled);
  CHECK(s.signal("EQIX")->version == 1);
  const double first = s.signal("EQIX")->sentiment;
  // Same story, same text: a resend.
  CHECK(s.feed("rev", "Equinix lowers AFFO guidance", kMinute, h2s::StoryAction::updated).outcome == StoryOutcome::duplicate);
  // New text, same side: cosmetic.
  const auto& cosmetic = s.feed("rev", "Equinix lowers AFFO guidance for 2026", 2 * kMinute, h2s::StoryAction::updated);
  CHECK(cosmetic.outcome == StoryOutcome::duplicate);
  CHECK(cosmetic.unmoved == 1);
  CHECK(cosmetic.revision);
  // A correction that flips the side: a new signal that supersedes the old one.
  const auto& flipped = s.feed("rev", "CORRECTED-Equinix raises AFFO guidance", 3 * kMinute, h2s::StoryAction::updated);
  REQUIRE(flipped.outcome == StoryOutcome::signalled);
  const h2s::Signal* signal = s.signal("EQIX");
  REQUIRE(signal != nullptr);
  CHECK(signal->side == Side::buy);
  CHECK(signal->supersedes);
  CHECK(signal->version == 3);  // the unchanged resend was no new version
  CHECK(signal->delta == Approx(signal->sentiment - first));
  // A version that gains a direction the first lacked signals it.
  REQUIRE(s.feed("gain", "Broadcom to report results on Thursday", 10 * kMinute).outcome != StoryOutcome::signalled);
  const auto& gained = s.feed("gain", "Broadcom beats estimates as AI revenue jumps", 20 * kMinute, h2s::StoryAction::updated);
  CHECK(gained.outcome == StoryOutcome::signalled);
  REQUIRE(s.signal("AVGO") != nullptr);
  CHECK_FALSE(s.signal("AVGO")->supersedes);
}

TEST_CASE("A delete cancels a published signal, and is only counted otherwise") {
  Session s;
  REQUIRE(s.feed("d1", "Broadcom AI semiconductor revenue jumps 63%", 0).outcome == StoryOutcome::signalled);
  const auto& gone = s.feed("d1", "", 60, h2s::StoryAction::deleted);
  CHECK(gone.outcome == StoryOutcome::deleted);
  CHECK(gone.cancel);
  CHECK_FALSE(s.feed("d1", "", 90, h2s::StoryAction::deleted).cancel);  // already cancelled
  CHECK_FALSE(s.feed("never-seen", "", 120, h2s::StoryAction::deleted).cancel);
}

TEST_CASE("Delta is the sentiment minus an EWMA baseline that decays with its half-life") {
  h2s::scoring::ScoringParams params;
  params.baseline_alpha = 0.5;
  params.baseline_half_life_us = 3600LL * 1'000'000;
  params.semantic_window_us = 0;
  Session s(params);
  s.feed("b1", "Digital Realty raises guidance on record leasing", 0);
  const h2s::Signal* first = s.signal("DLR");
  REQUIRE(first != nullptr);
  const double x1 = first->sentiment;
  CHECK(first->delta == Approx(x1));  // no baseline yet
  // One hour later the baseline (0.5 x1) has decayed by half.
  s.feed("b2", "Digital Realty beats FFO estimates", 3600);
  const h2s::Signal* second = s.signal("DLR");
  REQUIRE(second != nullptr);
  const double baseline = 0.5 * x1 * 0.5;
  CHECK(second->delta == Approx(second->sentiment - baseline).margin(1e-9));
}

TEST_CASE("The per-ticker throttle caps bursts but never merges stories minutes apart") {
  h2s::scoring::ScoringParams params;
  params.throttle_max_signals = 2;
  params.throttle_interval_us = 1'000'000;
  params.semantic_window_us = 0;  // four stories of one side in a second: let the throttle see them
  Session s(params);
  const char* headlines[] = {"Nvidia Blackwell GPU orders surge", "Nvidia wins huge GB300 order from Meta",
                             "Nvidia data center revenue beats estimates", "Nvidia raises outlook on strong H200 demand"};
  int signalled = 0, throttled = 0;
  for (int i = 0; i < 4; ++i) {  // four distinct stories in the same second
    const auto& r = s.feed(std::string("t").append(std::to_string(i)), headlines[i], 0);
    signalled += r.outcome == StoryOutcome::signalled ? 1 : 0;
    throttled += static_cast<int>(r.throttled);
  }
  CHECK(signalled == 2);
  CHECK(throttled == 2);
  // Minutes later the same ticker signals again.
  CHECK(s.feed("t9", "Nvidia says Rubin GPUs are on track", 300).outcome == StoryOutcome::signalled);
}

TEST_CASE("Scoring state stays within its fixed memory however many stories pass") {
  h2s::scoring::ScoringParams params;
  params.dedup_capacity = 1024;
  params.story_capacity = 1024;
  params.edit_capacity = 4096;
  Session s(params);
  const std::size_t before = s.scorer().memory_bytes();
  for (int i = 0; i < 5000; ++i) {
    s.feed(std::string("m").append(std::to_string(i)),
           std::string("Nvidia GPU demand story number ").append(std::to_string(i * 7919)), i);
  }
  CHECK(s.scorer().memory_bytes() == before);
  CHECK(before < 4 * 1024 * 1024);
}

TEST_CASE("Scoring parameters can be set by name, and bad names or values are refused") {
  h2s::scoring::ScoringParams params;
  std::string error;
  CHECK(h2s::scoring::set_scoring_param(params, "direction_threshold", "0.3", error));
  CHECK(params.direction_threshold == 0.3);
  CHECK(h2s::scoring::set_scoring_param(params, "semantic_window_us", "60000000", error));
  CHECK(params.semantic_window_us == 60'000'000);
  CHECK(h2s::scoring::set_scoring_param(params, "lexicon_fallback_weight", "0", error));
  CHECK(h2s::scoring::set_scoring_param(params, "field_weight.body", "0.5", error));
  CHECK_FALSE(h2s::scoring::set_scoring_param(params, "direction_threshold", "1.5", error));
  CHECK_THAT(error, Catch::Matchers::Contains("[0"));
  CHECK_FALSE(h2s::scoring::set_scoring_param(params, "no_such_knob", "1", error));
  CHECK_THAT(error, Catch::Matchers::Contains("unknown scoring parameter"));
}

TEST_CASE("Wire decorations are stripped before hashing") {
  using h2s::scoring::normalized_text_hash;
  using h2s::scoring::strip_wire_decorations;
  CHECK(strip_wire_decorations("UPDATE 2-Fed holds rates") == "Fed holds rates");
  CHECK(strip_wire_decorations("BREAKING: Fed holds rates") == "Fed holds rates");
  CHECK(strip_wire_decorations("** Fed holds rates") == "Fed holds rates");
  CHECK(strip_wire_decorations("Fed holds rates - Reuters") == "Fed holds rates");
  CHECK(strip_wire_decorations("Fed holds rates | Benzinga") == "Fed holds rates");
  CHECK(strip_wire_decorations("Tesla Q3 deliveries 435K - below est") == "Tesla Q3 deliveries 435K - below est");
  CHECK(normalized_text_hash("Fed's  Williams: rates.") == normalized_text_hash("feds williams rates"));
  CHECK(normalized_text_hash("Fed holds rates") != normalized_text_hash("Fed cuts rates"));
}

TEST_CASE("The recent table never grows past its capacity and forgets after its window") {
  h2s::scoring::RecentTable<std::uint64_t> table(1000, 1'000'000);
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

TEST_CASE("Figures are read in every wire's form, and times, years and multiples are not figures") {
  using h2s::scoring::read_figures;
  auto read = [](const std::string& text) {
    static std::string kept;
    static h2s::rules::TokenizedText words;
    kept = text;
    h2s::rules::tokenize(kept, words);
    return read_figures(kept, words, 0, words.count);
  };
  auto f = read("US CPI YoY For November 2.7% Vs. 3.1% Est.; Prior 3.0%");
  REQUIRE(f.has_actual);
  CHECK(f.actual == Approx(2.7));
  CHECK(f.expected == Approx(3.1));
  CHECK(f.prior == Approx(3.0));
  CHECK(f.against_expected() == -1);
  f = read("U.S. Initial Jobless Claims Actual 231K (Forecast 225K, Previous 219K)");
  CHECK(f.actual == Approx(231000));
  CHECK(f.expected == Approx(225000));
  CHECK(f.prior == Approx(219000));
  f = read("Nvidia Q3 Adj. EPS $0.81 Beats $0.75 Estimate, Sales $35.08B Beat $33.13B");
  CHECK(f.actual == Approx(0.81));
  CHECK(f.expected == Approx(0.75));
  f = read("*NVIDIA SEES 4Q REV. $37.5B, EST. $37.1B");
  CHECK(f.actual == Approx(37.5e9));
  CHECK(f.expected == Approx(37.1e9));
  // A company's own forecast set against the street's estimate is the actual; a bare "forecast" the estimate.
  f = read("*NVIDIA 4Q REV. FORECAST $65B +/-2% VS $61.7B EST.");
  CHECK(f.actual == Approx(65e9));
  CHECK(f.expected == Approx(61.7e9));
  f = read("*US NOV. NONFARM PAYROLLS +227K; FORECAST +200K");
  CHECK(f.actual == Approx(227000));
  CHECK(f.expected == Approx(200000));
  f = read("Payrolls rose 275,000; economists had forecast 180,000");
  CHECK(f.actual == Approx(275000));
  CHECK(f.expected == Approx(180000));
  f = read("U.S. JOLTS Job Openings Actual 8.756M (Forecast 8.750M, Previous 8.748M)");
  CHECK(f.against_expected() == 0);  // within a tenth of a percent: in line
  f = read("us july cpi 2.7% y/y vs 2.8% est, core 3.1% vs 3.0% est");
  CHECK(f.mixed);
  f = read("*US FEB. CPI DUE AT 8:30 AM ET; EST. +0.4% M/M");
  CHECK_FALSE(f.has_actual);
  f = read("Nvidia 2025 revenue 4x higher");
  CHECK_FALSE(f.has_actual);
}

TEST_CASE("A vendor's primary ticker raises relevance, a vendor's sentiment is reported, never followed") {
  const auto pack = default_pack();
  h2s::rules::Matcher matcher(pack);
  auto match = std::make_unique<h2s::rules::MatchResult>();
  auto result = std::make_unique<ScoreResult>();
  // The ticker tagged by the vendor but named late in the body: low relevance unless primary.
  const std::string body(400, ' ');
  const std::string body_text = body + "Separately, Nvidia raises its data center revenue forecast.";
  auto score_nvda = [&](bool primary, h2s::VendorSentiment vendor_sentiment) -> h2s::Signal {
    Scorer scorer;
    h2s::Story story;
    story.vendor = h2s::Vendor::benzinga;
    story.id = "p1";
    story.headline = "Chip stocks to watch this week";
    story.body = body_text;
    story.ts_source_us = story.ts_recv_us = 1'764'682'200'000'000;
    (void)story.tickers[0].assign("NVDA");
    story.ticker_count = 1;
    story.primary_tickers = primary ? 1 : 0;
    story.vendor_sentiment[0] = vendor_sentiment;
    REQUIRE(scorer.admit(story, story.ts_recv_us, *result));
    REQUIRE(matcher.match(story, *match) == h2s::Status::ok);
    scorer.score(story, *match, *pack, *result);
    for (std::size_t i = 0; i < result->signal_count; ++i) {
      if (result->signals[i].ticker.view() == "NVDA") return result->signals[i];
    }
    FAIL("no NVDA signal");
    return {};
  };
  const h2s::Signal plain = score_nvda(false, h2s::VendorSentiment::none);
  const h2s::Signal primary = score_nvda(true, h2s::VendorSentiment::negative);
  CHECK(plain.vendor_sentiment == h2s::VendorSentiment::none);
  CHECK(primary.relevance >= 0.8);
  CHECK(primary.relevance > plain.relevance);
  CHECK(primary.strength > plain.strength);
  // The vendor reads it negative; h2s's side is its own reading of the text.
  CHECK(primary.side == h2s::Side::buy);
  CHECK(primary.vendor_sentiment == h2s::VendorSentiment::negative);
}
