#pragma once
// A labelled corpus's expectations (the format of shared/spec/labels.md): story id -> the
// (ticker, side) pairs it must signal, its topic and its kind. Loaded at tool start-up.
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "h2s/model/signal.hpp"

namespace h2s::evaluation {

enum class LabelKind : std::uint8_t { signal, distractor, no_direction, duplicate, revision };

[[nodiscard]] std::string_view to_string(LabelKind kind) noexcept;

struct ExpectedPair {
  std::string ticker;
  Side side = Side::buy;
};

struct Label {
  std::string key;       // as written: "41000034" or "41000034@2"
  std::string story_id;  // the key without its version suffix
  std::uint32_t version = 1;
  std::vector<ExpectedPair> expect;
  std::string topic;     // empty for null
  LabelKind kind = LabelKind::signal;
  std::string note;

  // Must not signal at all: distractors and stories on a topic with no direction.
  [[nodiscard]] bool quiet() const noexcept { return kind == LabelKind::distractor || kind == LabelKind::no_direction; }
};

class LabelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Sorted by (story id, version). Throws LabelError naming every problem: not JSON, an entry that
// is not an object, unknown kinds or sides, a version suffix below 2, a revision without version 1.
struct LabelSet {
  std::vector<Label> labels;

  [[nodiscard]] const Label* find(std::string_view story_id, std::uint32_t version) const noexcept;
};

[[nodiscard]] LabelSet parse_labels(std::string_view json, std::string_view origin);
[[nodiscard]] LabelSet load_labels(const std::filesystem::path& path);

}  // namespace h2s::evaluation
