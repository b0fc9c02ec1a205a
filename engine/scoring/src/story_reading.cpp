#include "h2s/scoring/story_reading.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "h2s/scoring/scorer.hpp"

namespace h2s::scoring {
namespace {

using rules::EventKind;
using rules::Field;
using rules::Hit;
using rules::LexiconKind;
using rules::PatternRef;
using rules::Role;
using rules::Token;
using rules::word_hash;

constexpr std::uint64_t kBy = word_hash("by");
constexpr std::uint64_t kAway = word_hash("away");
constexpr std::uint64_t kFrom = word_hash("from");
constexpr std::uint64_t kIf = word_hash("if"), kUnless = word_hash("unless"), kUntil = word_hash("until");
constexpr std::uint64_t kBefore = word_hash("before"), kEnough = word_hash("enough"), kBut = word_hash("but"),
                        kOr = word_hash("or"), kAnd = word_hash("and"), kTo = word_hash("to");
constexpr std::uint64_t kNot = word_hash("not"), kNever = word_hash("never"), kYet = word_hash("yet");
// Words that give a reason ("dissented because inflation remains too high"): what follows is the
// speaker's own view, which no stance operator before the reason reaches.
constexpr std::array<std::uint64_t, 7> kReasonWords = {word_hash("because"), word_hash("citing"), word_hash("cites"),
                                                       word_hash("cited"),   word_hash("given"),  word_hash("amid"),
                                                       word_hash("driven")};
// A policy term in a clause "but" opens outweighs the clause before it ("praises progress ..., but
// isn't ready for cuts").
constexpr double kContrastClauseWeight = 1.5;
// Words between an indicator and a move that is still its own ("CPI in November rose").
constexpr std::uint32_t kMoveReach = 6;
// A policy term in a clause a joining word opens ("Fed hikes rates as recession warnings flash")
// weighs this much against the main clause's.
constexpr double kJoinedClauseWeight = 0.5;

// Words that open a headline without naming a company ("Why", "Chip stocks", "Wall Street").
constexpr std::uint64_t kNotACompany[] = {
    word_hash("why"),     word_hash("how"),   word_hash("what"),    word_hash("the"),     word_hash("a"),
    word_hash("us"),      word_hash("u.s."),  word_hash("chip"),    word_hash("chips"),   word_hash("chipmaker"),
    word_hash("chipmakers"), word_hash("tech"), word_hash("ai"),    word_hash("semiconductor"),
    word_hash("semiconductors"), word_hash("cloud"), word_hash("data"), word_hash("center"), word_hash("reit"),
    word_hash("reits"),   word_hash("asian"), word_hash("european"), word_hash("global"), word_hash("world"),
    word_hash("wall"),    word_hash("street"), word_hash("big"),    word_hash("megacap"), word_hash("nasdaq"),
    word_hash("s&p"),     word_hash("dow"),   word_hash("these"),   word_hash("top"),     word_hash("other"),
    word_hash("rival"),   word_hash("china"), word_hash("chinese"), word_hash("japan"),   word_hash("japanese"),
    word_hash("taiwan"),  word_hash("korean"), word_hash("its"),      word_hash("their")};
constexpr std::uint64_t kShares = word_hash("shares"), kStock = word_hash("stock"), kStocks = word_hash("stocks");
// A share move's verb straight after a name ("Super Micro jumps as Blackwell systems ramp").
constexpr std::uint64_t kMoveVerbs[] = {
    word_hash("jumps"),  word_hash("jumped"),  word_hash("rises"),   word_hash("rose"),     word_hash("falls"),
    word_hash("fell"),   word_hash("soars"),   word_hash("soared"),  word_hash("slides"),   word_hash("slid"),
    word_hash("surges"), word_hash("surged"),  word_hash("tumbles"), word_hash("tumbled"),  word_hash("plunges"),
    word_hash("plunged"), word_hash("drops"),  word_hash("dropped"), word_hash("gains"),    word_hash("rallies"),
    word_hash("rallied"), word_hash("sinks"),  word_hash("sank"),    word_hash("climbs"),   word_hash("slumps"),
    word_hash("skyrockets"), word_hash("dips"), word_hash("slips")};

// The headline's subject is a company the pack does not track: "Marvell shares jump on expanded
// Amazon deal", "Talen shares fall after FERC rejects Amazon power deal". Its tracked companies
// are context.
bool untracked_subject(const FieldWords& h) noexcept {
  const auto& w = h.words;
  for (std::uint32_t i = 0; i < w.count && i < 4; ++i) {
    const Token& t = w.tokens[i];
    if (t.hash == kShares || t.hash == kStock || t.hash == kStocks) return i > 0;
    for (const std::uint64_t v : kMoveVerbs) {
      if (v == t.hash) return i > 0;
    }
    if (!t.has(Token::capital) || t.clause != 0) return false;
    for (const std::uint64_t n : kNotACompany) {
      if (n == t.hash) return false;
    }
    for (std::uint32_t m = 0; m < h.mention_count; ++m) {
      if (h.mentions[m].first <= i && h.mentions[m].last >= i) return false;
    }
  }
  return false;
}

// The role a preposition introduces, or false.
bool preposition_role(std::uint64_t word, std::uint64_t next, Role& role, std::uint32_t& words) noexcept {
  words = 1;
  if (word == kAway && next == kFrom) {
    role = Role::away_from;
    words = 2;
    return true;
  }
  struct Entry {
    std::uint64_t hash;
    Role role;
  };
  static constexpr Entry kPrepositions[] = {
      {word_hash("with"), Role::with}, {word_hash("to"), Role::to},           {word_hash("from"), Role::from},
      {word_hash("over"), Role::over}, {word_hash("on"), Role::on},           {word_hash("of"), Role::of},
      {word_hash("in"), Role::in},     {word_hash("into"), Role::in},         {word_hash("for"), Role::for_},
      {word_hash("against"), Role::against}, {word_hash("versus"), Role::over}, {word_hash("vs"), Role::over},
      {word_hash("off"), Role::from},
  };
  for (const Entry& e : kPrepositions) {
    if (e.hash == word) {
      role = e.role;
      return true;
    }
  }
  return false;
}

double squash(double x) noexcept { return x / (1.0 + std::fabs(x)); }

// A reason word strictly between words `after` and `before` of one clause.
// "not" or "never" strictly inside a term's own words: a gapped phrase ("inflation ~3 cool*")
// that spans a negation ("inflation might not cool") says the opposite. i + 1 <= last < count.
bool negated_inside(const rules::TokenizedText& words, std::uint32_t first, std::uint32_t last) noexcept {
  for (std::uint32_t i = first + 1u; i < last && i < words.count; ++i) {
    const std::uint64_t h = words.tokens[i].hash;
    if (h == kNot && words.tokens[i + 1u].hash == kYet) continue;  // "not yet" delays; it does not negate
    if (h == kNot || h == kNever) return true;
  }
  return false;
}

bool reason_between(const rules::TokenizedText& words, std::uint32_t after, std::uint32_t before) noexcept {
  for (std::uint32_t i = after + 1u; i < before && i < words.count; ++i) {
    for (const std::uint64_t reason : kReasonWords) {
      if (words.tokens[i].hash == reason) return true;
    }
  }
  return false;
}

// The first word of the clause that holds word `i`.
std::uint32_t clause_first_word(const rules::TokenizedText& w, std::uint32_t i) noexcept {
  while (i > 0 && w.tokens[i - 1].clause == w.tokens[i].clause) --i;
  return i;
}

std::string_view term_text(const FieldWords& f, const Term& t) {
  const auto& w = f.words.tokens;
  return f.text.substr(w[t.first].begin, w[t.last].end - w[t.first].begin);
}

// A trace line, built only when a trace is asked for (never on the hot path).
class Line {
 public:
  Line& operator<<(std::string_view text) {
    text_.append(text);
    return *this;
  }
  Line& operator<<(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%+.2f", value);
    text_.append(buffer);
    return *this;
  }
  std::string text_;
};

void note(ReadingTrace* trace, Line& line) { trace->lines.push_back(std::move(line.text_)); }

}  // namespace

std::string_view event_name(const rules::CompiledPack& pack, std::uint32_t event) noexcept {
  if (event == kFiguresVsExpected) return "figures.vs_expected";
  if (event == kFiguresVsPrior) return "figures.vs_prior";
  if (event == kNoEvent || event >= pack.source().events.size()) return {};
  return pack.event(event).id;
}

void Reading::add(double value, std::uint32_t by) noexcept {
  direction += value;
  ++terms;
  if (std::fabs(value) > strongest) {
    strongest = std::fabs(value);
    event = by;
  }
}

void StoryReader::read_words(const Story& story, const rules::MatchResult& match, const rules::CompiledPack& pack,
                             const ScoringParams& params, const rules::TokenizedText* headline_words) noexcept {
  pack_ = &pack;
  params_ = &params;
  story_ = &story;
  companies_read_ = companies_traced_ = false;
  company_count_ = 0;
  field_count_ = 0;
  lead_ = -1;
  untracked_subject_ = false;
  std::size_t end = story.headline.size();
  while (end > 0 && (story.headline[end - 1] == ' ' || story.headline[end - 1] == '\t')) --end;
  auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  // Only a headline that is one question: "Shares Skyrocket: What's Fueling the Surge?" reports first.
  question_ = end > 0 && story.headline[end - 1] == '?';
  for (std::size_t i = 0; question_ && i + 1 < end; ++i) {
    const char c = story.headline[i], next = story.headline[i + 1];
    if (c == ':' || c == ';' || c == '!' || (c == '.' && next == ' ' && i > 1 && lower(story.headline[i - 1]) && lower(story.headline[i - 2])) ||
        (c == ' ' && (next == '-' || next == '|') && i + 2 < end && story.headline[i + 2] == ' ')) {
      question_ = false;
    }
  }
  const std::string_view body_lead =
      story.body.substr(0, std::min(story.body.size(), rules::MatchResult::kBodyLeadBytes));
  const std::array<std::pair<Field, std::string_view>, 3> texts{
      {{Field::headline, story.headline}, {Field::summary, story.summary}, {Field::body, body_lead}}};
  for (const auto& [field, text] : texts) {
    FieldWords& f = fields_[field_count_++];
    f.field = field;
    f.text = text;
    f.weight = params.field_weight[static_cast<std::size_t>(field)];
    f.term_count = f.mention_count = f.indicator_count = 0;
    // A field no pattern hit has nothing to read: its words are not needed.
    bool hit = false;
    for (std::size_t h = 0; h < match.hit_count && !hit; ++h) hit = match.hits[h].field == field;
    if (field == Field::headline && headline_words != nullptr) {  // its words only, not the whole array
      f.words.count = headline_words->count;
      f.words.truncated = headline_words->truncated;
      std::copy_n(headline_words->tokens.begin(), headline_words->count, f.words.tokens.begin());
    }
    else if (hit) rules::tokenize(text, f.words);
    else {
      f.words.count = 0;
      f.words.truncated = false;
    }
    place_hits(f, match);
    shadow(f);
    mark_context(f);
    if (field == Field::headline) untracked_subject_ = untracked_subject(f);
  }
  // The lead company: the first named in the headline (or summary) other than as context, else
  // the only tracked company the vendor tagged.
  for (std::size_t i = untracked_subject_ ? 1 : 0; i < 2 && lead_ < 0; ++i) {
    const FieldWords& f = fields_[i];
    for (std::uint32_t m = 0; m < f.mention_count && lead_ < 0; ++m) {
      if (!f.mentions[m].context) lead_ = f.mentions[m].entity;
    }
  }
  if (lead_ < 0) {
    int tagged = -1, count = 0;
    for (std::size_t i = 0; i < match.mention_count; ++i) {
      if (match.mentions[i].vendor_tagged && !match.mentions[i].in_text) {
        tagged = match.mentions[i].entity;
        ++count;
      }
    }
    if (count == 1) lead_ = tagged;
  }
}

std::uint8_t StoryReader::classes_of(const rules::PatternRef& ref) const noexcept {
  if (ref.kind == PatternRef::Kind::event) {
    const rules::Event& e = pack_->event(ref.owner);
    switch (e.kind) {
      case EventKind::company: return Term::company;
      case EventKind::policy: return Term::policy;
      case EventKind::stance:
        return e.scope == rules::EventScope::policy    ? Term::policy
               : e.scope == rules::EventScope::release ? Term::release
                                                        : Term::policy | Term::release;
      case EventKind::move:
      case EventKind::surprise: return e.scope == rules::EventScope::policy ? Term::policy : Term::release;
    }
    return 0;
  }
  switch (pack_->term(ref.owner).kind) {
    case LexiconKind::sentiment: return Term::company;
    case LexiconKind::negator:
    case LexiconKind::intensifier:
    case LexiconKind::hedge: return Term::company | Term::policy | Term::release;
    case LexiconKind::turn: return Term::company | Term::policy;
    case LexiconKind::turn_after: return Term::policy;
    case LexiconKind::preview: return Term::policy | Term::release;
    case LexiconKind::in_line: return Term::company | Term::policy | Term::release;
    case LexiconKind::company_preview:
    case LexiconKind::market_move: return Term::company;
  }
  return 0;
}

void StoryReader::place_hits(FieldWords& f, const rules::MatchResult& match) noexcept {
  const auto& refs = pack_->patterns();
  const auto& w = f.words;
  for (std::size_t i = 0; i < match.hit_count; ++i) {
    const Hit& hit = match.hits[i];
    if (hit.field != f.field || hit.to > f.text.size()) continue;
    const PatternRef& ref = refs[hit.pattern];
    const int last = w.token_ending_at(hit.to);
    if (last < 0) continue;
    switch (ref.kind) {
      case PatternRef::Kind::lexicon:
      case PatternRef::Kind::event: {
        if (f.term_count == FieldWords::kMaxTerms) break;
        // The start from the end: the nearest word that can begin this phrase.
        const rules::PhraseShape& shape = pack_->shape(hit.pattern);
        int first = -1;
        for (int words = shape.min_words; words <= shape.max_words && first < 0; ++words) {
          const int at = last - words + 1;
          if (at < 0) break;
          std::string_view text = rules::token_text(f.text, w.tokens[static_cast<std::size_t>(at)]);
          if (w.tokens[static_cast<std::size_t>(at)].has(Token::possessive)) text.remove_suffix(2);
          const bool matches = shape.first_is_prefix ? starts_with_ci(text, shape.first) : equals_ci(text, shape.first);
          if (matches || shape.first == "*") first = at;
        }
        if (first < 0) first = std::max(0, last - shape.min_words + 1);
        // A phrase that spans two clauses ("cuts, guidance") or starts inside a compound
        // ("open-ended bond buying" is not "ended bond buying") is no phrase; a joining word a
        // phrase without gaps spells out is no clause break ("act as appropriate").
        const bool spelled_out = shape.min_words == shape.max_words;
        bool spans_clauses = false;
        for (int k = first + 1; k <= last && !spans_clauses; ++k) {
          const Token& here = w.tokens[static_cast<std::size_t>(k)];
          spans_clauses = here.clause != w.tokens[static_cast<std::size_t>(k - 1)].clause &&
                          !(spelled_out && here.has(Token::joiner));
        }
        if (spans_clauses) break;
        if (w.tokens[static_cast<std::size_t>(first)].has(Token::hyphen_before) && shape.first != "*") break;
        Term t;
        t.pattern = hit.pattern;
        t.owner = ref.owner;
        t.is_event = ref.kind == PatternRef::Kind::event;
        t.first = static_cast<std::uint16_t>(first);
        t.last = static_cast<std::uint16_t>(last);
        t.clause = w.tokens[static_cast<std::size_t>(first)].clause;
        t.classes = classes_of(ref);
        f.terms[f.term_count++] = t;
        break;
      }
      case PatternRef::Kind::entity_name: {
        if (hit.excluded || f.mention_count == FieldWords::kMaxMentions) break;
        const int first = w.token_ending_at(hit.from + 1);
        MentionSpan m;
        m.entity = static_cast<std::uint16_t>(ref.owner);
        m.first = static_cast<std::uint16_t>(first < 0 ? last : first);
        m.last = static_cast<std::uint16_t>(last);
        m.clause = w.tokens[static_cast<std::size_t>(last)].clause;
        // One span per place: two names of one company ending on the same word ("Amazon Web Services").
        bool known = false;
        for (std::uint32_t k = 0; k < f.mention_count && !known; ++k) {
          MentionSpan& other = f.mentions[k];
          if (other.entity == m.entity && other.last >= m.first && m.last >= other.first) {
            other.first = std::min(other.first, m.first);
            other.last = std::max(other.last, m.last);
            known = true;
          }
        }
        if (!known) f.mentions[f.mention_count++] = m;
        break;
      }
      case PatternRef::Kind::rule: {
        if (pack_->rules()[ref.owner].reading != rules::Reading::release || f.indicator_count == FieldWords::kMaxIndicators) break;
        bool matched = false;  // a rule its exclusions or requires turned away names no indicator
        for (std::size_t r = 0; r < match.rule_count && !matched; ++r) matched = match.rules[r].rule == ref.owner;
        if (!matched) break;
        f.indicators[f.indicator_count++] = IndicatorHit{ref.owner, static_cast<std::uint16_t>(last)};
        break;
      }
      default: break;
    }
  }
  std::sort(f.terms.begin(), f.terms.begin() + f.term_count, [](const Term& a, const Term& b) {
    return a.first != b.first ? a.first < b.first : (a.last != b.last ? a.last > b.last : a.pattern < b.pattern);
  });
  std::sort(f.mentions.begin(), f.mentions.begin() + f.mention_count,
            [](const MentionSpan& a, const MentionSpan& b) { return a.first < b.first; });
  std::sort(f.indicators.begin(), f.indicators.begin() + f.indicator_count,
            [](const IndicatorHit& a, const IndicatorHit& b) { return a.last < b.last; });
}

// Where phrases of one reading overlap, an event that starts earlier and covers another wins
// ("cancels plans for a data center" is not "plans for a data center"); else the one that spells
// out more words ("raises guidance" is not also "raises", "shift* ~4 away from" not "shift* ~4 to").
void StoryReader::shadow(FieldWords& f) const noexcept {
  for (std::uint32_t i = 0; i < f.term_count; ++i) {
    Term& t = f.terms[i];
    t.shadowed = 0;
    const int t_words = pack_->shape(t.pattern).min_words;
    for (std::uint32_t j = 0; j < f.term_count; ++j) {
      if (i == j) continue;
      const Term& u = f.terms[j];
      const std::uint8_t shared = t.classes & u.classes;
      if (shared == 0 || u.first > t.last || u.last < t.first) continue;
      // Events compete wherever they overlap; a modifier only loses to a phrase without gaps that
      // covers it (one in a gap still modifies: "revenue may jump").
      // Two modifiers that overlap: the longer gap-free one ("should not" inside "not be in a hurry").
      const bool covers = u.first <= t.first && u.last >= t.last;
      const bool gap_free = pack_->shape(u.pattern).min_words == pack_->shape(u.pattern).max_words;
      const bool longer_modifier = !t.is_event && !u.is_event && gap_free &&
                                   pack_->shape(u.pattern).min_words > pack_->shape(t.pattern).min_words;
      if (!(t.is_event && u.is_event) && !longer_modifier && (!covers || (!t.is_event && !gap_free))) continue;
      const int u_words = pack_->shape(u.pattern).min_words;
      // More words spelled out wins; between equals, the tighter span ("stock sinks" over "stock sinks up").
      const bool events = t.is_event && u.is_event;
      const bool u_governs = events && u.first < t.first && u.last >= t.last;
      const bool t_governs = events && t.first < u.first && t.last >= u.last;
      const bool wins = u_governs || (!t_governs && (u_words > t_words || (u_words == t_words && u.last - u.first < t.last - t.first)));
      // Two patterns of one event, or two terms of one lexicon kind, on the same words count once.
      const bool same_owner = u.is_event == t.is_event &&
                              (t.is_event ? u.owner == t.owner : pack_->term(u.owner).kind == pack_->term(t.owner).kind);
      const bool same_phrase_before = u_words == t_words && same_owner && j < i && u.first == t.first && u.last == t.last;
      if (wins || same_phrase_before) t.shadowed |= shared;
    }
  }
}

void StoryReader::mark_context(FieldWords& f) const noexcept {
  const auto& w = f.words;
  for (std::uint32_t i = 0; i < f.mention_count; ++i) {
    MentionSpan& m = f.mentions[i];
    const bool after = m.last + 1u < w.count && pack_->context_after(w.tokens[m.last + 1u].hash) &&
                       w.tokens[m.last + 1u].clause == m.clause;
    const bool before = m.first > 0 && pack_->context_before(w.tokens[m.first - 1u].hash);
    m.context = after || before;
  }
}

// The factor of the nearest modifier of `kind` before `t` (within `window` words, same clause);
// an intensifier may also follow right after it. 1 when there is none.
double StoryReader::modifier(const FieldWords& f, const Term& t, LexiconKind kind, std::uint32_t window,
                             std::uint16_t* hedges) const noexcept {
  const std::uint8_t cls = t.classes;
  double factor = 1;
  int best_gap = std::numeric_limits<int>::max();
  for (std::uint32_t i = 0; i < f.term_count; ++i) {
    const Term& m = f.terms[i];
    if (m.is_event || (m.shadowed & cls) == cls || m.clause != t.clause) continue;
    const rules::LexiconTerm& lt = pack_->term(m.owner);
    if (lt.kind != kind) continue;
    if (m.first > t.first && m.last < t.last) {  // in the phrase's gap
      best_gap = 0;
      factor = lt.weight;
    } else if (m.last < t.first) {
      const int gap = t.first - m.last - 1;
      if (gap <= static_cast<int>(window) && gap < best_gap) {
        best_gap = gap;
        factor = lt.weight;
      }
    } else if (kind == LexiconKind::intensifier && m.first == t.last + 1 && best_gap > 0) {
      best_gap = 0;
      factor = lt.weight;
    }
  }
  if (hedges != nullptr && kind == LexiconKind::hedge && best_gap != std::numeric_limits<int>::max()) ++*hedges;
  return factor;
}

const Reading& StoryReader::company(std::uint16_t entity, ReadingTrace* trace) noexcept {
  if (!companies_read_ || (trace != nullptr && !companies_traced_)) {
    read_companies(trace);
    companies_traced_ = trace != nullptr;
  }
  for (std::size_t i = 0; i < company_count_; ++i) {
    if (company_ids_[i] == entity) return company_readings_[i];
  }
  return none_;
}

void StoryReader::read_companies(ReadingTrace* trace) noexcept {
  companies_read_ = true;
  company_count_ = 0;
  company_preview_ = false;
  auto reading_of = [&](std::uint16_t entity) -> Reading* {
    for (std::size_t i = 0; i < company_count_; ++i) {
      if (company_ids_[i] == entity) return &company_readings_[i];
    }
    if (company_count_ == kMaxCompanies) return nullptr;
    company_ids_[company_count_] = entity;
    company_readings_[company_count_] = Reading{};
    return &company_readings_[company_count_++];
  };
  const ScoringParams& p = *params_;
  const auto& entities = pack_->entities();
  for (std::size_t fi = 0; fi < field_count_; ++fi) {
    const FieldWords& f = fields_[fi];
    const auto& w = f.words;
    claimed_[fi].fill(false);
    if (question_) continue;
    // Clauses with a preview or an in-line cue ("ahead of earnings", "growth in line with
    // estimates"): their events give no direction.
    std::uint64_t quiet_clauses = 0;
    bool market_moved = false;  // "as chip stocks rally": the field's share moves are the market's, not news
    for (std::uint32_t ti = 0; ti < f.term_count; ++ti) {
      const Term& t = f.terms[ti];
      if (t.is_event || (t.shadowed & Term::company) != 0) continue;
      const LexiconKind kind = pack_->term(t.owner).kind;
      // A preview or a market cause anywhere leaves the lexicon's tone out ("Broadcom's AI Boom: What to Watch").
      company_preview_ = company_preview_ || kind == LexiconKind::company_preview || kind == LexiconKind::market_move;
      market_moved = market_moved || kind == LexiconKind::market_move;
      if ((kind == LexiconKind::company_preview || kind == LexiconKind::in_line) && t.clause < 64) quiet_clauses |= 1ULL << t.clause;
    }
    for (std::uint32_t ti = 0; ti < f.term_count; ++ti) {
      const Term& t = f.terms[ti];
      if (!t.is_event || (t.shadowed & Term::company) != 0 || t.classes != Term::company) continue;
      const rules::Event& event = pack_->event(t.owner);
      const bool quiet = t.clause < 64 && (quiet_clauses >> t.clause & 1) != 0;
      if (quiet || (market_moved && event.price_move)) {
        if (trace != nullptr) {
          Line line;
          line << "event " << event.id << " \"" << term_text(f, t) << "\""
               << (quiet ? " in a preview or in-line clause: silent" : " is a share move the market explains: silent");
          note(trace, line);
        }
        continue;
      }
      std::uint16_t hedges = 0;
      const double negation = modifier(f, t, LexiconKind::negator, p.negation_window, nullptr);
      const double hedge = modifier(f, t, LexiconKind::hedge, p.negation_window, &hedges);
      const double intensity = modifier(f, t, LexiconKind::intensifier, p.modifier_window, nullptr);
      const auto& roles = event.roles;
      const double subject_sign = roles[static_cast<std::size_t>(Role::subject)];
      const double object_sign = roles[static_cast<std::size_t>(Role::object)];
      // Negation flips (topics.md): a denied setback ("does not expect delays") reads as good news.
      // A stance operator before it in the clause turns good news ("halts orders of", "stop buying",
      // "slow adoption"), unless another event stands between; bad news it only repeats ("slow or pause").
      double turn = 1;
      for (std::uint32_t k = 0; k < f.term_count && (subject_sign != 0 ? subject_sign : object_sign) > 0; ++k) {
        const Term& u = f.terms[k];
        if (u.first >= t.first) break;
        if (u.is_event && u.classes == Term::company && (u.shadowed & Term::company) == 0 && u.clause == t.clause) turn = 1;
        if (u.is_event || (u.shadowed & Term::company) != 0 || u.clause != t.clause || u.last >= t.first ||
            pack_->term(u.owner).kind != LexiconKind::turn) {
          continue;
        }
        turn = t.first - u.last - 1u <= p.policy_window ? -1 : 1;
      }
      const double base = event.weight * f.weight * negation * hedge * intensity * turn;
      // "downgraded by Morgan Stanley" names who acts; "beats by $0.30" only a margin.
      const bool passive = t.last + 1u < w.count && w.tokens[t.last + 1u].hash == kBy && w.tokens[t.last + 1u].clause == t.clause &&
                           !(t.last + 2u < w.count && w.tokens[t.last + 2u].has(rules::Token::number));
      // Where the previous event of the clause that has a subject ended: a subject stands between
      // it and this one ("orders" has none: "Nvidia says orders running ahead of supply").
      int floor = -1;
      for (std::uint32_t k = 0; k < ti; ++k) {
        const Term& u = f.terms[k];
        if (u.is_event && u.classes == Term::company && (u.shadowed & Term::company) == 0 && u.clause == t.clause &&
            u.last < t.first && pack_->event(u.owner).roles[static_cast<std::size_t>(Role::subject)] != 0) {
          floor = std::max<int>(floor, u.last);
        }
      }
      Line roles_seen;
      bool lead_credited = false;
      auto credit = [&](const MentionSpan& m, Role role, double sign) {
        if (sign == 0) return;
        // Under an untracked company's headline, a tracked one is neither actor nor object; a
        // preposition still places it ("Marvell slides on report Microsoft may move work to Broadcom").
        if (untracked_subject_ && fi == 0 && (role == Role::subject || role == Role::object)) return;
        Reading* r = reading_of(m.entity);
        if (r == nullptr) return;
        lead_credited = lead_credited || m.entity == lead_;
        r->add(sign * base, t.owner);
        r->hedges = static_cast<std::uint16_t>(r->hedges + hedges);
        if (trace != nullptr) roles_seen << " " << entities[m.entity].ticker << "=" << rules::to_string(role) << sign * base;
      };
      // A name that is a whole clause, followed by another name, is listed with it: "Digital Realty,
      // Equinix shares fall" has both as subjects.
      auto listed_into_clause = [&](std::uint32_t mi) {
        for (std::uint32_t steps = 0; steps < 4; ++steps) {
          const MentionSpan& m = f.mentions[mi];
          if (m.clause == t.clause) return true;
          const std::uint32_t after = m.last + 1u;
          if (clause_first_word(w, m.first) != m.first || after >= w.count || w.tokens[after].clause != m.clause + 1u) return false;
          std::uint32_t next = f.mention_count;
          for (std::uint32_t k = mi + 1; k < f.mention_count && next == f.mention_count; ++k) {
            if (f.mentions[k].first == after) next = k;
          }
          if (next == f.mention_count) return false;
          mi = next;
        }
        return false;
      };
      bool subject_found = false, clause_names_other = false;
      for (std::uint32_t mi = 0; mi < f.mention_count; ++mi) {
        const MentionSpan& m = f.mentions[mi];
        if (m.clause != t.clause && !(m.clause < t.clause && listed_into_clause(mi))) continue;
        clause_names_other = clause_names_other || m.entity != lead_;
        if (m.context || m.last >= t.first || static_cast<int>(m.first) <= floor || claimed_[fi][mi]) continue;
        subject_found = true;
        credit(m, Role::subject, passive ? (object_sign != 0 ? object_sign : subject_sign) : subject_sign);
      }
      // Inside the phrase's gaps and after it: the object, then what each preposition introduces
      // ("expands AWS partnership", "shifts training from AWS to Azure", "downgraded by X").
      bool object_open = true;
      Role pending_role = Role::subject;
      bool pending = false;
      std::uint32_t pending_until = 0;
      const std::uint32_t stop = std::min<std::uint32_t>(w.count, t.last + 10u);
      for (std::uint32_t i = t.first + 1u; i < stop && w.tokens[i].clause == t.clause; ++i) {
        if (passive && i == t.last + 1u) {  // "by": who acts
          object_open = false;
          pending = true;
          pending_role = Role::subject;
          pending_until = i + 4u;
          continue;
        }
        std::uint32_t here = f.mention_count;
        for (std::uint32_t mi = 0; mi < f.mention_count && here == f.mention_count; ++mi) {
          if (f.mentions[mi].first == i) here = mi;
        }
        if (here != f.mention_count) {
          const MentionSpan& m = f.mentions[here];
          if (!m.context) {
            if (pending && i <= pending_until) {
              credit(m, pending_role, roles[static_cast<std::size_t>(pending_role)]);
              claimed_[fi][here] = true;
            } else if (object_open && i <= t.last + 4u && !passive) {
              credit(m, Role::object, object_sign != 0 ? object_sign : (i < t.last ? subject_sign : 0.0));
              claimed_[fi][here] = true;
            }
          }
          object_open = false;
          pending = false;
          i = m.last;
          continue;
        }
        Role role;
        std::uint32_t words = 1;
        const std::uint64_t next = i + 1 < w.count ? w.tokens[i + 1].hash : 0;
        // A preposition inside the phrase's gaps is the phrase's own ("tells firms to stop buying");
        // one that ends the phrase opens its role ("moves workloads away from").
        if (preposition_role(w.tokens[i].hash, next, role, words) && i + words - 1u >= t.last) {
          object_open = false;
          pending = true;
          pending_role = role;
          pending_until = i + words + 3;
          i += words - 1;
          continue;
        }
        // Another event in the clause takes over what follows.
        bool taken = false;
        for (std::uint32_t k = ti + 1; k < f.term_count && !taken; ++k) {
          const Term& u = f.terms[k];
          taken = u.first == i && i > t.last && u.is_event && u.classes == Term::company && (u.shadowed & Term::company) == 0;
        }
        if (taken) break;
      }
      // A subject the clause does not name ("Shares jump after record quarter") is the lead
      // company: fully in the headline's first clause, half as much in a later one, whose actor
      // may be a company the pack does not track ("... as Google gains"). A clause naming only the
      // lead, in no role of the event, keeps it as actor ("unveils Trainium3, claims 4x performance of Trainium2").
      // Not a lead first named after it ("Meta to spend billions on Google's TPUs, in blow to Nvidia"),
      // unless the event is imposed on the story's company ("U.S. tightens curbs, blocking Nvidia sales").
      bool lead_named_after = false;
      for (std::uint32_t mi = 0; mi < f.mention_count && !event.imposed; ++mi) {
        if (f.mentions[mi].entity != lead_) continue;
        lead_named_after = f.mentions[mi].first > t.last;
        break;
      }
      if (!subject_found && !passive && subject_sign != 0 && !clause_names_other && !lead_credited && lead_ >= 0 &&
          !lead_named_after) {
        MentionSpan lead;
        lead.entity = static_cast<std::uint16_t>(lead_);
        credit(lead, Role::subject, subject_sign * p.lead_subject_weight * (t.clause == 0 ? 1.0 : 0.5));
      }
      if (trace != nullptr) {
        Line line;
        line << "event " << event.id << " \"" << term_text(f, t) << "\" (" << rules::to_string(f.field) << ")";
        if (negation != 1) line << " negated x" << negation;
        if (turn != 1) line << " turned";
        if (hedge != 1) line << " hedged x" << hedge;
        if (intensity != 1) line << " intensified x" << intensity;
        if (passive) line << " passive";
        if (roles_seen.text_.empty()) line << ": no tracked company in its roles";
        else line << ":" << roles_seen.text_;
        note(trace, line);
      }
    }
  }
  // Results against estimates given only as figures ("Q3 revenue $35.1B vs $33.2B est."): the
  // headline's lead company. Level with its estimate, a print is in line, whatever the words around
  // it ("GROWTH 33%, EST. 33%").
  if (lead_ >= 0 && !question_) {
    const FieldWords& h = fields_[0];
    const Figures fig = read_figures(h.text, h.words, 0, h.words.count);
    const int against = fig.against_expected();
    Reading* r = fig.has_actual && fig.has_expected && (against != 0 || !fig.mixed)
                     ? reading_of(static_cast<std::uint16_t>(lead_))
                     : nullptr;
    if (r != nullptr) {
      if (against != 0) {
        r->add(against * h.weight, kFiguresVsExpected);
      } else {
        *r = Reading{};
        r->silenced = true;
        r->terms = 1;  // read, so the lexicon's tone does not stand in
      }
      if (trace != nullptr) {
        Line line;
        line << "figures: " << fig.actual << (against != 0 ? " against " : " level with ") << fig.expected
             << (against != 0 ? " expected -> " : " expected: in line, no direction for ")
             << entities[static_cast<std::size_t>(lead_)].ticker;
        note(trace, line);
      }
    }
  }
  for (std::size_t i = 0; i < company_count_; ++i) company_readings_[i].direction = squash(company_readings_[i].direction);
  // No event read the lead company: the sentiment lexicon's tone, at low confidence.
  if (lead_ >= 0 && p.lexicon_fallback_weight > 0 && !question_ && !company_preview_) {
    Reading* r = reading_of(static_cast<std::uint16_t>(lead_));
    if (r != nullptr && r->terms == 0) {
      const Reading tone = lexicon_tone(trace);
      if (tone.terms > 0) {
        *r = tone;
        r->direction *= p.lexicon_fallback_weight;
        r->lexicon = true;
      }
    }
  }
}

Reading StoryReader::lexicon_tone(ReadingTrace* trace) const noexcept {
  Reading tone;
  const ScoringParams& p = *params_;
  for (std::size_t fi = 0; fi < 2 && fi < field_count_; ++fi) {
    const FieldWords& f = fields_[fi];
    for (std::uint32_t ti = 0; ti < f.term_count; ++ti) {
      const Term& t = f.terms[ti];
      if (t.is_event || (t.shadowed & Term::company) != 0) continue;
      const rules::LexiconTerm& lt = pack_->term(t.owner);
      if (lt.kind != LexiconKind::sentiment) continue;
      const double value = lt.weight * f.weight * modifier(f, t, LexiconKind::negator, p.negation_window, nullptr) *
                           modifier(f, t, LexiconKind::hedge, p.negation_window, &tone.hedges) *
                           modifier(f, t, LexiconKind::intensifier, p.modifier_window, nullptr);
      tone.add(value, kNoEvent);
      if (trace != nullptr) {
        Line line;
        line << "lexicon \"" << term_text(f, t) << "\" " << value;
        note(trace, line);
      }
    }
  }
  tone.direction = squash(tone.direction);
  return tone;
}

// A headline that asks gives no direction to a policy or release reading.
bool StoryReader::asks_question(Reading& out, ReadingTrace* trace) const noexcept {
  if (!question_) return false;
  if (trace != nullptr) {
    Line line;
    line << "the headline asks a question: no direction";
    note(trace, line);
  }
  out.silenced = true;
  return true;
}

Reading StoryReader::policy(bool previews, double hold, ReadingTrace* trace) const noexcept {
  Reading out;
  if (asks_question(out, trace)) return out;
  const ScoringParams& p = *params_;
  bool headline_preview = false;
  for (std::size_t fi = 0; fi < 2 && fi < field_count_; ++fi) {
    const FieldWords& f = fields_[fi];
    struct Operator {
      bool live = false;
      std::uint16_t clause = 0, last = 0;
      int flips = 0;
      double factor = 1;   // |negator weight| damping
      double alone = 0;    // direction it carries when nothing follows
      std::uint32_t owner = 0;
      bool last_turn = false;  // its last word is a turn, not a negator
    } op;
    int previewed_clause = -1;
    int last_turn_after_end = -1;
    int negated_inside_end = -1;  // a negator read inside the last term's own words
    double last_value = 0;
    int last_clause = -1, last_end = -1;
    std::uint32_t last_event = kNoEvent;
    auto flush = [&] {
      if (op.live && op.alone != 0) {
        out.add(op.alone * f.weight, kNoEvent);
        if (trace != nullptr) {
          Line line;
          line << "operator \"" << pack_->term(op.owner).phrase << "\" alone " << op.alone * f.weight;
          note(trace, line);
        }
      }
      op = Operator{};
    };
    // Where a condition opens ("even if taper ends early", "unless inflation cools"): once the
    // speaker has said something, what the condition names is not the speaker's stance.
    std::uint32_t condition = f.words.count;
    for (std::uint32_t i = 0; i < f.words.count && condition == f.words.count; ++i) {
      const std::uint64_t h = f.words.tokens[i].hash;
      if (h == kIf || h == kUnless || h == kUntil) condition = i;
    }
    for (std::uint32_t ti = 0; ti < f.term_count; ++ti) {
      const Term& t = f.terms[ti];
      if ((t.classes & Term::policy) == 0 || (t.shadowed & Term::policy) != 0) continue;
      if (t.first > condition && out.terms > 0 && t.clause == f.words.tokens[condition].clause) {
        if (trace != nullptr) {
          Line line;
          line << "\"" << term_text(f, t) << "\" is in a condition: not read";
          note(trace, line);
        }
        continue;
      }
      if (op.live && (t.clause != op.clause || t.first - op.last - 1 > static_cast<int>(p.policy_window))) flush();
      if (op.live && reason_between(f.words, op.last, t.first)) flush();
      if (!t.is_event) {
        const rules::LexiconTerm& lt = pack_->term(t.owner);
        if (lt.kind == LexiconKind::negator && static_cast<int>(t.last) <= negated_inside_end) continue;  // already read
        if (lt.kind == LexiconKind::negator || lt.kind == LexiconKind::turn) {
          // Two operators on shared words ("high bar" and "bar for") are one, and so is a turn
          // followed by "before", which says the same delay twice ("patient before cutting"), by
          // an alternative ("slow or pause"), or by a qualifier of the same term ("caution on
          // premature cuts"); only a verb after "to" turns again ("too early to pause hikes").
          const bool turn_after_turn =
              op.live && op.last_turn && lt.kind == LexiconKind::turn &&
              ((t.first <= op.last + 2u && t.first == t.last && f.words.tokens[t.first].hash == kBefore) ||
               (f.words.tokens[op.last].hash != kTo &&
                (t.first == op.last + 1u || (t.first == op.last + 2u && f.words.tokens[op.last + 1u].hash != kTo))));
          if (op.live && (t.first <= op.last || turn_after_turn)) {
            op.last = std::max<std::uint16_t>(op.last, t.last);
            continue;
          }
          if (!op.live) op = Operator{true, t.clause, t.last, 0, 1, 0, t.owner, false};
          ++op.flips;
          op.last = t.last;
          if (lt.kind == LexiconKind::negator) op.factor *= std::fabs(lt.weight);
          else op.alone = op.flips % 2 == 1 ? lt.weight : 0;
          op.owner = t.owner;
          op.last_turn = lt.kind == LexiconKind::turn;
        } else if (lt.kind == LexiconKind::turn_after && op.live && !op.last_turn && op.last + 1u == t.first) {
          // A negator right before it undoes it: "a hike is not off the table" keeps the hike.
          last_turn_after_end = t.last;
          op = Operator{};
          if (trace != nullptr) {
            Line line;
            line << "\"" << term_text(f, t) << "\" is negated: the term before it stands";
            note(trace, line);
          }
        } else if (lt.kind == LexiconKind::turn_after && last_clause == t.clause && t.first - last_end - 1 <= 5 && last_value != 0 &&
                   static_cast<int>(t.first) > last_turn_after_end) {  // "is not" and "not something" turn once
          last_turn_after_end = t.last;
          out.direction -= 2 * last_value;  // "rate cuts unlikely": the term before it reads the other way
          if (trace != nullptr) {
            Line line;
            line << "\"" << term_text(f, t) << "\" turns the term before it";
            note(trace, line);
          }
          last_value = -last_value;
        } else if (lt.kind == LexiconKind::turn_after && static_cast<int>(t.first) > last_turn_after_end &&
                   !(op.live && t.first <= op.last)) {
          // Nothing before it to turn: it turns what follows ("premature to cut", "unlikely that
          // further hikes are needed", "policy is not overly restrictive"; topics.md); after a turn
          // it says the same thing again ("caution on premature cuts").
          last_turn_after_end = t.last;
          if (op.live && op.last_turn) {
            op.last = std::max<std::uint16_t>(op.last, t.last);
            continue;
          }
          if (!op.live) op = Operator{true, t.clause, t.last, 0, 1, 0, t.owner, false};
          ++op.flips;
          op.last = t.last;
          op.alone = 0;
          op.owner = t.owner;
          op.last_turn = true;
        } else if (lt.kind == LexiconKind::preview) {
          previewed_clause = t.clause;
          headline_preview = headline_preview || fi == 0;
        }
        continue;
      }
      const rules::Event& event = pack_->event(t.owner);
      if ((event.kind != EventKind::policy && event.kind != EventKind::stance) || event.scope == rules::EventScope::release) continue;
      // A hold right after a rate move turns it and says nothing itself ("rate hike pause" is
      // dovish); before one, the turns of the lexicon do it ("pause in rate cuts"). Alone it reads
      // `hold`; it takes no operator.
      const bool is_hold = event.kind == EventKind::policy && event.direction == 0;
      if (is_hold) {
        const bool previous_move = last_clause == t.clause && last_event != kNoEvent && t.first - last_end - 1 <= 1 &&
                                   last_value != 0 && pack_->event(last_event).kind == EventKind::policy;
        if (previous_move) {
          out.direction -= 2 * last_value;
          last_value = -last_value;
          if (trace != nullptr) {
            Line line;
            line << "hold \"" << term_text(f, t) << "\" turns the rate move before it";
            note(trace, line);
          }
          continue;
        }
      }
      const double direction = is_hold ? hold : event.direction;
      const std::uint32_t clause_start = clause_first_word(f.words, t.first);
      const rules::Token& opener = f.words.tokens[clause_start];
      const bool contrast = opener.hash == kBut;
      const double joined = !opener.has(rules::Token::joiner) ? 1.0 : contrast ? kContrastClauseWeight : kJoinedClauseWeight;
      double value = direction * event.weight * f.weight * joined *
                     modifier(f, t, LexiconKind::intensifier, p.modifier_window, nullptr) *
                     modifier(f, t, LexiconKind::hedge, p.negation_window, &out.hedges);
      std::string_view turned_by;
      // An operator on all of the term's own words ("slowdown" is no "slow*" of itself) turns nothing,
      // nor one whose negation the term holds ("is not" and "not convinced").
      if (op.live && !is_hold &&
          (t.last <= op.last || (t.first <= op.last && (f.words.tokens[t.first].hash == kNot || f.words.tokens[t.first].hash == kNever))))
        op = Operator{};
      // "has not lowered rates enough" asks for more of it, not less.
      bool enough_after = false;
      for (std::uint32_t i = t.last + 1u; i < f.words.count && i <= t.last + 3u && !enough_after; ++i) {
        enough_after = f.words.tokens[i].hash == kEnough && f.words.tokens[i].clause == t.clause;
      }
      if (op.live && !is_hold && enough_after) op = Operator{};
      if (op.live && !is_hold) {
        if (op.flips % 2 == 1) value = -value;
        value *= op.factor;
        turned_by = pack_->term(op.owner).phrase;
        op = Operator{};
      }
      if (!is_hold && negated_inside(f.words, t.first, t.last)) {
        value = -value;
        negated_inside_end = t.last;
        if (turned_by.empty()) turned_by = "a negation inside it";
      }
      if (previews && previewed_clause == t.clause) {
        if (trace != nullptr) {
          Line line;
          line << "policy " << event.id << " \"" << term_text(f, t) << "\" after a preview cue: silent";
          note(trace, line);
        }
        out.silenced = true;
        continue;
      }
      if (value == 0) {
        if (trace != nullptr) {
          Line line;
          line << "policy " << event.id << " \"" << term_text(f, t) << "\": no direction (a hold)";
          note(trace, line);
        }
        ++out.terms;
        if (out.event == kNoEvent) out.event = t.owner;
        continue;
      }
      out.add(value, t.owner);
      last_value = value;
      last_clause = t.clause;
      last_end = t.last;
      last_event = t.owner;
      if (trace != nullptr) {
        Line line;
        line << (event.kind == EventKind::policy ? "policy " : "stance ") << event.id << " \"" << term_text(f, t) << "\" " << value;
        if (!turned_by.empty()) line << " turned by \"" << turned_by << "\"";
        note(trace, line);
      }
    }
    flush();
    (void)last_event;
    // A headline that previews and says nothing ("Fed Decision Day: What To Expect") is not
    // decided by its teaser.
    if (headline_preview && out.terms == 0) break;
  }
  out.direction = squash(out.direction);
  return out;
}

Reading StoryReader::release_mention(const FieldWords& f, std::uint32_t index, ReadingTrace* trace) const noexcept {
  Reading out;
  const IndicatorHit& ind = f.indicators[index];
  const rules::CompiledRule& rule = pack_->rules()[ind.rule];
  const double polarity = rule.invert ? -1 : 1;
  const auto& w = f.words;
  const std::uint16_t clause = w.tokens[ind.last].clause;
  // What belongs to this indicator: the words up to the next indicator of another rule. Moves and
  // stances must be in its own clause; figures and surprises may follow ("...; EST. +0.3%").
  std::uint32_t end = w.count;
  for (std::uint32_t k = index + 1; k < f.indicator_count; ++k) {
    if (f.indicators[k].rule != ind.rule && f.indicators[k].last > ind.last) {
      end = f.indicators[k].last;
      break;
    }
  }
  // A count right before the indicator's word is its figure ("adds 175K jobs").
  std::uint32_t figures_from = ind.last + 1u;
  for (std::uint32_t back = 1; back <= 2 && back <= ind.last; ++back) {
    const rules::Token& before = w.tokens[ind.last - back];
    if (before.clause != clause) break;
    if (before.has(rules::Token::number)) {
      figures_from = ind.last - back;
      break;
    }
  }
  const Figures fig_probe = read_figures(f.text, w, figures_from, end);
  // A clause that opens with a qualifier belongs to the one before ("rose 7.7%, less than expected",
  // "added 37,000 jobs, fewest in two years").
  std::uint32_t qualifier_start = w.count;
  for (std::uint32_t i = ind.last + 1u; i < end; ++i) {
    if (w.tokens[i].clause == clause + 1u) {
      qualifier_start = i;
      break;
    }
  }
  int preview = -1, in_line = -1;
  double moved = 0;  // the sum of the moves of its clause ("added 37,000, fewest in two years")
  double own_moved = 0;  // of its own clause only: what a relative surprise qualifies ("barely rose")
  const Term* move = nullptr;  // the first of them
  const Term* heaviest_move = nullptr;  // the first of the most weighted (a superlative)
  const Term* surprise = nullptr;
  const Term* relative = nullptr;
  const Term* stance = nullptr;
  for (std::uint32_t ti = 0; ti < f.term_count; ++ti) {
    const Term& t = f.terms[ti];
    if ((t.classes & Term::release) == 0 || (t.shadowed & Term::release) != 0) continue;
    if (t.first >= end) break;
    if (!t.is_event) {
      // A preview, calendar or expectation anywhere before the reading silences it.
      const LexiconKind kind = pack_->term(t.owner).kind;
      if (kind == LexiconKind::preview && preview < 0) preview = t.first;
      if (kind == LexiconKind::in_line && in_line < 0 && t.last + 1u >= ind.last) in_line = t.first;
      continue;
    }
    const rules::Event& e = pack_->event(t.owner);
    if (e.scope == rules::EventScope::policy || e.kind == EventKind::policy || e.kind == EventKind::company) continue;
    // Not the indicator's own words ("job growth"); before it, only what qualifies it ("hot CPI",
    // "rising claims", "strong jobs report").
    if (t.first <= ind.last && t.last >= ind.last) continue;
    if (t.last < ind.last && (t.clause != clause || ind.last - t.last > 3)) continue;
    const bool own_clause = t.clause == clause;
    // Only a relative surprise or a superlative (a move weighted above 1) qualifies from the next clause.
    const bool qualifies = t.clause == clause + 1u && t.first <= qualifier_start + 1u;
    // A move far after it is another subject's ("Inflation cools ... a sign that price growth has peaked"),
    // unless it opens the next clause as a qualifier ("rise 3.2% from a year earlier, slowest pace since 2021").
    if (e.kind == EventKind::move && t.first > ind.last && t.first - ind.last - 1u > kMoveReach && !(qualifies && e.weight > 1)) {
      continue;
    }
    // A move inside a policy phrase is the Fed's, not the indicator's ("dashes hopes for a rate cut");
    // not one that holds the indicator's own words ("unemployment rate rises").
    bool in_policy_phrase = false;
    for (std::uint32_t k = 0; k < f.term_count && !in_policy_phrase && e.kind == EventKind::move; ++k) {
      const Term& u = f.terms[k];
      in_policy_phrase = u.is_event && (u.classes & Term::policy) != 0 && (u.shadowed & Term::policy) == 0 &&
                         pack_->event(u.owner).kind == EventKind::policy && u.first <= t.first && u.last >= t.last &&
                         u.last > u.first && u.first > ind.last;
    }
    if (in_policy_phrase) continue;
    if (e.kind == EventKind::move && (own_clause || (qualifies && e.weight > 1))) {
      moved += e.direction * e.weight;
      if (own_clause) own_moved += e.direction * e.weight;
      if (heaviest_move == nullptr || e.weight > pack_->event(heaviest_move->owner).weight) heaviest_move = &t;
      if (move == nullptr) move = &t;
    } else if (e.kind == EventKind::surprise && e.relative && (own_clause || qualifies) && relative == nullptr) {
      relative = &t;
    } else if (e.kind == EventKind::surprise && !e.relative && surprise == nullptr) {
      surprise = &t;
    } else if (e.kind == EventKind::stance && own_clause && stance == nullptr) {
      stance = &t;
    }
  }
  Figures fig = fig_probe;
  // "FALLS 0.4%; EST. -0.4%": a change after a fall is a fall ("falls to 4.0%" is a level).
  if (fig.has_actual && move != nullptr && moved < 0 && fig.actual > 0 && move->last < fig.first_word &&
      fig.first_word - move->last <= 3) {
    bool level = false;
    for (std::uint32_t i = move->last + 1u; i < fig.first_word; ++i) {
      const std::uint64_t h = w.tokens[i].hash;
      level = level || h == rules::word_hash("to") || h == rules::word_hash("at") || h == rules::word_hash("from") ||
              h == rules::word_hash("of");
    }
    const std::string_view first = rules::token_text(f.text, w.tokens[fig.first_word]);
    if (!level && !first.empty() && first[0] != '+') fig.actual = -fig.actual;
  }
  // Says which indicator is read, then why; only with a trace.
  auto say = [&](auto&&... parts) {
    if (trace == nullptr) return;
    Line line;
    line << "release " << rule.id << " at \"" << rules::token_text(f.text, w.tokens[ind.last]) << "\": ";
    (line << ... << parts);
    note(trace, line);
  };
  auto decide = [&](double hawkish, std::uint32_t by) {
    out.add(hawkish * f.weight, by);
    say(" -> ", hawkish * f.weight);
  };
  const bool actual_data = fig.has_actual && fig.has_expected;
  // A preview before what would decide the reading (or with nothing to decide it) silences it:
  // "CPI expected to rise", "yields edge lower ahead of CPI"; not "CPI cools, boosting rate-cut bets".
  int decider = static_cast<int>(w.count);
  for (const Term* d : {surprise, stance, relative, move}) {
    if (d != nullptr) decider = std::min<int>(decider, d->first);
  }
  if (preview >= 0 && preview < decider && !actual_data && rule.previews) {
    out.silenced = true;
    say("a preview or expectation, no direction");
    return out;
  }
  if (actual_data && fig.mixed) {
    out.silenced = true;
    say("figures on both sides of their estimates: mixed");
    return out;
  }
  // In order: the figures against the estimate, a surprise, a relative surprise, in line, the
  // figures against the prior, the moves, a stance word.
  if (actual_data) {
    const int against = fig.against_expected();
    if (against == 0) {
      out.silenced = true;
      say(fig.actual, " as expected: in line");
      ++out.terms;
      return out;
    }
    say(fig.actual, against > 0 ? " above " : " below ", fig.expected, " expected");
    decide(against * polarity, kFiguresVsExpected);
    return out;
  }
  if (surprise != nullptr) {
    const rules::Event& e = pack_->event(surprise->owner);
    say("surprise \"", term_text(f, *surprise), "\"");
    decide(e.direction * (e.resolved ? 1 : polarity), surprise->owner);
    return out;
  }
  // "Unexpectedly" or "surprise" alone says not which way; "more than forecast" after "jobs lost" does.
  const bool bare_surprise = relative != nullptr && move == nullptr && pack_->event(relative->owner).direction > 0 &&
                             pack_->shape(relative->pattern).max_words == 1;
  if (relative != nullptr && !bare_surprise) {
    const rules::Event& e = pack_->event(relative->owner);
    // "rose less than expected" qualifies the rise; "fall to 233,000, less than expected" the level.
    bool figure_between = fig.has_actual && move != nullptr && move->last < fig.first_word && fig.first_word < relative->first;
    if (figure_between) {  // a level only after "to" or "at" ("fall to 233,000"; "lost 95,000 jobs" is the move)
      bool level = false;
      for (std::uint32_t i = move->last + 1u; i < fig.first_word; ++i) {
        level = level || w.tokens[i].hash == rules::word_hash("to") || w.tokens[i].hash == rules::word_hash("at");
      }
      figure_between = level;
    }
    const double qualified = own_moved != 0 ? own_moved : moved;  // "Barely Rose ..., Lowest Yearly Gain": the rise
    const double base = move != nullptr && !figure_between ? (qualified != 0 ? (qualified > 0 ? 1.0 : -1.0) : 1.0) : 1.0;
    say("\"", move != nullptr ? term_text(f, *move) : std::string_view(), " ", term_text(f, *relative), "\"");
    decide(base * e.direction * polarity, relative->owner);
    return out;
  }
  if (in_line >= 0) {
    out.silenced = true;
    ++out.terms;
    say("in line with expectations");
    return out;
  }
  if (fig.has_actual && fig.has_prior && fig.against_prior() != 0) {
    say(fig.actual, fig.against_prior() > 0 ? " above " : " below ", fig.prior, " before");
    decide(fig.against_prior() * polarity, kFiguresVsPrior);
    return out;
  }
  if (move != nullptr && moved != 0) {
    // The move that carries the sum names the event: "rise ..., slowest pace since 2021" is the slowest.
    const Term* by = (pack_->event(move->owner).direction > 0) == (moved > 0) ? move : heaviest_move;
    say("move \"", term_text(f, *by), "\"", moved > 0 ? " up" : " down");
    decide((moved > 0 ? 1.0 : -1.0) * polarity, by->owner);
    return out;
  }
  if (stance != nullptr) {
    const rules::Event& e = pack_->event(stance->owner);
    say("reading \"", term_text(f, *stance), "\"");
    decide(e.direction, stance->owner);
    return out;
  }
  say("nothing says which way");
  return out;
}

Reading StoryReader::release(std::uint32_t topic, ReadingTrace* trace) const noexcept {
  Reading out;
  if (asks_question(out, trace)) return out;
  bool silenced = false, up = false, down = false;
  for (std::size_t fi = 0; fi < 2 && fi < field_count_; ++fi) {
    const FieldWords& f = fields_[fi];
    double weight = 1;
    for (std::uint32_t i = 0; i < f.indicator_count; ++i) {
      const IndicatorHit& ind = f.indicators[i];
      if (pack_->rules()[ind.rule].topic != topic) continue;
      // One reading per place: patterns of one rule ending within a few words ("unemployment",
      // "unemployment rate") are one mention, read from its last word.
      bool later = false;
      for (std::uint32_t k = i + 1; k < f.indicator_count && !later; ++k) {
        later = f.indicators[k].rule == ind.rule && f.indicators[k].last >= ind.last && f.indicators[k].last - ind.last <= 2;
      }
      if (later) continue;
      const Reading r = release_mention(f, i, trace);
      silenced = silenced || r.silenced;
      if (r.terms == 0 || r.direction == 0) continue;
      (r.direction > 0 ? up : down) = true;
      out.add(r.direction * weight, r.event);
      out.hedges = static_cast<std::uint16_t>(out.hedges + r.hedges);
      weight = 0.6;  // the first indicator of a field leads
    }
    if (out.terms > 0 || silenced) break;  // the summary speaks only when the headline says nothing
  }
  // Indicators that point both ways ("job growth slows; unemployment falls") read as mixed.
  if (up && down) {
    if (trace != nullptr) {
      Line line;
      line << "indicators of one release point both ways: mixed, no direction";
      note(trace, line);
    }
    out.direction = 0;
    out.silenced = true;
    return out;
  }
  out.silenced = silenced && out.direction == 0;
  out.direction = squash(out.direction);
  return out;
}

std::uint16_t StoryReader::headline_hedges() const noexcept {
  const FieldWords& h = fields_[0];
  std::uint16_t n = 0;
  for (std::uint32_t i = 0; i < h.term_count; ++i) {
    const Term& t = h.terms[i];
    if (!t.is_event && t.shadowed == 0 && pack_->term(t.owner).kind == LexiconKind::hedge) ++n;
  }
  return n;
}

std::array<double, 2> StoryReader::headline_figures() const noexcept {
  const FieldWords& h = fields_[0];
  std::array<double, 2> out{std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  std::size_t n = 0;
  for (std::uint32_t i = 0; i < h.words.count && n < out.size(); ++i) {
    double v = 0;
    // An estimate two prints share ("above 0.3% forecast") does not make them one.
    if (figure_value(h.text, h.words, i, v) && !figure_is_estimate(h.words, i)) out[n++] = v;
  }
  return out;
}

}  // namespace h2s::scoring
