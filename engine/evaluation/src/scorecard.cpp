#include "h2s/evaluation/scorecard.hpp"

#include <algorithm>
#include <unordered_map>

namespace h2s::evaluation {
namespace {

std::string version_key(std::string_view story_id, std::uint32_t version) {
  std::string key(story_id);
  key += '\x1f';
  key += std::to_string(version);
  return key;
}

void add(Tally& into, const Tally& t) {
  into.expected_pairs += t.expected_pairs;
  into.correct += t.correct;
  into.wrong_side += t.wrong_side;
  into.quiet += t.quiet;
  into.false_alarms += t.false_alarms;
  into.duplicates += t.duplicates;
  into.duplicates_suppressed += t.duplicates_suppressed;
  into.revised += t.revised;
  into.revised_right += t.revised_right;
  into.spillover += t.spillover;
}

std::string pair_text(std::string_view ticker, Side side) {
  return std::string(ticker) + " " + std::string(to_string(side));
}

}  // namespace

Scorecard score_signals(const LabelSet& labels, std::span<const ObservedSignal> signals) {
  Scorecard card;
  std::unordered_map<std::string, std::vector<const ObservedSignal*>> by_version;
  std::unordered_map<std::string, std::uint64_t> by_story;
  for (const ObservedSignal& s : signals) {
    ++card.signals;
    if (s.basis == Basis::lexicon) ++card.lexicon_signals;
    by_version[version_key(s.story_id, s.version)].push_back(&s);
    ++by_story[s.story_id];
    if (labels.find(s.story_id, s.version) == nullptr) ++card.unlabelled_signals;
  }
  static const std::vector<const ObservedSignal*> kNone;
  auto signals_of = [&](const Label& l) -> const std::vector<const ObservedSignal*>& {
    const auto it = by_version.find(version_key(l.story_id, l.version));
    return it == by_version.end() ? kNone : it->second;
  };

  for (std::size_t i = 0; i < labels.labels.size(); ++i) {
    const Label& label = labels.labels[i];
    const auto& got = signals_of(label);
    Tally t;
    auto fail = [&](std::string what) { card.failures.push_back({&label, std::move(what), got}); };
    if (label.kind == LabelKind::signal || label.kind == LabelKind::revision) {
      for (const ExpectedPair& pair : label.expect) {
        ++t.expected_pairs;
        bool right = false, other = false;
        for (const ObservedSignal* s : got) {
          if (s->ticker != pair.ticker) continue;
          (s->side == pair.side ? right : other) = true;
        }
        const std::size_t row = pair.side == Side::buy ? Confusion::buy : Confusion::sell;
        if (right) {
          ++t.correct;
          ++card.confusion.cells[row][row];
        } else if (other) {
          ++t.wrong_side;
          ++card.confusion.cells[row][row == Confusion::buy ? Confusion::sell : Confusion::buy];
          fail("wrong side: " + pair_text(pair.ticker, pair.side == Side::buy ? Side::sell : Side::buy) +
               " for expected " + pair_text(pair.ticker, pair.side));
        } else {
          ++card.confusion.cells[row][Confusion::none];
          fail("missed " + pair_text(pair.ticker, pair.side));
        }
      }
      for (const ObservedSignal* s : got) {
        // A ticker any version of the story expects is not spillover (re-signalling it is a revision's fault).
        bool expected = false;
        for (std::size_t j = i; j-- > 0 && labels.labels[j].story_id == label.story_id;) {
          for (const ExpectedPair& p : labels.labels[j].expect) expected = expected || p.ticker == s->ticker;
        }
        for (std::size_t j = i; j < labels.labels.size() && labels.labels[j].story_id == label.story_id; ++j) {
          for (const ExpectedPair& p : labels.labels[j].expect) expected = expected || p.ticker == s->ticker;
        }
        if (!expected) {
          ++t.spillover;
          fail("spillover: " + pair_text(s->ticker, s->side));
        }
      }
    } else {
      const bool buy = std::any_of(got.begin(), got.end(), [](const ObservedSignal* s) { return s->side == Side::buy; });
      const bool sell = std::any_of(got.begin(), got.end(), [](const ObservedSignal* s) { return s->side == Side::sell; });
      if (buy) ++card.confusion.cells[Confusion::none][Confusion::buy];
      if (sell) ++card.confusion.cells[Confusion::none][Confusion::sell];
      if (!buy && !sell) ++card.confusion.cells[Confusion::none][Confusion::none];
      if (label.quiet()) {
        ++t.quiet;
        if (!got.empty()) {
          ++t.false_alarms;
          fail(label.kind == LabelKind::distractor ? "false alarm on a distractor" : "false alarm: no direction expected");
        }
      } else {
        ++t.duplicates;
        if (got.empty()) ++t.duplicates_suppressed;
        else fail("duplicate not suppressed");
      }
    }
    // A revised story is judged once, at its first version, over all its versions.
    if (label.version == 1) {
      std::uint64_t expected = 0;
      bool revised = false;
      for (std::size_t j = i; j < labels.labels.size() && labels.labels[j].story_id == label.story_id; ++j) {
        expected += labels.labels[j].expect.size();
        revised = revised || labels.labels[j].version > 1;
      }
      if (revised) {
        ++t.revised;
        const auto it = by_story.find(label.story_id);
        const std::uint64_t count = it == by_story.end() ? 0 : it->second;
        if (count == expected) ++t.revised_right;
        else fail("revised story: " + std::to_string(count) + " signals over its versions, " + std::to_string(expected) + " expected");
      }
    }
    add(card.by_topic[label.topic.empty() ? "(none)" : label.topic], t);
    add(card.overall, t);
  }
  return card;
}

}  // namespace h2s::evaluation
