#pragma once
// Baseline: the rule pack matched with std::regex, pattern by pattern, in place of Hyperscan. It
// fills the same MatchResult (and evaluates it with h2s's own rule logic), so the scorer and the
// match-equality check see exactly what they would from h2s.
#include <memory>
#include <regex>
#include <vector>

#include "h2s/model/status.hpp"
#include "h2s/model/story.hpp"
#include "h2s/rules/matcher.hpp"

namespace h2s::baselines {

class StdRegexMatcher {
 public:
  // Throws std::regex_error naming the pattern std::regex cannot take.
  explicit StdRegexMatcher(std::shared_ptr<const rules::CompiledPack> pack);

  // std::regex may throw (error_complexity, error_stack) and allocates: a baseline, not a hot path.
  [[nodiscard]] Status match(const Story& story, rules::MatchResult& result);

 private:
  struct Pattern {
    std::regex regex;
    bool every_match;  // Hyperscan reports every match (spans, rules); else the first (requires, exclude)
    bool gate;         // exclude and requires hits may use the reserved slots, as in h2s
  };
  std::vector<Pattern> patterns_;
  rules::Matcher evaluator_;  // h2s's rule evaluation over the hits found here
};

// Hyperscan's pattern syntax as ECMAScript: a leading (?i) becomes a flag.
[[nodiscard]] std::regex to_std_regex(std::string expression, bool caseless);

}  // namespace h2s::baselines
