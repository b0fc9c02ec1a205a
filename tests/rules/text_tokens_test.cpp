// Words and clauses as the scorer reads them, and as the compiler counts a phrase's words.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "h2s/rules/text_tokens.hpp"

TEST_CASE("Words and clauses: inner punctuation stays in a word, joining words open a clause") {
  h2s::rules::TokenizedText words;
  const std::string text = "U.S. payrolls rise 275,000 as hiring slows; Fed's Waller doesn't see 0.4% m/m, $35.1B";
  h2s::rules::tokenize(text, words);
  std::vector<std::string> seen;
  for (std::uint32_t i = 0; i < words.count; ++i) seen.emplace_back(h2s::rules::token_text(text, words.tokens[i]));
  CHECK(seen == std::vector<std::string>{"U.S.", "payrolls", "rise", "275,000", "as", "hiring", "slows", "Fed's", "Waller",
                                         "doesn't", "see", "0.4%", "m/m", "$35.1B"});
  CHECK(words.tokens[0].clause == 0);
  CHECK(words.tokens[3].clause == 0);
  CHECK(words.tokens[4].clause == 1);  // "as" opens the next clause
  CHECK(words.tokens[7].clause == 2);  // after ';'
  CHECK(words.tokens[13].clause == 3);  // after ','
  CHECK(words.tokens[7].has(h2s::rules::Token::possessive));
  CHECK(words.tokens[7].hash == h2s::rules::word_hash("fed"));
  CHECK(words.tokens[3].has(h2s::rules::Token::number));
  CHECK(words.tokens[0].has(h2s::rules::Token::capital));
  // A match's end offset finds the word it ends in.
  CHECK(words.token_ending_at(static_cast<std::uint32_t>(text.find("rise") + 4)) == 2);
  CHECK(words.token_ending_at(static_cast<std::uint32_t>(text.find("Fed's") + 3)) == 7);  // "Fed" inside "Fed's"
  // "vs." and "Inc." do not end a sentence; a full stop before a capital does.
  h2s::rules::tokenize("CPI 0.4% vs. 0.3% est. Core rises. Nvidia Inc. shares", words);
  CHECK(words.tokens[words.count - 1].clause == 1);
}
