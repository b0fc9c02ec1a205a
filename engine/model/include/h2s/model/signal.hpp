#pragma once
// The trade signal: one per (story, ticker), fixed-size so it crosses thread queues by value.
#include <cstdint>
#include <string_view>

#include "h2s/model/fixed_string.hpp"
#include "h2s/model/story.hpp"
#include "h2s/model/symbol.hpp"

namespace h2s {

enum class Side : std::uint8_t { buy = 1, sell = 2 };

[[nodiscard]] constexpr std::string_view to_string(Side s) noexcept { return s == Side::buy ? "buy" : "sell"; }

// What decided the side: a typed event of the rule pack, or (low confidence) the lexicon alone.
enum class Basis : std::uint8_t { event = 0, lexicon = 1 };

[[nodiscard]] constexpr std::string_view to_string(Basis b) noexcept { return b == Basis::event ? "event" : "lexicon"; }

inline constexpr std::size_t kMaxStoryIdBytes = 96;

struct Signal {
  std::uint64_t seq = 0;  // assigned by the publisher, gap-free from 1
  FixedString<kMaxStoryIdBytes> story_id;
  FixedString<kMaxStoryIdBytes> chain_id;  // id of the first story of this story's chain
  FixedString<47> topic;
  FixedString<63> rule;
  FixedString<31> event;  // the event type that decided the side (empty for a lexicon reading)
  Symbol ticker;
  Vendor vendor = Vendor::unknown;
  Side side = Side::buy;
  Basis basis = Basis::event;
  VendorSentiment vendor_sentiment = VendorSentiment::none;  // the vendor's own reading of the ticker, for reference
  std::uint16_t version = 1;  // 1 for a story's first version, 2 for its first revision, ...
  bool supersedes = false;    // in process only: withdraw this story's earlier signals for the ticker first
  double strength = 0;    // (0, 1]
  double sentiment = 0;   // [-1, 1], sign in the topic's own direction (company: good news > 0)
  double delta = 0;       // sentiment minus the (ticker, topic) baseline
  double novelty = 1;     // [0, 1]
  double confidence = 0;  // [0, 1]
  double relevance = 0;   // [0, 1]
  std::int64_t ts_source_us = kNoTime;
  std::int64_t ts_recv_us = kNoTime;
  std::int64_t ts_decode_us = kNoTime;
  std::int64_t ts_match_us = kNoTime;
  std::int64_t ts_score_us = kNoTime;
  std::int64_t ts_signal_us = kNoTime;  // publish time
};

}  // namespace h2s
