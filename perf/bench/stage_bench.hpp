#pragma once
// In-process stage benchmarks: decode, match, score, encode+publish and the fused pipeline, each
// warmed up on the whole workload, then measured per item on a fresh instance.
#include <deque>
#include <filesystem>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "figures.hpp"
#include "h2s/rules/compiled_pack.hpp"
#include "workload.hpp"

namespace h2s::perf {

struct StageResults {
  std::vector<Figures> stages;  // decode, match, score, publish, fused
  Figures replay;               // the fused pipeline without per-message clocks: throughput
  nlohmann::json accounting;    // the measured fused run's outcomes
};

// `scratch`: a directory for the journals of the publishing stages.
[[nodiscard]] StageResults run_stages(const std::shared_ptr<const rules::CompiledPack>& pack, const Workload& workload,
                                      const std::filesystem::path& scratch, InstructionCounter& counter);

[[nodiscard]] Figures measure_match(const std::shared_ptr<const rules::CompiledPack>& pack,
                                    const std::deque<OwnedStory>& stories, InstructionCounter& counter);
[[nodiscard]] Figures measure_fused(const std::shared_ptr<const rules::CompiledPack>& pack, const Workload& workload,
                                    const std::filesystem::path& scratch, InstructionCounter& counter,
                                    nlohmann::json* accounting = nullptr);

}  // namespace h2s::perf
