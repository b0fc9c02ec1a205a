#pragma once
// A rule pack as written by people: topics, entities, rules with examples, and the lexicon.
#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
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
  // A name that names this company only from a date, as µs since the epoch ("Broadcom" was
  // Broadcom Corp until Avago bought it): stories published earlier do not mention it.
  std::map<std::string, std::int64_t> names_from_us;
  SourceLocation where;
};

struct Example {
  std::string text;
  std::string ticker;  // expected signal ticker
  std::string side;    // "buy", "sell" or "none" (topic matched, no trade signal)
  SourceLocation where;
};

// How a rule reads the direction of a story it matched (docs/rules.md, "Readings").
enum class Reading : std::uint8_t {
  company,  // company events give each mentioned company its own direction, by its role
  policy,   // policy actions and stances, turned by negations and stance operators (Fed, FOMC)
  release,  // an indicator's figures, surprises and moves, read with its polarity (CPI, jobs)
};

struct Rule {
  std::string id;
  std::string topic;
  std::vector<std::string> tickers;
  bool require_entity = false;  // signal only the tickers the story mentions (text alias or vendor tag)
  bool invert = false;          // polarity -1: a rising figure is dovish (unemployment, jobless claims)
  bool story_scope = false;     // tone over the whole story, not the rule's clauses (speakers, decisions)
  Reading reading = Reading::company;
  bool previews = false;        // a preview, calendar or expectation cue silences the reading
  double hold = 0;              // policy: what a hold says in this rule's stories (a speaker's hold is hawkish)
  double weight = 1.0;
  bool caseless = true;
  std::vector<std::string> patterns;  // any one fires the rule
  std::vector<std::string> requires_any;  // when given, one of these must match somewhere in the story
  std::vector<std::string> exclude;   // a match in the same field suppresses the rule
  // Vendor fields: a story must carry one of `channels` / come from one of `sources` (when given),
  // and none of the excluded ones.
  std::vector<std::string> channels, exclude_channels, sources, exclude_sources;
  std::vector<Example> examples;
  std::vector<Example> counterexamples;  // text only: must produce no signal for this rule
  SourceLocation where;
  // Line of each entry of patterns / requires_any / exclude, for errors that point at the regex.
  std::vector<std::uint32_t> pattern_lines, requires_lines, exclude_lines;
};

// Words that qualify the events and stances of docs/rules.md ("Lexicon"):
//   sentiment    company tone, the low-confidence fallback when no event reads a company
//   negator      turns the next directional term within the negation window ("not", "denies")
//   turn         a stance operator: turns the next policy term ("no rush to", "premature to",
//                "fewer"); its weight is the direction it carries alone (0: none)
//   turn_after   turns the policy term just before it ("rate cut unlikely", "hikes are over")
//   intensifier  multiplies the term 0-2 words after it (or right before it)
//   hedge        multiplies a term within the negation window after it; lowers confidence
//   preview      an expectation, preview or calendar cue: silences rules with previews = true
//   in_line      as expected: no direction for a release (unless a figure or surprise says
//                otherwise) or for the company events of its clause
//   company_preview  an earnings preview, "what to watch", a daily price recap: silences the
//                company events of its clause
//   market_move  a market-wide cause ("as chip stocks rally", "rising yields"): silences the
//                share-price events (price_move) of its field
enum class LexiconKind : std::uint8_t { sentiment, negator, turn, turn_after, intensifier, hedge, preview, in_line, company_preview,
                                        market_move };

struct LexiconTerm {
  std::string phrase;  // literal words; '*' matches the rest of a word ("accelerat*")
  LexiconKind kind = LexiconKind::sentiment;
  double weight = 0;   // polarity for sentiment/hawkish, multiplier for modifiers
  SourceLocation where;
};

// Who an event is good or bad for, by where a company stands in the clause around its phrase.
enum class Role : std::uint8_t {
  subject,    // named before the phrase ("Nvidia raises guidance")
  object,     // named right after it ("Morgan Stanley downgrades Nvidia")
  with, to, from, over, away_from, on, of, in, for_, against,  // named after that preposition
};
inline constexpr std::size_t kRoleCount = 12;
[[nodiscard]] std::string_view to_string(Role role) noexcept;

// What kind of reading an event is (docs/rules.md, "Events").
enum class EventKind : std::uint8_t {
  company,   // a company event; `roles` give each role its direction (+ good, - bad news)
  policy,    // a policy action: + hawkish (hike, taper), - dovish (cut, easing), 0 a hold
  stance,    // a stance or reading already in hawkish terms ("hawkish", "inflation too high", "hot")
  move,      // a figure's raw movement: + up, - down; a release reads it with its polarity
  surprise,  // against expectations: + above, - below; `relative`: more/less than the move
};

// Which macro readings an event serves: a release adjective ("hot", "disappointing") says nothing
// of a Fed speaker's stance, a stance ("hawkish") nothing of a release.
enum class EventScope : std::uint8_t { any, release, policy };

struct Event {
  std::string id;  // at most 31 bytes: it travels in each signal
  EventKind kind = EventKind::company;
  double direction = 0;  // policy, stance, move, surprise
  bool relative = false; // surprise: "more than expected" follows the move it qualifies
  bool resolved = false; // surprise: already in hawkish terms ("stronger than expected"), no polarity
  bool price_move = false;  // company: a share-price move, which a market-wide cause explains away
  bool imposed = false;     // company: done to a company by a government or court ("curbs ..., blocking Nvidia")
  EventScope scope = EventScope::any;
  double weight = 1.0;
  std::array<double, kRoleCount> roles{};  // company
  std::vector<std::string> phrases;
  std::vector<std::uint32_t> phrase_lines;
  SourceLocation where;
};

// Words the company reading uses to tell a company that acts from one named only as context.
struct Grammar {
  std::vector<std::string> context_after;   // "Nvidia supplier", "Amazon-backed", "Microsoft rival"
  std::vector<std::string> context_before;  // "rivals such as Nvidia", "peers like Broadcom"
};

struct RulePack {
  std::vector<Topic> topics;
  std::vector<Entity> entities;
  std::vector<Rule> rules;
  std::vector<Event> events;
  std::vector<LexiconTerm> lexicon;
  Grammar grammar;
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

// Regex source for a lexicon, event or alias phrase: escaped, whole-word, caseless by the caller;
// white space as \s+, a '*' ending a word as the rest of that word, a lone '*' as one word, and
// '~N' (N = 1..9) as up to N words.
[[nodiscard]] std::string phrase_to_regex(const std::string& phrase);

// How many words (text_tokens.hpp) a phrase spans, and the first word, so that a match's start is
// found from its end without start-of-match tracking in the scan.
struct PhraseShape {
  std::uint8_t min_words = 1;
  std::uint8_t max_words = 1;
  std::string first;          // lower case
  bool first_is_prefix = false;  // "accelerat*"
};
[[nodiscard]] PhraseShape phrase_shape(const std::string& phrase);

}  // namespace h2s::rules
