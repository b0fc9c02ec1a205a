#include "story_dump.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "h2s/model/json_string.hpp"

namespace h2s::tools {
namespace {

void key(std::string& out, std::string_view name) {
  if (out.back() != '{' && out.back() != '[') out += ',';
  append_json_string(out, name);
  out += ':';
}

void integer(std::string& out, std::string_view name, std::int64_t value) {
  key(out, name);
  if (value == kNoTime) {
    out += "null";
  } else {
    out += std::to_string(value);
  }
}

void text(std::string& out, std::string_view name, std::string_view value) {
  key(out, name);
  append_json_string(out, value);
}

template <class Names>
void names(std::string& out, std::string_view name, const Names& list, std::size_t count) {
  key(out, name);
  out += '[';
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) out += ',';
    append_json_string(out, list[i]);
  }
  out += ']';
}

std::string_view action_name(StoryAction a) {
  switch (a) {
    case StoryAction::created: return "created";
    case StoryAction::updated: return "updated";
    case StoryAction::deleted: return "deleted";
  }
  return "created";
}

}  // namespace

StoryDump::StoryDump(const std::string& path) : file_(std::fopen(path.c_str(), "w")) {
  if (file_ == nullptr) throw std::runtime_error("--stories " + path + ": " + std::strerror(errno));
  line_.reserve(1 << 16);
}

StoryDump::~StoryDump() { (void)close(); }

void StoryDump::on_story_outcome(const Story& story, const scoring::ScoreResult& score, const rules::MatchResult* match,
                                 const rules::CompiledPack& pack) noexcept {
  if (file_ == nullptr) return;
  try {
    std::string& out = line_;
    out.clear();
    out += '{';
    text(out, "vendor", to_string(story.vendor));
    text(out, "id", story.id);
    text(out, "action", action_name(story.action));
    key(out, "revision");
    out += std::to_string(story.revision);
    key(out, "version");
    out += std::to_string(score.version);
    integer(out, "ts_source_us", story.ts_source_us);
    integer(out, "ts_updated_us", story.ts_updated_us);
    integer(out, "ts_recv_us", story.ts_recv_us);
    key(out, "tickers");
    out += '[';
    for (std::uint8_t i = 0; i < story.ticker_count; ++i) {
      if (i > 0) out += ',';
      out += '{';
      text(out, "ticker", story.tickers[i].view());
      if (((story.primary_tickers >> i) & 1u) != 0) {
        key(out, "primary");
        out += "true";
      }
      if (story.vendor_sentiment[i] != VendorSentiment::none) text(out, "vendor_sentiment", to_string(story.vendor_sentiment[i]));
      out += '}';
    }
    out += ']';
    text(out, "source", story.source);
    text(out, "author", story.author);
    text(out, "category", story.category);
    names(out, "channels", story.channels, story.channel_count);
    names(out, "tags", story.tags, story.tag_count);
    text(out, "headline", story.headline);
    text(out, "summary", story.summary);
    text(out, "body", story.body);
    text(out, "outcome", scoring::to_string(score.outcome));
    key(out, "signals");
    out += std::to_string(score.signal_count);
    key(out, "topics");
    out += '[';
    if (match != nullptr) {
      // Topics of the rules that matched, each once, in the order first matched.
      std::uint64_t seen = 0;
      bool first = true;
      for (std::size_t r = 0; r < match->rule_count; ++r) {
        const std::uint32_t topic = pack.rules()[match->rules[r].rule].topic;
        if (topic < 64 && ((seen >> topic) & 1u) != 0) continue;
        if (topic < 64) seen |= 1ULL << topic;
        if (!first) out += ',';
        first = false;
        append_json_string(out, pack.topic(topic).id);
      }
    }
    out += "]}\n";
    if (std::fwrite(out.data(), 1, out.size(), file_) != out.size() && error_ == 0) error_ = errno;
  } catch (const std::bad_alloc&) {
    if (error_ == 0) error_ = ENOMEM;
  }
}

bool StoryDump::close() noexcept {
  if (file_ == nullptr) return error_ == 0;
  if (std::fflush(file_) != 0 && error_ == 0) error_ = errno;
  if (std::fclose(file_) != 0 && error_ == 0) error_ = errno;
  file_ = nullptr;
  return error_ == 0;
}

}  // namespace h2s::tools
