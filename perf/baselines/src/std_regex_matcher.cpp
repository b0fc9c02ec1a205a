#include "h2s/baselines/std_regex_matcher.hpp"

#include <stdexcept>

namespace h2s::baselines {

std::regex to_std_regex(std::string expression, bool caseless) {
  if (expression.starts_with("(?i)")) {
    expression.erase(0, 4);
    caseless = true;
  }
  auto flags = std::regex::ECMAScript | std::regex::optimize;
  if (caseless) flags |= std::regex::icase;
  try {
    return std::regex(expression, flags);
  } catch (const std::regex_error& e) {
    throw std::runtime_error("std::regex cannot take the pattern '" + expression + "': " + e.what());
  }
}

StdRegexMatcher::StdRegexMatcher(std::shared_ptr<const rules::CompiledPack> pack) : evaluator_(pack) {
  using Kind = rules::PatternRef::Kind;
  for (std::uint32_t id = 0; id < pack->patterns().size(); ++id) {
    const Kind kind = pack->patterns()[id].kind;
    const bool gate = kind == Kind::rule_exclude || kind == Kind::requires_any || kind == Kind::entity_exclude;
    const bool first_only = kind == Kind::rule_exclude || kind == Kind::requires_any;
    patterns_.push_back({to_std_regex(pack->expression(id), pack->caseless(id)), !first_only, gate});
  }
}

Status StdRegexMatcher::match(const Story& story, rules::MatchResult& result) {
  result.hit_count = result.rule_count = result.mention_count = 0;
  result.truncated = false;
  for (std::size_t f = 0; f < rules::kFieldCount; ++f) {
    const auto field = static_cast<rules::Field>(f);
    const std::string_view text = rules::field_text(story, field);
    if (text.empty()) continue;
    for (std::uint32_t id = 0; id < patterns_.size(); ++id) {
      const Pattern& p = patterns_[id];
      const std::size_t limit =
          p.gate ? rules::MatchResult::kMaxHits : rules::MatchResult::kMaxHits - rules::MatchResult::kReservedHits;
      for (std::cregex_iterator it(text.data(), text.data() + text.size(), p.regex), end; it != end; ++it) {
        if (result.hit_count >= limit) {
          result.truncated = true;
          break;
        }
        const auto from = static_cast<std::uint32_t>(it->position(0));
        const auto to = static_cast<std::uint32_t>(from + it->length(0));
        result.hits[result.hit_count++] = rules::Hit{id, from, to, field};
        if (!p.every_match) break;
      }
    }
  }
  evaluator_.evaluate_hits(story, result);
  return Status::ok;
}

}  // namespace h2s::baselines
