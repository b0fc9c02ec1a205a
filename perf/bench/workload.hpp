#pragma once
// Generated messages laid out as the pipeline reads them, and the stories they decode to.
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "h2s/model/story.hpp"
#include "h2s/perf/load_generator.hpp"

namespace h2s::perf {

struct Workload {
  std::string text;  // every line with its newline, then the decoder's padding
  std::vector<std::string_view> lines;  // without newlines
  std::vector<GeneratedMessage> meta;
  std::uint64_t bytes = 0;
};

[[nodiscard]] Workload make_workload(LoadGenerator& generator, std::size_t messages);
// The first `messages` lines of a workload (baselines run on a prefix).
[[nodiscard]] Workload prefix(const Workload& workload, std::size_t messages);

// A decoded story with its own copy of the text.
struct OwnedStory {
  std::string id, headline, summary, body;
  Story story;
};
[[nodiscard]] std::deque<OwnedStory> decode_stories(const Workload& workload);

}  // namespace h2s::perf
