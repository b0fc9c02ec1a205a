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

TEST_CASE("Typographic quotes, dashes and spaces read as ASCII, raw or as entities, and other entities decode") {
  // Source: the entity forms of Benzinga and Alpaca bodies (issue 15's report) and wire headlines.
  CHECK(strip("Nvidia doesn\u2019t slow") == "Nvidia doesn't slow");
  CHECK(strip("Fed\u2019s \u201cno rush\u201d \u2014 Powell") == "Fed's \"no rush\" - Powell");
  CHECK(strip("Fed&#8217;s Waller &ldquo;open&rdquo; to a cut &mdash; or two&hellip;") ==
        "Fed's Waller \"open\" to a cut - or two...");
  CHECK(strip("AWS&rsquo; capex &ndash; up &#x2019;25") == "AWS' capex - up '25");
  CHECK(strip("caf&#233; &#x1F600; 1&#160;000") == "caf\u00e9 \U0001F600 1 000");
  CHECK(strip("bad &#0; &#xD800; &#99999999; kept") == "bad &#0; &#xD800; &#99999999; kept");
  CHECK(strip("a\u00a0b\u2009c") == "a b c");
  CHECK_FALSE(h2s::feeds::needs_text_rewrite("plain ASCII, caf\u00e9 and \u20ac are left alone"));
  CHECK(h2s::feeds::needs_text_rewrite("it\u2019s"));
  CHECK(h2s::feeds::needs_text_rewrite("a &amp; b"));
  // Never longer than the input, which is what lets the arena bound the output by the input.
  for (const char* text : {"\u2026", "&hellip;", "&#1;", "&#x10FFFF;", "\u00a0"}) {
    CHECK(strip(text).size() <= std::string(text).size());
  }
}

TEST_CASE("Every HTML5 named reference decodes, case-sensitively, and only when terminated") {
  CHECK(strip("Soci&eacute;t&eacute; G&Eacute;n&eacute;rale") == "Soci\u00e9t\u00e9 G\u00c9n\u00e9rale");
  CHECK(strip("&euro;5bn &trade; &copy; &frac12; &AMP; &NotEqual; &NewLine;x") == "\u20ac5bn \u2122 \u00a9 \u00bd & \u2260 x");
  CHECK(strip("&lsquo;&rsquor;&OpenCurlyDoubleQuote;&CloseCurlyQuote;&dash;&horbar;&NonBreakingSpace;&hellip;") == "''\"'-- ...");
  CHECK(strip("AT&T and S&P&nbsp;500, &eacute without a semicolon, &Eacute; &EACUTE;") ==
        "AT&T and S&P 500, &eacute without a semicolon, \u00c9 &EACUTE;");
  // A value longer than its reference ("&nGt;" is U+226B U+20D2) keeps its base character only.
  CHECK(strip("&nGt;") == "\u226b");
  for (const char* text : {"&nGt;", "&nLt;", "&ThickSpace;", "&fjlig;", "&bne;", "&acE;", "&Aring;"}) {
    CHECK(strip(text).size() <= std::string(text).size());
  }
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
