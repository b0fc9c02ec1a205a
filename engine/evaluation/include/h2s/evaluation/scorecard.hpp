#pragma once
// How a run's signals measure up to a corpus's labels, with the definitions of labels.md:
// recall, wrong side, false alarms, duplicates suppressed, revisions right, spillover; per topic,
// overall, and as a confusion table.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "h2s/evaluation/labels.hpp"
#include "h2s/model/signal.hpp"

namespace h2s::evaluation {

// One signal line of a run, as much of it as scoring needs.
struct ObservedSignal {
  std::string story_id;
  std::uint32_t version = 1;
  std::string ticker;
  Side side = Side::buy;
  std::string topic;
  std::string rule;
  std::string event;
  Basis basis = Basis::event;
};

struct Tally {
  std::uint64_t expected_pairs = 0;  // over signal and revision labels
  std::uint64_t correct = 0;         // expected pairs signalled on their side
  std::uint64_t wrong_side = 0;      // expected tickers signalled only on the other side
  std::uint64_t quiet = 0;           // distractor and no_direction labels
  std::uint64_t false_alarms = 0;    // of those, the ones that signalled anything
  std::uint64_t duplicates = 0;
  std::uint64_t duplicates_suppressed = 0;
  std::uint64_t revised = 0;         // stories with a version label @2 or later
  std::uint64_t revised_right = 0;   // signal count over all versions = pairs expected over them
  std::uint64_t spillover = 0;       // signals on signal/revision stories for tickers not expected at all

  [[nodiscard]] double recall() const noexcept { return ratio(correct, expected_pairs); }
  [[nodiscard]] double wrong_side_rate() const noexcept { return ratio(wrong_side, expected_pairs); }
  [[nodiscard]] double false_alarm_rate() const noexcept { return ratio(false_alarms, quiet); }
  [[nodiscard]] double duplicates_rate() const noexcept { return ratio(duplicates_suppressed, duplicates); }
  [[nodiscard]] double revisions_rate() const noexcept { return ratio(revised_right, revised); }
  static double ratio(std::uint64_t a, std::uint64_t b) noexcept {
    return b == 0 ? 1.0 : static_cast<double>(a) / static_cast<double>(b);
  }
};

// Rows: what was expected of a pair (buy, sell) or of a quiet/duplicate story (none);
// columns: what was signalled for it (buy, sell, nothing).
struct Confusion {
  std::uint64_t cells[3][3] = {};
  enum Index : std::size_t { buy = 0, sell = 1, none = 2 };
};

struct Failure {
  const Label* label = nullptr;
  std::string what;                    // "missed NVDA buy", "false alarm", ...
  std::vector<const ObservedSignal*> got;  // the signals of that story version
};

struct Scorecard {
  Tally overall;
  std::map<std::string, Tally> by_topic;  // label topic; "(none)" for distractors
  Confusion confusion;
  std::vector<Failure> failures;          // in label order
  std::uint64_t signals = 0;
  std::uint64_t lexicon_signals = 0;      // signals whose side came from the lexicon alone
  std::uint64_t unlabelled_signals = 0;   // signals for story versions no label names
};

[[nodiscard]] Scorecard score_signals(const LabelSet& labels, std::span<const ObservedSignal> signals);

}  // namespace h2s::evaluation
