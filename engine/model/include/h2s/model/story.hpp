#pragma once
// The normalized newswire item every vendor decoder produces.
#include <array>
#include <cstdint>
#include <string_view>

#include "h2s/model/symbol.hpp"

namespace h2s {

enum class Vendor : std::uint8_t { unknown, alpaca, benzinga, finnhub, polygon, newsapi, generic };
enum class StoryAction : std::uint8_t { created, updated, deleted };
// A vendor's own per-ticker sentiment (Polygon insights): reported beside h2s's side, never used for it.
enum class VendorSentiment : std::uint8_t { none, positive, neutral, negative };

[[nodiscard]] constexpr std::string_view to_string(VendorSentiment s) noexcept {
  switch (s) {
    case VendorSentiment::positive: return "positive";
    case VendorSentiment::neutral: return "neutral";
    case VendorSentiment::negative: return "negative";
    case VendorSentiment::none: break;
  }
  return "";
}

[[nodiscard]] constexpr std::string_view to_string(Vendor v) noexcept {
  switch (v) {
    case Vendor::alpaca: return "alpaca";
    case Vendor::benzinga: return "benzinga";
    case Vendor::finnhub: return "finnhub";
    case Vendor::polygon: return "polygon";
    case Vendor::newsapi: return "newsapi";
    case Vendor::generic: return "generic";
    case Vendor::unknown: break;
  }
  return "unknown";
}

inline constexpr std::int64_t kNoTime = INT64_MIN;

// Views point into the decoder's per-message buffers: valid until the decoder's next message.
struct Story {
  static constexpr std::size_t kMaxTickers = 16;
  static constexpr std::size_t kMaxChannels = 8;

  Vendor vendor = Vendor::unknown;
  StoryAction action = StoryAction::created;
  std::string_view id;        // the vendor's id as given (integers rendered in decimal)
  std::uint64_t revision = 0; // vendor revision id, else updated_at in µs, else 0
  std::string_view headline;
  std::string_view summary;
  std::string_view body;      // HTML already stripped
  bool text_cut = false;      // a headline, summary or body was longer than the decoder's max_text_bytes: cut there
  std::array<Symbol, kMaxTickers> tickers{};  // vendor-tagged tickers
  std::uint8_t ticker_count = 0;
  std::uint16_t primary_tickers = 0;  // bit i: tickers[i] is the story's primary security (Benzinga)
  std::array<VendorSentiment, kMaxTickers> vendor_sentiment{};  // per ticker (Polygon insights)
  std::string_view source;    // publisher: Alpaca source, NewsAPI source.name, Polygon publisher.name, Finnhub source
  std::string_view author;
  std::string_view category;  // Finnhub category ("company", "technology", ...)
  std::array<std::string_view, kMaxChannels> channels{};  // Benzinga channels ("WIIM", "Analyst Ratings")
  std::uint8_t channel_count = 0;
  std::array<std::string_view, kMaxChannels> tags{};  // Benzinga tags
  std::uint8_t tag_count = 0;
  std::int64_t ts_source_us = kNoTime;   // published/created time, µs since the Unix epoch
  std::int64_t ts_updated_us = kNoTime;  // vendor's updated_at when given
  std::int64_t ts_recv_us = kNoTime;     // when h2s received it (replay: the recorded receive time)

  [[nodiscard]] bool has_vendor_ticker(std::string_view symbol) const noexcept { return vendor_ticker_index(symbol) >= 0; }
  // Index of `symbol` in tickers[], or -1.
  [[nodiscard]] int vendor_ticker_index(std::string_view symbol) const noexcept {
    for (std::uint8_t i = 0; i < ticker_count; ++i) {
      if (tickers[i].view() == symbol) return i;
    }
    return -1;
  }
  [[nodiscard]] bool is_primary(std::string_view symbol) const noexcept {
    const int i = vendor_ticker_index(symbol);
    return i >= 0 && ((primary_tickers >> i) & 1u) != 0;
  }
  [[nodiscard]] VendorSentiment vendor_sentiment_of(std::string_view symbol) const noexcept {
    const int i = vendor_ticker_index(symbol);
    return i >= 0 ? vendor_sentiment[static_cast<std::size_t>(i)] : VendorSentiment::none;
  }
};

}  // namespace h2s
