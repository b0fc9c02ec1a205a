// The scorecard's figures follow labels.md's definitions exactly, on hand-counted cases.
#include <catch2/catch.hpp>

#include <string>

#include "h2s/evaluation/labels.hpp"
#include "h2s/evaluation/scorecard.hpp"

using h2s::Side;
using h2s::evaluation::LabelError;
using h2s::evaluation::ObservedSignal;
using h2s::evaluation::parse_labels;

namespace {

ObservedSignal sig(std::string id, std::uint32_t version, std::string ticker, Side side) {
  ObservedSignal s;
  s.story_id = std::move(id);
  s.version = version;
  s.ticker = std::move(ticker);
  s.side = side;
  return s;
}

constexpr const char* kLabels = R"({
  "c1": {"expect": [["QQQ","sell"],["TLT","sell"]], "topic": "macro.cpi", "kind": "signal", "note": "hot"},
  "n1": {"expect": [["NVDA","buy"],["AVGO","sell"]], "topic": "nvda.gpu", "kind": "signal", "note": "picks over"},
  "d1": {"expect": [], "topic": null, "kind": "distractor", "note": "rainforest"},
  "d2": {"expect": [], "topic": "macro.cpi", "kind": "no_direction", "note": "preview"},
  "u1": {"expect": [], "topic": "macro.cpi", "kind": "duplicate", "note": "re-carry of c1"},
  "u2": {"expect": [], "topic": "nvda.gpu", "kind": "duplicate", "note": "re-carry of n1"},
  "r1": {"expect": [["DLR","buy"]], "topic": "dc.reit", "kind": "signal", "note": "v1"},
  "r1@2": {"expect": [["DLR","sell"]], "topic": "dc.reit", "kind": "revision", "note": "flips"},
  "r2": {"expect": [["EQIX","buy"]], "topic": "dc.reit", "kind": "signal", "note": "v1"},
  "r2@2": {"expect": [], "topic": "dc.reit", "kind": "revision", "note": "cosmetic"}
})";

}  // namespace

TEST_CASE("Labels load with their version suffixes, sorted by story and version") {
  const auto set = parse_labels(kLabels, "t.json");
  REQUIRE(set.labels.size() == 10);
  const auto* r = set.find("r1", 2);
  REQUIRE(r != nullptr);
  CHECK(r->key == "r1@2");
  CHECK(r->kind == h2s::evaluation::LabelKind::revision);
  CHECK(r->expect.at(0).side == Side::sell);
  CHECK(set.find("r1", 3) == nullptr);
  CHECK(set.find("d1", 1)->topic.empty());
  // An '@' that is not followed by a number is part of the id.
  CHECK(parse_labels(R"({"a@b": {"expect": [], "kind": "distractor"}})", "t").find("a@b", 1) != nullptr);
}

TEST_CASE("Every problem in a label file is named, not just the first") {
  const char* bad = R"({
    "x": {"expect": [["NVDA","long"]], "kind": "signal"},
    "y": {"expect": [], "kind": "maybe"},
    "z@1": {"expect": [], "kind": "revision"},
    "w@2": {"expect": [], "kind": "revision"},
    "q": {"expect": [["NVDA","buy"]], "kind": "distractor"}
  })";
  try {
    (void)parse_labels(bad, "bad.json");
    FAIL("bad labels were accepted");
  } catch (const LabelError& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Catch::Matchers::Contains("\"x\": each expected pair"));
    CHECK_THAT(what, Catch::Matchers::Contains("\"y\": \"kind\""));
    CHECK_THAT(what, Catch::Matchers::Contains("\"z@1\": a version suffix"));
    CHECK_THAT(what, Catch::Matchers::Contains("\"w@2\": a later version without its first"));
    CHECK_THAT(what, Catch::Matchers::Contains("\"q\": a distractor expects no signal"));
  }
  CHECK_THROWS_AS(parse_labels("[1,2]", "t"), LabelError);
  CHECK_THROWS_AS(parse_labels("{", "t"), LabelError);
}

TEST_CASE("The scorecard counts recall, wrong side, false alarms, duplicates, revisions and spillover as labels.md defines them") {
  const auto set = parse_labels(kLabels, "t.json");
  const std::vector<ObservedSignal> signals = {
      sig("c1", 1, "QQQ", Side::sell), sig("c1", 1, "TLT", Side::buy),  // one right, one wrong side
      sig("n1", 1, "NVDA", Side::buy), sig("n1", 1, "MSFT", Side::buy),  // AVGO missed, MSFT spills over
      sig("d2", 1, "QQQ", Side::buy),                                    // a false alarm
      sig("u2", 1, "NVDA", Side::buy),                                   // a duplicate let through
      sig("r1", 1, "DLR", Side::buy), sig("r1", 2, "DLR", Side::sell),   // a flip: 2 signals, 2 expected
      sig("r2", 1, "EQIX", Side::buy), sig("r2", 2, "EQIX", Side::buy),  // a cosmetic revision re-signalled
      sig("zz", 1, "AMZN", Side::buy),                                   // not labelled
  };
  const auto card = h2s::evaluation::score_signals(set, signals);
  const auto& t = card.overall;
  CHECK(t.expected_pairs == 7);  // c1 2, n1 2, r1 1, r1@2 1, r2 1
  CHECK(t.correct == 5);         // QQQ, NVDA, DLR buy, DLR sell, EQIX
  CHECK(t.wrong_side == 1);      // TLT
  CHECK(t.recall() == Approx(5.0 / 7));
  CHECK(t.quiet == 2);
  CHECK(t.false_alarms == 1);
  CHECK(t.duplicates == 2);
  CHECK(t.duplicates_suppressed == 1);
  CHECK(t.revised == 2);
  CHECK(t.revised_right == 1);
  CHECK(t.spillover == 1);
  CHECK(card.signals == 11);
  CHECK(card.unlabelled_signals == 1);
  CHECK(card.by_topic.at("macro.cpi").expected_pairs == 2);
  CHECK(card.by_topic.at("macro.cpi").wrong_side == 1);
  CHECK(card.by_topic.at("macro.cpi").quiet == 1);
  CHECK(card.by_topic.at("(none)").quiet == 1);
  CHECK(card.by_topic.at("(none)").false_alarms == 0);
  using C = h2s::evaluation::Confusion;
  CHECK(card.confusion.cells[C::sell][C::sell] == 2);  // QQQ, r1@2 DLR
  CHECK(card.confusion.cells[C::sell][C::buy] == 1);
  CHECK(card.confusion.cells[C::sell][C::none] == 1);  // AVGO
  CHECK(card.confusion.cells[C::buy][C::buy] == 3);
  CHECK(card.confusion.cells[C::none][C::buy] == 2);   // d2, u2
  CHECK(card.confusion.cells[C::none][C::none] == 2);  // d1, u1
  REQUIRE(card.failures.size() == 6);  // wrong side, missed, spillover, false alarm, duplicate, revision count
  CHECK(card.failures[0].what == "wrong side: TLT buy for expected TLT sell");
}

TEST_CASE("A run with no signals at all recalls nothing and raises no alarm") {
  const auto set = parse_labels(kLabels, "t.json");
  const auto card = h2s::evaluation::score_signals(set, {});
  CHECK(card.overall.recall() == 0);
  CHECK(card.overall.false_alarm_rate() == 0);
  CHECK(card.overall.duplicates_rate() == 1);
  CHECK(card.overall.revised == 2);
  CHECK(card.overall.revised_right == 0);  // each expects a signal over its versions
}
