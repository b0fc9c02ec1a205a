#include "stage_bench.hpp"

#include <simdjson.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "h2s/feeds/decoder.hpp"
#include "h2s/pipeline/processor.hpp"
#include "h2s/pipeline/publisher.hpp"
#include "h2s/publish/signal_feeds.hpp"
#include "h2s/rules/matcher.hpp"
#include "h2s/scoring/scorer.hpp"

namespace h2s::perf {
namespace {

class CountingSink final : public feeds::DecodeSink {
 public:
  std::uint64_t stories = 0, other = 0;
  void on_story(const Story&) noexcept override { ++stories; }
  void on_rejected(Status) noexcept override { ++other; }
  void on_control(h2s::ControlReason) noexcept override { ++other; }
};

// The daemon's outputs: a journal file, a SoupBinTCP server and a MoldUDP64 publisher on loopback.
// The CPU-path rows journal with fsync = none (a write per poll); each policy's cost has its own row.
struct Outputs {
  explicit Outputs(const std::filesystem::path& scratch, publish::FsyncPolicy fsync = publish::FsyncPolicy::none)
      : feeds(options(scratch, fsync)), publisher(nullptr, pipeline::ClockMode::replay, counters, &feeds) {}

  static publish::SignalFeedsOptions options(const std::filesystem::path& scratch, publish::FsyncPolicy fsync) {
    static std::atomic<int> serial{0};
    publish::SignalFeedsOptions o;
    o.journal.file = scratch / ("journal-" + std::to_string(serial++));
    o.journal.fsync = fsync;
    publish::SoupServerOptions soup;
    soup.username = "bench";
    soup.password = "bench";
    o.soup = soup;
    publish::MoldPublisherOptions mold;
    mold.group = "239.255.77.1";
    mold.port = 45678;  // nobody listens: the datagrams are still built and sent
    o.mold = mold;
    return o;
  }

  pipeline::PipelineCounters counters;
  publish::SignalFeeds feeds;
  pipeline::Publisher publisher;
};

nlohmann::json accounting_of(const pipeline::PipelineCounters& c) {
  using scoring::StoryOutcome;
  return {{"messages", c.messages.get()},
          {"stories", c.stories.get()},
          {"control", c.control.get()},
          {"rejected", c.rejected_total()},
          {"signalled", c.outcome(StoryOutcome::signalled)},
          {"event", c.outcome(StoryOutcome::event)},
          {"no_match", c.outcome(StoryOutcome::no_match)},
          {"duplicate", c.outcome(StoryOutcome::duplicate)},
          {"revisions", c.revisions.get()},
          {"signals", c.signals.get()},
          {"published", c.published.get()},
          {"balanced", c.balanced()}};
}

}  // namespace

Figures measure_match(const std::shared_ptr<const rules::CompiledPack>& pack, const std::deque<OwnedStory>& stories,
                      InstructionCounter& counter) {
  rules::Matcher matcher(pack);
  auto match = std::make_unique<rules::MatchResult>();
  for (const OwnedStory& s : stories) (void)matcher.match(s.story, *match);  // warm-up
  Figures f{.name = "match", .unit = "story"};
  Meter meter(f, counter);
  for (const OwnedStory& s : stories) meter.item([&] { (void)matcher.match(s.story, *match); });
  meter.finish();
  return f;
}

Figures measure_fused(const std::shared_ptr<const rules::CompiledPack>& pack, const Workload& workload,
                      const std::filesystem::path& scratch, InstructionCounter& counter, nlohmann::json* accounting) {
  pipeline::ProcessorConfig config;  // replay clock: the recorded (vendor) times drive the scorer
  {
    Outputs warm(scratch);
    pipeline::Processor processor(config, pack, warm.publisher, warm.counters);
    for (const std::string_view line : workload.lines) processor.on_message(line, kNoTime);
  }
  Outputs out(scratch);
  pipeline::Processor processor(config, pack, out.publisher, out.counters);
  Figures f{.name = "fused pipeline", .bytes = workload.bytes};
  Meter meter(f, counter);
  for (const std::string_view line : workload.lines) {
    meter.item([&] {
      processor.on_message(line, kNoTime);
      (void)out.feeds.poll();
    });
  }
  meter.finish();
  if (accounting != nullptr) *accounting = accounting_of(out.counters);
  return f;
}

StageResults run_stages(const std::shared_ptr<const rules::CompiledPack>& pack, const Workload& workload,
                        const std::filesystem::path& scratch, InstructionCounter& counter) {
  StageResults results;

  {  // decode: simdjson On-Demand into a Story, per message
    feeds::Decoder decoder;
    CountingSink sink;
    for (const std::string_view line : workload.lines) decoder.decode(line, kNoTime, sink);
    Figures f{.name = "decode", .bytes = workload.bytes};
    Meter meter(f, counter);
    for (const std::string_view line : workload.lines) meter.item([&] { decoder.decode(line, kNoTime, sink); });
    meter.finish();
    results.stages.push_back(std::move(f));
  }
  {  // decode.validate: the whole-line validation inside decode (simdjson DOM), alone, to show its share
    simdjson::dom::parser validator;
    if (validator.allocate(feeds::DecoderLimits{}.max_message_bytes, feeds::DecoderLimits{}.max_depth)) throw std::bad_alloc();
    std::size_t invalid = 0;
    for (const std::string_view line : workload.lines) invalid += validator.parse(line.data(), line.size(), false).error() ? 1 : 0;
    Figures f{.name = "decode.validate", .bytes = workload.bytes};
    Meter meter(f, counter);
    for (const std::string_view line : workload.lines) {
      meter.item([&] { invalid += validator.parse(line.data(), line.size(), false).error() ? 1 : 0; });
    }
    meter.finish();
    if (invalid == SIZE_MAX) std::abort();  // keeps the parses observable
    results.stages.push_back(std::move(f));
  }

  const std::deque<OwnedStory> stories = decode_stories(workload);
  results.stages.push_back(measure_match(pack, stories, counter));

  std::vector<Signal> signals;
  {  // score: admit (duplicates, revisions) then score, per story, on a fresh scorer
    rules::Matcher matcher(pack);
    auto match = std::make_unique<rules::MatchResult>();
    auto score = std::make_unique<scoring::ScoreResult>();
    const auto run = [&](scoring::Scorer& scorer, Meter* meter) {
      for (const OwnedStory& s : stories) {
        const auto admit_and_score = [&] {
          if (scorer.admit(s.story, s.story.ts_recv_us, *score)) scorer.score(s.story, *match, *pack, *score);
        };
        if (meter == nullptr) {
          (void)matcher.match(s.story, *match);
          admit_and_score();
          continue;
        }
        (void)matcher.match(s.story, *match);  // the score stage's input, outside its meter
        meter->item(admit_and_score);
        signals.insert(signals.end(), score->signals.begin(), score->signals.begin() + score->signal_count);
      }
    };
    {
      auto warm = std::make_unique<scoring::Scorer>();
      run(*warm, nullptr);
    }
    auto scorer = std::make_unique<scoring::Scorer>();
    Figures f{.name = "score", .unit = "story"};
    Meter meter(f, counter);
    run(*scorer, &meter);
    meter.finish();
    results.stages.push_back(std::move(f));
  }

  {  // encode + publish: sequence, journal, SoupBinTCP and MoldUDP64 framing, the datagram sent
    Outputs warm(scratch);
    for (Signal s : signals) {
      warm.publisher.on_signal(s);
      (void)warm.feeds.poll();
    }
    Outputs out(scratch);
    Figures f{.name = "encode+publish", .unit = "signal"};
    Meter meter(f, counter);
    for (Signal& s : signals) {
      meter.item([&] {
        out.publisher.on_signal(s);
        (void)out.feeds.poll();
      });
    }
    meter.finish();
    results.stages.push_back(std::move(f));
  }
  // Each journal durability policy: a group commit of 16 signals (one write; batch adds one
  // fdatasync) per item. Divide by 16 for the cost per signal.
  for (const auto& [policy, name] : {std::pair{publish::FsyncPolicy::none, "publish fsync=none (16 signals)"},
                                     std::pair{publish::FsyncPolicy::interval, "publish fsync=interval (16 signals)"},
                                     std::pair{publish::FsyncPolicy::batch, "publish fsync=batch (16 signals)"}}) {
    Outputs out(scratch, policy);
    Figures f{.name = name, .unit = "group"};
    Meter meter(f, counter);
    for (std::size_t at = 0; at + 16 <= signals.size(); at += 16) {
      meter.item([&] {
        for (std::size_t i = at; i < at + 16; ++i) {
          Signal s = signals[i];
          out.publisher.on_signal(s);
        }
        (void)out.feeds.poll();
      });
    }
    meter.finish();
    results.stages.push_back(std::move(f));
  }

  results.stages.push_back(measure_fused(pack, workload, scratch, counter, &results.accounting));

  {  // replay throughput: the fused pipeline with no clock read per message
    Outputs out(scratch);
    pipeline::Processor processor(pipeline::ProcessorConfig{}, pack, out.publisher, out.counters);
    Figures& f = results.replay = Figures{.name = "replay throughput", .bytes = workload.bytes};
    const std::int64_t start = now_ns();
    for (const std::string_view line : workload.lines) {
      processor.on_message(line, kNoTime);
      (void)out.feeds.poll();
    }
    f.seconds = static_cast<double>(now_ns() - start) / 1e9;
    f.items = workload.lines.size();
    f.ns.record(static_cast<std::uint64_t>(f.seconds * 1e9 / static_cast<double>(f.items ? f.items : 1)));
  }
  return results;
}

}  // namespace h2s::perf
