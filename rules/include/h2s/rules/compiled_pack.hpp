#pragma once
// An immutable, compiled rule pack: one Hyperscan block-mode database for rules, entity aliases,
// exclusions and lexicon terms, plus the tables that give each pattern id its meaning.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "h2s/model/story.hpp"
#include "h2s/rules/rule_pack.hpp"

struct hs_database;

namespace h2s::rules {

// What a Hyperscan pattern id stands for.
struct PatternRef {
  enum class Kind : std::uint8_t { rule, requires_any, rule_exclude, entity_name, entity_exclude, lexicon, event };
  Kind kind;
  std::uint32_t owner;  // rule, entity, lexicon-term or event index
  std::int64_t from_us = INT64_MIN;  // an entity name: stories published before this do not mention it
};

// A rule's conditions on the vendor's own fields (docs/rules.md): lower-case names, compared caselessly.
struct VendorFieldGate {
  std::vector<std::string> channels;          // one of these channels (Benzinga channels, Finnhub category)
  std::vector<std::string> exclude_channels;  // none of these
  std::vector<std::string> sources;           // the publisher is one of these (source, source.name, publisher.name)
  std::vector<std::string> exclude_sources;

  [[nodiscard]] bool empty() const noexcept {
    return channels.empty() && exclude_channels.empty() && sources.empty() && exclude_sources.empty();
  }
  [[nodiscard]] bool admits(const Story& story) const noexcept;
};

struct CompiledRule {
  std::string id;
  std::uint32_t topic = 0;               // index into topics
  std::vector<std::uint16_t> tickers;    // indices into entities
  bool require_entity = false;
  bool invert = false;
  bool story_scope = false;
  bool has_requires = false;
  bool previews = false;
  double hold = 0;
  Reading reading = Reading::company;
  double weight = 1;
  VendorFieldGate vendor_fields;
};

struct CompiledEntity {
  std::string ticker;
};

struct CompileStats {
  std::size_t rules = 0;
  std::size_t patterns = 0;
  std::size_t database_bytes = 0;
  double compile_ms = 0;
  bool from_cache = false;
};

struct CompileOptions {
  std::filesystem::path cache_dir;  // empty: $H2S_RULES_CACHE_DIR if set, else no on-disk cache
};

class CompiledPack {
 public:
  // Compiles (or loads from cache) a validated pack. Throws RulePackError with file:line, the rule
  // id and Hyperscan's message for a bad pattern.
  [[nodiscard]] static std::shared_ptr<const CompiledPack> compile(RulePack pack, const CompileOptions& options = {});
  // Convenience for tools and tests: load_rule_pack + compile.
  [[nodiscard]] static std::shared_ptr<const CompiledPack> load(const std::filesystem::path& path,
                                                                const CompileOptions& options = {});
  ~CompiledPack();
  CompiledPack(const CompiledPack&) = delete;
  CompiledPack& operator=(const CompiledPack&) = delete;

  [[nodiscard]] const hs_database* database() const noexcept { return database_; }
  [[nodiscard]] const std::vector<PatternRef>& patterns() const noexcept { return patterns_; }
  [[nodiscard]] const std::vector<CompiledRule>& rules() const noexcept { return rules_; }
  [[nodiscard]] const std::vector<CompiledEntity>& entities() const noexcept { return entities_; }
  [[nodiscard]] const RulePack& source() const noexcept { return source_; }
  [[nodiscard]] const CompileStats& stats() const noexcept { return stats_; }
  // Lexicon term by index (PatternRef::owner for Kind::lexicon).
  [[nodiscard]] const LexiconTerm& term(std::uint32_t index) const noexcept { return source_.lexicon[index]; }
  [[nodiscard]] const Topic& topic(std::uint32_t index) const noexcept { return source_.topics[index]; }
  // Human description of a pattern id, for explain and errors: "rule amzn.trainium pattern 2".
  [[nodiscard]] std::string describe(std::uint32_t pattern_id) const;
  // The expression text a pattern id was compiled from.
  [[nodiscard]] const std::string& expression(std::uint32_t pattern_id) const noexcept { return expressions_[pattern_id]; }
  // Whether a pattern id was compiled caseless (lets other regex engines reproduce the pack).
  [[nodiscard]] bool caseless(std::uint32_t pattern_id) const noexcept { return caseless_[pattern_id] != 0; }
  // Word span of a lexicon or event phrase: its start is found from its end (no start-of-match).
  [[nodiscard]] const PhraseShape& shape(std::uint32_t pattern_id) const noexcept { return shapes_[pattern_id]; }
  // The pattern was written as a phrase (a name, a lexicon or event phrase), so it has a shape.
  [[nodiscard]] bool has_shape(std::uint32_t pattern_id) const noexcept { return !shapes_[pattern_id].first.empty(); }
  [[nodiscard]] const Event& event(std::uint32_t index) const noexcept { return source_.events[index]; }
  // The grammar's context words, as word hashes (text_tokens.hpp).
  [[nodiscard]] bool context_after(std::uint64_t word) const noexcept;
  [[nodiscard]] bool context_before(std::uint64_t word) const noexcept;

 private:
  CompiledPack() = default;

  hs_database* database_ = nullptr;
  std::vector<PatternRef> patterns_;
  std::vector<std::string> expressions_;
  std::vector<std::uint8_t> caseless_;
  std::vector<PhraseShape> shapes_;
  std::vector<std::uint64_t> context_after_, context_before_;  // sorted word hashes
  std::vector<CompiledRule> rules_;
  std::vector<CompiledEntity> entities_;
  RulePack source_;
  CompileStats stats_;
};

}  // namespace h2s::rules
