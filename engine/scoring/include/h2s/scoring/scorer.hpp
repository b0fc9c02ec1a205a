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
#include "h2s/scoring/story_reading.hpp"

namespace h2s::scoring {

struct ScoringParams {
  // Direction, strength, confidence.
  double direction_threshold = 0.15;   // |direction| below this: no clear direction, an event
  double min_strength = 0.05;          // weaker signals are dropped
  double min_confidence = 0.05;        // less confident signals are dropped
  std::uint32_t negation_window = 4;   // words between a negator, operator or hedge and its term
  std::uint32_t modifier_window = 2;   // words between an intensifier and its term
  std::uint32_t policy_window = 6;     // words between a stance operator and the policy term it turns
  std::array<double, 3> field_weight{1.0, 0.7, 0.4};  // headline, summary, body lead
  double lead_subject_weight = 0.8;    // an event whose clause names no company reads the lead company
  double lexicon_fallback_weight = 0.5;  // the lead company's lexicon tone when no event reads it (0: never)
  // The vendor's primary security (Benzinga securities[].primary): relevance × boost, at least floor.
  double primary_relevance_boost = 1.25;
  double primary_relevance_floor = 0.8;
  // Duplicates and story chains.
  std::size_t dedup_capacity = 1 << 16;  // headline fingerprints remembered
  std::int64_t dedup_window_us = 15LL * 60 * 1'000'000;
  std::size_t edit_capacity = 1 << 17;   // one-word-edit neighbours of recent headlines
  // Same companies, sides and topics (and speaker) within this window, and the same print or two
  // content words in common: a re-worded re-carry (docs/scoring.md; 0: off).
  std::int64_t semantic_window_us = 15LL * 60 * 1'000'000;
  std::size_t semantic_capacity = 1 << 13;
  int near_duplicate_bits = 6;           // SimHash distance at or below which a headline repeats one
  int chain_bits = 12;                   // SimHash distance at or below which it joins a story chain
  std::size_t chain_capacity = 1024;     // recent headlines compared for near duplicates and chains
  std::int64_t chain_window_us = 60LL * 60 * 1'000'000;
  double novelty_decay = 0.6;            // novelty = decay^(earlier stories on the chain)
  // Revisions and deletes.
  std::size_t story_capacity = 1 << 16;  // story versions remembered
  std::int64_t story_window_us = 24LL * 3600 * 1'000'000;
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

struct ScoreResult {
  static constexpr std::size_t kMaxSignals = 16;
  StoryOutcome outcome = StoryOutcome::no_match;
  std::array<Signal, kMaxSignals> signals;
  std::size_t signal_count = 0;
  bool revision = false;          // a changed version of a story seen before
  bool cancel = false;            // a delete of a story whose signal was published
  std::uint32_t throttled = 0;    // signals dropped by the per-ticker throttle
  std::uint32_t unmoved = 0;      // revision signals dropped: the same side as the version before
  std::uint32_t flipped = 0;      // revision signals that withdraw the earlier side
  bool near_duplicate = false;    // duplicate by a one-word edit, SimHash or the same signals, not exact text
  std::uint16_t version = 0;      // the story's version as h2s counts them (1 first, 2 its first revision); 0 unknown

  // A fresh result, but the signal slots (7 KB) are left as they are: each is reset when taken.
  void clear() noexcept {
    outcome = StoryOutcome::no_match;
    signal_count = 0;
    revision = cancel = near_duplicate = false;
    throttled = unmoved = flipped = 0;
    version = 0;
  }
};

class Scorer {
 public:
  explicit Scorer(const ScoringParams& params = {});
  ~Scorer();
  Scorer(const Scorer&) = delete;
  Scorer& operator=(const Scorer&) = delete;

  // Deletes, exact repeats and unchanged revisions end here, before any matching: returns false
  // with out.outcome set. `now_us` is the pipeline clock (replay: the recorded receive time).
  [[nodiscard]] bool admit(const Story& story, std::int64_t now_us, ScoreResult& out) noexcept;
  // Scores a story (after admit, or on its own for tools: then it is treated as new, with no
  // history). Near repeats (a one-word edit, SimHash, the same signals and figures) end here as
  // duplicates. No allocation. With a trace, says why (rules explain).
  void score(const Story& story, const rules::MatchResult& match, const rules::CompiledPack& pack, ScoreResult& out,
             ReadingTrace* trace = nullptr) noexcept;

  [[nodiscard]] const ScoringParams& params() const noexcept { return params_; }
  // The readings of the story scored last (rules explain and test).
  [[nodiscard]] StoryReader& reader() noexcept { return *reader_; }
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
  // A recent headline, or that headline less one word: what its story signalled.
  struct EditNeighbour {
    std::uint64_t signature = 0;
  };
  // The words that carry a headline's content (no stop words), one bit each of 256: two
  // headlines sharing two of them tell of the same thing.
  using WordSet = std::array<std::uint64_t, 4>;
  // Recent headlines that signalled this: their first figures (NaN for none) and words.
  struct SameSignals {
    static constexpr std::size_t kKept = 4;
    std::array<std::array<double, 2>, kKept> figures{};
    std::array<WordSet, kKept> words{};
    std::uint8_t count = 0;
  };
  static constexpr std::size_t kMaxEditWords = 32;  // headlines longer than this are not edit-checked
  // What admit() learnt about the story now being scored.
  struct Admission {
    bool admitted = false;
    std::int64_t now_us = 0;
    Version* version = nullptr;
    Version previous;
    bool revision = false;
    double novelty = 1;
    FixedString<kMaxStoryIdBytes> chain_id;
    std::uint32_t chain_length = 1;
    std::uint64_t headline = 0;     // normalized headline hash
    std::uint64_t fingerprint = 0;  // SimHash
    std::uint64_t names = 0;
    bool near_candidate = false;    // SimHash within near_duplicate_bits of a recent headline ...
    std::uint64_t near_signature = 0;  // ... that signalled this
    bool edit_candidate = false;    // one word away from a recent headline ...
    std::uint64_t edit_signature = 0;  // ... that signalled this
    std::array<std::uint64_t, kMaxEditWords + 1> edits{};  // the headline's hash, then without each word
    std::size_t edit_count = 0;
    WordSet words{};
  };

  void read_headline(const Story& story) noexcept;
  void find_neighbours() noexcept;
  void remember(const Story& story, std::uint64_t signature, const std::array<double, 2>& figures) noexcept;
  // What a story with this signature signalled, for the semantic window: its figures and words.
  void remember_signals(std::uint64_t signature, const std::array<double, 2>& figure) noexcept;
  [[nodiscard]] double take_baseline(std::uint64_t key, double direction, std::int64_t now_us) noexcept;
  [[nodiscard]] bool throttle_allows(std::string_view ticker, std::int64_t now_us) noexcept;

  ScoringParams params_;
  std::array<double, 16> novelty_by_chain_{};  // novelty_decay^k for short chains: pow() once, not per story
  RecentTable<std::uint8_t> headlines_;  // exact normalized headlines: repeats on any wire
  RecentTable<EditNeighbour> edits_;     // headlines and headlines less one word: one-word edits
  RecentTable<SameSignals> same_signals_;  // what recent stories signalled: reworded re-carries
  ChainIndex chains_;                    // SimHash of recent headlines: near repeats and story chains
  RecentTable<Version> versions_;        // (vendor, story id): revisions and deletes
  RecentTable<Baseline> baselines_;      // (ticker, topic): sentiment baseline for delta
  RecentTable<Throttle> throttles_;      // ticker: signals in the current interval
  Admission admission_;
  std::unique_ptr<rules::TokenizedText> headline_words_;  // the admitted story's headline, read once
  bool headline_read_ = false;
  std::unique_ptr<StoryReader> reader_;  // large: kept off the stack
};

}  // namespace h2s::scoring
