#include "h2s/scoring/scorer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "h2s/scoring/fingerprint.hpp"

namespace h2s::scoring {
namespace {

using rules::Field;

double field_relevance(Field f) noexcept { return f == Field::headline ? 1.0 : f == Field::summary ? 0.8 : 0.6; }

// Earlier mentions matter more: 1 at the start of a field, 0.7 at its end.
double position_factor(std::uint32_t position, std::size_t length) noexcept {
  return 1.0 - 0.3 * static_cast<double>(position) / (static_cast<double>(length) + 1.0);
}

constexpr std::uint64_t kPolynomialBase = 0x100000001B3ULL;
constexpr std::uint64_t kPolicyTopicKey = 0x706F6C696379ULL;  // "policy": every policy topic in a signature

// How two headlines' first figures compare: one in common (sign aside, "falls 0.1%" is "-0.1%";
// rounding aside, "$57.01B" is "$57.0B"), none to compare (either names none), or different prints.
enum class FigureMatch { shared, unknown, different };

FigureMatch compare_figures(const std::array<double, 2>& a, const std::array<double, 2>& b) noexcept {
  if (std::isnan(a[0]) || std::isnan(b[0])) return FigureMatch::unknown;
  for (const double x : a) {
    for (const double y : b) {
      const double ax = std::fabs(x), ay = std::fabs(y);
      if (!std::isnan(x) && !std::isnan(y) && std::fabs(ax - ay) <= 0.005 * std::max(ax, ay)) return FigureMatch::shared;
    }
  }
  return FigureMatch::different;
}

// Words too common to say what a headline is about (after a final 's' is dropped).
constexpr std::string_view kStopWords[] = {
    "the",  "and",  "for",  "its",  "has",  "are",  "was",  "but",  "not",  "new",  "now",  "say",  "said",
    "with", "from", "that", "this", "after", "amid", "over", "into", "will", "than", "report", "new", "update",
    "their", "they", "been", "have", "more", "about", "year", "his", "her", "she", "who", "how", "why", "what",
    "may", "can", "could", "would", "u.s.", "us", "reuter", "source", "via", "all", "out", "off", "per"};

// Wire abbreviations ("REV", "EST.", "Sept") read as the word in full, as hashes: a flash and its
// prose re-carry share their words ("*NVIDIA SEES 3Q REV $54.0B, EST. $53.1B").
constexpr std::pair<std::string_view, std::string_view> kAbbreviationNames[] = {
    {"jan", "january"}, {"feb", "february"}, {"mar", "march"}, {"apr", "april"},  {"jun", "june"},
    {"jul", "july"},    {"aug", "august"},   {"sep", "september"}, {"sept", "september"}, {"oct", "october"},
    {"nov", "november"}, {"dec", "december"}, {"rev", "revenue"}, {"est", "estimate"}, {"ests", "estimate"},
    {"qtr", "quarter"}, {"mln", "million"}, {"bln", "billion"}, {"govt", "government"}, {"sees", "forecast"},
    {"1q", "first"}, {"2q", "second"}, {"3q", "third"}, {"4q", "fourth"}, {"q1", "first"}, {"q2", "second"},
    {"q3", "third"}, {"q4", "fourth"}};
constexpr auto kAbbreviations = [] {
  std::array<std::pair<std::uint64_t, std::uint64_t>, std::size(kAbbreviationNames)> out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = {rules::word_hash(kAbbreviationNames[i].first), rules::word_hash(kAbbreviationNames[i].second)};
  }
  return out;
}();
constexpr auto kStopHashes = [] {
  std::array<std::uint64_t, std::size(kStopWords)> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = rules::word_hash(kStopWords[i]);
  return out;
}();

// Word hash -> value, open addressing in a constexpr table of 128 slots: one or two probes per
// word where a list scan took dozens of compares (both lists are read for every headline word).
struct WordTable {
  static constexpr std::size_t kSlots = 128;
  std::array<std::pair<std::uint64_t, std::uint64_t>, kSlots> slots{};  // {key, value}; key 0 = empty

  static constexpr std::size_t home(std::uint64_t key) noexcept { return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> 57); }
  constexpr void add(std::uint64_t key, std::uint64_t value) noexcept {
    std::size_t i = home(key);
    while (slots[i].first != 0 && slots[i].first != key) i = (i + 1) % kSlots;
    slots[i] = {key, value};
  }
  [[nodiscard]] constexpr std::uint64_t find(std::uint64_t key) const noexcept {  // 0 when absent
    for (std::size_t i = home(key);; i = (i + 1) % kSlots) {
      if (slots[i].first == key) return slots[i].second;
      if (slots[i].first == 0) return 0;
    }
  }
};
static_assert(std::size(kAbbreviationNames) < WordTable::kSlots / 2 && std::size(kStopWords) < WordTable::kSlots / 2,
              "a word table stays at most half full, so a miss ends at an empty slot within a few probes");

constexpr WordTable kAbbreviationTable = [] {
  WordTable t;
  for (const auto& [abbreviation, full] : kAbbreviations) t.add(abbreviation, full);
  return t;
}();
constexpr WordTable kStopTable = [] {
  WordTable t;
  for (const std::uint64_t h : kStopHashes) t.add(h, 1);
  return t;
}();

// An abbreviation's full word, as a hash ("rev" is "revenue"), or 0.
std::uint64_t expanded(std::uint64_t hash) noexcept { return kAbbreviationTable.find(hash); }

// The word's hash without a final "s" ("supports" is "support", "rates" "rate"), abbreviations in full;
// `hash` is word_hash(word), reused when nothing is stripped.
std::uint64_t stem_hash(std::string_view word, std::uint64_t hash) noexcept {
  const std::size_t size = word.size();
  if (!word.empty() && word.back() == '.') word.remove_suffix(1);
  if (word.size() > 3 && (word.back() == 's' || word.back() == 'S') && word[word.size() - 2] != 's') word.remove_suffix(1);
  const std::uint64_t h = word.size() == size ? hash : rules::word_hash(word);
  if (word.size() >= 2 && word.size() <= 4) {
    if (const std::uint64_t full = expanded(h); full != 0) return full;
  }
  return h;
}

// The stemmed hash of a word that says what a headline is about, or 0 for a stop word.
std::uint64_t content_hash(std::string_view word, std::uint64_t hash, bool number) noexcept {
  if (!number && word.size() < 3) return expanded(hash);  // a short word counts only as an abbreviation ("Q3")
  const std::uint64_t h = stem_hash(word, hash);
  return number || kStopTable.find(h) == 0 ? h : 0;
}

int shared_words(const std::array<std::uint64_t, 4>& a, const std::array<std::uint64_t, 4>& b) noexcept {
  int n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) n += __builtin_popcountll(a[i] & b[i]);
  return n;
}

}  // namespace

Scorer::Scorer(const ScoringParams& params)
    : params_(params),
      headlines_(params.dedup_capacity, params.dedup_window_us),
      edits_(params.edit_capacity, params.dedup_window_us),
      same_signals_(params.semantic_capacity, params.semantic_window_us),
      chains_(params.chain_capacity, params.chain_window_us),
      versions_(params.story_capacity, params.story_window_us),
      baselines_(params.baseline_capacity, INT64_MAX),
      throttles_(1024, INT64_MAX),
      headline_words_(std::make_unique<rules::TokenizedText>()),
      reader_(std::make_unique<StoryReader>()) {
  for (std::size_t k = 0; k < novelty_by_chain_.size(); ++k) novelty_by_chain_[k] = std::pow(params_.novelty_decay, static_cast<double>(k));
}

Scorer::~Scorer() = default;

std::size_t Scorer::memory_bytes() const noexcept {
  return headlines_.memory_bytes() + edits_.memory_bytes() + same_signals_.memory_bytes() + chains_.memory_bytes() +
         versions_.memory_bytes() + baselines_.memory_bytes() + throttles_.memory_bytes() + sizeof(rules::TokenizedText) +
         sizeof(StoryReader);
}

// The headline's words, once: its normalized hash (wire decorations, case and punctuation
// aside), its SimHash, and its hash less each word in turn (one-word edits).
void Scorer::read_headline(const Story& story) noexcept {
  rules::TokenizedText& w = *headline_words_;
  rules::tokenize(story.headline, w);
  headline_read_ = true;
  const std::string_view core = strip_wire_decorations(story.headline);
  const auto core_begin = static_cast<std::uint32_t>(core.data() - story.headline.data());
  const auto core_end = static_cast<std::uint32_t>(core_begin + core.size());
  std::uint32_t begin = 0, end = w.count;
  while (begin < end && w.tokens[begin].begin < core_begin) ++begin;
  while (end > begin && w.tokens[end - 1].end > core_end) --end;
  std::uint64_t hash = 14695981039346656037ULL;
  for (std::uint32_t i = begin; i < end; ++i) hash = (hash ^ w.tokens[i].hash) * 1099511628211ULL;
  admission_.headline = hash;
  headlines_.prefetch(hash);
  admission_.fingerprint = simhash(w, begin, end);
  admission_.names = names_signature(w, begin, end);
  admission_.words = WordSet{};
  for (std::uint32_t i = begin; i < end; ++i) {
    const rules::Token& t = w.tokens[i];
    std::string_view word = rules::token_text(story.headline, t);
    if (t.has(rules::Token::possessive)) word.remove_suffix(2);
    const std::uint64_t stem = content_hash(word, t.hash, t.has(rules::Token::number));
    if (stem == 0) continue;
    const std::uint64_t bit = mix(stem) & 255;
    admission_.words[bit >> 6] |= std::uint64_t{1} << (bit & 63);
  }
  // Polynomial hashes: the whole headline, and each variant that drops one word, in O(n).
  admission_.edit_count = 0;
  const std::uint32_t n = end - begin;
  if (n < 4 || n > kMaxEditWords) return;  // three words less one say too little to compare
  std::array<std::uint64_t, kMaxEditWords + 1> prefix, suffix, power;
  std::array<std::uint64_t, kMaxEditWords> mixed;
  power[0] = 1;
  prefix[0] = 0;
  for (std::uint32_t k = 0; k < n; ++k) {
    mixed[k] = mix(w.tokens[begin + k].hash);
    power[k + 1] = power[k] * kPolynomialBase;
    prefix[k + 1] = prefix[k] * kPolynomialBase + mixed[k];
  }
  suffix[n] = 0;
  for (std::uint32_t k = n; k-- > 0;) suffix[k] = suffix[k + 1] + mixed[k] * power[n - 1 - k];
  admission_.edits[admission_.edit_count++] = prefix[n] ^ (n * 0x9E3779B97F4A7C15ULL);
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint64_t without = prefix[i] * power[n - 1 - i] + suffix[i + 1];
    admission_.edits[admission_.edit_count++] = without ^ ((n - 1) * 0x9E3779B97F4A7C15ULL);
  }
  // find_neighbours() reads each of these, remember() writes them: the misses overlap.
  for (std::size_t i = 0; i < admission_.edit_count; ++i) edits_.prefetch(admission_.edits[i]);
}

// A recent headline one word away, or within near_duplicate_bits of SimHash: what it signalled.
void Scorer::find_neighbours() noexcept {
  const std::int64_t now = admission_.now_us;
  for (std::size_t i = 0; i < admission_.edit_count && !admission_.edit_candidate; ++i) {
    if (const EditNeighbour* e = edits_.find(admission_.edits[i], now)) {
      admission_.edit_candidate = true;
      admission_.edit_signature = e->signature;
    }
  }
  int distance = 65;
  const ChainIndex::Entry* nearest = chains_.nearest(admission_.fingerprint, admission_.names, now, distance);
  if (nearest != nullptr && distance <= params_.near_duplicate_bits && nearest->names == admission_.names &&
      now - nearest->seen_us <= params_.dedup_window_us) {
    admission_.near_candidate = true;
    admission_.near_signature = nearest->signature;
  }
  admission_.chain_length = 1;
  if (nearest != nullptr && distance <= params_.chain_bits) {
    admission_.chain_length = nearest->chain_length + 1;
    (void)admission_.chain_id.assign(chains_.chain_id(*nearest));
  }
  const std::uint32_t earlier = admission_.chain_length - 1;
  admission_.novelty = earlier < novelty_by_chain_.size() ? novelty_by_chain_[earlier]
                                                          : std::pow(params_.novelty_decay, static_cast<double>(earlier));
}

bool Scorer::admit(const Story& story, std::int64_t now_us, ScoreResult& out) noexcept {
  out.clear();
  admission_ = Admission{};
  admission_.now_us = now_us;
  headline_read_ = false;
  const std::uint64_t key = story_key(story.id, static_cast<std::uint8_t>(story.vendor));
  Version* known = versions_.find(key, now_us);
  if (story.action == StoryAction::deleted) {
    out.outcome = StoryOutcome::deleted;
    out.cancel = known != nullptr && known->signalled;  // the publisher withdraws its signals
    if (known != nullptr) {
      known->signalled = false;
      out.version = known->count;
    }
    return false;
  }
  read_headline(story);
  const std::uint64_t content = admission_.headline ^ (normalized_text_hash(story.summary) * 31 + normalized_text_hash(story.body));
  (void)admission_.chain_id.assign(story.id);
  if (known != nullptr) {
    // A version of a story seen before: news only if its text changed.
    if (known->content == content) {
      out.outcome = StoryOutcome::duplicate;
      out.version = known->count;
      return false;
    }
    admission_.previous = *known;
    admission_.revision = out.revision = true;
    known->content = content;
    if (known->count < UINT16_MAX) ++known->count;
    admission_.version = known;
    out.version = known->count;
  } else {
    if (headlines_.find(admission_.headline, now_us) != nullptr) {
      out.outcome = StoryOutcome::duplicate;
      return false;
    }
    find_neighbours();
    headlines_.put(admission_.headline, 1, now_us);
    admission_.version = &versions_.put(key, Version{content, 1, {}, {}, false}, now_us);
    out.version = 1;
  }
  admission_.admitted = true;
  return true;
}

void Scorer::remember(const Story& story, std::uint64_t signature, const std::array<double, 2>& figure) noexcept {
  const std::int64_t now = admission_.now_us;
  for (std::size_t i = 0; i < admission_.edit_count; ++i) edits_.put(admission_.edits[i], EditNeighbour{signature}, now);
  remember_signals(signature, figure);
  chains_.add(admission_.fingerprint, admission_.names, signature, now, admission_.chain_id.view(), admission_.chain_length);
  (void)story;
}

void Scorer::remember_signals(std::uint64_t signature, const std::array<double, 2>& figure) noexcept {
  if (signature == 0 || params_.semantic_window_us <= 0) return;
  const std::int64_t now = admission_.now_us;
  SameSignals entry;
  if (const SameSignals* known = same_signals_.find(signature, now)) entry = *known;
  entry.figures[entry.count % SameSignals::kKept] = figure;
  entry.words[entry.count % SameSignals::kKept] = admission_.words;
  if (entry.count < 255) ++entry.count;
  same_signals_.put(signature, entry, now);
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
                   ScoreResult& out, ReadingTrace* trace) noexcept {
  const bool admitted = admission_.admitted;
  admission_.admitted = false;  // one score per admission
  if (!admitted) {
    out.clear();
    admission_ = Admission{};
    (void)admission_.chain_id.assign(story.id);
    headline_read_ = false;
  }
  out.signal_count = 0;
  const bool read = headline_read_;
  headline_read_ = false;
  if (match.rule_count == 0) {
    out.outcome = StoryOutcome::no_match;
    if (admitted && !admission_.revision) remember(story, 0, {std::numeric_limits<double>::quiet_NaN(), 0});
    return;
  }
  StoryReader& reader = *reader_;
  reader.read_words(story, match, pack, params_, read ? headline_words_.get() : nullptr);
  std::array<double, ScoreResult::kMaxSignals> slot_priority{};
  std::array<bool, ScoreResult::kMaxSignals> slot_policy{};  // the slot's signal is a policy reading
  std::array<bool, ScoreResult::kMaxSignals> slot_decision{};  // ... of a decision rule (the FOMC's)
  std::uint64_t speaker = 0;  // which official spoke: each speaker rule's first-listed pattern the headline hits
  bool company_news = false;  // a signal comes from a company reading (macro ones are scheduled, one per event)
  bool policy_news = false;   // a signal comes from a policy reading: a decision or remarks, whatever figures they cite

  // Release topics already read, so two indicators of one topic are read together.
  std::array<std::uint32_t, StoryReader::kMaxReleaseTopics> release_topics{};
  std::array<Reading, StoryReader::kMaxReleaseTopics> release_readings{};
  std::size_t release_count = 0;
  // Policy readings already taken, by (previews, hold): rules usually share them.
  std::array<std::pair<double, bool>, 4> policy_keys{};
  std::array<Reading, 4> policy_readings{};
  std::size_t policy_count = 0;

  // A story a policy rule reads (a Fed speaker, the FOMC) is not also read as a release: "Fed's
  // Cook calls inflation numbers disappointing" is a stance, not a weak print.
  bool policy_story = false;
  // A decision rule (a hold reads neutral) matched: the hold is the FOMC's, not a speaker's stance
  // ("Fed keeps rates unchanged as expected; Powell press conference at 2:30").
  bool decision_story = false;
  // Unless the headline leads with a release and names no speaker: "Softer CPI fuels bets on
  // smaller Fed hikes" is the print ("Low inflation won't stop Fed from raising rates: Williams" is not).
  std::uint32_t first_decision = UINT32_MAX, first_release = UINT32_MAX, first_speaker = UINT32_MAX;
  bool speaker_named = false;
  for (std::size_t r = 0; r < match.rule_count; ++r) {
    const rules::RuleMatch& rm = match.rules[r];
    const rules::CompiledRule& rule = pack.rules()[rm.rule];
    const bool policy = rule.reading == rules::Reading::policy;
    policy_story = policy_story || policy;
    decision_story = decision_story || (policy && rule.hold == 0);
    speaker_named = speaker_named || (policy && rule.hold != 0);
    if (rm.field != Field::headline) continue;
    if (policy && rule.hold == 0) first_decision = std::min(first_decision, rm.position);
    if (policy && rule.hold != 0) first_speaker = std::min(first_speaker, rm.position);
    if (rule.reading == rules::Reading::release) first_release = std::min(first_release, rm.position);
  }
  const bool release_story = !speaker_named && first_release < first_decision && first_decision != UINT32_MAX;
  policy_story = policy_story && !release_story;
  decision_story = decision_story && !release_story;
  for (std::size_t r = 0; r < match.rule_count; ++r) {
    const rules::RuleMatch& rm = match.rules[r];
    const rules::CompiledRule& rule = pack.rules()[rm.rule];
    const rules::Topic& topic = pack.topic(rule.topic);
    if (topic.side_mode == rules::SideMode::event) continue;
    if (policy_story && rule.reading == rules::Reading::release) continue;
    if (release_story && rule.reading == rules::Reading::policy) continue;
    const std::string_view rule_text = rules::field_text(story, rm.field);
    Reading macro;
    if (rule.reading == rules::Reading::policy) {
      std::size_t k = 0;
      const double hold = decision_story ? 0.0 : rule.hold;
      while (k < policy_count && policy_keys[k] != std::pair(hold, rule.previews)) ++k;
      if (k == policy_count && policy_count < policy_keys.size()) {
        policy_keys[k] = {hold, rule.previews};
        policy_readings[k] = reader.policy(rule.previews, hold, trace);
        ++policy_count;
      }
      if (k < policy_count) macro = policy_readings[k];
      // Names come before titles in a rule's patterns: "Fed Chair Powell" and "Powell" are one speaker.
      std::uint32_t first_listed = UINT32_MAX;
      for (std::size_t h = 0; h < match.hit_count; ++h) {
        const rules::Hit& hit = match.hits[h];
        const rules::PatternRef& ref = pack.patterns()[hit.pattern];
        if (hit.field == Field::headline && ref.kind == rules::PatternRef::Kind::rule && ref.owner == rm.rule) {
          first_listed = std::min(first_listed, hit.pattern);
        }
      }
      // Only a speaker rule says who spoke; an FOMC story's same side within the window is one event
      // (the decision, statement and projections come out together), however a wire words it.
      if (first_listed != UINT32_MAX && rule.hold != 0) speaker = speaker * 31 + first_listed + 1;
    } else if (rule.reading == rules::Reading::release) {
      std::size_t k = 0;
      while (k < release_count && release_topics[k] != rule.topic) ++k;
      if (k == release_count && release_count < release_topics.size()) {
        release_topics[k] = rule.topic;
        release_readings[k] = reader.release(rule.topic, trace);
        ++release_count;
      }
      if (k < release_count) macro = release_readings[k];
    }

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
      // The vendor's primary security is what the story is about (Benzinga securities[].primary).
      if (story.primary_tickers != 0 && story.is_primary(pack.entities()[entity].ticker)) {
        relevance = std::min(1.0, std::max(relevance * params_.primary_relevance_boost, params_.primary_relevance_floor));
      }
      // Direction is signed so that > 0 means buy the signalled ticker.
      const Reading& reading = rule.reading == rules::Reading::company ? reader.company(entity, trace) : macro;
      const double direction = rule.reading == rules::Reading::company ? reading.direction : -reading.direction;
      if (std::fabs(direction) < params_.direction_threshold) continue;
      const double basis_factor = reading.lexicon ? 0.5 : 1.0;
      const double strength = std::fabs(direction) * relevance * (rule.weight < 1.0 ? rule.weight : 1.0);
      const double priority = std::fabs(direction) * relevance * rule.weight * basis_factor;  // picks the rule per ticker
      const double hedges = std::max<double>(reading.hedges, reader.headline_hedges());
      const double confidence = relevance * basis_factor * (1.0 - std::pow(0.5, reading.terms + 1.0)) * std::pow(0.75, hedges);
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
      slot_policy[static_cast<std::size_t>(slot - out.signals.data())] = rule.reading == rules::Reading::policy;
      slot_decision[static_cast<std::size_t>(slot - out.signals.data())] = rule.reading == rules::Reading::policy && rule.hold == 0;
      *slot = Signal{};
      (void)slot->story_id.assign(story.id);
      slot->chain_id = admission_.chain_id;
      (void)slot->topic.assign(topic.id);
      (void)slot->rule.assign(rule.id);
      (void)slot->event.assign(event_name(pack, reading.event));
      (void)slot->ticker.assign(ticker);
      slot->vendor = story.vendor;
      company_news = company_news || rule.reading == rules::Reading::company;
      policy_news = policy_news || rule.reading == rules::Reading::policy;
      slot->side = direction > 0 ? Side::buy : Side::sell;
      slot->basis = reading.lexicon ? Basis::lexicon : Basis::event;
      slot->vendor_sentiment = story.vendor_sentiment_of(ticker);
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

  // What the story signals, as one value: a repeat with the same companies, sides and topics is the
  // same news, however it is worded, when it shares a figure, or names none that differs and has
  // two content words in common. Macro news needs no words in common: a release or a decision comes
  // out once, and the same speaker's same side within the window is the same remarks, whatever
  // figures they cite ("cuts 50 basis points", "cuts to 4.75%-5%"); a release's different figures
  // are different prints (core CPI after headline CPI).
  std::uint64_t signature = 0;
  std::array<std::uint64_t, ScoreResult::kMaxSignals> signal_keys{};  // each signal's own signature
  bool decision_read = false;  // the FOMC rule read it: the decision, whichever dissenter it names
  for (std::size_t s = 0; s < out.signal_count; ++s) {
    const Signal& sig = out.signals[s];
    decision_read = decision_read || slot_decision[s];
    // Policy news is one topic here: which policy rule won (a speaker's, the FOMC's) is not news.
    const std::uint64_t topic_key = slot_policy[s] ? kPolicyTopicKey : exact_hash(sig.topic.view());
    const std::uint64_t term = mix(exact_hash(sig.ticker.view()) * 3 + static_cast<std::uint64_t>(sig.side)) ^ mix(topic_key);
    signature += term;
    signal_keys[s] = mix(term ^ speaker);
  }
  // A named speaker is the remarks' key, whether or not the FOMC rule also hit: "*YELLEN: CASE FOR
  // FED RATE INCREASE" and "Yellen says case for rate hike has strengthened" are one speech.
  // A headline that leads with the decision and names an official after it is the decision ("*FED
  // CUTS RATES BY 50 BPS; BOWMAN DISSENTS" and "Federal Reserve cuts interest rates by half a
  // point" are one event): it is also kept, and looked for, without the speaker.
  const bool decision_led = decision_read && first_decision < first_speaker;
  const std::uint64_t decision_signature = decision_led && speaker != 0 && signature != 0 ? mix(signature) : 0;
  if (signature != 0) signature = mix(signature ^ speaker);
  const std::array<double, 2> figure = reader.headline_figures();
  if (admitted && !admission_.revision) {
    const bool edit_repeat = admission_.edit_candidate && admission_.edit_signature == signature;
    const bool near_repeat = admission_.near_candidate && admission_.near_signature == signature;
    // Whether a recent story with this signature was the same news (a figure, or words, in common).
    auto same_news = [&](std::uint64_t key) {
      const SameSignals* same = key != 0 && params_.semantic_window_us > 0 ? same_signals_.find(key, admission_.now_us) : nullptr;
      bool repeat = false;
      for (std::size_t k = 0; same != nullptr && k < std::min<std::size_t>(same->count, SameSignals::kKept); ++k) {
        const FigureMatch figures = compare_figures(same->figures[k], figure);
        repeat = repeat || figures == FigureMatch::shared || (policy_news && !company_news) ||
                 (figures == FigureMatch::unknown && (!company_news || shared_words(same->words[k], admission_.words) >= 2));
      }
      return repeat;
    };
    // A re-carry that names fewer of the story's companies repeats each of their signals
    // ("poolside shifts training off nvidia gpus" after "Poolside moves training from Nvidia to Trainium2").
    bool each_repeats = out.signal_count > 1;
    for (std::size_t s = 0; each_repeats && s < out.signal_count; ++s) each_repeats = same_news(signal_keys[s]);
    if (edit_repeat || near_repeat || same_news(signature) || same_news(decision_signature) || each_repeats) {
      out.signal_count = 0;
      out.outcome = StoryOutcome::duplicate;
      out.near_duplicate = true;
      return;
    }
    remember(story, signature, figure);
    remember_signals(decision_signature, figure);
    if (out.signal_count > 1) {
      for (std::size_t s = 0; s < out.signal_count; ++s) remember_signals(signal_keys[s], figure);
    }
  }

  // Per signal: a revision signals only a new or flipped side; delta against the baseline (or the
  // previous version); throttle.
  std::size_t kept = 0;
  bool suppressed_unmoved = false;
  for (std::size_t s = 0; s < out.signal_count; ++s) {
    Signal& signal = out.signals[s];
    const double* previous = admission_.revision ? admission_.previous.direction_of(exact_hash(signal.ticker.view())) : nullptr;
    if (!admitted) {  // tools score headlines on their own: no history, no throttle
      signal.delta = signal.sentiment;
    } else if (previous != nullptr) {  // this ticker was signalled for an earlier version
      if ((signal.sentiment > 0) == (*previous > 0)) {
        ++out.unmoved;
        suppressed_unmoved = true;
        continue;
      }
      signal.delta = signal.sentiment - *previous;
      signal.supersedes = true;  // the publisher withdraws the earlier side first
      ++out.flipped;
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
