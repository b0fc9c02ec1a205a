#pragma once
// Sees every decoded story with its outcome, on the processing thread (h2s replay --stories).
#include "h2s/model/story.hpp"
#include "h2s/rules/compiled_pack.hpp"
#include "h2s/rules/matcher.hpp"
#include "h2s/scoring/scorer.hpp"

namespace h2s::pipeline {

class StoryObserver {
 public:
  virtual ~StoryObserver() = default;
  // `match` is null for a story that ended before matching (a delete, an exact repeat).
  virtual void on_story_outcome(const Story& story, const scoring::ScoreResult& score, const rules::MatchResult* match,
                                const rules::CompiledPack& pack) noexcept = 0;
};

}  // namespace h2s::pipeline
