#pragma once
// What a story says, read from its matches: the words of each field, the pack's phrases placed on
// them, and three readings (docs/scoring.md, "Readings"):
//   company  each mentioned company's direction from the events it has a role in;
//   policy   the hawkish/dovish direction of policy actions and stances, turned by operators;
//   release  an indicator's direction from its figures, surprises and moves, with its polarity.
// Fixed capacity, no allocation: one StoryReader lives in each Scorer.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "h2s/model/story.hpp"
#include "h2s/rules/compiled_pack.hpp"
#include "h2s/rules/matcher.hpp"
#include "h2s/rules/text_tokens.hpp"
#include "h2s/scoring/figures.hpp"

namespace h2s::scoring {

struct ScoringParams;

inline constexpr std::uint32_t kNoEvent = UINT32_MAX;
// Decisions that come from figures rather than from a phrase of the pack.
inline constexpr std::uint32_t kFiguresVsExpected = UINT32_MAX - 1;
inline constexpr std::uint32_t kFiguresVsPrior = UINT32_MAX - 2;
[[nodiscard]] std::string_view event_name(const rules::CompiledPack& pack, std::uint32_t event) noexcept;

// One phrase of the pack placed on the words of its field.
struct Term {
  // Which readings a phrase serves; phrases compete only within a reading.
  enum Class : std::uint8_t { company = 1, policy = 2, release = 4 };
  std::uint32_t pattern = 0;  // Hyperscan pattern id
  std::uint32_t owner = 0;    // event or lexicon index
  bool is_event = false;
  std::uint16_t first = 0, last = 0;  // word indices, inclusive
  std::uint16_t clause = 0;
  std::uint8_t classes = 0;   // which readings it belongs to
  std::uint8_t shadowed = 0;  // classes in which a longer phrase covers it
};

struct MentionSpan {
  std::uint16_t entity = 0;
  std::uint16_t first = 0, last = 0, clause = 0;
  bool context = false;  // named only as context: "Nvidia supplier", "rivals like Broadcom"
};

struct IndicatorHit {
  std::uint32_t rule = 0;
  std::uint16_t last = 0;  // the word its match ends on
};

struct FieldWords {
  static constexpr std::size_t kMaxTerms = 96;
  static constexpr std::size_t kMaxMentions = 32;
  static constexpr std::size_t kMaxIndicators = 16;
  rules::Field field = rules::Field::headline;
  std::string_view text;
  double weight = 1;
  rules::TokenizedText words;
  std::array<Term, kMaxTerms> terms;
  std::uint32_t term_count = 0;
  std::array<MentionSpan, kMaxMentions> mentions;
  std::uint32_t mention_count = 0;
  std::array<IndicatorHit, kMaxIndicators> indicators;
  std::uint32_t indicator_count = 0;
};

// A direction with what decided it.
struct Reading {
  double direction = 0;     // company: + good news; macro: + hawkish
  double strongest = 0;     // |contribution| of the deciding term
  std::uint32_t event = kNoEvent;  // event index (or kFigures...) that contributed most
  std::uint16_t terms = 0;  // contributions summed
  std::uint16_t hedges = 0;
  bool lexicon = false;     // company: read from the sentiment lexicon alone (no event)
  bool silenced = false;    // a question, preview or in-line cue left it without direction

  void add(double value, std::uint32_t by) noexcept;
};

// Lines that say why, for `h2s rules explain`; the hot path passes none.
struct ReadingTrace {
  std::vector<std::string> lines;
};

class StoryReader {
 public:
  static constexpr std::size_t kMaxCompanies = 32;
  static constexpr std::size_t kMaxReleaseTopics = 8;

  // Places the pack's phrases, mentions and indicators on the words of headline, summary and the
  // body's lead. `headline_words` may be given when the headline is already tokenized.
  void read_words(const Story& story, const rules::MatchResult& match, const rules::CompiledPack& pack,
                  const ScoringParams& params, const rules::TokenizedText* headline_words) noexcept;

  // The company reading of entity `entity` (events it has a role in; else, for the story's lead
  // company, the sentiment lexicon's tone).
  [[nodiscard]] const Reading& company(std::uint16_t entity, ReadingTrace* trace = nullptr) noexcept;
  // The policy reading of the whole story; with `previews`, terms after a preview cue are silent;
  // a hold reads as `hold` (0 for an FOMC decision, hawkish for a speaker who would hold).
  [[nodiscard]] Reading policy(bool previews, double hold, ReadingTrace* trace = nullptr) const noexcept;
  // The release reading of one topic: every indicator (rule reading = release) of that topic.
  [[nodiscard]] Reading release(std::uint32_t topic, ReadingTrace* trace = nullptr) const noexcept;

  // Hedges anywhere in the headline ("..., sources say"): they lower every signal's confidence.
  [[nodiscard]] std::uint16_t headline_hedges() const noexcept;
  // The first figures of the headline that are not estimates (dedup keys), NaN where there are fewer.
  [[nodiscard]] std::array<double, 2> headline_figures() const noexcept;
  [[nodiscard]] const FieldWords& field(std::size_t i) const noexcept { return fields_[i]; }
  [[nodiscard]] std::size_t field_count() const noexcept { return field_count_; }
  // The story's lead company: first named in the headline (or summary), else its only vendor tag.
  [[nodiscard]] int lead_entity() const noexcept { return lead_; }
  // The headline is a question: analysis or speculation, no reading gives it a direction.
  [[nodiscard]] bool question() const noexcept { return question_; }

 private:
  void place_hits(FieldWords& f, const rules::MatchResult& match) noexcept;
  [[nodiscard]] std::uint8_t classes_of(const rules::PatternRef& ref) const noexcept;
  void shadow(FieldWords& f) const noexcept;
  void mark_context(FieldWords& f) const noexcept;
  void read_companies(ReadingTrace* trace) noexcept;
  Reading lexicon_tone(ReadingTrace* trace) const noexcept;
  bool asks_question(Reading& out, ReadingTrace* trace) const noexcept;
  Reading release_mention(const FieldWords& f, std::uint32_t index, ReadingTrace* trace) const noexcept;
  [[nodiscard]] double modifier(const FieldWords& f, const Term& t, rules::LexiconKind kind, std::uint32_t window,
                                std::uint16_t* hedges) const noexcept;

  const rules::CompiledPack* pack_ = nullptr;
  const ScoringParams* params_ = nullptr;
  const Story* story_ = nullptr;
  std::array<FieldWords, 3> fields_;
  std::size_t field_count_ = 0;
  int lead_ = -1;
  bool question_ = false;           // the headline asks ("Will Nvidia's Blackwell lift revenue?"): no direction
  bool untracked_subject_ = false;  // the headline's subject is a company the pack does not track
  bool company_preview_ = false;    // a company preview or a market cause is in the story: no lexicon fallback
  bool companies_read_ = false;
  bool companies_traced_ = false;
  std::array<std::uint16_t, kMaxCompanies> company_ids_{};
  std::array<Reading, kMaxCompanies> company_readings_{};
  // By field and mention: taken as an object or after a preposition, so no later event's subject.
  std::array<std::array<bool, FieldWords::kMaxMentions>, 3> claimed_{};
  std::size_t company_count_ = 0;
  Reading none_;
};

}  // namespace h2s::scoring
