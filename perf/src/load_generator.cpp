#include "h2s/perf/load_generator.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <stdexcept>
#include <unordered_set>

#include "h2s/feeds/decoder.hpp"
#include "h2s/feeds/newsapi_decoder.hpp"
#include "h2s/model/json_string.hpp"
#include "h2s/rules/matcher.hpp"

namespace h2s::perf {
namespace {

constexpr std::size_t kRecent = 8;  // duplicates and revisions follow their story closely, as on a wire

class CorpusCollector final : public feeds::DecodeSink {
 public:
  CorpusCollector(rules::Matcher& matcher, std::vector<CorpusStory>& out) : matcher_(matcher), out_(out) {}
  void on_story(const Story& s) noexcept override {
    if (s.action != StoryAction::created || s.headline.empty() || !seen_.emplace(s.headline).second) return;
    CorpusStory& c = out_.emplace_back();
    c.headline = s.headline;
    c.summary = s.summary;
    c.body = s.body;
    for (std::uint8_t i = 0; i < s.ticker_count; ++i) c.tickers.emplace_back(s.tickers[i].view());
    (void)matcher_.match(s, *match_);
    c.matching = match_->rule_count > 0;
  }
  void on_rejected(Status) noexcept override {}
  void on_control(h2s::ControlReason) noexcept override {}

 private:
  rules::Matcher& matcher_;
  std::vector<CorpusStory>& out_;
  std::unordered_set<std::string> seen_;
  std::unique_ptr<rules::MatchResult> match_ = std::make_unique<rules::MatchResult>();
};

void append_key(std::string& out, const char* key, std::string_view value) {
  out += '"';
  out += key;
  out += "\":";
  append_json_string(out, value);
}

std::string utc(std::int64_t us, const char* format) {
  const std::time_t seconds = us / 1'000'000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[48];
  std::strftime(text, sizeof text, format, &tm);
  return text;
}

std::string iso8601(std::int64_t us) { return utc(us, "%Y-%m-%dT%H:%M:%SZ"); }
std::string rfc2822(std::int64_t us) { return utc(us, "%a, %d %b %Y %H:%M:%S +0000"); }

// Text as HTML: the vendors that send markup escape what would read as markup.
std::string html_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out += c;
  }
  return out;
}

std::string ticker_array(const std::vector<std::string>& tickers) {
  std::string out = "[";
  for (std::size_t i = 0; i < tickers.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, tickers[i]);
  }
  return out + "]";
}

bool carries_revisions(Vendor v) {
  return v == Vendor::alpaca || v == Vendor::benzinga || v == Vendor::generic;
}

}  // namespace

std::vector<CorpusStory> load_corpus(const std::filesystem::path& feed, const rules::CompiledPack& pack) {
  std::ifstream in(feed);
  if (!in) throw std::runtime_error("cannot read the corpus feed " + feed.string());
  auto shared = std::shared_ptr<const rules::CompiledPack>(&pack, [](const rules::CompiledPack*) {});
  rules::Matcher matcher(shared);
  std::vector<CorpusStory> corpus;
  CorpusCollector collect(matcher, corpus);
  feeds::Decoder decoder;
  for (std::string line; std::getline(in, line);) {
    const std::size_t size = line.size();
    line.append(feeds::kLinePadding, ' ');
    decoder.decode({line.data(), size}, kNoTime, collect);
  }
  return corpus;
}

LoadGenerator::LoadGenerator(std::vector<CorpusStory> corpus, LoadOptions options)
    : corpus_(std::move(corpus)),
      options_(std::move(options)),
      rng_(options_.seed),
      latest_us_(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count()) {
  for (std::size_t i = 0; i < corpus_.size(); ++i) (corpus_[i].matching ? matching_deck_ : other_deck_).push_back(i);
  if (options_.vendors.empty()) throw std::invalid_argument("load generator: no vendor formats chosen");
  for (const double share : {options_.duplicate_share, options_.revision_share}) {
    if (!(share >= 0 && share <= 1)) throw std::invalid_argument("load generator: shares must be within [0, 1]");
  }
  if (options_.duplicate_share + options_.revision_share > 1) {
    throw std::invalid_argument("load generator: duplicate and revision shares add up to more than 1");
  }
  if (options_.matching_share < 0) options_.matching_share = corpus_matching_share();
  if (options_.matching_share > 1) throw std::invalid_argument("load generator: matching share above 1");
  if ((options_.matching_share > 0 && matching_deck_.empty()) || (options_.matching_share < 1 && other_deck_.empty())) {
    throw std::invalid_argument("load generator: the corpus has no stories for the requested matching share");
  }
  std::shuffle(matching_deck_.begin(), matching_deck_.end(), rng_);
  std::shuffle(other_deck_.begin(), other_deck_.end(), rng_);
}

double LoadGenerator::corpus_matching_share() const noexcept {
  return corpus_.empty() ? 0 : static_cast<double>(matching_deck_.size()) / static_cast<double>(corpus_.size());
}

// Deals a deck in order and reshuffles it when spent, so a story returns only after all the others.
std::size_t LoadGenerator::draw(std::vector<std::size_t>& deck, std::size_t& at) {
  if (at == deck.size()) {
    const std::size_t last = deck.back();
    std::shuffle(deck.begin(), deck.end(), rng_);
    if (deck.size() > 1 && deck.front() == last) std::swap(deck.front(), deck[deck.size() / 2]);
    at = 0;
  }
  return deck[at++];
}

GeneratedMessage LoadGenerator::next(std::string& out) {
  const std::int64_t now_us = options_.start_us + static_cast<std::int64_t>(sequence_++) * options_.spacing_us;
  // h2s rejects vendor times more than a day ahead of its clock: a workload must stay in the past.
  if (now_us > latest_us_) {
    throw std::runtime_error("load generator: message " + std::to_string(sequence_) +
                             " would be dated in the future; lower spacing_us or start_us");
  }
  std::uniform_real_distribution<double> unit(0, 1);
  const double roll = unit(rng_);
  GeneratedMessage message;
  Sent sent{};
  if (!recent_.empty() && roll < options_.duplicate_share) {
    const Sent& original = recent_[rng_() % recent_.size()];
    sent = original;
    sent.number = ++next_number_;
    sent.revision = 1;
    sent.published_us = now_us;
    if (std::any_of(options_.vendors.begin(), options_.vendors.end(), [&](Vendor v) { return v != original.vendor; })) {
      do sent.vendor = options_.vendors[rng_() % options_.vendors.size()]; while (sent.vendor == original.vendor);
    }
    message.kind = MessageKind::duplicate;
  } else if (!recent_.empty() && roll < options_.duplicate_share + options_.revision_share &&
             std::any_of(recent_.begin(), recent_.end(), [](const Sent& s) { return carries_revisions(s.vendor); })) {
    Sent* original = nullptr;
    do original = &recent_[rng_() % recent_.size()]; while (!carries_revisions(original->vendor));
    ++original->revision;
    sent = *original;
    message.kind = MessageKind::revision;
  } else {
    const bool matching = unit(rng_) < options_.matching_share;
    sent.story = matching ? draw(matching_deck_, matching_at_) : draw(other_deck_, other_at_);
    sent.vendor = options_.vendors[rng_() % options_.vendors.size()];
    sent.number = ++next_number_;
    sent.revision = 1;
    sent.published_us = now_us;
    if (recent_.size() == kRecent) recent_.erase(recent_.begin());
    recent_.push_back(sent);
  }
  message.vendor = sent.vendor;
  message.matching = corpus_[sent.story].matching;
  write(out, sent, now_us, message.story_id);
  return message;
}

void LoadGenerator::write(std::string& out, const Sent& s, std::int64_t now_us, std::string& story_id) {
  const CorpusStory& c = corpus_[s.story];
  const bool revised = s.revision > 1;
  // A revision adds a sentence, as wires do when they update a story.
  std::string summary = c.summary;
  if (revised) summary += (summary.empty() ? "" : " ") + std::string("Updated with additional details (revision ") +
                          std::to_string(s.revision) + ").";
  const std::string html = c.body.empty() ? std::string() : "<p>" + html_escape(c.body) + "</p>";
  const std::string number = std::to_string(1'000'000'000 + s.number);
  switch (s.vendor) {
    case Vendor::alpaca:
      story_id = number;
      out += "[{\"T\":\"n\",\"id\":" + number + ",";
      append_key(out, "headline", c.headline);
      out += ',';
      append_key(out, "summary", summary);
      out += ",\"author\":\"Benzinga Newsdesk\",\"created_at\":\"" + iso8601(s.published_us) + "\",\"updated_at\":\"" +
             iso8601(now_us) + "\",\"url\":\"https://www.benzinga.com/news/" + number + "\",";
      append_key(out, "content", html);
      out += ",\"symbols\":" + ticker_array(c.tickers) + ",\"source\":\"benzinga\"}]\n";
      break;
    case Vendor::benzinga: {
      story_id = number;
      out += "{\"api_version\":\"websocket/v1\",\"kind\":\"News/v1\",\"data\":{\"action\":\"";
      out += revised ? "Updated" : "Created";
      out += "\",\"id\":" + number + ",\"content\":{\"id\":" + number + ",\"revision_id\":" + std::to_string(s.revision) +
             ",\"type\":\"story\",\"created_at\":\"" + rfc2822(s.published_us) + "\",\"updated_at\":\"" + rfc2822(now_us) +
             "\",";
      append_key(out, "title", c.headline);
      out += ',';
      append_key(out, "teaser", summary);
      out += ',';
      append_key(out, "body", html);
      out += ",\"authors\":[\"Benzinga Newsdesk\"],\"securities\":[";
      for (std::size_t i = 0; i < c.tickers.size(); ++i) {
        if (i) out += ',';
        out += "{\"symbol\":";
        append_json_string(out, c.tickers[i]);
        out += ",\"exchange\":\"NASDAQ\",\"primary\":true}";
      }
      out += "],\"channels\":[{\"name\":\"News\"}]},\"timestamp\":\"" + iso8601(now_us) + "\"}}\n";
      break;
    }
    case Vendor::finnhub: {
      story_id = number;
      std::string related;
      for (std::size_t i = 0; i < c.tickers.size(); ++i) related += (i ? "," : "") + c.tickers[i];
      out += "{\"category\":\"company\",\"datetime\":" + std::to_string(s.published_us / 1'000'000) + ",";
      append_key(out, "headline", c.headline);
      out += ",\"id\":" + number + ",\"image\":\"\",";
      append_key(out, "related", related);
      out += ",\"source\":\"Reuters\",";
      append_key(out, "summary", summary);
      out += ",\"url\":\"https://finnhub.io/api/news?id=" + number + "\"}\n";
      break;
    }
    case Vendor::polygon:
      story_id = "pg-" + number;
      out += "{\"id\":\"" + story_id + "\",\"publisher\":{\"name\":\"GlobeNewswire Inc.\"},";
      append_key(out, "title", c.headline);
      out += ",\"author\":\"Newsdesk\",\"published_utc\":\"" + iso8601(s.published_us) +
             "\",\"article_url\":\"https://www.globenewswire.com/news/" + number + "\",\"tickers\":" + ticker_array(c.tickers) +
             ",";
      append_key(out, "description", summary);
      out += "}\n";
      break;
    case Vendor::newsapi: {
      const std::string url = "https://news.example.com/articles/" + number;
      const std::array<char, feeds::kNewsapiIdBytes> id = feeds::newsapi_id_for_url(url);
      story_id.assign(id.data(), id.size());
      out += "{\"source\":{\"id\":null,\"name\":\"Reuters\"},\"author\":\"Reuters\",";
      append_key(out, "title", c.headline);
      out += ',';
      append_key(out, "description", summary);
      out += ",\"url\":\"" + url + "\",\"publishedAt\":\"" + iso8601(s.published_us) + "\",";
      append_key(out, "content", c.body);
      out += "}\n";
      break;
    }
    case Vendor::generic:
    case Vendor::unknown:
      story_id = "gen-" + number;
      out += "{\"id\":\"" + story_id + "\",";
      append_key(out, "headline", c.headline);
      out += ',';
      append_key(out, "summary", summary);
      out += ',';
      append_key(out, "body", c.body);
      out += ",\"tickers\":" + ticker_array(c.tickers) + ",\"source\":\"Dow Jones\",\"published_at\":\"" +
             iso8601(s.published_us) + "\"";
      if (revised) {
        out += ",\"action\":\"updated\",\"revision\":" + std::to_string(s.revision) + ",\"updated_at\":\"" +
               iso8601(now_us) + "\"";
      }
      out += "}\n";
      break;
  }
}

std::string LoadGenerator::lines(std::size_t count, std::vector<GeneratedMessage>* meta) {
  std::string out;
  out.reserve(count * 600);
  for (std::size_t i = 0; i < count; ++i) {
    GeneratedMessage m = next(out);
    if (meta) meta->push_back(std::move(m));
  }
  return out;
}

}  // namespace h2s::perf
