#include "baselines_bench.hpp"

#include <algorithm>
#include <fstream>
#include <string>
#include <tuple>

#include "h2s/baselines/nlohmann_decoder.hpp"
#include "h2s/baselines/std_regex_matcher.hpp"
#include "h2s/feeds/decoder.hpp"
#include "h2s/rules/matcher.hpp"
#include "h2s/scoring/scorer.hpp"
#include "child_process.hpp"
#include "stage_bench.hpp"

namespace h2s::perf {
namespace {

constexpr std::size_t kInterleaveBlock = 250;  // messages (or stories) per turn
constexpr std::size_t kRewarm = 50;            // of which re-run unmeasured first, to warm the caches

using RuleSets = std::vector<std::pair<std::string, std::vector<std::string>>>;  // story id, fired rule ids
using StoryKey = std::tuple<std::string, std::string, std::string, std::string, std::string, std::int64_t,
                            std::int64_t, std::uint64_t, int>;

StoryKey key_of(const Story& s) {
  std::string tickers;
  for (std::uint8_t i = 0; i < s.ticker_count; ++i) tickers += std::string(s.tickers[i].view()) + ",";
  return {std::string(s.id), std::string(s.headline), std::string(s.summary), std::string(s.body), tickers,
          s.ts_source_us, s.ts_updated_us, s.revision, static_cast<int>(s.action)};
}

std::vector<std::string> fired(const rules::MatchResult& m, const rules::CompiledPack& pack) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < m.rule_count; ++i) ids.push_back(pack.rules()[m.rules[i].rule].id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// decode -> match -> admit/score per message, whatever decoder and matcher: the pipeline a
// baseline swaps one library into. Records each story's fired rules and decoded fields.
template <class Matcher>
class PipelineSink final : public feeds::DecodeSink {
 public:
  PipelineSink(Matcher& matcher, const rules::CompiledPack& pack) : matcher_(matcher), pack_(pack) {}
  void on_story(const Story& s) noexcept override {
    try {
      (void)matcher_.match(s, *match_);
    } catch (const std::exception&) {  // std::regex gave up (complexity, stack): the comparison is void
      ++errors;
      match_->rule_count = 0;
    }
    if (scorer_->admit(s, s.ts_recv_us, *score_)) scorer_->score(s, *match_, pack_, *score_);
    if (record) {
      rule_sets.emplace_back(std::string(s.id), fired(*match_, pack_));
      stories.push_back(key_of(s));
    }
  }
  void on_rejected(Status) noexcept override {}
  void on_control(h2s::ControlReason) noexcept override {}
  void reset() { scorer_ = std::make_unique<scoring::Scorer>(); }

  bool record = false;
  std::size_t errors = 0;
  RuleSets rule_sets;
  std::vector<StoryKey> stories;

 private:
  Matcher& matcher_;
  const rules::CompiledPack& pack_;
  std::unique_ptr<scoring::Scorer> scorer_ = std::make_unique<scoring::Scorer>();
  std::unique_ptr<rules::MatchResult> match_ = std::make_unique<rules::MatchResult>();
  std::unique_ptr<scoring::ScoreResult> score_ = std::make_unique<scoring::ScoreResult>();
};

class NullSink final : public feeds::DecodeSink {
 public:
  void on_story(const Story&) noexcept override {}
  void on_rejected(Status) noexcept override {}
  void on_control(h2s::ControlReason) noexcept override {}
};

std::size_t mismatches(const RuleSets& a, const RuleSets& b) {
  std::size_t differ = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) differ += a[i] != b[i] ? 1 : 0;
  return differ;
}

std::size_t stories_with_matches(const RuleSets& sets) {
  return static_cast<std::size_t>(std::count_if(sets.begin(), sets.end(), [](const auto& s) { return !s.second.empty(); }));
}

nlohmann::json comparison(const Figures& h2s, const Figures& baseline, const RuleSets& expected, const RuleSets& got) {
  const std::size_t differ = mismatches(expected, got);
  const auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  return {{"baseline", baseline.name},
          {"against", h2s.name},
          {"speedup_p50", ratio(static_cast<double>(baseline.ns.percentile(0.5)), static_cast<double>(h2s.ns.percentile(0.5)))},
          {"speedup_p99", ratio(static_cast<double>(baseline.ns.percentile(0.99)), static_cast<double>(h2s.ns.percentile(0.99)))},
          {"speedup_throughput", ratio(h2s.items_per_second(), baseline.items_per_second())},
          {"stories_compared", expected.size()},
          {"stories_matching", stories_with_matches(expected)},
          {"match_mismatches", differ},
          {"void", differ != 0}};
}

const char* kind_name(rules::PatternRef::Kind kind) {
  using Kind = rules::PatternRef::Kind;
  switch (kind) {
    case Kind::rule: return "rule";
    case Kind::requires_any: return "requires_any";
    case Kind::rule_exclude: return "rule_exclude";
    case Kind::entity_name: return "entity_name";
    case Kind::entity_exclude: return "entity_exclude";
    case Kind::lexicon: return "lexicon";
    case Kind::event: return "event";
  }
  return "?";
}

// The compiled pack as the Python baseline reads it: each pattern exactly as Hyperscan got it.
void write_pack_json(const rules::CompiledPack& pack, const std::filesystem::path& path) {
  nlohmann::json patterns = nlohmann::json::array(), rule_list = nlohmann::json::array();
  for (std::uint32_t id = 0; id < pack.patterns().size(); ++id) {
    const rules::PatternRef& ref = pack.patterns()[id];
    double weight = 0;
    if (ref.kind == rules::PatternRef::Kind::lexicon) {
      const rules::LexiconTerm& term = pack.term(ref.owner);
      if (term.kind == rules::LexiconKind::sentiment) weight = term.weight;
    } else if (ref.kind == rules::PatternRef::Kind::event) {
      const rules::Event& event = pack.event(ref.owner);
      weight = event.kind == rules::EventKind::company ? event.roles[0] : event.direction;
    }
    patterns.push_back({{"expression", pack.expression(id)},
                        {"caseless", pack.caseless(id)},
                        {"kind", kind_name(ref.kind)},
                        {"owner", ref.owner},
                        {"weight", weight}});
  }
  for (const rules::CompiledRule& r : pack.rules()) rule_list.push_back({{"id", r.id}, {"has_requires", r.has_requires}});
  std::ofstream(path) << nlohmann::json{{"patterns", patterns}, {"rules", rule_list}}.dump();
}

std::optional<Figures> run_python(const rules::CompiledPack& pack, const Workload& w, const BaselineOptions& o,
                                  RuleSets& rule_sets, std::string& error) {
  const auto pack_json = o.scratch / "pack.json", feed = o.scratch / "python_feed.ndjson", out = o.scratch / "python.json";
  write_pack_json(pack, pack_json);
  std::ofstream(feed, std::ios::binary) << std::string_view(w.text.data(), w.bytes);
  ChildProcess python({"python3", o.python_script.string(), "--pack", pack_json.string(), "--feed", feed.string(), "--out",
                      out.string()},
                     o.scratch / "python.log");
  if (const int status = python.wait(std::chrono::minutes(10)); status != 0) {
    error = "python3 " + o.python_script.string() + (status < 0 ? " did not finish within 10 min" : " failed") +
            "; its log: " + (o.scratch / "python.log").string();
    return std::nullopt;
  }
  const nlohmann::json result = nlohmann::json::parse(std::ifstream(out));
  Figures f;
  f.name = "python json+re";
  f.bytes = w.bytes;
  double total_ns = 0;
  for (const auto& ns : result["per_message_ns"]) {
    f.ns.record(ns.get<std::uint64_t>());
    total_ns += ns.get<double>();
    ++f.items;
  }
  f.seconds = total_ns / 1e9;
  for (const auto& m : result["matches"]) rule_sets.emplace_back(m[0].get<std::string>(), m[1].get<std::vector<std::string>>());
  return f;
}


}  // namespace

BaselineResults run_baselines(const std::shared_ptr<const rules::CompiledPack>& pack, const Workload& w,
                              const BaselineOptions& options, InstructionCounter& counter) {
  BaselineResults r;
  r.comparisons = nlohmann::json::array();
  feeds::Decoder simdjson_decoder;
  baselines::NlohmannDecoder nlohmann_decoder;
  rules::Matcher hyperscan(pack);
  baselines::StdRegexMatcher std_regex(pack);
  PipelineSink<rules::Matcher> h2s_sink(hyperscan, *pack), json_sink(hyperscan, *pack);
  PipelineSink<baselines::StdRegexMatcher> regex_sink(std_regex, *pack);

  // A recording pass each (what it decoded and which rules fired), which is also the warm-up.
  h2s_sink.record = regex_sink.record = json_sink.record = true;
  for (auto* sink : std::initializer_list<feeds::DecodeSink*>{&h2s_sink, &regex_sink}) {
    for (const std::string_view line : w.lines) simdjson_decoder.decode(line, kNoTime, *sink);
  }
  for (const std::string_view line : w.lines) nlohmann_decoder.decode(line, kNoTime, json_sink);
  const RuleSets h2s_sets = std::move(h2s_sink.rule_sets), regex_sets = std::move(regex_sink.rule_sets),
                 json_sets = std::move(json_sink.rule_sets);
  h2s_sink.record = regex_sink.record = json_sink.record = false;
  h2s_sink.reset();
  regex_sink.reset();
  json_sink.reset();

  // Measured with the pipelines taking turns, a block of messages each, so a noisy stretch of the
  // machine falls on h2s and its baselines alike; blocks (not single messages) so that no one runs
  // on caches the other just flushed.
  const auto blocks = [](std::size_t count, auto&& each_block) {
    for (std::size_t from = 0; from < count; from += kInterleaveBlock) each_block(from, std::min(count, from + kInterleaveBlock));
  };
  // Before its turn, a pipeline re-warms on a few messages through a scorer of its own.
  PipelineSink<rules::Matcher> h2s_warm(hyperscan, *pack), json_warm(hyperscan, *pack);
  PipelineSink<baselines::StdRegexMatcher> regex_warm(std_regex, *pack);
  NullSink sink;
  const auto warm = [&](std::size_t from, std::size_t to, auto&& one) {
    for (std::size_t i = from; i < std::min(to, from + kRewarm); ++i) one(i);
  };
  Figures h2s{.name = "h2s decode+match+score", .bytes = w.bytes};
  Figures regex{.name = "std::regex pipeline", .bytes = w.bytes};
  Figures json{.name = "nlohmann::json pipeline", .bytes = w.bytes};
  {
    Meter h2s_meter(h2s, counter), regex_meter(regex, counter), json_meter(json, counter);
    blocks(w.lines.size(), [&](std::size_t from, std::size_t to) {
      warm(from, to, [&](std::size_t i) { simdjson_decoder.decode(w.lines[i], kNoTime, h2s_warm); });
      for (std::size_t i = from; i < to; ++i) h2s_meter.item([&] { simdjson_decoder.decode(w.lines[i], kNoTime, h2s_sink); });
      warm(from, to, [&](std::size_t i) { simdjson_decoder.decode(w.lines[i], kNoTime, regex_warm); });
      for (std::size_t i = from; i < to; ++i) regex_meter.item([&] { simdjson_decoder.decode(w.lines[i], kNoTime, regex_sink); });
      warm(from, to, [&](std::size_t i) { nlohmann_decoder.decode(w.lines[i], kNoTime, json_warm); });
      for (std::size_t i = from; i < to; ++i) json_meter.item([&] { nlohmann_decoder.decode(w.lines[i], kNoTime, json_sink); });
    });
    h2s_meter.finish();
    regex_meter.finish();
    json_meter.finish();
  }
  // Stage against stage, the library swapped and nothing else, interleaved the same way.
  Figures hs_match{.name = "h2s match (Hyperscan)", .unit = "story"};
  Figures regex_match{.name = "std::regex match", .unit = "story"};
  {
    const std::deque<OwnedStory> stories = decode_stories(w);
    auto match = std::make_unique<rules::MatchResult>();
    Meter hs_meter(hs_match, counter), regex_meter(regex_match, counter);
    blocks(stories.size(), [&](std::size_t from, std::size_t to) {
      warm(from, to, [&](std::size_t i) { (void)hyperscan.match(stories[i].story, *match); });
      for (std::size_t i = from; i < to; ++i) hs_meter.item([&] { (void)hyperscan.match(stories[i].story, *match); });
      warm(from, to, [&](std::size_t i) { (void)std_regex.match(stories[i].story, *match); });
      for (std::size_t i = from; i < to; ++i) regex_meter.item([&] { (void)std_regex.match(stories[i].story, *match); });
    });
    hs_meter.finish();
    regex_meter.finish();
  }
  Figures simdjson_decode{.name = "h2s decode (simdjson)", .bytes = w.bytes};
  Figures json_decode{.name = "nlohmann::json decode", .bytes = w.bytes};
  {
    Meter simdjson_meter(simdjson_decode, counter), json_meter(json_decode, counter);
    blocks(w.lines.size(), [&](std::size_t from, std::size_t to) {
      warm(from, to, [&](std::size_t i) { simdjson_decoder.decode(w.lines[i], kNoTime, sink); });
      for (std::size_t i = from; i < to; ++i) simdjson_meter.item([&] { simdjson_decoder.decode(w.lines[i], kNoTime, sink); });
      warm(from, to, [&](std::size_t i) { nlohmann_decoder.decode(w.lines[i], kNoTime, sink); });
      for (std::size_t i = from; i < to; ++i) json_meter.item([&] { nlohmann_decoder.decode(w.lines[i], kNoTime, sink); });
    });
    simdjson_meter.finish();
    json_meter.finish();
  }
  for (const Figures* f : {&h2s, &hs_match, &regex_match, &simdjson_decode, &json_decode, &regex, &json}) r.rows.push_back(*f);

  nlohmann::json regex_cmp = comparison(h2s, regex, h2s_sets, regex_sets);
  regex_cmp["regex_errors"] = regex_sink.errors + regex_warm.errors;
  if (regex_sink.errors + regex_warm.errors != 0) regex_cmp["void"] = true;
  regex_cmp["stage"] = comparison(hs_match, regex_match, h2s_sets, regex_sets)["speedup_p50"];
  r.comparisons.push_back(regex_cmp);
  nlohmann::json json_cmp = comparison(h2s, json, h2s_sets, json_sets);
  json_cmp["stage"] = comparison(simdjson_decode, json_decode, h2s_sets, json_sets)["speedup_p50"];
  std::size_t field_differences = h2s_sink.stories.size() > json_sink.stories.size()
                                      ? h2s_sink.stories.size() - json_sink.stories.size()
                                      : json_sink.stories.size() - h2s_sink.stories.size();
  for (std::size_t i = 0; i < std::min(h2s_sink.stories.size(), json_sink.stories.size()); ++i) {
    field_differences += h2s_sink.stories[i] != json_sink.stories[i] ? 1 : 0;
  }
  json_cmp["story_field_mismatches"] = field_differences;
  if (field_differences != 0) json_cmp["void"] = true;
  r.comparisons.push_back(json_cmp);

  if (!options.python_script.empty()) {  // a process of its own: measured after, not interleaved
    RuleSets python_sets;
    std::string error;
    if (const std::optional<Figures> python = run_python(*pack, w, options, python_sets, error)) {
      r.rows.push_back(*python);
      r.comparisons.push_back(comparison(h2s, *python, h2s_sets, python_sets));
    } else {
      r.comparisons.push_back({{"baseline", "python json+re"}, {"error", error}, {"void", true}});
    }
  }
  return r;
}

}  // namespace h2s::perf
