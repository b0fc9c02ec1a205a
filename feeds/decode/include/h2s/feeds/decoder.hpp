#pragma once
// Auto-detecting newswire decoder: one line of NDJSON in, one callback per message out.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "h2s/model/control_reason.hpp"
#include "h2s/model/status.hpp"
#include "h2s/model/story.hpp"

namespace h2s::feeds {

struct DecoderLimits {
  std::size_t max_message_bytes = 1 << 20;  // a longer line is rejected as oversized
  std::size_t max_depth = 64;               // deeper JSON nesting is rejected as malformed
  // A headline, summary or body longer than this is cut here (story.text_cut, counted): matching and scoring
  // a story stay within milliseconds however long its text.
  std::size_t max_text_bytes = 32 * 1024;
};

// Receives exactly one callback per message in the line; a line that cannot be split into
// messages is one rejected message.
class DecodeSink {
 public:
  virtual ~DecodeSink() = default;
  virtual void on_story(const Story& story) noexcept = 0;
  virtual void on_rejected(Status reason) noexcept = 0;
  virtual void on_control(ControlReason reason) noexcept = 0;
};

// Bytes of readable memory a caller must provide past the end of every line.
inline constexpr std::size_t kLinePadding = 64;

class Decoder {
 public:
  explicit Decoder(const DecoderLimits& limits = {});
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // `line` must be followed by kLinePadding readable bytes. recv_us == kNoTime means "not known":
  // the story's receive time is then its recorded one or, failing that, its latest vendor time.
  void decode(std::string_view line, std::int64_t recv_us, DecodeSink& sink) noexcept;

  [[nodiscard]] const DecoderLimits& limits() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace h2s::feeds
