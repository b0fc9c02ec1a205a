#include "rules_command.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "default_paths.hpp"
#include "h2s/feeds/story_builder.hpp"
#include "h2s/rules/compiled_pack.hpp"
#include "h2s/rules/matcher.hpp"
#include "h2s/scoring/scorer.hpp"

namespace h2s::tools {
namespace {

using rules::CompiledPack;

struct RulesOptions {
  std::string path;
  std::string text;
  bool verbose = false;
};

std::string pack_path(const std::string& given) { return given.empty() ? default_rules_path().string() : given; }

// Scores one headline as a fresh story (no dedup history), as examples are judged.
struct Evaluation {
  std::unique_ptr<rules::MatchResult> match = std::make_unique<rules::MatchResult>();
  std::unique_ptr<scoring::ScoreResult> score = std::make_unique<scoring::ScoreResult>();
  std::string text;  // the headline as a decoder would hand it on (entities and typography read)
  Story story;
};

void evaluate(rules::Matcher& matcher, scoring::Scorer& scorer, const std::string& text, Evaluation& out,
              scoring::ReadingTrace* trace = nullptr) {
  out.text.assign(text.size(), '\0');
  out.text.resize(feeds::html_to_text(text, out.text.data(), out.text.size()));
  out.story = Story{};
  out.story.headline = out.text;
  if (matcher.match(out.story, *out.match) != Status::ok) throw std::runtime_error("scan failed");
  scorer.score(out.story, *out.match, matcher.pack(), *out.score, trace);
}

std::string describe_signals(const scoring::ScoreResult& score, const std::string& topic) {
  std::string out;
  for (std::size_t i = 0; i < score.signal_count; ++i) {
    const Signal& s = score.signals[i];
    if (!topic.empty() && s.topic.view() != topic) continue;
    char line[224];
    std::snprintf(line, sizeof line, "%s%.*s %s (%.*s, %s %.*s, sentiment %+.2f)", out.empty() ? "" : "; ",
                  static_cast<int>(s.ticker.view().size()), s.ticker.view().data(), std::string(to_string(s.side)).c_str(),
                  static_cast<int>(s.rule.view().size()), s.rule.view().data(), std::string(to_string(s.basis)).c_str(),
                  static_cast<int>(s.event.view().size()), s.event.view().data(), s.sentiment);
    out += line;
  }
  return out.empty() ? "no signal" : out;
}

int check(const RulesOptions& options) {
  const auto pack = CompiledPack::load(pack_path(options.path));
  const auto& stats = pack->stats();
  std::size_t examples = 0, counterexamples = 0;
  for (const auto& rule : pack->source().rules) {
    examples += rule.examples.size();
    counterexamples += rule.counterexamples.size();
  }
  std::printf("rule pack %s: OK\n", pack_path(options.path).c_str());
  std::printf("  files            %zu\n", pack->source().files.size());
  std::printf("  topics           %zu\n", pack->source().topics.size());
  std::printf("  entities         %zu\n", pack->source().entities.size());
  std::printf("  rules            %zu\n", stats.rules);
  std::printf("  lexicon terms    %zu\n", pack->source().lexicon.size());
  std::printf("  patterns         %zu\n", stats.patterns);
  std::printf("  examples         %zu (+%zu counterexamples)\n", examples, counterexamples);
  std::printf("  database         %zu bytes\n", stats.database_bytes);
  std::printf("  compile time     %.1f ms\n", stats.compile_ms);
  return 0;
}

int test(const RulesOptions& options) {
  const auto pack = CompiledPack::load(pack_path(options.path));
  rules::Matcher matcher(pack);
  scoring::Scorer scorer;
  Evaluation eval;
  std::size_t passed = 0, failed = 0;
  std::map<std::string, std::pair<std::size_t, std::size_t>> per_topic;  // examples, counterexamples
  for (const rules::Rule& rule : pack->source().rules) {
    auto& counts = per_topic[rule.topic];
    for (const rules::Example& ex : rule.examples) {
      ++counts.first;
      evaluate(matcher, scorer, ex.text, eval);
      bool matched = false;
      for (std::size_t i = 0; i < eval.match->rule_count; ++i) {
        matched = matched || pack->rules()[eval.match->rules[i].rule].id == rule.id;
      }
      const Signal* got = nullptr;
      for (std::size_t i = 0; i < eval.score->signal_count; ++i) {
        const Signal& s = eval.score->signals[i];
        if (s.ticker.view() == ex.ticker && s.topic.view() == rule.topic) got = &s;
      }
      const bool ok = matched && (ex.side == "none" ? got == nullptr : got != nullptr && to_string(got->side) == ex.side);
      if (ok) {
        ++passed;
        if (options.verbose) std::printf("PASS %s: \"%s\"\n", rule.id.c_str(), ex.text.c_str());
        continue;
      }
      ++failed;
      std::printf("FAIL %s:%u %s example\n  text:     \"%s\"\n  expected: %s %s (%s)\n  got:      %s%s\n",
                  ex.where.file.c_str(), ex.where.line, rule.id.c_str(), ex.text.c_str(), ex.ticker.c_str(),
                  ex.side.c_str(), rule.topic.c_str(), matched ? "" : "rule did not match; ",
                  describe_signals(*eval.score, rule.topic).c_str());
    }
    for (const rules::Example& ex : rule.counterexamples) {
      ++counts.second;
      evaluate(matcher, scorer, ex.text, eval);
      bool fired = false;
      for (std::size_t i = 0; i < eval.score->signal_count; ++i) fired = fired || eval.score->signals[i].topic.view() == rule.topic;
      if (!fired) {
        ++passed;
        if (options.verbose) std::printf("PASS %s counterexample: \"%s\"\n", rule.id.c_str(), ex.text.c_str());
        continue;
      }
      ++failed;
      std::printf("FAIL %s:%u %s counterexample\n  text:     \"%s\"\n  expected: no %s signal\n  got:      %s\n",
                  ex.where.file.c_str(), ex.where.line, rule.id.c_str(), ex.text.c_str(), rule.topic.c_str(),
                  describe_signals(*eval.score, rule.topic).c_str());
    }
  }
  std::printf("\n%-22s %9s %16s\n", "topic", "examples", "counterexamples");
  for (const auto& [topic, counts] : per_topic) std::printf("%-22s %9zu %16zu\n", topic.c_str(), counts.first, counts.second);
  std::printf("\n%zu passed, %zu failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

int explain(const RulesOptions& options) {
  const auto pack = CompiledPack::load(pack_path(options.path));
  rules::Matcher matcher(pack);
  scoring::Scorer scorer;
  Evaluation eval;
  scoring::ReadingTrace trace;
  evaluate(matcher, scorer, options.text, eval, &trace);
  const rules::MatchResult& m = *eval.match;
  const std::string& text = eval.text;
  std::printf("headline: \"%s\"\n", text.c_str());
  if (text != options.text) std::printf("read as:  \"%s\"  (entities and typographic punctuation read as ASCII)\n", text.c_str());
  const scoring::FieldWords& words = scorer.reader().field(0);
  std::printf("\nphrases of the pack, on words (longest wins where they overlap):\n");
  for (std::uint32_t i = 0; i < words.term_count; ++i) {
    const scoring::Term& t = words.terms[i];
    const auto& w = words.words.tokens;
    std::printf("  w%-2u-w%-2u clause %u  \"%.*s\"  %s%s\n", static_cast<unsigned>(t.first), static_cast<unsigned>(t.last),
                static_cast<unsigned>(t.clause), static_cast<int>(w[t.last].end - w[t.first].begin), text.c_str() + w[t.first].begin,
                pack->describe(t.pattern).c_str(), t.shadowed != 0 ? "  (inside a longer phrase)" : "");
  }
  std::printf("\nentities:");
  if (words.mention_count == 0) std::printf(" none named");
  for (std::uint32_t i = 0; i < words.mention_count; ++i) {
    const scoring::MentionSpan& mention = words.mentions[i];
    std::printf(" %s (w%u%s)", pack->entities()[mention.entity].ticker.c_str(), static_cast<unsigned>(mention.first),
                mention.context ? ", context only" : "");
  }
  const int lead = scorer.reader().lead_entity();
  if (lead >= 0) std::printf("; lead company %s", pack->entities()[static_cast<std::size_t>(lead)].ticker.c_str());
  std::printf("\n\nrules:\n");
  if (m.rule_count == 0) std::printf("  none matched: no signal\n");
  static constexpr const char* kReadings[] = {"company", "policy", "release"};
  for (std::size_t i = 0; i < m.rule_count; ++i) {
    const rules::CompiledRule& rule = pack->rules()[m.rules[i].rule];
    const rules::Topic& topic = pack->topic(rule.topic);
    std::printf("  %s (topic %s, reading %s%s)%s\n", rule.id.c_str(), topic.id.c_str(),
                kReadings[static_cast<int>(rule.reading)], rule.invert ? ", polarity -1" : "",
                topic.side_mode == rules::SideMode::event ? ": an event topic, never a trade signal" : "");
    if (rule.require_entity) {
      for (const auto entity : rule.tickers) {
        std::printf("      %s: %s\n", pack->entities()[entity].ticker.c_str(),
                    m.mention_of(entity) != nullptr ? "mentioned" : "not mentioned (the rule requires it): no signal");
      }
    }
  }
  std::printf("\nwhy:\n");
  if (trace.lines.empty()) std::printf("  no event, stance or figure of the pack read a direction\n");
  for (const std::string& line : trace.lines) std::printf("  %s\n", line.c_str());
  std::printf("\nsignals: %s\n", describe_signals(*eval.score, "").c_str());
  return 0;
}

}  // namespace

void add_rules_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RulesOptions>();
  CLI::App* rules = app.add_subcommand("rules", "Validate, test and explain rule packs");
  rules->require_subcommand(1);
  CLI::App* check_cmd = rules->add_subcommand("check", "Compile a pack and print its statistics");
  check_cmd->add_option("path", options->path, "Rule pack directory or file (default: bundled rules/default)");
  check_cmd->callback([options, &exit_code] { exit_code = check(*options); });
  CLI::App* test_cmd = rules->add_subcommand("test", "Run every rule's examples and counterexamples");
  test_cmd->add_option("path", options->path, "Rule pack directory or file (default: bundled rules/default)");
  test_cmd->add_flag("--verbose,-v", options->verbose, "Print passing cases too");
  test_cmd->callback([options, &exit_code] { exit_code = test(*options); });
  CLI::App* explain_cmd = rules->add_subcommand("explain", "Show which rules, entities and terms a headline hits, and why");
  explain_cmd->add_option("text", options->text, "Headline text")->required();
  explain_cmd->add_option("--rules,-r", options->path, "Rule pack (default: bundled rules/default)");
  explain_cmd->callback([options, &exit_code] { exit_code = explain(*options); });
}

}  // namespace h2s::tools
