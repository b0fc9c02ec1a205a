#pragma once
// The baselines, run in the same process on the same messages as h2s, each checked to produce
// h2s's matches: std::regex for Hyperscan, nlohmann::json for simdjson, and a Python 3 script.
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "figures.hpp"
#include "h2s/rules/compiled_pack.hpp"
#include "workload.hpp"

namespace h2s::perf {

struct BaselineResults {
  std::vector<Figures> rows;  // h2s and each baseline, stage and pipeline, per message
  nlohmann::json comparisons;  // per baseline: ratios against h2s and the match-equality check
};

struct BaselineOptions {
  std::filesystem::path scratch;
  std::filesystem::path python_script;  // empty: no Python baseline
};

[[nodiscard]] BaselineResults run_baselines(const std::shared_ptr<const rules::CompiledPack>& pack,
                                            const Workload& workload, const BaselineOptions& options,
                                            InstructionCounter& counter);

}  // namespace h2s::perf
