#pragma once
// Decodes lines and keeps copies of everything the decoder reported, for assertions.
#include <cstring>
#include <string>
#include <vector>

#include "h2s/feeds/decoder.hpp"

namespace h2s::test {

struct CapturedStory {
  Vendor vendor;
  StoryAction action;
  std::string id, headline, summary, body;
  bool text_cut = false;
  std::vector<std::string> tickers;
  std::uint64_t revision;
  std::int64_t ts_source_us, ts_updated_us, ts_recv_us;
  std::uint16_t primary_tickers = 0;
  std::vector<VendorSentiment> vendor_sentiment;  // one per ticker
  std::string source, author, category;
  std::vector<std::string> channels, tags;
};

class DecodeCapture final : public feeds::DecodeSink {
 public:
  std::vector<CapturedStory> stories;
  std::vector<Status> rejected;
  int control = 0;
  std::vector<ControlReason> control_reasons;

  void on_story(const Story& s) noexcept override {
    CapturedStory c{};
    c.vendor = s.vendor;
    c.action = s.action;
    c.id = s.id;
    c.headline = s.headline;
    c.summary = s.summary;
    c.body = s.body;
    c.text_cut = s.text_cut;
    c.revision = s.revision;
    c.ts_source_us = s.ts_source_us;
    c.ts_updated_us = s.ts_updated_us;
    c.ts_recv_us = s.ts_recv_us;
    for (std::uint8_t i = 0; i < s.ticker_count; ++i) {
      c.tickers.emplace_back(s.tickers[i].view());
      c.vendor_sentiment.push_back(s.vendor_sentiment[i]);
    }
    c.primary_tickers = s.primary_tickers;
    c.source = s.source;
    c.author = s.author;
    c.category = s.category;
    for (std::uint8_t i = 0; i < s.channel_count; ++i) c.channels.emplace_back(s.channels[i]);
    for (std::uint8_t i = 0; i < s.tag_count; ++i) c.tags.emplace_back(s.tags[i]);
    stories.push_back(std::move(c));
  }
  void on_rejected(Status reason) noexcept override { rejected.push_back(reason); }
  void on_control(ControlReason reason) noexcept override {
    ++control;
    control_reasons.push_back(reason);
  }
  [[nodiscard]] std::size_t callbacks() const { return stories.size() + rejected.size() + control; }
};

// Copies the line into a buffer with the padding the decoder requires, then decodes it.
inline DecodeCapture decode_line(feeds::Decoder& decoder, const std::string& line, std::int64_t recv_us = kNoTime) {
  std::vector<char> padded(line.size() + feeds::kLinePadding, ' ');
  std::memcpy(padded.data(), line.data(), line.size());
  DecodeCapture capture;
  decoder.decode({padded.data(), line.size()}, recv_us, capture);
  return capture;
}

}  // namespace h2s::test
