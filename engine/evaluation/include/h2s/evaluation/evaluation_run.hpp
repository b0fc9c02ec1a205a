#pragma once
// Runs a feed through the replay engine (the same pipeline, clock and output as `h2s replay`)
// and reads back its signal lines for scoring.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "h2s/evaluation/scorecard.hpp"
#include "h2s/pipeline/counters.hpp"
#include "h2s/rules/compiled_pack.hpp"
#include "h2s/scoring/scorer.hpp"

namespace h2s::evaluation {

// Every signal line of a replay's output (cancels and other lines are skipped). Throws
// std::runtime_error on a line that is not a signal line of docs/signals.md.
[[nodiscard]] std::vector<ObservedSignal> read_signal_lines(std::string_view ndjson);

struct RunResult {
  std::vector<ObservedSignal> signals;
  std::uint64_t cancels = 0;
  bool balanced = false;  // the replay's accounting held
};

// Replays `feed` with `pack` and `params` at full speed, fused layout. Throws at start-up only.
[[nodiscard]] RunResult run_feed(const std::filesystem::path& feed, std::shared_ptr<const rules::CompiledPack> pack,
                                 const scoring::ScoringParams& params, pipeline::PipelineCounters& counters);

// Headline of each story version in a feed, keyed as labels are: (story id, n-th appearance).
using HeadlineIndex = std::map<std::pair<std::string, std::uint32_t>, std::string>;
[[nodiscard]] HeadlineIndex index_headlines(const std::filesystem::path& feed);

}  // namespace h2s::evaluation
