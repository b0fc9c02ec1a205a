#pragma once
// Scans a story's fields against a compiled pack: const database, per-thread scratch, no allocation.
#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "h2s/model/status.hpp"
#include "h2s/model/story.hpp"
#include "h2s/rules/compiled_pack.hpp"

struct hs_scratch;

namespace h2s::rules {

enum class Field : std::uint8_t { headline = 0, summary = 1, body = 2 };
inline constexpr std::size_t kFieldCount = 3;

[[nodiscard]] constexpr std::string_view to_string(Field f) noexcept {
  return f == Field::headline ? "headline" : f == Field::summary ? "summary" : "body";
}

struct Hit {
  std::uint32_t pattern;  // id in CompiledPack::patterns()
  std::uint32_t from;     // byte offsets in the field; `from` is 0 for rules, requires, excludes,
  std::uint32_t to;       // lexicon and event phrases, which report end offsets only
  Field field;
  bool excluded = false;  // an entity name inside one of that entity's exclusion spans
};

struct RuleMatch {
  std::uint32_t rule;
  Field field;            // the most prominent field the rule matched in
  std::uint32_t position; // end offset of its first match there
};

struct Mention {
  std::uint16_t entity;
  bool in_text = false;      // an alias matched outside every exclusion span
  bool vendor_tagged = false;
  Field field = Field::body; // most prominent field of a text mention
  std::uint32_t position = 0;
};

// Fixed-capacity result; `truncated` reports that capacity was reached (counted, never silent).
struct MatchResult {
  static constexpr std::size_t kMaxHits = 512;
  // The last slots are kept for exclude/requires hits, so a story flooded with terms can never
  // lose the exclusion that should have suppressed a rule.
  static constexpr std::size_t kReservedHits = 64;
  static constexpr std::size_t kMaxRules = 64;
  static constexpr std::size_t kMaxMentions = 32;
  // Lexicon and event phrases are read in the headline, the summary and this much of the body.
  static constexpr std::size_t kBodyLeadBytes = 512;

  std::array<Hit, kMaxHits> hits;
  std::size_t hit_count = 0;
  std::array<RuleMatch, kMaxRules> rules;
  std::size_t rule_count = 0;
  std::array<Mention, kMaxMentions> mentions;
  std::size_t mention_count = 0;
  bool truncated = false;

  [[nodiscard]] const Mention* mention_of(std::uint16_t entity) const noexcept {
    for (std::size_t i = 0; i < mention_count; ++i) {
      if (mentions[i].entity == entity) return &mentions[i];
    }
    return nullptr;
  }
};

// The text of a story field.
[[nodiscard]] std::string_view field_text(const Story& story, Field field) noexcept;

class Matcher {
 public:
  // Allocates Hyperscan scratch and per-rule state for this pack (start-up or reload, never per message).
  explicit Matcher(std::shared_ptr<const CompiledPack> pack);
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  [[nodiscard]] Status match(const Story& story, MatchResult& result) noexcept;
  // Same evaluation for free text treated as a headline (rules test/explain).
  [[nodiscard]] Status match_text(std::string_view headline, MatchResult& result) noexcept;

  // Turns hits already in `result` (from another scanner: the benchmarks' baselines) into
  // mentions and rules exactly as match() does.
  void evaluate_hits(const Story& story, MatchResult& result) noexcept { evaluate(story, result); }

  [[nodiscard]] const CompiledPack& pack() const noexcept { return *pack_; }
  [[nodiscard]] const std::shared_ptr<const CompiledPack>& pack_ptr() const noexcept { return pack_; }

 private:
  struct RuleState {
    std::uint8_t fields_hit = 0;       // bit per field
    std::uint8_t fields_excluded = 0;  // bit per field
    bool requires_hit = false;
    std::array<std::uint32_t, kFieldCount> first_end{};
  };

  void evaluate(const Story& story, MatchResult& result) noexcept;

  std::shared_ptr<const CompiledPack> pack_;
  hs_scratch* scratch_ = nullptr;
  std::vector<RuleState> rule_state_;
  std::vector<std::uint32_t> touched_rules_;
  std::vector<std::uint8_t> rule_touched_;
  std::vector<std::uint32_t> seen_;  // by pattern id: body hits past the lead are kept once per scan
  std::uint32_t generation_ = 0;
};

}  // namespace h2s::rules
