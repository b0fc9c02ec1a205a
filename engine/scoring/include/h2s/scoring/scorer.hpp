#pragma once
// Turns a story and its matches into trade signals: tone per rule, side, relevance, strength,
// confidence, novelty along story chains, sentiment delta against a per-(ticker, topic) baseline,
// duplicates, revisions, deletes and per-ticker throttling. Formulas: docs/scoring.md.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "h2s/model/signal.hpp"
#include "h2s/model/story.hpp"
#include "h2s/rules/matcher.hpp"
#include "h2s/scoring/recent_table.hpp"
#include "h2s/scoring/simhash.hpp"

namespace h2s::scoring {

struct ScoringParams {
  // Direction, strength, confidence.
  double direction_threshold = 0.15;   // |direction| below this: no clear direction, an event
  double min_strength = 0.05;          // weaker signals are dropped
  double min_confidence = 0.05;        // less confident signals are dropped
  std::uint32_t negation_window = 4;   // words between a negator (or hedge) and its term
  std::uint32_t modifier_window = 2;   // words between an intensifier and its term
  std::array<double, 3> field_weight{1.0, 0.7, 0.4};  // headline, summary, body
  double out_of_clause_weight = 0.2;   // terms outside the rule's clauses count this much
  double numeric_surprise_weight = 1.2;  // "0.4% vs 0.3% expected", at full surprise
  // Duplicates and story chains.
  std::size_t dedup_capacity = 1 << 16;  // headline fingerprints remembered
  std::int64_t dedup_window_us = 15LL * 60 * 1'000'000;
  int near_duplicate_bits = 6;           // SimHash distance at or below which a headline repeats one
  int chain_bits = 12;                   // SimHash distance at or below which it joins a story chain
  std::size_t chain_capacity = 1024;     // recent headlines compared for near duplicates and chains
  std::int64_t chain_window_us = 60LL * 60 * 1'000'000;
  double novelty_decay = 0.6;            // novelty = decay^(earlier stories on the chain)
  // Revisions and deletes.
  std::size_t story_capacity = 1 << 16;  // story versions remembered
  std::int64_t story_window_us = 24LL * 3600 * 1'000'000;
  double revision_threshold = 0.15;      // a revision re-signals only when its direction moves this much
  // Baselines and throttling.
  std::size_t baseline_capacity = 4096;  // (ticker, topic) baselines
  std::int64_t baseline_half_life_us = 4LL * 3600 * 1'000'000;
  double baseline_alpha = 0.3;           // weight of a new story in its (ticker, topic) baseline
  std::uint32_t throttle_max_signals = 5;  // per ticker per interval; more are dropped and counted
  std::int64_t throttle_interval_us = 1'000'000;
};

// Sets one parameter by name ("direction_threshold", "dedup_window_us", ...); false with a message
// for an unknown name or a bad value. Every name is listed in docs/scoring.md.
[[nodiscard]] bool set_scoring_param(ScoringParams& params, std::string_view name, std::string_view value,
                                     std::string& error);

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

// One polar lexicon hit (or numeric surprise) after negation, intensifiers and hedges.
struct TermContribution {
  std::uint32_t hit;  // index into MatchResult::hits (UINT32_MAX for a numeric surprise)
  rules::Field field;
  std::uint32_t from;
  std::uint32_t to;
  bool hawkish;       // dimension: hawkish, else sentiment
  bool anywhere;      // a surprise: counts fully whichever clause it is in
  double value;       // weight x field weight x modifiers
};

struct TermBuffer {
  std::array<TermContribution, 2 * rules::MatchResult::kMaxHits + 2 * rules::kFieldCount> terms;
  std::size_t count = 0;
  std::uint32_t hedges = 0;
};

struct ScoreResult {
  static constexpr std::size_t kMaxSignals = 16;
  StoryOutcome outcome = StoryOutcome::no_match;
  std::array<Signal, kMaxSignals> signals;
  std::size_t signal_count = 0;
  Tone tone;
  bool revision = false;          // a changed version of a story seen before
  bool cancel = false;            // a delete of a story whose signal was published
  std::uint32_t throttled = 0;    // signals dropped by the per-ticker throttle
  std::uint32_t unmoved = 0;      // revision signals dropped: the direction did not move enough
  bool near_duplicate = false;    // duplicate by SimHash rather than exact text

  // A fresh result, but the signal slots (7 KB) are left as they are: each is reset when taken.
  void clear() noexcept {
    outcome = StoryOutcome::no_match;
    signal_count = 0;
    tone = Tone{};
    revision = cancel = near_duplicate = false;
    throttled = unmoved = 0;
  }
};

class Scorer {
 public:
  explicit Scorer(const ScoringParams& params = {});

  // Deletes, duplicates and unchanged revisions end here, before any matching: returns false with
  // out.outcome set. `now_us` is the pipeline clock (replay: the recorded receive time).
  [[nodiscard]] bool admit(const Story& story, std::int64_t now_us, ScoreResult& out) noexcept;
  // Scores a story (after admit, or on its own for tools: then it is treated as new). No allocation.
  void score(const Story& story, const rules::MatchResult& match, const rules::CompiledPack& pack,
             ScoreResult& out) noexcept;

  // Every polar term with its modifiers applied (used by `score` and by rules explain/test).
  void collect_terms(const Story& story, const rules::MatchResult& match, const rules::CompiledPack& pack,
                     TermBuffer& out) const noexcept;
  [[nodiscard]] Tone story_tone(const TermBuffer& terms) const noexcept;
  // Terms in a clause where the rule matched count fully, others by out_of_clause_weight.
  [[nodiscard]] Tone rule_tone(const Story& story, const rules::MatchResult& match, const rules::CompiledPack& pack,
                               std::uint32_t rule, const TermBuffer& terms) const noexcept;

  [[nodiscard]] const ScoringParams& params() const noexcept { return params_; }
  // Bytes held by all scoring state: fixed at construction.
  [[nodiscard]] std::size_t memory_bytes() const noexcept;

 private:
  struct Version {
    static constexpr std::size_t kTickers = 4;
    std::uint64_t content = 0;
    std::uint16_t count = 1;  // versions seen: 1 for the first
    std::array<std::uint64_t, kTickers> tickers{};  // hash of each published ticker
    std::array<double, kTickers> directions{};      // its last published direction
    bool signalled = false;
    [[nodiscard]] const double* direction_of(std::uint64_t ticker) const noexcept {
      for (std::size_t i = 0; i < kTickers; ++i) {
        if (tickers[i] == ticker && ticker != 0) return &directions[i];
      }
      return nullptr;
    }
  };
  struct Baseline {
    double ewma = 0;
    std::int64_t updated_us = 0;
  };
  struct Throttle {
    std::int64_t window_start_us = 0;
    std::uint32_t count = 0;
  };
  // What admit() learnt about the story now being scored.
  struct Admission {
    bool admitted = false;
    std::int64_t now_us = 0;
    Version* version = nullptr;
    Version previous;
    bool revision = false;
    double novelty = 1;
    FixedString<kMaxStoryIdBytes> chain_id;
  };

  [[nodiscard]] double take_baseline(std::uint64_t key, double direction, std::int64_t now_us) noexcept;
  [[nodiscard]] bool throttle_allows(std::string_view ticker, std::int64_t now_us) noexcept;

  ScoringParams params_;
  RecentTable<std::uint8_t> headlines_;  // exact normalized headlines: repeats on any wire
  ChainIndex chains_;                    // SimHash of recent headlines: near repeats and story chains
  RecentTable<Version> versions_;        // (vendor, story id): revisions and deletes
  RecentTable<Baseline> baselines_;      // (ticker, topic): sentiment baseline for delta
  RecentTable<Throttle> throttles_;      // ticker: signals in the current interval
  Admission admission_;
  std::unique_ptr<TermBuffer> terms_;    // large: kept off the stack
};

}  // namespace h2s::scoring
