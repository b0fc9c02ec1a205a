#pragma once
// The JSON signal line (replay's stdout, NDJSON outputs): one object per line, fixed key order.
#include <cstddef>

#include "h2s/model/signal.hpp"

namespace h2s::publish {

// Largest line format_signal_json can produce (every string escaped at worst case), with '\n'.
inline constexpr std::size_t kMaxSignalJsonBytes = 4096;

// Writes the line (ending in '\n') into out[0, kMaxSignalJsonBytes); returns its length.
// Numbers use fixed decimals so output is byte-identical across runs and machines.
[[nodiscard]] std::size_t format_signal_json(const Signal& signal, char* out) noexcept;

}  // namespace h2s::publish
