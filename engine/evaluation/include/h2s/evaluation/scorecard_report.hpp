#pragma once
// A scorecard as people read it (a table per topic, the confusion table, failures) and as
// programs read it (one JSON object).
#include <cstdio>
#include <string>

#include "h2s/evaluation/evaluation_run.hpp"
#include "h2s/evaluation/scorecard.hpp"

namespace h2s::evaluation {

void print_scorecard(std::FILE* out, const Scorecard& card);
// Each failure with its story's headline; at most `limit` of them.
void print_failures(std::FILE* out, const Scorecard& card, const HeadlineIndex& headlines, std::size_t limit);
[[nodiscard]] std::string scorecard_json(const Scorecard& card);

}  // namespace h2s::evaluation
