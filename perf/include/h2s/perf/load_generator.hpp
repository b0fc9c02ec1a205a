#pragma once
// Seeded newswire traffic in every vendor format: the bundled feed's headlines (so headline length
// and topic mix are the sample's), with a chosen share of matching stories, cross-wire duplicates
// and revisions. The same seed and options give the same bytes.
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "h2s/model/story.hpp"
#include "h2s/rules/compiled_pack.hpp"

namespace h2s::perf {

// One story of the corpus the generator draws from.
struct CorpusStory {
  std::string headline;
  std::string summary;
  std::string body;  // plain text; vendors that carry HTML get it wrapped in <p>
  std::vector<std::string> tickers;
  bool matching = false;  // fires at least one rule of the pack the corpus was classified with
};

// The distinct new stories of a recorded feed, each classified against `pack`.
[[nodiscard]] std::vector<CorpusStory> load_corpus(const std::filesystem::path& feed, const rules::CompiledPack& pack);

struct LoadOptions {
  std::uint64_t seed = 1;
  double matching_share = -1;   // share of new stories drawn from matching ones; < 0: the corpus's own
  double duplicate_share = 0.05;  // a recent story again, new id, another vendor (another wire)
  double revision_share = 0.05;   // a recent story again, same id, updated text and time
  std::vector<Vendor> vendors{Vendor::alpaca, Vendor::benzinga, Vendor::finnhub,
                              Vendor::polygon, Vendor::newsapi, Vendor::generic};
  std::int64_t start_us = 1'764'680'000'000'000;  // 2025-12-02T12:53:20Z
  // Vendor time between messages. A minute keeps a corpus headline's next appearance outside the
  // scorer's duplicate and story-chain windows, so new stories are scored as new.
  std::int64_t spacing_us = 60'000'000;
};

enum class MessageKind : std::uint8_t { fresh, duplicate, revision };

struct GeneratedMessage {
  MessageKind kind = MessageKind::fresh;
  Vendor vendor = Vendor::unknown;
  bool matching = false;
  std::string story_id;  // as h2s's decoder will report it
};

class LoadGenerator {
 public:
  LoadGenerator(std::vector<CorpusStory> corpus, LoadOptions options);  // throws on an empty pool or bad share

  // Appends one message (one JSON line with its newline) to `out`. Throws once vendor time would
  // pass the present (about 500,000 messages at the default start and spacing).
  GeneratedMessage next(std::string& out);
  // `count` messages as one NDJSON text.
  [[nodiscard]] std::string lines(std::size_t count, std::vector<GeneratedMessage>* meta = nullptr);

  [[nodiscard]] const LoadOptions& options() const noexcept { return options_; }
  [[nodiscard]] double corpus_matching_share() const noexcept;

 private:
  struct Sent {
    std::size_t story;  // corpus index
    Vendor vendor;
    std::uint64_t number;  // numeric id
    std::uint32_t revision;
    std::int64_t published_us;
  };
  std::size_t draw(std::vector<std::size_t>& deck, std::size_t& at);
  void write(std::string& out, const Sent& sent, std::int64_t now_us, std::string& story_id);

  std::vector<CorpusStory> corpus_;
  LoadOptions options_;
  std::mt19937_64 rng_;
  std::int64_t latest_us_;  // the present when the generator was made: no message is dated later
  std::vector<std::size_t> matching_deck_, other_deck_;
  std::size_t matching_at_ = 0, other_at_ = 0;
  std::vector<Sent> recent_;  // the last few new stories, for duplicates and revisions
  std::uint64_t next_number_ = 0;
  std::uint64_t sequence_ = 0;
};

}  // namespace h2s::perf
