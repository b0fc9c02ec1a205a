#pragma once
// Heap allocations made by the calling thread so far (malloc, calloc, realloc, aligned: operator
// new included, as it allocates through malloc).
#include <cstdint>

namespace h2s::perf {

[[nodiscard]] std::uint64_t thread_allocations() noexcept;

}  // namespace h2s::perf
