#pragma once
// The figures of a release or a result, read over a field's words: the actual number, the one
// expected ("0.4% vs 0.3% expected", "(est. 0.3%)", "; EST. +0.3%", "231K (Forecast 225K,
// Previous 219K)") and the prior one ("eases to 2.7% from 3.0%", "Prior 3.0%").
#include <cstdint>
#include <string_view>

#include "h2s/rules/text_tokens.hpp"

namespace h2s::scoring {

struct Figures {
  bool has_actual = false, has_expected = false, has_prior = false;
  bool mixed = false;  // a second pair (core after headline) points the other way
  double actual = 0, expected = 0, prior = 0;
  bool percent = false;  // the actual is a percentage: an estimate or prior must be one too
  std::uint32_t first_word = 0, last_word = 0;  // the words they were read from

  // +1 / -1 / 0 (in line) against the estimate; only with both figures.
  [[nodiscard]] int against_expected() const noexcept { return sign(actual - expected, expected); }
  [[nodiscard]] int against_prior() const noexcept { return sign(actual - prior, prior); }

 private:
  static int sign(double diff, double base) noexcept {
    const double scale = base < 0 ? -base : base;
    const double tolerance = scale > 100 ? 1e-3 * scale : 1e-9;  // 8.756M against 8.750M is in line
    return diff > tolerance ? 1 : (diff < -tolerance ? -1 : 0);
  }
};

// Reads figures from words [begin, end) of `text`. A year ("2025"), an ordinal, a multiple
// ("4x") or a span ("10-year") is no figure.
[[nodiscard]] Figures read_figures(std::string_view text, const rules::TokenizedText& words, std::uint32_t begin,
                                   std::uint32_t end) noexcept;

// The value of a number word with its unit applied (%, K, M, B, bn, thousand, million, billion in
// the next word), or false when the word is no figure; `percent` (when given) says whether it is one.
// Whether the figure at `index` is named as an estimate ("est. 0.3%", "0.3% forecast", "vs 175K").
[[nodiscard]] bool figure_is_estimate(const rules::TokenizedText& words, std::uint32_t index) noexcept;

[[nodiscard]] bool figure_value(std::string_view text, const rules::TokenizedText& words, std::uint32_t index,
                                double& value, bool* percent = nullptr) noexcept;

}  // namespace h2s::scoring
