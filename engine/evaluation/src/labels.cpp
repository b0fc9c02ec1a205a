#include "h2s/evaluation/labels.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace h2s::evaluation {

std::string_view to_string(LabelKind kind) noexcept {
  switch (kind) {
    case LabelKind::signal: return "signal";
    case LabelKind::distractor: return "distractor";
    case LabelKind::no_direction: return "no_direction";
    case LabelKind::duplicate: return "duplicate";
    case LabelKind::revision: return "revision";
  }
  return "?";
}

namespace {

bool parse_kind(std::string_view text, LabelKind& kind) {
  for (const LabelKind k : {LabelKind::signal, LabelKind::distractor, LabelKind::no_direction, LabelKind::duplicate,
                            LabelKind::revision}) {
    if (text == to_string(k)) {
      kind = k;
      return true;
    }
  }
  return false;
}

// "ID@N" with N >= 2 names the N-th version; anything else is a plain id.
bool split_key(std::string_view key, std::string& story_id, std::uint32_t& version) {
  const auto at = key.rfind('@');
  story_id = std::string(key);
  version = 1;
  if (at == std::string_view::npos) return true;
  const std::string_view digits = key.substr(at + 1);
  std::uint32_t n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) return true;  // an '@' in an id
  if (n < 2) return false;
  story_id = std::string(key.substr(0, at));
  version = n;
  return true;
}

}  // namespace

const Label* LabelSet::find(std::string_view story_id, std::uint32_t version) const noexcept {
  const auto it = std::lower_bound(labels.begin(), labels.end(), std::pair(story_id, version), [](const Label& l, const auto& k) {
    return std::pair(std::string_view(l.story_id), l.version) < k;
  });
  if (it == labels.end() || it->story_id != story_id || it->version != version) return nullptr;
  return &*it;
}

LabelSet parse_labels(std::string_view json, std::string_view origin) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const simdjson::padded_string padded(json);
  std::ostringstream errors;
  if (const auto error = parser.parse(padded).get(root)) {
    throw LabelError(std::string(origin) + ": not JSON: " + simdjson::error_message(error));
  }
  simdjson::dom::object object;
  if (root.get(object)) throw LabelError(std::string(origin) + ": labels must be one JSON object keyed by story id");
  LabelSet set;
  for (const auto field : object) {
    Label label;
    label.key = std::string(field.key);
    const std::string where = std::string(origin) + ": \"" + label.key + "\": ";
    if (!split_key(field.key, label.story_id, label.version)) {
      errors << where << "a version suffix must be @2 or more\n";
      continue;
    }
    simdjson::dom::object entry;
    if (field.value.get(entry)) {
      errors << where << "not an object\n";
      continue;
    }
    simdjson::dom::array expect;
    if (entry["expect"].get(expect)) {
      errors << where << "\"expect\" must be an array of [ticker, side] pairs\n";
      continue;
    }
    bool ok = true;
    for (const auto pair : expect) {
      simdjson::dom::array items;
      std::string_view ticker, side;
      if (pair.get(items) || items.size() != 2 || items.at(0).get(ticker) || items.at(1).get(side) ||
          (side != "buy" && side != "sell") || ticker.empty()) {
        errors << where << "each expected pair is [\"TICKER\", \"buy\"|\"sell\"]\n";
        ok = false;
        break;
      }
      label.expect.push_back({std::string(ticker), side == "buy" ? Side::buy : Side::sell});
    }
    std::string_view kind;
    if (entry["kind"].get(kind) || !parse_kind(kind, label.kind)) {
      errors << where << "\"kind\" must be signal, distractor, no_direction, duplicate or revision\n";
      ok = false;
    }
    std::string_view text;
    if (!entry["topic"].get(text)) label.topic = std::string(text);
    if (!entry["note"].get(text)) label.note = std::string(text);
    if (ok && !label.expect.empty() && (label.quiet() || label.kind == LabelKind::duplicate)) {
      errors << where << "a " << to_string(label.kind) << " expects no signal\n";
      ok = false;
    }
    if (ok) set.labels.push_back(std::move(label));
  }
  std::sort(set.labels.begin(), set.labels.end(), [](const Label& a, const Label& b) {
    return std::pair(std::string_view(a.story_id), a.version) < std::pair(std::string_view(b.story_id), b.version);
  });
  for (const Label& label : set.labels) {
    if (label.version > 1 && set.find(label.story_id, 1) == nullptr) {
      errors << origin << ": \"" << label.key << "\": a later version without its first (\"" << label.story_id << "\")\n";
    }
  }
  std::string text = errors.str();
  if (!text.empty()) {
    text.pop_back();
    throw LabelError(text);
  }
  return set;
}

LabelSet load_labels(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw LabelError(path.string() + ": cannot be read");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return parse_labels(bytes.str(), path.string());
}

}  // namespace h2s::evaluation
