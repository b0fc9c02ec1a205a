#pragma once
// The JSON lines of replay's stdout and NDJSON outputs: one object per line, fixed key order,
// "type" first ("signal" or "cancel").
#include <cstddef>

#include "h2s/model/cancel.hpp"
#include "h2s/model/signal.hpp"

namespace h2s::publish {

// Largest line format_signal_json can produce (every string escaped at worst case), with '\n'.
inline constexpr std::size_t kMaxSignalJsonBytes = 4096;

// Writes the line (ending in '\n') into out[0, kMaxSignalJsonBytes); returns its length.
// Numbers use fixed decimals so output is byte-identical across runs and machines.
[[nodiscard]] std::size_t format_signal_json(const Signal& signal, char* out) noexcept;
// The same for a cancel (always shorter than the signal bound).
[[nodiscard]] std::size_t format_cancel_json(const Cancel& cancel, char* out) noexcept;

}  // namespace h2s::publish
