#pragma once
// Numbers against expectations: "0.4% vs 0.3% expected", "254K vs. 150K forecast",
// "rose 0.4% (est. 0.3%)". The sign says whether the actual figure beat the expected one.
#include <cstdint>
#include <string_view>

namespace h2s::scoring {

struct NumericSurprise {
  double actual = 0;
  double expected = 0;
  std::uint32_t from = 0;  // span of the comparison in the text
  std::uint32_t to = 0;
  // +1 when actual > expected, -1 when below, scaled by the relative gap and capped at 1.
  [[nodiscard]] double score() const noexcept;
};

// Finds the first comparison of an actual figure with an expected one in `text`.
[[nodiscard]] bool find_numeric_surprise(std::string_view text, NumericSurprise& out) noexcept;

}  // namespace h2s::scoring
