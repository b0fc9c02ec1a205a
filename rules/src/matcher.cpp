#include "h2s/rules/matcher.hpp"

#include <hs/hs.h>

#include <algorithm>
#include <new>

namespace h2s::rules {
namespace {

struct ScanContext {
  MatchResult* result;
  const CompiledPack* pack;
  std::string_view text;
  Field field;
  std::uint32_t* seen;      // by pattern id: the scan generation that last kept a hit of it
  std::uint32_t generation;
};

// Where a phrase of `words` white-space separated words that ends at `to` starts.
unsigned long long phrase_start(std::string_view text, unsigned long long to, unsigned words) noexcept {
  std::size_t i = to;
  for (unsigned k = 0; k < words && i > 0; ++k) {
    if (k > 0) {
      while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\n' || text[i - 1] == '\r')) --i;
    }
    while (i > 0 && text[i - 1] != ' ' && text[i - 1] != '\t' && text[i - 1] != '\n' && text[i - 1] != '\r') --i;
  }
  return i;
}

bool is_grammar(PatternRef::Kind kind) noexcept { return kind == PatternRef::Kind::lexicon || kind == PatternRef::Kind::event; }

bool is_gate(PatternRef::Kind kind) noexcept {
  return kind == PatternRef::Kind::rule_exclude || kind == PatternRef::Kind::requires_any ||
         kind == PatternRef::Kind::entity_exclude;
}

int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int, void* context) {
  auto* ctx = static_cast<ScanContext*>(context);
  MatchResult& r = *ctx->result;
  const PatternRef::Kind kind = ctx->pack->patterns()[id].kind;
  if (ctx->field == Field::body && to > MatchResult::kBodyLeadBytes) {
    // Past the body's lead only where things are named counts, once per pattern: a long body
    // cannot flood the hits, and its words do not read the story's direction.
    if (is_grammar(kind) || ctx->seen[id] == ctx->generation) return 0;
    ctx->seen[id] = ctx->generation;
  }
  const bool gate = is_gate(kind);
  const std::size_t limit = gate ? MatchResult::kMaxHits : MatchResult::kMaxHits - MatchResult::kReservedHits;
  if (r.hit_count >= limit) {
    r.truncated = true;
    return 0;  // keep scanning: exclusions and requires later in the text still count
  }
  if (kind == PatternRef::Kind::entity_name && from == 0 && ctx->pack->has_shape(id)) {
    from = phrase_start(ctx->text, to, ctx->pack->shape(id).min_words);
  }
  r.hits[r.hit_count++] = Hit{id, static_cast<std::uint32_t>(from), static_cast<std::uint32_t>(to), ctx->field, false};
  return 0;
}

}  // namespace

std::string_view field_text(const Story& story, Field field) noexcept {
  switch (field) {
    case Field::headline: return story.headline;
    case Field::summary: return story.summary;
    case Field::body: return story.body;
  }
  return {};
}

Matcher::Matcher(std::shared_ptr<const CompiledPack> pack)
    : pack_(std::move(pack)),
      rule_state_(pack_->rules().size()),
      rule_touched_(pack_->rules().size(), 0),
      seen_(pack_->patterns().size(), 0) {
  touched_rules_.reserve(pack_->rules().size());
  if (const hs_error_t rc = hs_alloc_scratch(pack_->database(), &scratch_); rc != HS_SUCCESS) {
    throw RulePackError("cannot allocate Hyperscan scratch for the rule database (error " + std::to_string(rc) +
                        (rc == HS_DB_PLATFORM_ERROR ? ": built for another CPU; clear the rules cache)" : ")"));
  }
}

Matcher::~Matcher() { hs_free_scratch(scratch_); }

Status Matcher::match(const Story& story, MatchResult& result) noexcept {
  result.hit_count = result.rule_count = result.mention_count = 0;
  result.truncated = false;
  for (std::size_t f = 0; f < kFieldCount; ++f) {
    const Field field = static_cast<Field>(f);
    const std::string_view text = field_text(story, field);
    if (text.empty()) continue;
    if (++generation_ == 0) {  // wrapped: forget every stamp
      std::fill(seen_.begin(), seen_.end(), 0);
      generation_ = 1;
    }
    ScanContext ctx{&result, pack_.get(), text, field, seen_.data(), generation_};
    const hs_error_t rc = hs_scan(pack_->database(), text.data(), static_cast<unsigned>(text.size()), 0, scratch_,
                                  on_match, &ctx);
    if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED) return Status::malformed_json;  // unreachable with a valid db
  }
  evaluate(story, result);
  return Status::ok;
}

Status Matcher::match_text(std::string_view headline, MatchResult& result) noexcept {
  Story story;
  story.headline = headline;
  return match(story, result);
}

void Matcher::evaluate(const Story& story, MatchResult& result) noexcept {
  const auto& refs = pack_->patterns();
  const std::size_t hits = result.hit_count;

  // Entity mentions: alias hits outside that entity's exclusion spans, plus vendor tags.
  auto add_mention = [&](std::uint16_t entity) -> Mention* {
    for (std::size_t i = 0; i < result.mention_count; ++i) {
      if (result.mentions[i].entity == entity) return &result.mentions[i];
    }
    if (result.mention_count == MatchResult::kMaxMentions) {
      result.truncated = true;
      return nullptr;
    }
    Mention& m = result.mentions[result.mention_count++];
    m = Mention{entity};
    return &m;
  };
  for (std::size_t i = 0; i < hits; ++i) {
    Hit& hit = result.hits[i];
    const PatternRef& ref = refs[hit.pattern];
    if (ref.kind != PatternRef::Kind::entity_name) continue;
    // A story whose time is known and earlier than the name's date is about another company.
    bool excluded = story.ts_source_us > 0 && story.ts_source_us < ref.from_us;
    for (std::size_t j = 0; j < hits && !excluded; ++j) {
      const Hit& ex = result.hits[j];
      const PatternRef& ex_ref = refs[ex.pattern];
      excluded = ex_ref.kind == PatternRef::Kind::entity_exclude && ex_ref.owner == ref.owner &&
                 ex.field == hit.field && ex.from <= hit.from && ex.to >= hit.to;
    }
    hit.excluded = excluded;
    if (excluded) continue;
    Mention* m = add_mention(static_cast<std::uint16_t>(ref.owner));
    if (m == nullptr) continue;
    if (!m->in_text || hit.field < m->field || (hit.field == m->field && hit.to < m->position)) {
      m->field = hit.field;
      m->position = hit.to;
    }
    m->in_text = true;
  }
  const auto& entities = pack_->entities();
  for (std::uint8_t t = 0; t < story.ticker_count; ++t) {
    for (std::size_t e = 0; e < entities.size(); ++e) {
      if (entities[e].ticker == story.tickers[t].view()) {
        if (Mention* m = add_mention(static_cast<std::uint16_t>(e))) m->vendor_tagged = true;
        break;
      }
    }
  }

  // Rules: any pattern, minus fields where an exclusion matched, gated by `requires`.
  for (std::size_t i = 0; i < hits; ++i) {
    const Hit& hit = result.hits[i];
    const PatternRef& ref = refs[hit.pattern];
    if (ref.kind != PatternRef::Kind::rule && ref.kind != PatternRef::Kind::requires_any &&
        ref.kind != PatternRef::Kind::rule_exclude) {
      continue;
    }
    RuleState& state = rule_state_[ref.owner];
    if (!rule_touched_[ref.owner]) {
      rule_touched_[ref.owner] = 1;
      touched_rules_.push_back(ref.owner);
      state = RuleState{};
    }
    const auto bit = static_cast<std::uint8_t>(1u << static_cast<unsigned>(hit.field));
    const auto f = static_cast<std::size_t>(hit.field);
    if (ref.kind == PatternRef::Kind::rule) {
      if (!(state.fields_hit & bit) || hit.to < state.first_end[f]) state.first_end[f] = hit.to;
      state.fields_hit |= bit;
    } else if (ref.kind == PatternRef::Kind::requires_any) {
      state.requires_hit = true;
    } else {
      state.fields_excluded |= bit;
    }
  }
  for (const std::uint32_t rule : touched_rules_) {
    const RuleState& state = rule_state_[rule];
    rule_touched_[rule] = 0;
    const std::uint8_t live = state.fields_hit & static_cast<std::uint8_t>(~state.fields_excluded);
    if (live == 0 || (pack_->rules()[rule].has_requires && !state.requires_hit)) continue;
    if (!pack_->rules()[rule].vendor_fields.admits(story)) continue;
    if (result.rule_count == MatchResult::kMaxRules) {
      result.truncated = true;
      continue;
    }
    std::size_t f = 0;
    while (!(live & (1u << f))) ++f;
    result.rules[result.rule_count++] = RuleMatch{rule, static_cast<Field>(f), state.first_end[f]};
  }
  touched_rules_.clear();
}

}  // namespace h2s::rules
