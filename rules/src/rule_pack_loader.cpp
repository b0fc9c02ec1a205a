// Loads rule packs from TOML with toml++, collecting every error with its file and line.
#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>

#include "h2s/model/ascii.hpp"
#include "h2s/model/symbol.hpp"
#include "h2s/rules/rule_pack.hpp"
#include "h2s/rules/text_tokens.hpp"

namespace h2s::rules {
namespace {

class Loader {
 public:
  void load_file(const std::filesystem::path& path) {
    file_ = path.string();
    pack_.files.push_back(file_);
    toml::table root;
    try {
      root = toml::parse_file(file_);
    } catch (const toml::parse_error& e) {
      error(e.source().begin.line, std::string(e.description()));
      return;
    }
    for (auto&& [key, node] : root) {
      const std::string_view k = key.str();
      if (k == "topic") each_table(node, "topic", [&](const toml::table& t) { load_topic(t); });
      else if (k == "entity") each_table(node, "entity", [&](const toml::table& t) { load_entity(t); });
      else if (k == "rule") each_table(node, "rule", [&](const toml::table& t) { load_rule(t); });
      else if (k == "event") each_table(node, "event", [&](const toml::table& t) { load_event(t); });
      else if (k == "lexicon") load_lexicon(node);
      else if (k == "grammar") load_grammar(node);
      else if (k == "pack") check_keys(node, {"name", "description", "version"});
      else error(line_of(key), "unknown top-level key '" + std::string(k) + "' (expected topic, entity, rule, event, lexicon, grammar, pack)");
    }
  }

  RulePack finish() {
    cross_check();
    if (!errors_.empty()) {
      std::ostringstream out;
      for (std::size_t i = 0; i < errors_.size(); ++i) out << (i ? "\n" : "") << errors_[i];
      throw RulePackError(out.str());
    }
    return std::move(pack_);
  }

 private:
  static std::uint32_t line_of(const toml::key& key) { return key.source().begin.line; }
  static std::uint32_t line_of(const toml::node& node) { return node.source().begin.line; }

  void error(std::uint32_t line, const std::string& message) {
    errors_.push_back(file_ + ":" + std::to_string(line) + ": " + message);
  }
  void error_at(const SourceLocation& where, const std::string& message) {
    errors_.push_back(where.file + ":" + std::to_string(where.line) + ": " + message);
  }

  template <class F>
  void each_table(const toml::node& node, std::string_view what, F&& f) {
    const toml::array* array = node.as_array();
    if (array == nullptr) return error(line_of(node), std::string(what) + " must be an array of tables ([[" + std::string(what) + "]])");
    for (const toml::node& element : *array) {
      if (const toml::table* t = element.as_table()) f(*t);
      else error(line_of(element), std::string(what) + " entries must be tables");
    }
  }

  bool check_keys(const toml::node& node, std::initializer_list<std::string_view> allowed) {
    const toml::table* t = node.as_table();
    if (t == nullptr) {
      error(line_of(node), "expected a table");
      return false;
    }
    bool ok = true;
    for (auto&& [key, value] : *t) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        error(line_of(key), "unknown key '" + std::string(key.str()) + "' (allowed: " + list + ")");
        ok = false;
      }
    }
    return ok;
  }

  std::string get_string(const toml::table& t, std::string_view key, bool required) {
    const toml::node* node = t.get(key);
    if (node == nullptr) {
      if (required) error(line_of(t), "missing required key '" + std::string(key) + "'");
      return {};
    }
    if (const auto* s = node->as_string()) return s->get();
    error(line_of(*node), "'" + std::string(key) + "' must be a string");
    return {};
  }

  std::vector<std::string> get_strings(const toml::table& t, std::string_view key,
                                       std::vector<std::uint32_t>* lines = nullptr) {
    std::vector<std::string> out;
    const toml::node* node = t.get(key);
    if (node == nullptr) return out;
    if (const auto* s = node->as_string()) {
      if (lines) lines->push_back(line_of(*node));
      return {s->get()};
    }
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      error(line_of(*node), "'" + std::string(key) + "' must be a string or an array of strings");
      return out;
    }
    for (const toml::node& element : *array) {
      if (const auto* s = element.as_string()) {
        out.push_back(s->get());
        if (lines) lines->push_back(line_of(element));
      } else {
        error(line_of(element), "'" + std::string(key) + "' entries must be strings");
      }
    }
    return out;
  }

  bool get_bool(const toml::table& t, std::string_view key, bool fallback) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return fallback;
    if (const auto* b = node->as_boolean()) return b->get();
    error(line_of(*node), "'" + std::string(key) + "' must be true or false");
    return fallback;
  }

  double get_number(const toml::node& node, std::string_view what) {
    if (const auto* f = node.as_floating_point()) return f->get();
    if (const auto* i = node.as_integer()) return static_cast<double>(i->get());
    error(line_of(node), std::string(what) + " must be a number");
    return 0;
  }

  SourceLocation where(const toml::node& node) const { return {file_, line_of(node)}; }

  void load_topic(const toml::table& t) {
    check_keys(t, {"id", "side", "description"});
    Topic topic{get_string(t, "id", true), SideMode::sentiment, where(t)};
    const std::string side = get_string(t, "side", true);
    if (side == "sentiment") topic.side_mode = SideMode::sentiment;
    else if (side == "hawkish") topic.side_mode = SideMode::hawkish;
    else if (side == "event") topic.side_mode = SideMode::event;
    else if (!side.empty()) error(line_of(t), "topic side must be sentiment, hawkish or event, not '" + side + "'");
    pack_.topics.push_back(std::move(topic));
  }

  void load_entity(const toml::table& t) {
    check_keys(t, {"ticker", "names", "names_from", "patterns", "exclude", "description"});
    Entity entity;
    entity.ticker = get_string(t, "ticker", true);
    entity.names = get_strings(t, "names");
    entity.patterns = get_strings(t, "patterns");
    entity.exclude = get_strings(t, "exclude");
    if (const toml::node* node = t.get("names_from"); node != nullptr && !node->is_table()) {
      error(line_of(*node), "'names_from' must be a table of name = date (names_from = { \"Broadcom\" = 2016-02-01 })");
    } else if (node != nullptr) {
      for (const auto& [key, value] : *node->as_table()) {
        const std::string name(key.str());
        if (!value.is_date()) {
          error(line_of(value), "names_from: '" + name + "' must be a date (YYYY-MM-DD)");
        } else if (std::find(entity.names.begin(), entity.names.end(), name) == entity.names.end()) {
          error(line_of(value), "names_from: '" + name + "' is not one of the entity's names");
        } else {
          const toml::date& date = value.as_date()->get();
          const std::chrono::sys_days day{std::chrono::year{date.year} / date.month / date.day};
          entity.names_from_us[name] = std::chrono::duration_cast<std::chrono::microseconds>(day.time_since_epoch()).count();
        }
      }
    }
    entity.where = where(t);
    pack_.entities.push_back(std::move(entity));
  }

  Example load_example(const toml::node& node, bool counter) {
    Example example;
    example.where = where(node);
    if (const auto* s = node.as_string()) {
      example.text = s->get();
      example.side = "none";
      if (!counter) error(line_of(node), "an example needs { text, ticker, side }");
      return example;
    }
    const toml::table* t = node.as_table();
    if (t == nullptr) {
      error(line_of(node), "examples must be strings or inline tables");
      return example;
    }
    check_keys(*t, {"text", "ticker", "side"});
    example.text = get_string(*t, "text", true);
    example.ticker = get_string(*t, "ticker", !counter);
    example.side = get_string(*t, "side", !counter);
    if (!counter && example.side != "buy" && example.side != "sell" && example.side != "none") {
      error(line_of(node), "example side must be buy, sell or none, not '" + example.side + "'");
    }
    return example;
  }

  void load_rule(const toml::table& t) {
    check_keys(t, {"id", "topic", "tickers", "require_entity", "invert", "scope", "weight", "caseless", "patterns", "requires",
                   "exclude", "examples", "counterexamples", "description", "reading", "previews", "hold",
                   "channels", "exclude_channels", "sources", "exclude_sources"});
    Rule rule;
    rule.where = where(t);
    rule.id = get_string(t, "id", true);
    rule.topic = get_string(t, "topic", true);
    rule.tickers = get_strings(t, "tickers");
    rule.require_entity = get_bool(t, "require_entity", false);
    rule.invert = get_bool(t, "invert", false);
    const std::string scope = get_string(t, "scope", false);
    if (scope == "story") rule.story_scope = true;
    else if (!scope.empty() && scope != "clause") error(line_of(t), "scope must be clause or story, not '" + scope + "'");
    rule.caseless = get_bool(t, "caseless", true);
    rule.previews = get_bool(t, "previews", false);
    if (const toml::node* h = t.get("hold")) {
      rule.hold = get_number(*h, "hold");
      if (!(rule.hold >= -1 && rule.hold <= 1)) error(line_of(*h), "hold must be in [-1, 1]");
    }
    const std::string reading = get_string(t, "reading", false);
    if (reading == "company" || reading.empty()) rule.reading = Reading::company;
    else if (reading == "policy") rule.reading = Reading::policy;
    else if (reading == "release") rule.reading = Reading::release;
    else error(line_of(t), "reading must be company, policy or release, not '" + reading + "'");
    reading_given_.push_back(!reading.empty());
    if (const toml::node* w = t.get("weight")) {
      rule.weight = get_number(*w, "weight");
      if (!(rule.weight > 0 && rule.weight <= 10)) error(line_of(*w), "weight must be in (0, 10]");
    }
    rule.patterns = get_strings(t, "patterns", &rule.pattern_lines);
    rule.requires_any = get_strings(t, "requires", &rule.requires_lines);
    rule.exclude = get_strings(t, "exclude", &rule.exclude_lines);
    rule.channels = get_strings(t, "channels");
    rule.exclude_channels = get_strings(t, "exclude_channels");
    rule.sources = get_strings(t, "sources");
    rule.exclude_sources = get_strings(t, "exclude_sources");
    if (rule.patterns.empty()) error(line_of(t), "rule '" + rule.id + "' has no patterns");
    if (rule.tickers.empty()) error(line_of(t), "rule '" + rule.id + "' maps to no tickers");
    for (const char* key : {"examples", "counterexamples"}) {
      const toml::node* node = t.get(key);
      if (node == nullptr) continue;
      const toml::array* array = node->as_array();
      if (array == nullptr) {
        error(line_of(*node), std::string(key) + " must be an array");
        continue;
      }
      const bool counter = std::string_view(key) == "counterexamples";
      for (const toml::node& element : *array) {
        (counter ? rule.counterexamples : rule.examples).push_back(load_example(element, counter));
      }
    }
    pack_.rules.push_back(std::move(rule));
  }

  void check_phrase(const std::string& phrase, std::uint32_t line, const std::string& what) {
    if (phrase.find_first_not_of(" *") == std::string::npos) return error(line, "empty " + what + " phrase");
    std::size_t start = 0;
    while (start < phrase.size()) {
      const std::size_t end = std::min(phrase.find(' ', start), phrase.size());
      const std::string word = phrase.substr(start, end - start);
      start = end + 1;
      if (word.empty() || word[0] != '~') continue;
      if (word.size() != 2 || word[1] < '1' || word[1] > '9') {
        error(line, what + " phrase '" + phrase + "': a gap is ~1 to ~9 (up to N words), not '" + word + "'");
      } else if (start - word.size() - 1 == phrase.find_first_not_of(' ')) {
        error(line, what + " phrase '" + phrase + "' must start with a word, not a gap");
      }
    }
    const PhraseShape shape = phrase_shape(phrase);
    if (shape.first.empty() || shape.first == "*") error(line, what + " phrase '" + phrase + "' must start with a word");
  }

  void load_event(const toml::table& t) {
    check_keys(t, {"id", "kind", "direction", "relative", "resolved", "price_move", "imposed", "scope", "weight", "roles", "phrases",
                   "description"});
    Event event;
    event.where = where(t);
    event.id = get_string(t, "id", true);
    const std::string kind = get_string(t, "kind", true);
    if (kind == "company") event.kind = EventKind::company;
    else if (kind == "policy") event.kind = EventKind::policy;
    else if (kind == "stance") event.kind = EventKind::stance;
    else if (kind == "move") event.kind = EventKind::move;
    else if (kind == "surprise") event.kind = EventKind::surprise;
    else if (!kind.empty()) error(line_of(t), "event kind must be company, policy, stance, move or surprise, not '" + kind + "'");
    if (const toml::node* d = t.get("direction")) {
      event.direction = get_number(*d, "direction");
      if (!(event.direction >= -1 && event.direction <= 1)) error(line_of(*d), "direction must be in [-1, 1]");
      if (event.kind == EventKind::company) error(line_of(*d), "a company event takes roles, not a direction");
    } else if (event.kind != EventKind::company && !kind.empty()) {
      error(line_of(t), "event '" + event.id + "' (" + kind + ") needs a direction");
    }
    event.relative = get_bool(t, "relative", false);
    if (event.relative && event.kind != EventKind::surprise) error(line_of(t), "only a surprise can be relative");
    event.resolved = get_bool(t, "resolved", false);
    if (event.resolved && event.kind != EventKind::surprise) error(line_of(t), "only a surprise can be resolved");
    event.price_move = get_bool(t, "price_move", false);
    if (event.price_move && event.kind != EventKind::company) error(line_of(t), "only a company event can be a price move");
    event.imposed = get_bool(t, "imposed", false);
    if (event.imposed && event.kind != EventKind::company) error(line_of(t), "only a company event can be imposed");
    const std::string scope = get_string(t, "scope", false);
    if (scope == "release") event.scope = EventScope::release;
    else if (scope == "policy") event.scope = EventScope::policy;
    else if (!scope.empty() && scope != "any") error(line_of(t), "scope must be any, release or policy, not '" + scope + "'");
    if (!scope.empty() && event.kind == EventKind::company) error(line_of(t), "a company event has no macro scope");
    if (const toml::node* w = t.get("weight")) {
      event.weight = get_number(*w, "weight");
      if (!(event.weight > 0 && event.weight <= 10)) error(line_of(*w), "weight must be in (0, 10]");
    }
    if (const toml::node* r = t.get("roles")) {
      const toml::table* roles = r->as_table();
      if (roles == nullptr) {
        error(line_of(*r), "roles must be a table such as { subject = 1, over = -1 }");
      } else {
        if (event.kind != EventKind::company) error(line_of(*r), "only a company event has roles");
        for (auto&& [name, value] : *roles) {
          bool known = false;
          for (std::size_t i = 0; i < kRoleCount && !known; ++i) {
            if (name.str() == to_string(static_cast<Role>(i))) {
              known = true;
              event.roles[i] = get_number(value, "a role's direction");
              if (!(event.roles[i] >= -1 && event.roles[i] <= 1)) error(line_of(name), "a role's direction must be in [-1, 1]");
            }
          }
          if (!known) {
            error(line_of(name), "unknown role '" + std::string(name.str()) +
                                     "' (subject, object, with, to, from, over, away_from, on, of, in, for, against)");
          }
        }
      }
    } else if (event.kind == EventKind::company) {
      error(line_of(t), "company event '" + event.id + "' needs roles, e.g. roles = { subject = 1 }");
    }
    event.phrases = get_strings(t, "phrases", &event.phrase_lines);
    if (event.phrases.empty()) error(line_of(t), "event '" + event.id + "' has no phrases");
    for (std::size_t i = 0; i < event.phrases.size(); ++i) {
      check_phrase(event.phrases[i], i < event.phrase_lines.size() ? event.phrase_lines[i] : line_of(t), "event");
    }
    pack_.events.push_back(std::move(event));
  }

  void load_grammar(const toml::node& node) {
    if (!check_keys(node, {"context_after", "context_before"})) return;
    const toml::table& t = *node.as_table();
    for (const std::string& w : get_strings(t, "context_after")) pack_.grammar.context_after.push_back(w);
    for (const std::string& w : get_strings(t, "context_before")) pack_.grammar.context_before.push_back(w);
  }

  void load_lexicon(const toml::node& node) {
    if (!check_keys(node, {"sentiment", "negators", "turns", "turns_after", "intensifiers", "hedges", "previews", "in_line",
                           "company_previews", "market_moves"})) {
      return;
    }
    for (auto&& [key, section] : *node.as_table()) {
      const std::string_view k = key.str();
      const LexiconKind kind = k == "sentiment"      ? LexiconKind::sentiment
                               : k == "negators"     ? LexiconKind::negator
                               : k == "turns"        ? LexiconKind::turn
                               : k == "turns_after"  ? LexiconKind::turn_after
                               : k == "intensifiers" ? LexiconKind::intensifier
                               : k == "hedges"       ? LexiconKind::hedge
                               : k == "previews"     ? LexiconKind::preview
                               : k == "in_line"      ? LexiconKind::in_line
                               : k == "market_moves" ? LexiconKind::market_move
                                                     : LexiconKind::company_preview;
      const toml::table* terms = section.as_table();
      if (terms == nullptr) {
        error(line_of(section), "lexicon." + std::string(k) + " must be a table of \"phrase\" = weight");
        continue;
      }
      for (auto&& [phrase, weight] : *terms) {
        LexiconTerm term{std::string(phrase.str()), kind, get_number(weight, "lexicon weight"), {file_, line_of(phrase)}};
        check_phrase(term.phrase, line_of(phrase), "lexicon");
        if (!(term.weight >= -10 && term.weight <= 10)) {
          error(line_of(phrase), "lexicon weight of '" + term.phrase + "' must be a number in [-10, 10]");
        }
        pack_.lexicon.push_back(std::move(term));
      }
    }
  }

  void cross_check() {
    std::set<std::string> topic_ids, tickers, rule_ids, event_ids;
    for (const Event& e : pack_.events) {
      if (!event_ids.insert(e.id).second) error_at(e.where, "duplicate event id '" + e.id + "'");
      if (e.id.size() > 31) error_at(e.where, "event id '" + e.id + "' longer than 31 bytes");
    }
    for (const Topic& t : pack_.topics) {
      if (!topic_ids.insert(t.id).second) error_at(t.where, "duplicate topic id '" + t.id + "'");
    }
    for (Entity& e : pack_.entities) {
      Symbol symbol;
      if (!symbol.assign(e.ticker)) {
        error_at(e.where, "ticker '" + e.ticker + "' must be 1 to 7 characters of A-Z, 0-9, '.' or '-'");
      } else if (symbol.view() != e.ticker) {
        error_at(e.where, "ticker '" + e.ticker + "' must be upper case ('" + std::string(symbol.view()) + "')");
      }
      if (!tickers.insert(e.ticker).second) error_at(e.where, "duplicate entity ticker '" + e.ticker + "'");
    }
    for (std::size_t i = 0; i < pack_.rules.size(); ++i) {
      Rule& r = pack_.rules[i];
      // A macro topic reads policy unless its rule says release; a company topic reads companies.
      for (const Topic& t : pack_.topics) {
        if (t.id != r.topic) continue;
        if (!reading_given_[i] && t.side_mode == SideMode::hawkish) r.reading = Reading::policy;
        if (r.reading != Reading::company && t.side_mode == SideMode::sentiment) {
          error_at(r.where, "rule '" + r.id + "' on a sentiment topic must read company events");
        }
        if (r.reading == Reading::company && t.side_mode == SideMode::hawkish) {
          error_at(r.where, "rule '" + r.id + "' on a hawkish topic reads policy or release, not company");
        }
      }
    }
    for (const Rule& r : pack_.rules) {
      if (!rule_ids.insert(r.id).second) error_at(r.where, "duplicate rule id '" + r.id + "'");
      if (r.id.size() > 63) error_at(r.where, "rule id longer than 63 bytes");
      if (!r.topic.empty() && !topic_ids.count(r.topic)) error_at(r.where, "rule '" + r.id + "' names unknown topic '" + r.topic + "'");
      for (const std::string& ticker : r.tickers) {
        if (!tickers.count(ticker)) error_at(r.where, "rule '" + r.id + "' maps to unknown ticker '" + ticker + "' (declare it as an [[entity]])");
      }
      for (const Example& ex : r.examples) {
        if (!ex.ticker.empty() && std::find(r.tickers.begin(), r.tickers.end(), ex.ticker) == r.tickers.end()) {
          error_at(ex.where, "example expects ticker '" + ex.ticker + "' that rule '" + r.id + "' never signals");
        }
      }
    }
    for (const Topic& t : pack_.topics) {
      if (t.id.size() > 47) error_at(t.where, "topic id longer than 47 bytes");
    }
  }

  RulePack pack_;
  std::vector<bool> reading_given_;  // by rule: whether `reading` was written
  std::string file_;
  std::vector<std::string> errors_;
};

}  // namespace

RulePack load_rule_pack(const std::filesystem::path& path) {
  Loader loader;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(path)) {
      if (entry.is_regular_file() && entry.path().extension() == ".toml") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) throw RulePackError(path.string() + ": no .toml files in rule pack directory");
    for (const auto& file : files) loader.load_file(file);
  } else if (std::filesystem::is_regular_file(path, ec)) {
    loader.load_file(path);
  } else {
    throw RulePackError(path.string() + ": rule pack not found");
  }
  return loader.finish();
}

std::string_view to_string(Role role) noexcept {
  switch (role) {
    case Role::subject: return "subject";
    case Role::object: return "object";
    case Role::with: return "with";
    case Role::to: return "to";
    case Role::from: return "from";
    case Role::over: return "over";
    case Role::away_from: return "away_from";
    case Role::on: return "on";
    case Role::of: return "of";
    case Role::in: return "in";
    case Role::for_: return "for";
    case Role::against: return "against";
  }
  return "?";
}

namespace {

bool is_regex_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The words of a phrase as written (split on spaces).
std::vector<std::string> phrase_words(const std::string& phrase) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < phrase.size()) {
    std::size_t end = phrase.find(' ', start);
    if (end == std::string::npos) end = phrase.size();
    if (end > start) words.push_back(phrase.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

bool is_gap(const std::string& word) { return word.size() == 2 && word[0] == '~' && word[1] >= '1' && word[1] <= '9'; }

}  // namespace

std::string phrase_to_regex(const std::string& phrase) {
  const std::vector<std::string> words = phrase_words(phrase);
  std::string out;
  bool first = true;
  for (std::size_t w = 0; w < words.size(); ++w) {
    const std::string& word = words[w];
    if (is_gap(word)) {
      // Up to N words of any kind, each after white space.
      out += "(?:\\s+[^\\s]+){0,";
      out += word[1];
      out += '}';
      continue;
    }
    // After a gap the word may close a hyphenated one ("signs 48MW pre-lease"); a quote may close
    // or open one of the words ("'a little uneasy' with cuts").
    if (!first) out += w > 0 && is_gap(words[w - 1]) ? "[\\s-]+" : "[\"']?\\s+[\"']?";
    if (word == "*") {
      out += "[^\\s]+";
      first = false;
      continue;
    }
    if (first && is_regex_word_char(word.front())) out += "\\b";
    first = false;
    for (std::size_t i = 0; i < word.size(); ++i) {
      const char c = word[i];
      if (c == '*' && i + 1 == word.size()) out += "\\w*";
      else if (is_regex_word_char(c) || static_cast<unsigned char>(c) >= 0x80) out += c;
      else {
        out += '\\';
        out += c;
      }
    }
  }
  if (!words.empty()) {
    const std::string& last = words.back();
    if (!is_gap(last) && (is_regex_word_char(last.back()) || last.back() == '*')) out += "\\b";
  }
  return out;
}

PhraseShape phrase_shape(const std::string& phrase) {
  PhraseShape shape;
  std::size_t min_words = 0, max_words = 0;
  bool first = true;
  for (const std::string& word : phrase_words(phrase)) {
    if (is_gap(word)) {
      max_words += static_cast<std::size_t>(word[1] - '0');
      continue;
    }
    // Count the text's own words the way the scorer will tokenize it ("better-than-expected" is 3).
    std::string probe = word;
    const bool prefix = probe.size() > 1 && probe.back() == '*';
    if (prefix) probe.back() = 'x';
    if (probe == "*") probe = "x";
    TokenizedText tokens;
    tokenize(probe, tokens);
    const std::size_t count = tokens.count == 0 ? 1 : tokens.count;
    min_words += count;
    max_words += count;
    if (first) {
      first = false;
      std::string text = tokens.count > 0 ? std::string(token_text(probe, tokens.tokens[0])) : word;
      for (char& c : text) c = ascii_lower(c);
      if (prefix && tokens.count == 1) text.pop_back();
      shape.first = word == "*" ? "*" : text;
      shape.first_is_prefix = prefix && tokens.count == 1;
    }
  }
  shape.min_words = static_cast<std::uint8_t>(std::min<std::size_t>(min_words, 255));
  shape.max_words = static_cast<std::uint8_t>(std::min<std::size_t>(max_words, 255));
  return shape;
}

}  // namespace h2s::rules
