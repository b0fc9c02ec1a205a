#include <catch2/catch.hpp>

#include <string>

#include "h2s/feeds/story_builder.hpp"

using h2s::feeds::html_to_text;
using h2s::feeds::StoryBuilder;

namespace {
std::string strip(const std::string& html) {
  std::string out(html.size(), '\0');
  out.resize(html_to_text(html, out.data(), out.size()));
  return out;
}
}  // namespace

TEST_CASE("HTML bodies are stripped to matchable text") {
  CHECK(strip("<p>Amazon <b>raises</b> capex</p><p>AWS &amp; Trainium</p>") == "Amazon raises capex AWS & Trainium");
  CHECK(strip("a<script>var x = '<p>hidden</p>';</script>b") == "a b");
  CHECK(strip("<style>p{color:red}</style>visible") == "visible");
  CHECK(strip("Fed&#39;s Williams&nbsp;speaks") == "Fed's Williams speaks");
  CHECK(strip("unknown &entity; stays") == "unknown &entity; stays");
  CHECK(strip("truncated <a href=") == "truncated");
  CHECK(strip("  spaced\n\n out\t") == "spaced out");
}

TEST_CASE("The story arena refuses text that does not fit instead of overflowing") {
  StoryBuilder builder(16);
  builder.begin(h2s::Vendor::generic);
  CHECK(builder.store("0123456789") == "0123456789");
  CHECK(builder.store("0123456789").empty());
  builder.begin(h2s::Vendor::generic);  // a new story reuses the arena
  CHECK(builder.store("0123456789") == "0123456789");
}

TEST_CASE("Vendor tickers are normalized, de-duplicated and bounded") {
  StoryBuilder builder(64);
  h2s::Story& story = builder.begin(h2s::Vendor::finnhub);
  builder.add_ticker_list("amzn, NVDA,$AVGO,,AMZN,toolongsymbol,BRK.B");
  REQUIRE(story.ticker_count == 4);
  CHECK(story.tickers[0].view() == "AMZN");
  CHECK(story.tickers[1].view() == "NVDA");
  CHECK(story.tickers[2].view() == "AVGO");
  CHECK(story.tickers[3].view() == "BRK.B");
  for (int i = 0; i < 40; ++i) builder.add_ticker(std::string(1, 'T').append(std::to_string(i)));
  CHECK(story.ticker_count == h2s::Story::kMaxTickers);
}
