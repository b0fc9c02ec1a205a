// Named access to ScoringParams, so a replay run or a config file can vary any of them.
#include <charconv>
#include <string>

#include "h2s/scoring/scorer.hpp"

namespace h2s::scoring {
namespace {

template <class T>
bool parse_number(std::string_view text, T& out) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size();
}

}  // namespace

bool set_scoring_param(ScoringParams& p, std::string_view name, std::string_view value, std::string& error) {
  struct Real {
    std::string_view name;
    double* field;
    double low, high;
  };
  struct Integer {
    std::string_view name;
    std::int64_t* field;
    std::int64_t low, high;
  };
  struct Size {
    std::string_view name;
    std::size_t* field;
    std::size_t low, high;
  };
  const Real reals[] = {
      {"direction_threshold", &p.direction_threshold, 0, 1},   {"min_strength", &p.min_strength, 0, 1},
      {"min_confidence", &p.min_confidence, 0, 1},             {"lead_subject_weight", &p.lead_subject_weight, 0, 1},
      {"lexicon_fallback_weight", &p.lexicon_fallback_weight, 0, 1},
      {"field_weight.headline", &p.field_weight[0], 0, 10},  {"field_weight.summary", &p.field_weight[1], 0, 10},
      {"field_weight.body", &p.field_weight[2], 0, 10},      {"novelty_decay", &p.novelty_decay, 0, 1},
      {"baseline_alpha", &p.baseline_alpha, 0, 1},
      {"primary_relevance_boost", &p.primary_relevance_boost, 1, 4},
      {"primary_relevance_floor", &p.primary_relevance_floor, 0, 1},
  };
  const Integer integers[] = {
      {"dedup_window_us", &p.dedup_window_us, 0, INT64_MAX},
      {"semantic_window_us", &p.semantic_window_us, 0, INT64_MAX},
      {"chain_window_us", &p.chain_window_us, 0, INT64_MAX},
      {"story_window_us", &p.story_window_us, 0, INT64_MAX},
      {"baseline_half_life_us", &p.baseline_half_life_us, 1, INT64_MAX},
      {"throttle_interval_us", &p.throttle_interval_us, 1, INT64_MAX},
  };
  const Size sizes[] = {
      {"dedup_capacity", &p.dedup_capacity, 8, 1u << 26},    {"chain_capacity", &p.chain_capacity, 1, 1u << 16},
      {"edit_capacity", &p.edit_capacity, 8, 1u << 26},    {"semantic_capacity", &p.semantic_capacity, 8, 1u << 24},
      {"story_capacity", &p.story_capacity, 8, 1u << 26},    {"baseline_capacity", &p.baseline_capacity, 8, 1u << 22},
  };
  auto range_error = [&](auto low, auto high) {
    error = "scoring parameter " + std::string(name) + " must be a number in [" + std::to_string(low) + ", " +
            std::to_string(high) + "], not '" + std::string(value) + "'";
    return false;
  };
  for (const Real& r : reals) {
    if (r.name != name) continue;
    double v = 0;
    if (!parse_number(value, v) || v < r.low || v > r.high) return range_error(r.low, r.high);
    *r.field = v;
    return true;
  }
  for (const Integer& r : integers) {
    if (r.name != name) continue;
    std::int64_t v = 0;
    if (!parse_number(value, v) || v < r.low || v > r.high) return range_error(r.low, r.high);
    *r.field = v;
    return true;
  }
  for (const Size& r : sizes) {
    if (r.name != name) continue;
    std::size_t v = 0;
    if (!parse_number(value, v) || v < r.low || v > r.high) return range_error(r.low, r.high);
    *r.field = v;
    return true;
  }
  std::uint32_t small = 0;
  std::uint32_t* small_field = name == "negation_window"        ? &p.negation_window
                               : name == "modifier_window"      ? &p.modifier_window
                               : name == "policy_window"        ? &p.policy_window
                               : name == "throttle_max_signals" ? &p.throttle_max_signals
                                                                : nullptr;
  if (small_field != nullptr) {
    if (!parse_number(value, small) || small > 1000) return range_error(0, 1000);
    *small_field = small;
    return true;
  }
  int bits = 0;
  int* bits_field = name == "near_duplicate_bits" ? &p.near_duplicate_bits : name == "chain_bits" ? &p.chain_bits : nullptr;
  if (bits_field != nullptr) {
    if (!parse_number(value, bits) || bits < 0 || bits > 64) return range_error(0, 64);
    *bits_field = bits;
    return true;
  }
  error = "unknown scoring parameter '" + std::string(name) + "' (see docs/scoring.md)";
  return false;
}

}  // namespace h2s::scoring
