// Live reload under load: a processor replays the sample feed in a loop while another thread swaps
// rule packs in repeatedly, broken ones included. Every message must be processed exactly once.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "h2s/perf/pack_generator.hpp"
#include "h2s/pipeline/processor.hpp"
#include "h2s/pipeline/background_reloader.hpp"
#include "counting_signal_sink.hpp"
#include "test_paths.hpp"

namespace {

using h2s::test::CountingSink;

std::string read_feed() {
  std::ifstream in(h2s::test::sample_feed(), std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("Rule packs swap in between lines while a replay runs, broken packs are refused") {
  h2s::test::TempDir dir;
  const auto default_pack = h2s::test::default_rules();
  h2s::perf::generate_pack(default_pack, dir.path() / "bigger", 100);
  // Small, so its failed compile (never cached) is quick even under the sanitizers' allocator.
  std::filesystem::create_directories(dir.path() / "broken");
  for (const char* file : {"00_topics.toml", "01_entities.toml"}) {
    std::filesystem::copy(default_pack / file, dir.path() / "broken" / file);
  }
  dir.write("broken/99_bad.toml", "[[rule]]\nid = \"bad\"\ntopic = \"nvda.gpu\"\ntickers = [\"NVDA\"]\npatterns = ['(unclosed']\n");
  h2s::rules::CompileOptions options;
  // The run's shared cache when there is one (the sanitizer jobs set it), else a private one.
  if (std::getenv("H2S_RULES_CACHE_DIR") == nullptr) options.cache_dir = dir.path() / "cache";

  std::string feed = read_feed();
  const std::size_t feed_size = feed.size();
  feed.append(h2s::feeds::kLinePadding, ' ');

  // One pass without reloads gives the per-pass message count.
  std::uint64_t per_pass = 0;
  {
    h2s::pipeline::PipelineCounters counters;
    CountingSink sink;
    h2s::pipeline::Processor processor({}, h2s::rules::CompiledPack::load(default_pack, options), sink, counters);
    processor.on_stream_bytes({feed.data(), feed_size});
    processor.on_end_of_stream();
    per_pass = counters.messages.get();
  }
  REQUIRE(per_pass > 200);

  h2s::pipeline::PipelineCounters counters;
  CountingSink sink;
  h2s::pipeline::ProcessorConfig config;
  config.scoring.dedup_window_us = 0;  // every pass is news again, so every pass is scanned
  h2s::pipeline::Processor processor(config, h2s::rules::CompiledPack::load(default_pack, options), sink, counters);
  h2s::pipeline::BackgroundReloader reloader(default_pack, options, processor.rule_swap());

  // Warm the disk cache so reloads take milliseconds and many land during the replay.
  (void)h2s::rules::CompiledPack::load(dir.path() / "bigger", options);

  std::atomic<bool> stop{false};
  std::atomic<int> passes{0};
  std::thread replay([&] {
    while (!stop.load()) {
      for (std::size_t at = 0; at < feed_size; at += 4096) {
        processor.on_stream_bytes({feed.data() + at, std::min<std::size_t>(4096, feed_size - at)});
      }
      processor.on_end_of_stream();
      passes.fetch_add(1);
    }
  });
  int attempts = 0, refused = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  // Four of each pack at least, over three whole passes at least (fewer only at the deadline).
  while ((attempts < 12 || passes.load() < 3) && std::chrono::steady_clock::now() < deadline) {
    const int which = attempts++ % 3;
    reloader.set_pack(which == 0 ? dir.path() / "bigger" : which == 1 ? dir.path() / "broken" : default_pack);
    reloader.request();
    const auto result = reloader.wait_result(std::chrono::seconds(120));
    REQUIRE(result.has_value());
    if (which == 1) {
      REQUIRE_FALSE(result->swapped);
      CHECK_THAT(result->error, Catch::Matchers::Contains("99_bad.toml:5"));
      ++refused;
    } else {
      REQUIRE(result->swapped);
    }
  }
  stop = true;
  replay.join();
  INFO("passes " << passes.load() << ", reload attempts " << attempts);

  CHECK(counters.messages.get() == per_pass * static_cast<std::uint64_t>(passes.load()));  // none lost or doubled
  CHECK(counters.balanced());
  CHECK(reloader.failed() == static_cast<std::uint64_t>(refused));
  CHECK(reloader.succeeded() >= 1);
  CHECK(counters.rule_swaps.get() >= 5);
  CHECK(counters.rule_swaps.get() <= reloader.succeeded());
  CHECK(sink.signals == counters.signals.get());
}

TEST_CASE("Only the newest offered pack goes live, older queued offers are retired unused") {
  h2s::test::TempDir dir;
  auto pack_with = [&](const std::string& id) {
    const auto path = dir.path() / id;
    std::filesystem::create_directories(path);
    std::ofstream(path / "p.toml") << "[[topic]]\nid = \"t\"\nside = \"sentiment\"\n[[entity]]\nticker = \"X\"\n"
                                   << "[[rule]]\nid = \"" << id << "\"\ntopic = \"t\"\ntickers = [\"X\"]\npatterns = ['\\bword\\b']\n";
    return std::make_unique<h2s::rules::Matcher>(h2s::rules::CompiledPack::load(path));
  };
  h2s::pipeline::RuleSwap swap;
  std::unique_ptr<h2s::rules::Matcher> current = pack_with("first");
  for (const char* id : {"second", "third", "fourth"}) {
    auto next = pack_with(id);
    REQUIRE(swap.offer(next));
  }
  CHECK(swap.take(current));
  CHECK(current->pack().rules().at(0).id == "fourth");
  CHECK(swap.swaps() == 1);
  CHECK_FALSE(swap.take(current));  // nothing new
  swap.collect();                   // the reloader frees the retired ones
}
