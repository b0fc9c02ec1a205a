// Loads rule packs from TOML with toml++, collecting every error with its file and line.
#include <toml++/toml.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "h2s/model/symbol.hpp"
#include "h2s/rules/rule_pack.hpp"

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
      else if (k == "lexicon") load_lexicon(node);
      else if (k == "pack") check_keys(node, {"name", "description", "version"});
      else error(line_of(key), "unknown top-level key '" + std::string(k) + "' (expected topic, entity, rule, lexicon, pack)");
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
    check_keys(t, {"ticker", "names", "patterns", "exclude", "description"});
    Entity entity;
    entity.ticker = get_string(t, "ticker", true);
    entity.names = get_strings(t, "names");
    entity.patterns = get_strings(t, "patterns");
    entity.exclude = get_strings(t, "exclude");
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
                   "exclude", "examples", "counterexamples", "description"});
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
    if (const toml::node* w = t.get("weight")) {
      rule.weight = get_number(*w, "weight");
      if (!(rule.weight > 0 && rule.weight <= 10)) error(line_of(*w), "weight must be in (0, 10]");
    }
    rule.patterns = get_strings(t, "patterns", &rule.pattern_lines);
    rule.requires_any = get_strings(t, "requires", &rule.requires_lines);
    rule.exclude = get_strings(t, "exclude", &rule.exclude_lines);
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

  void load_lexicon(const toml::node& node) {
    if (!check_keys(node, {"sentiment", "hawkish", "surprise", "negators", "intensifiers", "hedges"})) return;
    for (auto&& [key, section] : *node.as_table()) {
      const std::string_view k = key.str();
      const LexiconKind kind = k == "sentiment"      ? LexiconKind::sentiment
                               : k == "hawkish"      ? LexiconKind::hawkish
                               : k == "surprise"     ? LexiconKind::surprise
                               : k == "negators"     ? LexiconKind::negator
                               : k == "intensifiers" ? LexiconKind::intensifier
                                                     : LexiconKind::hedge;
      const toml::table* terms = section.as_table();
      if (terms == nullptr) {
        error(line_of(section), "lexicon." + std::string(k) + " must be a table of \"phrase\" = weight");
        continue;
      }
      for (auto&& [phrase, weight] : *terms) {
        LexiconTerm term{std::string(phrase.str()), kind, get_number(weight, "lexicon weight"), {file_, line_of(phrase)}};
        if (term.phrase.find_first_not_of(" *") == std::string::npos) error(line_of(phrase), "empty lexicon phrase");
        if (!(term.weight >= -10 && term.weight <= 10)) {
          error(line_of(phrase), "lexicon weight of '" + term.phrase + "' must be a number in [-10, 10]");
        }
        pack_.lexicon.push_back(std::move(term));
      }
    }
  }

  void cross_check() {
    std::set<std::string> topic_ids, tickers, rule_ids;
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

std::string phrase_to_regex(const std::string& phrase) {
  auto is_word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  std::string out;
  std::size_t begin = phrase.find_first_not_of(' ');
  std::size_t end = phrase.find_last_not_of(' ');
  if (begin == std::string::npos) return out;
  if (is_word(phrase[begin])) out += "\\b";
  bool in_space = false;
  for (std::size_t i = begin; i <= end; ++i) {
    const char c = phrase[i];
    if (c == ' ') {
      in_space = true;
      continue;
    }
    if (in_space) out += "\\s+";
    in_space = false;
    if (c == '*') out += "\\w*";
    else if (is_word(c) || static_cast<unsigned char>(c) >= 0x80) out += c;
    else {
      out += '\\';
      out += c;
    }
  }
  if (is_word(phrase[end]) || phrase[end] == '*') out += "\\b";
  return out;
}

}  // namespace h2s::rules
