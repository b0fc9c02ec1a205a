// Rule scaling benchmark: compile time, database size, and per-story scan and score cost for the
// default pack and generated packs of N patterns, over the stories of the bundled sample feed.
//   build/perf/bench_rules [--patterns 0,1000,10000] [--rounds 200] [--feed FILE]
// 0 means the default pack alone. Timings are per story, in ns, after a warm-up round.
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "h2s/feeds/decoder.hpp"
#include "h2s/metrics/histogram.hpp"
#include "h2s/perf/pack_generator.hpp"
#include "h2s/rules/compiled_pack.hpp"
#include "h2s/rules/matcher.hpp"
#include "h2s/scoring/scorer.hpp"

namespace {

struct OwnedStory {
  std::string id, headline, summary, body;
  h2s::Story story;
};

class Collect final : public h2s::feeds::DecodeSink {
 public:
  std::deque<OwnedStory> stories;
  void on_story(const h2s::Story& s) noexcept override {
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
  void on_rejected(h2s::Status) noexcept override {}
  void on_control() noexcept override {}
};

std::deque<OwnedStory> load_stories(const std::string& path) {
  std::ifstream in(path);
  h2s::feeds::Decoder decoder;
  Collect collect;
  std::string line;
  while (std::getline(in, line)) {
    line.append(h2s::feeds::kLinePadding, ' ');
    decoder.decode({line.data(), line.size() - h2s::feeds::kLinePadding}, h2s::kNoTime, collect);
  }
  return std::move(collect.stories);
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void row(const char* what, const h2s::metrics::Histogram& h) {
  std::printf("    %-14s p50 %7llu  p99 %7llu  p99.9 %7llu  max %8llu ns   %10.0f stories/s\n", what,
              static_cast<unsigned long long>(h.percentile(0.5)), static_cast<unsigned long long>(h.percentile(0.99)),
              static_cast<unsigned long long>(h.percentile(0.999)), static_cast<unsigned long long>(h.max()),
              h.mean() > 0 ? 1e9 / h.mean() : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes{0, 1000, 10000};
  int rounds = 200;
  std::string feed = std::string(H2S_SOURCE_DIR) + "/feeds/samples/sample_feed.ndjson";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--patterns")) {
      sizes.clear();
      std::stringstream list(argv[i + 1]);
      for (std::string item; std::getline(list, item, ',');) sizes.push_back(std::stoul(item));
    } else if (!std::strcmp(argv[i], "--rounds")) {
      rounds = std::stoi(argv[i + 1]);
    } else if (!std::strcmp(argv[i], "--feed")) {
      feed = argv[i + 1];
    }
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  (void)sched_setaffinity(0, sizeof set, &set);  // pinned: less migration noise

  const auto stories = load_stories(feed);
  const std::filesystem::path default_pack = std::string(H2S_SOURCE_DIR) + "/rules/default";
  std::printf("bench_rules: %zu stories from %s, %d rounds, pinned to CPU 0\n", stories.size(), feed.c_str(), rounds);
  for (const std::size_t extra : sizes) {
    const auto scratch = std::filesystem::temp_directory_path() / ("h2s-bench-pack-" + std::to_string(::getpid()));
    std::filesystem::path pack_path = default_pack;
    if (extra > 0) {
      h2s::perf::generate_pack(default_pack, scratch / "pack", extra);
      pack_path = scratch / "pack";
    }
    h2s::rules::CompileOptions cached;
    cached.cache_dir = scratch / "cache";
    const auto pack = h2s::rules::CompiledPack::load(pack_path, cached);
    const auto reloaded = h2s::rules::CompiledPack::load(pack_path, cached);
    std::printf("\n  pack: default + %zu generated patterns = %zu patterns, %zu rules\n", extra, pack->stats().patterns,
                pack->stats().rules);
    std::printf("    compile %.1f ms, database %.2f MB, load from cache %.1f ms\n", pack->stats().compile_ms,
                static_cast<double>(pack->stats().database_bytes) / 1e6, reloaded->stats().compile_ms);

    h2s::rules::Matcher matcher(pack);
    h2s::scoring::Scorer scorer;
    auto match = std::make_unique<h2s::rules::MatchResult>();
    auto score = std::make_unique<h2s::scoring::ScoreResult>();
    h2s::metrics::Histogram scan, scan_score;
    std::size_t matched = 0;
    for (int r = -1; r < rounds; ++r) {  // round -1 warms caches and branch predictors
      for (const OwnedStory& s : stories) {
        const std::int64_t t0 = now_ns();
        (void)matcher.match(s.story, *match);
        const std::int64_t t1 = now_ns();
        scorer.score(s.story, *match, *pack, *score);
        const std::int64_t t2 = now_ns();
        if (r < 0) {
          matched += match->rule_count > 0 ? 1 : 0;
          continue;
        }
        scan.record(static_cast<std::uint64_t>(t1 - t0));
        scan_score.record(static_cast<std::uint64_t>(t2 - t0));
      }
    }
    std::printf("    %zu of %zu stories match a rule\n", matched, stories.size());
    row("scan", scan);
    row("scan+score", scan_score);
    std::error_code ec;
    std::filesystem::remove_all(scratch, ec);
  }
  return 0;
}
