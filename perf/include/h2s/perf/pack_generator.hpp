#pragma once
// Generates large rule packs (the default pack's topics, entities and lexicon plus N synthetic
// rules with realistic regex shapes) for scaling tests and benchmarks.
#include <cstddef>
#include <filesystem>

namespace h2s::perf {

// Writes a pack directory at `out` holding the default pack's files plus generated rules whose
// patterns total `patterns` (each rule has 1 to 3). Deterministic for a given count.
void generate_pack(const std::filesystem::path& default_pack, const std::filesystem::path& out, std::size_t patterns);

}  // namespace h2s::perf
