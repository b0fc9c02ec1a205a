#pragma once
// A rule pack as written by people: topics, entities, rules with examples, and the lexicon.
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace h2s::rules {

struct SourceLocation {
  std::string file;
  std::uint32_t line = 0;
};

// How a topic's signals take their side.
enum class SideMode : std::uint8_t {
  sentiment,  // company topics: good news for the company is buy
  hawkish,    // macro topics: hot/hawkish surprise is sell, cool/dovish is buy
  event,      // never a trade signal, only a counted event
};

struct Topic {
  std::string id;
  SideMode side_mode = SideMode::sentiment;
  SourceLocation where;
};

struct Entity {
  std::string ticker;
  std::vector<std::string> names;     // literal phrases, caseless, whole words
  std::vector<std::string> patterns;  // Hyperscan regexes, case-sensitive
  std::vector<std::string> exclude;   // regexes; a mention inside one of these spans is not a mention
  SourceLocation where;
};

struct Example {
  std::string text;
  std::string ticker;  // expected signal ticker
  std::string side;    // "buy", "sell" or "none" (topic matched, no trade signal)
  SourceLocation where;
};

struct Rule {
  std::string id;
  std::string topic;
  std::vector<std::string> tickers;
  bool require_entity = false;  // signal only the tickers the story mentions (text alias or vendor tag)
  bool invert = false;          // reverse the lexicon's direction (rising unemployment is dovish)
  bool story_scope = false;     // tone over the whole story, not the rule's clauses (speakers, decisions)
  double weight = 1.0;
  bool caseless = true;
  std::vector<std::string> patterns;  // any one fires the rule
  std::vector<std::string> requires_any;  // when given, one of these must match somewhere in the story
  std::vector<std::string> exclude;   // a match in the same field suppresses the rule
  std::vector<Example> examples;
  std::vector<Example> counterexamples;  // text only: must produce no signal for this rule
  SourceLocation where;
  // Line of each entry of patterns / requires_any / exclude, for errors that point at the regex.
  std::vector<std::uint32_t> pattern_lines, requires_lines, exclude_lines;
};

// surprise: relative to expectations ("below forecasts"); counts in both directions (good news
// and hot data) and wherever it stands in the field, not only in the clause a rule matched.
enum class LexiconKind : std::uint8_t { sentiment, hawkish, surprise, negator, intensifier, hedge };

struct LexiconTerm {
  std::string phrase;  // literal words; '*' matches the rest of a word ("accelerat*")
  LexiconKind kind = LexiconKind::sentiment;
  double weight = 0;   // polarity for sentiment/hawkish, multiplier for modifiers
  SourceLocation where;
};

struct RulePack {
  std::vector<Topic> topics;
  std::vector<Entity> entities;
  std::vector<Rule> rules;
  std::vector<LexiconTerm> lexicon;
  std::vector<std::string> files;  // sorted, as loaded
};

// Every problem with a pack, one per line as "file:line: message".
class RulePackError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Loads a directory of *.toml files (sorted by name) or one file. Throws RulePackError listing
// every problem found: TOML syntax, unknown keys, wrong types, duplicate ids, unknown topics or
// tickers. Regex syntax is checked by the compiler.
[[nodiscard]] RulePack load_rule_pack(const std::filesystem::path& path);

// Regex source for a lexicon/alias phrase: escaped, whole-word, white space as \s+, '*' as \w*.
[[nodiscard]] std::string phrase_to_regex(const std::string& phrase);

}  // namespace h2s::rules
