#pragma once
// Pipeline accounting. Every message is exactly one of: a story (then exactly one outcome), a
// control message, or a rejection with its reason.
#include <array>
#include <atomic>
#include <cstdint>

#include "h2s/model/control_reason.hpp"
#include "h2s/model/counter.hpp"
#include "h2s/model/status.hpp"
#include "h2s/scoring/scorer.hpp"

namespace h2s::pipeline {

using h2s::Counter;

inline constexpr std::size_t kOutcomeCount = 5;

struct PipelineCounters {
  // Source thread.
  Counter bytes_read;
  Counter read_errors;
  // Processing thread.
  Counter lines;        // non-blank and blank lines framed
  Counter blank_lines;  // skipped, not messages
  Counter messages;     // stories + control + rejected
  Counter stories;
  Counter control;
  std::array<Counter, kControlReasonCount> control_by_reason;
  std::array<Counter, kStatusCount> rejected;  // by reason
  std::array<Counter, kOutcomeCount> outcomes; // by scoring::StoryOutcome
  Counter signals;         // signals produced (one story may give several)
  Counter match_truncated; // stories whose hits exceeded MatchResult capacity
  Counter text_cut;        // stories with a headline, summary or body cut at max_text_bytes
  Counter backpressure_waits;
  Counter rule_swaps;      // rule packs taken into service (live reload)
  Counter near_duplicates; // duplicates found by SimHash rather than exact text
  Counter revisions;       // changed versions of known stories that were scored
  Counter revisions_unmoved;  // revision signals dropped: the reading did not move enough
  Counter throttled;       // signals dropped by the per-ticker throttle
  Counter cancels;         // deletes of stories whose signal had been published
  // Publishing thread.
  Counter published;          // signals sequenced and written
  Counter cancels_published;  // cancel messages: one per withdrawn signal
  Counter cancels_untracked;  // signals a cancel could not name (beyond the per-story or table bound)
  Counter output_errors;

  [[nodiscard]] std::uint64_t rejected_total() const noexcept {
    std::uint64_t total = 0;
    for (const Counter& c : rejected) total += c.get();
    return total;
  }
  [[nodiscard]] std::uint64_t outcome(scoring::StoryOutcome o) const noexcept {
    return outcomes[static_cast<std::size_t>(o)].get();
  }
  // The accounting invariant: holds whenever the pipeline is idle.
  [[nodiscard]] bool balanced() const noexcept {
    std::uint64_t outcome_total = 0;
    for (const Counter& c : outcomes) outcome_total += c.get();
    return messages.get() == stories.get() + control.get() + rejected_total() && stories.get() == outcome_total;
  }
};

}  // namespace h2s::pipeline
