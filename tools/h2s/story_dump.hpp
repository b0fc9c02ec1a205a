#pragma once
// h2s replay --stories FILE: every decoded story as one JSON line, for researchers and for
// checking decoders (docs/formats.md, "Decoded stories").
#include <cstdio>
#include <string>

#include "h2s/pipeline/story_observer.hpp"

namespace h2s::tools {

class StoryDump final : public pipeline::StoryObserver {
 public:
  // Writes to `path` ('-': stdout is taken by the signals, so it is refused by the caller).
  explicit StoryDump(const std::string& path);
  ~StoryDump() override;
  StoryDump(const StoryDump&) = delete;
  StoryDump& operator=(const StoryDump&) = delete;

  void on_story_outcome(const Story& story, const scoring::ScoreResult& score, const rules::MatchResult* match,
                        const rules::CompiledPack& pack) noexcept override;
  // Flushes and closes; false (with errno kept in error()) when any write failed.
  [[nodiscard]] bool close() noexcept;
  [[nodiscard]] int error() const noexcept { return error_; }

 private:
  std::FILE* file_ = nullptr;
  std::string line_;
  int error_ = 0;
};

}  // namespace h2s::tools
