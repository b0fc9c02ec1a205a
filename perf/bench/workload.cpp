#include "workload.hpp"

#include "h2s/feeds/decoder.hpp"

namespace h2s::perf {
namespace {

class Collect final : public feeds::DecodeSink {
 public:
  std::deque<OwnedStory> stories;
  void on_story(const Story& s) noexcept override {
    OwnedStory& o = stories.emplace_back();
    o.id = s.id;
    o.headline = s.headline;
    o.summary = s.summary;
    o.body = s.body;
    o.story = s;
    o.story.id = o.id;
    o.story.headline = o.headline;
    o.story.summary = o.summary;
    o.story.body = o.body;
  }
  void on_rejected(Status) noexcept override {}
  void on_control(h2s::ControlReason) noexcept override {}
};

void index_lines(Workload& w) {
  w.lines.clear();
  std::size_t start = 0;
  const std::size_t end = w.text.size() - feeds::kLinePadding;
  while (start < end) {
    const std::size_t newline = w.text.find('\n', start);
    w.lines.emplace_back(w.text.data() + start, newline - start);
    start = newline + 1;
  }
  w.bytes = end;
}

}  // namespace

Workload make_workload(LoadGenerator& generator, std::size_t messages) {
  Workload w;
  w.text = generator.lines(messages, &w.meta);
  w.text.append(feeds::kLinePadding, ' ');
  index_lines(w);
  return w;
}

Workload prefix(const Workload& workload, std::size_t messages) {
  Workload w;
  messages = std::min(messages, workload.lines.size());
  const std::size_t end = messages == 0 ? 0 : static_cast<std::size_t>(workload.lines[messages - 1].data() - workload.text.data()) +
                                                   workload.lines[messages - 1].size() + 1;
  w.text = workload.text.substr(0, end);
  w.text.append(feeds::kLinePadding, ' ');
  w.meta.assign(workload.meta.begin(), workload.meta.begin() + static_cast<std::ptrdiff_t>(messages));
  index_lines(w);
  return w;
}

std::deque<OwnedStory> decode_stories(const Workload& workload) {
  feeds::Decoder decoder;
  Collect collect;
  for (const std::string_view line : workload.lines) decoder.decode(line, kNoTime, collect);
  return std::move(collect.stories);
}

}  // namespace h2s::perf
