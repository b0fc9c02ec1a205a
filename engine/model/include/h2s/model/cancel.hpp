#pragma once
// A withdrawn signal: the vendor deleted its story after the signal was published.
#include <cstdint>

#include "h2s/model/fixed_string.hpp"
#include "h2s/model/signal.hpp"
#include "h2s/model/story.hpp"
#include "h2s/model/symbol.hpp"

namespace h2s {

struct Cancel {
  std::uint64_t seq = 0;        // this message's own sequence number (signals and cancels share one)
  std::uint64_t cancelled = 0;  // sequence number of the signal withdrawn
  FixedString<kMaxStoryIdBytes> story_id;
  Symbol ticker;                // the withdrawn signal's ticker
  Vendor vendor = Vendor::unknown;
  std::int64_t ts_us = kNoTime; // when the delete was processed (pipeline clock)
};

}  // namespace h2s
