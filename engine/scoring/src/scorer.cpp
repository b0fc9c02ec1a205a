#include "h2s/scoring/scorer.hpp"

#include <cmath>

#include "h2s/scoring/fingerprint.hpp"
#include "h2s/scoring/numeric_surprise.hpp"
#include "h2s/scoring/text_scan.hpp"

namespace h2s::scoring {
namespace {

using rules::Field;
using rules::Hit;
using rules::LexiconKind;
using rules::PatternRef;

double squash(double x) noexcept { return x / (1.0 + std::fabs(x)); }

double field_relevance(Field f) noexcept { return f == Field::headline ? 1.0 : f == Field::summary ? 0.8 : 0.6; }

// Earlier mentions matter more: 1 at the start of a field, 0.7 at its end.
double position_factor(std::uint32_t position, std::size_t length) noexcept {
  return 1.0 - 0.3 * static_cast<double>(position) / (static_cast<double>(length) + 1.0);
}

bool is_polar(LexiconKind kind) noexcept {
  return kind == LexiconKind::sentiment || kind == LexiconKind::hawkish || kind == LexiconKind::surprise;
}

// A longer phrase shadows a shorter one it contains when it speaks to the same dimension.
bool shadows(LexiconKind longer, LexiconKind shorter) noexcept {
  return longer == shorter || longer == LexiconKind::surprise;
}

struct ClauseSpan {
  Field field;
  std::uint32_t begin;
  std::uint32_t end;
};

}  // namespace

Scorer::Scorer(const ScoringParams& params)
    : params_(params),
      headlines_(params.dedup_capacity, params.dedup_window_us),
      chains_(params.chain_capacity, params.chain_window_us),
      versions_(params.story_capacity, params.story_window_us),
      baselines_(params.baseline_capacity, INT64_MAX),
      throttles_(1024, INT64_MAX),
      terms_(std::make_unique<TermBuffer>()) {}

std::size_t Scorer::memory_bytes() const noexcept {
  return headlines_.memory_bytes() + chains_.memory_bytes() + versions_.memory_bytes() + baselines_.memory_bytes() +
         throttles_.memory_bytes() + sizeof(TermBuffer);
}

void Scorer::collect_terms(const Story& story, const rules::MatchResult& match, const rules::CompiledPack& pack,
                           TermBuffer& out) const noexcept {
  const auto& refs = pack.patterns();
  out.count = 0;
  out.hedges = 0;
  for (std::size_t i = 0; i < match.hit_count; ++i) {
    const Hit& hit = match.hits[i];
    if (refs[hit.pattern].kind != PatternRef::Kind::lexicon) continue;
    const rules::LexiconTerm& term = pack.term(refs[hit.pattern].owner);
    if (term.kind == LexiconKind::hedge) ++out.hedges;
    if (!is_polar(term.kind)) continue;

    // The longest phrase of the same dimension wins: "raises guidance" is not also "raises".
    bool shadowed = false;
    for (std::size_t j = 0; j < match.hit_count && !shadowed; ++j) {
      const Hit& other = match.hits[j];
      if (j == i || other.field != hit.field || refs[other.pattern].kind != PatternRef::Kind::lexicon) continue;
      const rules::LexiconTerm& other_term = pack.term(refs[other.pattern].owner);
      if (!is_polar(other_term.kind) || !shadows(other_term.kind, term.kind)) continue;
      const std::uint32_t other_len = other.to - other.from, len = hit.to - hit.from;
      const bool contains = other.from <= hit.from && other.to >= hit.to;
      shadowed = contains && (other_len > len || (other_len == len && j < i));
    }
    if (shadowed) continue;

    const std::string_view text = rules::field_text(story, hit.field);
    // The nearest preceding modifier of each kind within its window, in the same clause.
    std::uint32_t best_negator = UINT32_MAX, best_intensifier = UINT32_MAX, best_hedge = UINT32_MAX;
    double negator = 1, intensifier = 1, hedge = 1;
    for (std::size_t j = 0; j < match.hit_count; ++j) {
      const Hit& mod = match.hits[j];
      if (mod.field != hit.field || refs[mod.pattern].kind != PatternRef::Kind::lexicon) continue;
      const rules::LexiconTerm& mod_term = pack.term(refs[mod.pattern].owner);
      if (is_polar(mod_term.kind)) continue;
      if (mod.from >= hit.to) {
        // An intensifier may also follow its term closely: "slows sharply", "rose unexpectedly".
        if (mod_term.kind == LexiconKind::intensifier && !has_clause_break(text, hit.to, mod.from) &&
            words_between(text, hit.to, mod.from) == 0 && best_intensifier == UINT32_MAX) {
          best_intensifier = 1;
          intensifier = mod_term.weight;
        }
        continue;
      }
      if (mod.to > hit.from || has_clause_break(text, mod.to, hit.from)) continue;
      const std::uint32_t gap = words_between(text, mod.to, hit.from);
      if (mod_term.kind == LexiconKind::negator && gap <= params_.negation_window && gap < best_negator) {
        best_negator = gap;
        negator = mod_term.weight;
      } else if (mod_term.kind == LexiconKind::intensifier && gap <= params_.modifier_window && gap < best_intensifier) {
        best_intensifier = gap;
        intensifier = mod_term.weight;
      } else if (mod_term.kind == LexiconKind::hedge && gap <= params_.negation_window && gap < best_hedge) {
        best_hedge = gap;
        hedge = mod_term.weight;
      }
    }
    const double value =
        term.weight * params_.field_weight[static_cast<std::size_t>(hit.field)] * negator * intensifier * hedge;
    const auto index = static_cast<std::uint32_t>(i);
    if (term.kind == LexiconKind::surprise) {
      out.terms[out.count++] = TermContribution{index, hit.field, hit.from, hit.to, false, true, value};
      out.terms[out.count++] = TermContribution{index, hit.field, hit.from, hit.to, true, true, value};
    } else {
      out.terms[out.count++] =
          TermContribution{index, hit.field, hit.from, hit.to, term.kind == LexiconKind::hawkish, false, value};
    }
  }
  // Figures against expectations are surprises in both directions, like "above forecasts".
  for (std::size_t f = 0; f < rules::kFieldCount; ++f) {
    const auto field = static_cast<Field>(f);
    NumericSurprise surprise;
    if (!find_numeric_surprise(rules::field_text(story, field), surprise) || surprise.score() == 0) continue;
    const double value = params_.numeric_surprise_weight * params_.field_weight[f] * surprise.score();
    out.terms[out.count++] = TermContribution{UINT32_MAX, field, surprise.from, surprise.to, false, true, value};
    out.terms[out.count++] = TermContribution{UINT32_MAX, field, surprise.from, surprise.to, true, true, value};
  }
}

Tone Scorer::story_tone(const TermBuffer& terms) const noexcept {
  double sentiment = 0, hawkish = 0;
  for (std::size_t i = 0; i < terms.count; ++i) (terms.terms[i].hawkish ? hawkish : sentiment) += terms.terms[i].value;
  return Tone{squash(sentiment), squash(hawkish), static_cast<std::uint32_t>(terms.count), terms.hedges};
}

Tone Scorer::rule_tone(const Story& story, const rules::MatchResult& match, const rules::CompiledPack& pack,
                       std::uint32_t rule, const TermBuffer& terms) const noexcept {
  // The clauses this rule's patterns matched in.
  constexpr std::size_t kMaxClauses = 16;
  std::array<ClauseSpan, kMaxClauses> clauses;
  std::size_t clause_count = 0;
  const auto& refs = pack.patterns();
  for (std::size_t i = 0; i < match.hit_count && clause_count < kMaxClauses; ++i) {
    const Hit& hit = match.hits[i];
    const PatternRef& ref = refs[hit.pattern];
    if (ref.kind != PatternRef::Kind::rule || ref.owner != rule) continue;
    const std::string_view text = rules::field_text(story, hit.field);
    // Rule patterns report end offsets only (no start-of-match tracking): the clause holding the end.
    const std::uint32_t at = hit.to > 0 ? hit.to - 1 : 0;
    const ClauseSpan span{hit.field, clause_begin(text, at), clause_end(text, at)};
    bool known = false;
    for (std::size_t c = 0; c < clause_count && !known; ++c) {
      known = clauses[c].field == span.field && clauses[c].begin == span.begin;
    }
    if (!known) clauses[clause_count++] = span;
  }
  double sentiment = 0, hawkish = 0;
  std::uint32_t in_clause = 0;
  for (std::size_t i = 0; i < terms.count; ++i) {
    const TermContribution& t = terms.terms[i];
    bool inside = t.anywhere;
    for (std::size_t c = 0; c < clause_count && !inside; ++c) {
      inside = clauses[c].field == t.field && t.from >= clauses[c].begin && t.to <= clauses[c].end;
    }
    in_clause += inside ? 1 : 0;
    (t.hawkish ? hawkish : sentiment) += t.value * (inside ? 1.0 : params_.out_of_clause_weight);
  }
  return Tone{squash(sentiment), squash(hawkish), in_clause, terms.hedges};
}

bool Scorer::admit(const Story& story, std::int64_t now_us, ScoreResult& out) noexcept {
  out.clear();
  admission_ = Admission{};
  admission_.now_us = now_us;
  const std::uint64_t key = story_key(story.id, static_cast<std::uint8_t>(story.vendor));
  Version* known = versions_.find(key, now_us);
  if (story.action == StoryAction::deleted) {
    out.outcome = StoryOutcome::deleted;
    out.cancel = known != nullptr && known->signalled;  // the publisher withdraws its signals
    if (known != nullptr) known->signalled = false;
    return false;
  }
  const std::string_view headline_text = strip_wire_decorations(story.headline);
  const std::uint64_t headline = normalized_text_hash(headline_text);
  const std::uint64_t content = headline ^ (normalized_text_hash(story.summary) * 31 + normalized_text_hash(story.body));
  if (known != nullptr) {
    // A version of a story seen before: news only if its text changed.
    if (known->content == content) {
      out.outcome = StoryOutcome::duplicate;
      return false;
    }
    admission_.previous = *known;
    admission_.revision = out.revision = true;
    known->content = content;
    if (known->count < UINT16_MAX) ++known->count;
    admission_.version = known;
    (void)admission_.chain_id.assign(story.id);
  } else {
    if (headlines_.find(headline, now_us) != nullptr) {
      out.outcome = StoryOutcome::duplicate;
      return false;
    }
    const std::uint64_t fingerprint = simhash(headline_text);
    const std::uint64_t names = names_signature(headline_text);
    int distance = 65;
    const ChainIndex::Entry* nearest = chains_.nearest(fingerprint, names, now_us, distance);
    // A near repeat must also name the same companies and figures.
    if (nearest != nullptr && distance <= params_.near_duplicate_bits && nearest->names == names &&
        now_us - nearest->seen_us <= params_.dedup_window_us) {
      out.outcome = StoryOutcome::duplicate;
      out.near_duplicate = true;
      return false;
    }
    std::uint32_t chain_length = 1;
    if (nearest != nullptr && distance <= params_.chain_bits) {
      chain_length = nearest->chain_length + 1;
      (void)admission_.chain_id.assign(chains_.chain_id(*nearest));
    } else {
      (void)admission_.chain_id.assign(story.id);
    }
    admission_.novelty = std::pow(params_.novelty_decay, static_cast<double>(chain_length - 1));
    chains_.add(fingerprint, names, now_us, admission_.chain_id.view(), chain_length);
    headlines_.put(headline, 1, now_us);
    admission_.version = &versions_.put(key, Version{content, 1, {}, {}, false}, now_us);
  }
  admission_.admitted = true;
  return true;
}

double Scorer::take_baseline(std::uint64_t key, double direction, std::int64_t now_us) noexcept {
  // The baseline decays toward neutral with the half-life, and each story moves it by alpha.
  Baseline* b = baselines_.find(key, now_us);
  double baseline = 0;
  if (b != nullptr) {
    const double elapsed = static_cast<double>(now_us - b->updated_us);
    baseline = b->ewma * std::pow(0.5, elapsed / static_cast<double>(params_.baseline_half_life_us));
  }
  baselines_.put(key, Baseline{baseline + params_.baseline_alpha * (direction - baseline), now_us}, now_us);
  return baseline;
}

bool Scorer::throttle_allows(std::string_view ticker, std::int64_t now_us) noexcept {
  const std::uint64_t key = exact_hash(ticker);
  Throttle* t = throttles_.find(key, now_us);
  if (t == nullptr) t = &throttles_.put(key, Throttle{now_us, 0}, now_us);
  if (now_us - t->window_start_us >= params_.throttle_interval_us) *t = Throttle{now_us, 0};
  if (t->count >= params_.throttle_max_signals) return false;
  ++t->count;
  return true;
}

void Scorer::score(const Story& story, const rules::MatchResult& match, const rules::CompiledPack& pack,
                   ScoreResult& out) noexcept {
  const bool admitted = admission_.admitted;
  admission_.admitted = false;  // one score per admission
  if (!admitted) {
    out.clear();
    admission_ = Admission{};
    (void)admission_.chain_id.assign(story.id);
  }
  out.signal_count = 0;
  if (match.rule_count == 0) {
    out.outcome = StoryOutcome::no_match;
    return;
  }
  collect_terms(story, match, pack, *terms_);
  out.tone = story_tone(*terms_);
  const double hedge_factor = std::pow(0.75, terms_->hedges);
  bool suppressed_unmoved = false;
  std::array<double, ScoreResult::kMaxSignals> slot_priority{};

  for (std::size_t r = 0; r < match.rule_count; ++r) {
    const rules::RuleMatch& rm = match.rules[r];
    const rules::CompiledRule& rule = pack.rules()[rm.rule];
    const rules::Topic& topic = pack.topic(rule.topic);
    if (topic.side_mode == rules::SideMode::event) continue;
    const Tone tone = rule.story_scope ? out.tone : rule_tone(story, match, pack, rm.rule, *terms_);
    // Direction is signed so that > 0 means buy the signalled ticker.
    double direction = topic.side_mode == rules::SideMode::sentiment ? tone.sentiment : -tone.hawkish;
    if (rule.invert) direction = -direction;
    if (std::fabs(direction) < params_.direction_threshold) continue;
    const double confidence_from_terms = 1.0 - std::pow(0.5, tone.terms > 0 ? tone.terms : 0.5);
    const std::string_view rule_text = rules::field_text(story, rm.field);

    for (const std::uint16_t entity : rule.tickers) {
      // Relevance: where the topic matched, and where the ticker is first named.
      double relevance = field_relevance(rm.field) * position_factor(rm.position, rule_text.size());
      if (rule.require_entity) {
        const rules::Mention* mention = match.mention_of(entity);
        if (mention == nullptr || (!mention->in_text && !mention->vendor_tagged)) continue;
        double mention_relevance = 0.5;  // vendor tag only
        if (mention->in_text) {
          const std::string_view text = rules::field_text(story, mention->field);
          mention_relevance = field_relevance(mention->field) * position_factor(mention->position, text.size());
        }
        relevance = relevance < mention_relevance ? relevance : mention_relevance;
      }
      const double strength = std::fabs(direction) * relevance * (rule.weight < 1.0 ? rule.weight : 1.0);
      const double priority = std::fabs(direction) * relevance * rule.weight;  // picks the rule per ticker
      const double confidence = relevance * confidence_from_terms * hedge_factor;
      if (strength < params_.min_strength || confidence < params_.min_confidence) continue;
      const std::string_view ticker = pack.entities()[entity].ticker;

      // One signal per (story, ticker): the strongest rule wins.
      Signal* slot = nullptr;
      for (std::size_t s = 0; s < out.signal_count; ++s) {
        if (out.signals[s].ticker.view() == ticker) slot = &out.signals[s];
      }
      if (slot != nullptr && slot_priority[static_cast<std::size_t>(slot - out.signals.data())] >= priority) continue;
      if (slot == nullptr) {
        if (out.signal_count == ScoreResult::kMaxSignals) continue;
        slot = &out.signals[out.signal_count++];
      }
      slot_priority[static_cast<std::size_t>(slot - out.signals.data())] = priority;
      *slot = Signal{};
      (void)slot->story_id.assign(story.id);
      slot->chain_id = admission_.chain_id;
      (void)slot->topic.assign(topic.id);
      (void)slot->rule.assign(rule.id);
      (void)slot->ticker.assign(ticker);
      slot->vendor = story.vendor;
      slot->side = direction > 0 ? Side::buy : Side::sell;
      slot->basis = Basis::lexicon;
      slot->version = admission_.version != nullptr ? admission_.version->count : 1;
      slot->strength = strength;
      slot->sentiment = direction;
      slot->novelty = admission_.novelty;
      slot->relevance = relevance;
      slot->confidence = confidence;
      slot->ts_source_us = story.ts_source_us;
      slot->ts_recv_us = story.ts_recv_us;
    }
  }

  // Per signal: revisions must move; delta against the baseline (or the previous version); throttle.
  std::size_t kept = 0;
  for (std::size_t s = 0; s < out.signal_count; ++s) {
    Signal& signal = out.signals[s];
    const double* previous = admission_.revision ? admission_.previous.direction_of(exact_hash(signal.ticker.view())) : nullptr;
    if (!admitted) {  // tools score headlines on their own: no history, no throttle
      signal.delta = signal.sentiment;
    } else if (previous != nullptr) {  // this ticker was signalled for an earlier version
      const double moved = signal.sentiment - *previous;
      if (std::fabs(moved) < params_.revision_threshold && (signal.sentiment > 0) == (*previous > 0)) {
        ++out.unmoved;
        suppressed_unmoved = true;
        continue;
      }
      signal.delta = moved;
    } else {
      const std::uint64_t key = exact_hash(signal.ticker.view()) * 31 + exact_hash(signal.topic.view());
      signal.delta = signal.sentiment - take_baseline(key, signal.sentiment, admission_.now_us);
    }
    if (admitted && !throttle_allows(signal.ticker.view(), admission_.now_us)) {
      ++out.throttled;
      continue;
    }
    if (kept != s) out.signals[kept] = signal;
    ++kept;
  }
  out.signal_count = kept;
  if (admission_.version != nullptr) {
    Version& version = *admission_.version;
    for (std::size_t s = 0; s < kept; ++s) {
      const std::uint64_t ticker = exact_hash(out.signals[s].ticker.view());
      std::size_t slot = 0;
      while (slot + 1 < Version::kTickers && version.tickers[slot] != ticker && version.tickers[slot] != 0) ++slot;
      version.tickers[slot] = ticker;
      version.directions[slot] = out.signals[s].sentiment;
      version.signalled = true;
    }
  }
  if (kept > 0) out.outcome = StoryOutcome::signalled;
  else out.outcome = suppressed_unmoved && out.throttled == 0 ? StoryOutcome::duplicate : StoryOutcome::event;
}

}  // namespace h2s::scoring
