#pragma once
// Turns a story and its matches into trade signals: sentiment, side, relevance, strength, dedup.
#include <array>
#include <cstdint>
#include <memory>

#include "h2s/model/signal.hpp"
#include "h2s/model/story.hpp"
#include "h2s/rules/matcher.hpp"
#include "h2s/scoring/recent_table.hpp"

namespace h2s::scoring {

struct ScoringParams {
  double direction_threshold = 0.15;   // |sentiment| below this is "no clear direction": an event
  double min_strength = 0.05;          // weaker signals are dropped (counted as events)
  std::uint32_t negation_window = 4;   // tokens between a negator and the term it flips
  std::uint32_t modifier_window = 2;   // tokens between an intensifier and its term
  std::array<double, 3> field_weight{1.0, 0.7, 0.4};  // headline, summary, body
  double out_of_clause_weight = 0.2;   // terms outside every clause the rule matched in count this much
  std::size_t dedup_capacity = 1 << 16;            // headline fingerprints remembered
  std::int64_t dedup_window_us = 15LL * 60 * 1'000'000;
  std::size_t story_capacity = 1 << 16;            // story versions remembered, for revisions
  std::int64_t story_window_us = 24LL * 3600 * 1'000'000;
};

enum class StoryOutcome : std::uint8_t { signalled, event, no_match, duplicate, deleted };

[[nodiscard]] constexpr std::string_view to_string(StoryOutcome o) noexcept {
  switch (o) {
    case StoryOutcome::signalled: return "signalled";
    case StoryOutcome::event: return "event";
    case StoryOutcome::no_match: return "no_match";
    case StoryOutcome::duplicate: return "duplicate";
    case StoryOutcome::deleted: return "deleted";
  }
  return "?";
}

// Directional reading of a story's text (whole story, or scoped to one rule's clauses).
struct Tone {
  double sentiment = 0;  // company good (+) / bad (-) news, in (-1, 1)
  double hawkish = 0;    // macro hot/hawkish (+) / cool/dovish (-), in (-1, 1)
  std::uint32_t terms = 0;
  std::uint32_t hedges = 0;
};

// One polar lexicon hit after negation, intensifiers and hedges were applied.
struct TermContribution {
  std::uint32_t hit;  // index into MatchResult::hits
  rules::Field field;
  std::uint32_t from;
  std::uint32_t to;
  bool hawkish;       // dimension: hawkish, else sentiment
  bool anywhere;      // a surprise term: counts fully whichever clause it is in
  double value;       // weight x field weight x modifiers
};

struct TermBuffer {
  std::array<TermContribution, 2 * rules::MatchResult::kMaxHits> terms;  // surprise terms count twice
  std::size_t count = 0;
  std::uint32_t hedges = 0;
};

struct ScoreResult {
  static constexpr std::size_t kMaxSignals = 16;
  StoryOutcome outcome = StoryOutcome::no_match;
  std::array<Signal, kMaxSignals> signals;
  std::size_t signal_count = 0;
  Tone tone;
};

class Scorer {
 public:
  explicit Scorer(const ScoringParams& params = {});

  // Deletes and duplicates end here, before any matching: returns false with out.outcome set.
  // `now_us` is the pipeline clock (replay: the recorded receive time). No allocation.
  [[nodiscard]] bool admit(const Story& story, std::int64_t now_us, ScoreResult& out) noexcept;
  // Scores an admitted story. No allocation.
  void score(const Story& story, const rules::MatchResult& match, const rules::CompiledPack& pack,
             ScoreResult& out) noexcept;

  // Every polar term with its modifiers applied (used by `score` and by rules explain/test).
  void collect_terms(const Story& story, const rules::MatchResult& match, const rules::CompiledPack& pack,
                     TermBuffer& out) const noexcept;
  // Tone of the whole story, or of one matched rule: terms in a clause where that rule matched count
  // fully, others by out_of_clause_weight.
  [[nodiscard]] Tone story_tone(const TermBuffer& terms) const noexcept;
  [[nodiscard]] Tone rule_tone(const Story& story, const rules::MatchResult& match, const rules::CompiledPack& pack,
                               std::uint32_t rule, const TermBuffer& terms) const noexcept;

  [[nodiscard]] const ScoringParams& params() const noexcept { return params_; }

 private:
  ScoringParams params_;
  RecentTable headlines_;  // normalized headline -> seen: cross-wire duplicates
  RecentTable versions_;   // (vendor, story id) -> content fingerprint: unchanged revisions
  std::unique_ptr<TermBuffer> terms_;  // large: kept off the stack
};

}  // namespace h2s::scoring
