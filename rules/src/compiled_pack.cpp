#include "h2s/rules/compiled_pack.hpp"

#include "h2s/model/ascii.hpp"
#include "h2s/rules/text_tokens.hpp"

#include <hs/hs.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

namespace h2s::rules {
namespace {

struct PendingPattern {
  std::string expression;
  unsigned flags;
  PatternRef ref;
  SourceLocation where;
  std::string what;  // "rule amzn.trainium.chip pattern 1"
  std::string phrase{};  // lexicon and event phrases: the phrase as written (for its shape)
};

// Start-of-match tracking is costly at scale, so only spans that are compared need it: entity
// mentions against exclusions. Lexicon and event phrases have a known word count, so the scorer
// finds their start from their end; rule patterns report end offsets; requires/exclude patterns
// only need to be seen once.
constexpr unsigned kSpanFlags = HS_FLAG_SOM_LEFTMOST;
constexpr unsigned kPresenceFlags = HS_FLAG_SINGLEMATCH;

// FNV-1a 64 over everything that shapes the database, for the cache key.
std::uint64_t fingerprint(const std::vector<PendingPattern>& patterns) {
  std::uint64_t hash = 14695981039346656037ULL;
  auto mix = [&](std::string_view text) {
    for (const char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    hash = (hash ^ 0xFF) * 1099511628211ULL;
  };
  mix(hs_version());
  // A serialized database is specific to the CPU features it was built for.
  hs_platform_info_t platform{};
  if (hs_populate_platform(&platform) == HS_SUCCESS) {
    mix(std::to_string(platform.tune) + "/" + std::to_string(platform.cpu_features));
  }
  for (const PendingPattern& p : patterns) {
    mix(p.expression);
    mix(std::to_string(p.flags));
  }
  return hash;
}

hs_database_t* load_cached(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return nullptr;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(bytes.data(), bytes.size(), &db) != HS_SUCCESS) return nullptr;
  return db;
}

void store_cached(const std::filesystem::path& dir, const std::filesystem::path& file, const hs_database_t* db) {
  char* bytes = nullptr;
  size_t length = 0;
  if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) return;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  // Write then rename, so a concurrent reader never sees half a database.
  const std::filesystem::path tmp = file.string() + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes, static_cast<std::streamsize>(length));
  }
  std::free(bytes);
  std::filesystem::rename(tmp, file, ec);
  if (ec) std::filesystem::remove(tmp, ec);
}

// Checks each expression on its own so every bad one is named with its origin, all at once.
// Only run when the database fails to compile: on success this work would be wasted.
void check_expressions(const std::vector<PendingPattern>& pending) {
  std::ostringstream errors;
  for (const PendingPattern& p : pending) {
    hs_expr_info_t* info = nullptr;
    hs_compile_error_t* error = nullptr;
    if (hs_expression_info(p.expression.c_str(), p.flags, &info, &error) != HS_SUCCESS) {
      errors << p.where.file << ':' << p.where.line << ": " << p.what << ": bad pattern /" << p.expression
             << "/: " << error->message << '\n';
      hs_free_compile_error(error);
      continue;
    }
    if (info->min_width == 0) {
      errors << p.where.file << ':' << p.where.line << ": " << p.what << ": pattern /" << p.expression
             << "/ can match empty text\n";
    }
    std::free(info);
  }
  std::string text = errors.str();
  if (text.empty()) return;
  text.pop_back();
  throw RulePackError(text);
}

}  // namespace

CompiledPack::~CompiledPack() { hs_free_database(database_); }

std::shared_ptr<const CompiledPack> CompiledPack::load(const std::filesystem::path& path, const CompileOptions& options) {
  return compile(load_rule_pack(path), options);
}

std::shared_ptr<const CompiledPack> CompiledPack::compile(RulePack pack, const CompileOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  std::shared_ptr<CompiledPack> compiled(new CompiledPack());
  std::vector<PendingPattern> pending;

  std::map<std::string, std::uint32_t> topic_index, entity_index;
  for (std::uint32_t i = 0; i < pack.topics.size(); ++i) topic_index[pack.topics[i].id] = i;
  for (std::uint32_t i = 0; i < pack.entities.size(); ++i) {
    const Entity& e = pack.entities[i];
    entity_index[e.ticker] = i;
    compiled->entities_.push_back({e.ticker});
    // A name is a phrase: the matcher finds its start from its shape, so it needs no start of match.
    for (const std::string& name : e.names) {
      const auto from = e.names_from_us.find(name);
      pending.push_back({phrase_to_regex(name), HS_FLAG_CASELESS,
                         {PatternRef::Kind::entity_name, i, from != e.names_from_us.end() ? from->second : INT64_MIN}, e.where,
                         "entity " + e.ticker + " name '" + name + "'", name});
    }
    for (const std::string& regex : e.patterns) {
      pending.push_back({regex, HS_FLAG_CASELESS | kSpanFlags, {PatternRef::Kind::entity_name, i}, e.where,
                         "entity " + e.ticker + " pattern"});
    }
    for (const std::string& regex : e.exclude) {
      pending.push_back({regex, HS_FLAG_CASELESS | kSpanFlags, {PatternRef::Kind::entity_exclude, i}, e.where,
                         "entity " + e.ticker + " exclude"});
    }
  }
  for (std::uint32_t i = 0; i < pack.rules.size(); ++i) {
    const Rule& r = pack.rules[i];
    CompiledRule rule;
    rule.id = r.id;
    rule.topic = topic_index.at(r.topic);
    for (const std::string& ticker : r.tickers) rule.tickers.push_back(static_cast<std::uint16_t>(entity_index.at(ticker)));
    rule.require_entity = r.require_entity;
    rule.invert = r.invert;
    rule.story_scope = r.story_scope;
    rule.has_requires = !r.requires_any.empty();
    rule.previews = r.previews;
    rule.hold = r.hold;
    rule.reading = r.reading;
    rule.weight = r.weight;
    const auto lower = [](std::vector<std::string> names) {
      for (std::string& name : names) {
        for (char& c : name) c = ascii_lower(c);
      }
      return names;
    };
    rule.vendor_fields = {lower(r.channels), lower(r.exclude_channels), lower(r.sources), lower(r.exclude_sources)};
    compiled->rules_.push_back(std::move(rule));
    const unsigned caseless = r.caseless ? HS_FLAG_CASELESS : 0u;
    auto add = [&](const std::vector<std::string>& list, const std::vector<std::uint32_t>& lines,
                   PatternRef::Kind kind, unsigned flags, const char* what) {
      for (std::size_t k = 0; k < list.size(); ++k) {
        const SourceLocation where{r.where.file, k < lines.size() ? lines[k] : r.where.line};
        pending.push_back({list[k], caseless | flags, {kind, i}, where,
                           "rule " + r.id + " " + what + " " + std::to_string(k + 1)});
      }
    };
    add(r.patterns, r.pattern_lines, PatternRef::Kind::rule, 0u, "pattern");
    add(r.requires_any, r.requires_lines, PatternRef::Kind::requires_any, kPresenceFlags, "requires");
    add(r.exclude, r.exclude_lines, PatternRef::Kind::rule_exclude, kPresenceFlags, "exclude");
  }
  for (std::uint32_t i = 0; i < pack.lexicon.size(); ++i) {
    const LexiconTerm& t = pack.lexicon[i];
    pending.push_back({phrase_to_regex(t.phrase), HS_FLAG_CASELESS, {PatternRef::Kind::lexicon, i}, t.where,
                       "lexicon term '" + t.phrase + "'", t.phrase});
  }
  for (std::uint32_t i = 0; i < pack.events.size(); ++i) {
    const Event& e = pack.events[i];
    for (std::size_t k = 0; k < e.phrases.size(); ++k) {
      const SourceLocation where{e.where.file, k < e.phrase_lines.size() ? e.phrase_lines[k] : e.where.line};
      pending.push_back({phrase_to_regex(e.phrases[k]), HS_FLAG_CASELESS, {PatternRef::Kind::event, i}, where,
                         "event " + e.id + " phrase '" + e.phrases[k] + "'", e.phrases[k]});
    }
  }
  if (pending.empty()) throw RulePackError("rule pack has no patterns");

  for (std::uint32_t id = 0; id < pending.size(); ++id) {
    compiled->patterns_.push_back(pending[id].ref);
    compiled->expressions_.push_back(pending[id].expression);
    compiled->caseless_.push_back((pending[id].flags & HS_FLAG_CASELESS) != 0 ? 1 : 0);
    compiled->shapes_.push_back(pending[id].phrase.empty() ? PhraseShape{} : phrase_shape(pending[id].phrase));
  }
  for (const std::string& w : pack.grammar.context_after) compiled->context_after_.push_back(word_hash(w));
  for (const std::string& w : pack.grammar.context_before) compiled->context_before_.push_back(word_hash(w));
  std::sort(compiled->context_after_.begin(), compiled->context_after_.end());
  std::sort(compiled->context_before_.begin(), compiled->context_before_.end());
  const std::uint64_t key = fingerprint(pending);
  char key_hex[17];
  std::snprintf(key_hex, sizeof key_hex, "%016llx", static_cast<unsigned long long>(key));
  // No cache configured: H2S_RULES_CACHE_DIR, when set, names one (sanitizer and CI runs share it).
  std::filesystem::path cache_dir = options.cache_dir;
  if (const char* env = std::getenv("H2S_RULES_CACHE_DIR"); cache_dir.empty() && env != nullptr) cache_dir = env;
  const std::filesystem::path cache_file =
      cache_dir.empty() ? std::filesystem::path() : cache_dir / (std::string(key_hex) + ".hsdb");

  if (!cache_file.empty()) compiled->database_ = load_cached(cache_file);
  compiled->stats_.from_cache = compiled->database_ != nullptr;
  if (compiled->database_ == nullptr) {
    std::vector<const char*> expressions;
    std::vector<unsigned> flags, ids;
    for (std::uint32_t id = 0; id < pending.size(); ++id) {
      expressions.push_back(pending[id].expression.c_str());
      flags.push_back(pending[id].flags);
      ids.push_back(id);
    }
    hs_compile_error_t* error = nullptr;
    if (hs_compile_multi(expressions.data(), flags.data(), ids.data(), static_cast<unsigned>(expressions.size()),
                         HS_MODE_BLOCK, nullptr, &compiled->database_, &error) != HS_SUCCESS) {
      std::string message = error->message;
      if (error->expression >= 0 && static_cast<std::size_t>(error->expression) < pending.size()) {
        const PendingPattern& p = pending[static_cast<std::size_t>(error->expression)];
        message = p.where.file + ":" + std::to_string(p.where.line) + ": " + p.what + ": " + message;
      }
      hs_free_compile_error(error);
      check_expressions(pending);  // lists every bad expression, if the failure was one of them
      throw RulePackError(message);
    }
    if (!cache_file.empty()) store_cached(cache_dir, cache_file, compiled->database_);
  }
  hs_database_size(compiled->database_, &compiled->stats_.database_bytes);
  compiled->stats_.rules = pack.rules.size();
  compiled->stats_.patterns = pending.size();
  compiled->stats_.compile_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  compiled->source_ = std::move(pack);
  return compiled;
}

std::string CompiledPack::describe(std::uint32_t pattern_id) const {
  const PatternRef& ref = patterns_.at(pattern_id);
  switch (ref.kind) {
    case PatternRef::Kind::rule: return "rule " + rules_[ref.owner].id;
    case PatternRef::Kind::requires_any: return "rule " + rules_[ref.owner].id + " (requires)";
    case PatternRef::Kind::rule_exclude: return "rule " + rules_[ref.owner].id + " (exclude)";
    case PatternRef::Kind::entity_name: return "entity " + entities_[ref.owner].ticker;
    case PatternRef::Kind::entity_exclude: return "entity " + entities_[ref.owner].ticker + " (exclude)";
    case PatternRef::Kind::lexicon: {
      static constexpr const char* kKinds[] = {"sentiment", "negator", "turn", "turn_after", "intensifier", "hedge",
                                               "preview", "in_line", "company_preview", "market_move"};
      const LexiconTerm& term = source_.lexicon[ref.owner];
      return std::string("lexicon ") + kKinds[static_cast<int>(term.kind)] + " '" + term.phrase + "'";
    }
    case PatternRef::Kind::event: return "event " + source_.events[ref.owner].id;
  }
  return "?";
}

bool CompiledPack::context_after(std::uint64_t word) const noexcept {
  return std::binary_search(context_after_.begin(), context_after_.end(), word);
}

bool CompiledPack::context_before(std::uint64_t word) const noexcept {
  return std::binary_search(context_before_.begin(), context_before_.end(), word);
}

namespace {

bool any_equals_ci(std::string_view value, const std::vector<std::string>& lower_names) noexcept {
  for (const std::string& name : lower_names) {
    if (equals_ci(value, name)) return true;
  }
  return false;
}

}  // namespace

bool VendorFieldGate::admits(const Story& story) const noexcept {
  if (empty()) return true;
  // A story's channels: Benzinga's channels, and Finnhub's category (its one channel).
  bool wanted = channels.empty(), unwanted = any_equals_ci(story.category, exclude_channels);
  if (!channels.empty() && any_equals_ci(story.category, channels)) wanted = true;
  for (std::uint8_t i = 0; i < story.channel_count; ++i) {
    wanted = wanted || any_equals_ci(story.channels[i], channels);
    unwanted = unwanted || any_equals_ci(story.channels[i], exclude_channels);
  }
  if (!wanted || unwanted) return false;
  if (!sources.empty() && !any_equals_ci(story.source, sources)) return false;
  return !any_equals_ci(story.source, exclude_sources);
}

}  // namespace h2s::rules
