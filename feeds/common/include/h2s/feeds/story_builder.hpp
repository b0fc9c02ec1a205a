#pragma once
// Per-message arena for text a decoder must produce itself (rendered ids, stripped HTML).
#include <cstddef>
#include <memory>
#include <string_view>

#include "h2s/model/control_reason.hpp"
#include "h2s/model/status.hpp"
#include "h2s/model/story.hpp"

namespace h2s::feeds {

class StoryBuilder {
 public:
  explicit StoryBuilder(std::size_t arena_bytes);

  // Starts a new story; invalidates views handed out for the previous one.
  Story& begin(Vendor vendor) noexcept;
  [[nodiscard]] Story& story() noexcept { return story_; }

  // Marks the message as a valid non-news one; decoders return this from their decode function.
  [[nodiscard]] Status control(ControlReason reason) noexcept {
    control_reason_ = reason;
    return Status::control_message;
  }
  [[nodiscard]] ControlReason control_reason() const noexcept { return control_reason_; }

  // Copies text into the arena; returns an empty view when it does not fit.
  [[nodiscard]] std::string_view store(std::string_view text) noexcept;
  // Strips tags and decodes common entities; returns false when the arena is too small.
  [[nodiscard]] bool store_html_as_text(std::string_view html, std::string_view& out) noexcept;
  // Adds a vendor ticker; symbols that are not tickers or exceed the capacity are skipped (-1).
  // Returns the ticker's index in the story (an existing one when already added).
  int add_ticker(std::string_view symbol) noexcept;
  // Adds a vendor channel or tag name; names beyond Story::kMaxChannels are skipped.
  void add_channel(std::string_view name) noexcept;
  void add_tag(std::string_view name) noexcept;
  // Adds each ticker of a comma- or space-separated list ("AAPL,MSFT").
  void add_ticker_list(std::string_view list) noexcept;

  [[nodiscard]] std::size_t arena_capacity() const noexcept { return capacity_; }
  // The longest headline, summary or body text kept (DecoderLimits::max_text_bytes).
  void set_max_text_bytes(std::size_t bytes) noexcept { max_text_bytes_ = bytes; }
  // `text` cut to max_text_bytes at a character boundary; marks the story when it cuts.
  [[nodiscard]] std::string_view cut_text(std::string_view text) noexcept;

 private:
  std::unique_ptr<char[]> arena_;
  std::size_t capacity_;
  std::size_t used_ = 0;
  std::size_t max_text_bytes_ = static_cast<std::size_t>(-1);
  Story story_;
  ControlReason control_reason_ = ControlReason::vendor_status;
};

// Strips HTML tags (and script/style content), decodes every HTML5 named reference (terminated by
// ';') and numeric references, reads
// typographic quotes, dashes and spaces as ASCII (’ is ', “ is ", — is -) and folds white space.
// Writes at most `capacity` bytes to `out`; returns the length written. Output is never longer
// than the input: every entity is longer than what it decodes to, and every typographic
// character than its ASCII reading ("…" is "..." in the same three bytes).
[[nodiscard]] std::size_t html_to_text(std::string_view html, char* out, std::size_t capacity) noexcept;
// Whether html_to_text would change `text` (markup, an entity or typographic punctuation).
[[nodiscard]] bool needs_text_rewrite(std::string_view text) noexcept;

}  // namespace h2s::feeds
